"""``pacer sensors``: find Bluetooth LE sensors and pair them (scan, pair, forget, list)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pacer.core.terminal import escaped

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pacer.ble.pairing import Pairing
    from pacer.ble.radio import Advert

ROLES = ("hr", "pod", "cadence", "power")

DESCRIPTION = """\
Find and pair the Bluetooth LE sensors pacer reads: a heart-rate strap (hr), a running foot
pod (pod), a bike speed/cadence sensor (cadence) and a power meter (power). The daemon
connects only to paired sensors, one per role. Pairings live in the device's store
(pacer.db, the same one the USB link writes) in the data directory: --data-dir, else
$PACER_DATA_DIR, else systemd's $STATE_DIRECTORY, else /var/lib/pacer for the pacer user,
else $XDG_DATA_HOME/pacer, else ~/.local/share/pacer (as 'pacer run').
"""

EPILOG = """\
examples:
  pacer sensors scan                          sensors advertising nearby, strongest first
  pacer sensors scan --timeout 20             look longer (wake the strap: wet it, wear it)
  pacer sensors pair F0:13:C3:5A:2B:01 --as hr
  pacer sensors pair C4:7C:8D:6A:00:12 --as pod --cadence-unit strides
                                              a pod that reports strides, not steps
  pacer sensors list                          what is paired
  pacer sensors forget F0:13:C3:5A:2B:01      unpair one sensor
  pacer sensors forget --all                  unpair every sensor
"""


def register(sub: Any) -> None:
    from pacer.core.samples import PodCadenceUnit

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="D",
        help="directory holding the device store (default: see 'pacer sensors --help')",
    )
    parser = sub.add_parser(
        "sensors",
        help="scan for, pair and forget Bluetooth LE sensors",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    scan = actions.add_parser(
        "scan",
        parents=[common],
        help="list nearby heart-rate, foot-pod, cadence and power sensors",
        description="Scan for devices advertising the heart rate (0x180D), running speed "
        "and cadence (0x1814), cycling speed and cadence (0x1816) or cycling power (0x1818) "
        "service, and print name, address, signal strength (RSSI, dBm) and services.",
        epilog="examples:\n  pacer sensors scan\n"
        "  pacer sensors scan --timeout 20 --adapter hci1\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scan.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="seconds to scan (default: 10)",
    )
    scan.add_argument("--adapter", default=None, help="Bluetooth adapter, e.g. hci1")
    scan.set_defaults(handler=run_scan)

    pair = actions.add_parser(
        "pair",
        parents=[common],
        help="pair a sensor for a role (replaces the sensor paired for that role)",
        description="Pair the sensor at ADDRESS (from 'pacer sensors scan') for a role. "
        "Each role has one sensor: pairing another replaces it.",
        epilog="examples:\n  pacer sensors pair F0:13:C3:5A:2B:01 --as hr --name 'Polar H10'\n"
        "  pacer sensors pair C4:7C:8D:6A:00:12 --as pod --cadence-unit strides\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    pair.add_argument("address", metavar="ADDRESS", help="e.g. F0:13:C3:5A:2B:01")
    pair.add_argument(
        "--as", dest="role", choices=ROLES, required=True, help="what the sensor is used for"
    )
    pair.add_argument("--name", default="", help="a label for 'pacer sensors list'")
    pair.add_argument(
        "--cadence-unit",
        choices=[u.value for u in PodCadenceUnit],
        default=PodCadenceUnit.STEPS.value,
        help="foot pods only: what the pod's cadence counts (default: steps; pacer always "
        "shows steps per minute)",
    )
    pair.set_defaults(handler=run_pair)

    forget = actions.add_parser(
        "forget",
        parents=[common],
        help="unpair a sensor (or all of them)",
        description="Forget the sensor at ADDRESS, or every sensor with --all.",
        epilog="examples:\n  pacer sensors forget F0:13:C3:5A:2B:01\n"
        "  pacer sensors forget --all\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    which = forget.add_mutually_exclusive_group(required=True)
    which.add_argument("address", metavar="ADDRESS", nargs="?", help="the sensor to forget")
    which.add_argument("--all", action="store_true", help="forget every paired sensor")
    forget.set_defaults(handler=run_forget)

    listing = actions.add_parser(
        "list",
        parents=[common],
        help="show the paired sensors",
        description="Show the paired sensors: role, address, name and, for a foot pod, what "
        "its cadence counts.",
        epilog="examples:\n  pacer sensors list\n  pacer sensors list --data-dir /var/lib/pacer\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    listing.set_defaults(handler=run_list)


def _data_dir(args: argparse.Namespace) -> Path:
    """--data-dir, else the store's own default (:func:`pacer.storage.schema.resolve_data_dir`),
    so a pairing made here lands in the store the daemon opens."""
    from pacer.storage.schema import default_data_dir

    data_dir: Path | None = args.data_dir
    return data_dir if data_dir is not None else default_data_dir()


def run_scan(args: argparse.Namespace) -> int:
    import asyncio

    from pacer.ble.gatt import ROLE_SPECS
    from pacer.ble.pairing import load_pairings
    from pacer.ble.radio import scan
    from pacer.core.errors import HardwareError

    paired = {p.address: p.role.value for p in load_pairings(_data_dir(args))}

    def progress(advert: Advert) -> None:
        name = escaped(advert.name or "(no name)")
        print(f"  found {name} {escaped(advert.address)}", file=sys.stderr)

    print(f"Scanning for {args.timeout:g} s ...", file=sys.stderr)
    try:
        adverts = asyncio.run(scan(args.timeout, adapter=args.adapter, on_found=progress))
    except HardwareError as exc:
        print(f"pacer: {escaped(str(exc))}", file=sys.stderr)
        print(
            "Is there a Bluetooth adapter, and is bluetoothd running? "
            "(systemctl status bluetooth; bluetoothctl show)",
            file=sys.stderr,
        )
        return 1
    if not adverts:
        print("No heart-rate, foot-pod, cadence or power sensor found. Wake it up and retry.")
        return 0
    rows: list[tuple[str, ...]] = []
    for a in adverts:
        services = ", ".join(ROLE_SPECS[r].label for r in a.roles)
        rows.append((a.name or "-", a.address, str(a.rssi), services, paired.get(a.address, "")))
    from pacer.core.textable import table

    print(table(("NAME", "ADDRESS", "RSSI", "SERVICES", "PAIRED"), rows))
    return 0


def run_pair(args: argparse.Namespace) -> int:
    from pacer.ble.pairing import Pairing, pair
    from pacer.core.samples import PodCadenceUnit, SensorRole

    pairing = Pairing(
        address=args.address,
        role=SensorRole(args.role),
        name=args.name,
        cadence_unit=PodCadenceUnit(args.cadence_unit),
    )
    data_dir = _data_dir(args)
    replaced = pair(data_dir, pairing)
    for old in replaced:
        print(f"replaced {_describe(old)}")
    print(f"paired {_describe(pairing)} (in {data_dir})")
    return 0


def run_forget(args: argparse.Namespace) -> int:
    from pacer.ble.pairing import forget

    removed = forget(_data_dir(args), None if args.all else args.address)
    if not removed:
        print("nothing to forget" if args.all else f"{args.address} is not paired")
        return 0 if args.all else 1
    for p in removed:
        print(f"forgot {_describe(p)}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from pacer.ble.pairing import load_pairings
    from pacer.core.samples import SensorRole

    pairings = load_pairings(_data_dir(args))
    if not pairings:
        print("no sensors paired (pacer sensors scan, then pacer sensors pair ADDRESS --as ROLE)")
        return 0
    rows: list[tuple[str, ...]] = []
    for p in pairings:
        unit = p.cadence_unit.value if p.role is SensorRole.POD else ""
        rows.append((p.role.value, p.address, p.name or "-", unit))
    from pacer.core.textable import table

    print(table(("ROLE", "ADDRESS", "NAME", "CADENCE"), rows))
    return 0


def _describe(p: Pairing) -> str:
    name = f" ({p.name})" if p.name else ""
    return escaped(f"{p.address}{name} as {p.role.value}")
