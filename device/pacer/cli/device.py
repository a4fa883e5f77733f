"""``pacer device``: configure a pacer over its USB serial link.

Only argparse and the stdlib are imported here; the client (pyserial) and the validators
are imported inside the handlers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pacer.core.terminal import escaped

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pacer.link.host import DeviceClient

DESCRIPTION = """\
Talk to a pacer plugged in over USB: copy workouts to it, set its clock, profile and
settings, start and stop a workout, watch it live and download recorded activities.
Without --port the pacer is found by its USB identity (exactly one must be plugged in)."""

EPILOG = """\
examples:
  pacer device info                       who is plugged in, its clock, what it holds
  pacer device time-sync                  set the device clock from this computer
  pacer device push examples/step-up-run*.yaml
                                          validate here, then on the device, then store
  pacer device ls                         workouts on the device (* selected, > running)
  pacer device pull step-up-run -o run.yaml
  pacer device select step-up-run && pacer device start
  pacer device profile push examples/profile.yaml
  pacer device profile set max_hr=186 resting_hr=48
  pacer device settings set haptics.strength=0.6 display.dim_after_s=60
  pacer device download --dir ~/runs      every activity not downloaded yet
  pacer device status --follow            a live view of the running workout
  pacer device sync set-key               the intervals.icu key, for the device's own sync
  pacer device --port /dev/ttyACM0 ls     name the port (also: PACER_PORT=...)
"""

Handler = Callable[["DeviceClient", argparse.Namespace], int]


def add_link_arguments(parser: argparse.ArgumentParser) -> None:
    """``--port`` and ``--timeout``: how a command on the laptop finds and waits for the
    pacer on USB (``pacer device``, ``pacer sync``)."""
    parser.add_argument(
        "--port",
        default=os.environ.get("PACER_PORT"),
        help="serial port (/dev/ttyACM0, COM3, /dev/cu.usbmodem1; $PACER_PORT); default: "
        "find the pacer on USB",
    )
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="seconds to wait for each answer (5)"
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from pacer.core.samples import PodCadenceUnit

    parser = sub.add_parser(
        "device",
        help="configure a pacer over USB serial (workouts, clock, profile, downloads)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_link_arguments(parser)
    parser.set_defaults(handler=_run)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, func: Handler, help_: str) -> argparse.ArgumentParser:
        p = actions.add_parser(name, help=help_, description=help_)
        p.set_defaults(action_handler=func)
        return p

    action("info", _info, "the device's identity, software, clock and contents")
    action("time-sync", _time_sync, "set the device clock to this computer's (it has no RTC)")
    p = action("push", _push, "validate workout files here and on the device, then store them")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument(
        "--profile",
        type=Path,
        help="validate against this profile here (default: the device's profile)",
    )
    action("ls", _ls, "list the workouts on the device")
    p = action("pull", _pull, "print a workout's source text as stored on the device")
    p.add_argument("name", metavar="NAME")
    p.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    p = action("rm", _rm, "delete a workout from the device (not the running one)")
    p.add_argument("name", metavar="NAME")
    p = action("select", _select, "select the workout the start button runs")
    p.add_argument("name", metavar="NAME")
    p = action("start", _start, "start a workout (default: the selected one)")
    p.add_argument("name", metavar="NAME", nargs="?")
    action("stop", _stop, "stop the running workout")

    p = action("profile", _profile, "the athlete profile: get | set KEY=VALUE... | push FILE")
    p.add_argument("verb", choices=("get", "set", "push"))
    p.add_argument("items", nargs="*", metavar="KEY=VALUE|FILE")

    p = action("settings", _settings, "device settings: get | set KEY=VALUE... (KEY= resets)")
    p.add_argument("verb", choices=("get", "set"))
    p.add_argument("items", nargs="*", metavar="KEY=VALUE")

    p = action("sensors", _sensors, "paired sensors: list | pair ADDRESS ROLE | forget ADDRESS")
    p.add_argument("verb", choices=("list", "pair", "forget"), nargs="?", default="list")
    p.add_argument("items", nargs="*", metavar="ARG")
    p.add_argument(
        "--cadence-unit", choices=[u.value for u in PodCadenceUnit], help="for a foot pod"
    )

    action("activities", _activities, "list recorded activities")
    p = action("download", _download, "download activities (default: those not downloaded yet)")
    p.add_argument("ids", nargs="*", type=int, metavar="ID")
    p.add_argument("--all", action="store_true", help="every finished activity, again")
    p.add_argument("--dir", type=Path, default=Path("."), help="where to save them (.)")
    p = action("status", _status, "the device's state; --follow for a live view")
    p.add_argument("--follow", "-f", action="store_true", help="keep updating (Ctrl-C stops)")
    p.add_argument("--count", type=int, metavar="N", help="with --follow: stop after N updates")

    from pacer.cli import device_sync

    device_sync.register(action)


def _run(args: argparse.Namespace) -> int:
    from pacer.link.host import DeviceClient, find_port

    port = args.port or find_port()
    with DeviceClient(port, timeout=args.timeout) as client:
        client.hello()
        handler: Handler = args.action_handler
        return handler(client, args)


# --- formatting ------------------------------------------------------------------------


def _when(t: float | None) -> str:
    if t is None:
        return "-"
    return datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S")


def _size(n: int) -> str:
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} KiB"


def _table(rows: list[list[str]]) -> str:
    from pacer.core.textable import table

    return table(rows[0], rows[1:])


def _pairs(items: list[str]) -> Iterator[tuple[str, str]]:
    from pacer.core.errors import ConfigError

    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"expected KEY=VALUE, not {item!r}")
        yield key.strip(), value


# --- actions ---------------------------------------------------------------------------


def _info(client: DeviceClient, args: argparse.Namespace) -> int:
    import time

    from pacer.link.ops import Op

    info = client.info
    offset = float(info["time"]) - time.time()
    workouts = client.workouts()
    activities = client.activities()
    status = client.status()
    new = sum(1 for a in activities if not a["downloaded"])
    print(f"pacer on {escaped(client.port)}")
    print(f"  device id:   {escaped(str(info['device_id']))}")
    print(f"  software:    {escaped(str(info['software']))} (protocol {info['protocol']})")
    print(f"  clock:       {_when(float(info['time']))} ({offset:+.1f} s from this computer)")
    print(
        f"  workouts:    {len(workouts['workouts'])} of {workouts['max']}"
        f" (selected: {escaped(str(workouts['selected'] or '-'))})"
    )
    print(f"  activities:  {len(activities)} ({new} not downloaded)")
    print(f"  state:       {escaped(str(status.get('state', '?')))}")
    if "secret.list" in info.get("capabilities", []):
        from pacer.cli.device_sync import render

        keys = render(client.request(Op.SECRET_LIST)["secrets"]).replace("\n", "; ")
        print(f"  sync keys:   {escaped(keys)}")
    if abs(offset) > 2:
        print("  (run 'pacer device time-sync' to set its clock)")
    return 0


def _time_sync(client: DeviceClient, args: argparse.Namespace) -> int:
    import time

    before = time.time()
    result = client.time_sync()
    drift = float(result["previous"]) - before
    print(f"device clock set to {_when(float(result['wall']))} (it was {drift:+.1f} s off)")
    return 0


def _push(client: DeviceClient, args: argparse.Namespace) -> int:
    from pacer.cli.validate import profile_for, read_bytes
    from pacer.core.errors import InputErrors
    from pacer.link.protocol import NAME_RE, NAME_RULE, ErrorCode, RequestError
    from pacer.workout.describe import summary
    from pacer.workout.fileformat import load_workout
    from pacer.workout.profile import load_profile

    stored = client.profile_get()["text"]
    device_profile = None if stored is None else load_profile(stored, source="device profile")
    checked: list[tuple[Path, str, str, str]] = []
    failed = False
    for path in args.files:
        name = path.stem
        if not NAME_RE.fullmatch(name):
            print(
                f"{escaped(str(path))}: cannot be a workout name ({NAME_RULE}); rename it",
                file=sys.stderr,
            )
            failed = True
            continue
        try:
            data = read_bytes(path)
            # The same validator as 'pacer validate': --profile, else a profile.yaml beside
            # the file, else the profile on the device.
            profile = profile_for(path, args.profile) or device_profile
            workout = load_workout(data, str(path), profile=profile)
            text = data.decode("utf-8")
        except InputErrors as exc:
            for error in exc.errors:
                print(escaped(str(error)), file=sys.stderr)
            failed = True
            continue
        checked.append((path, name, text, summary(workout)))
    if failed:
        print("nothing pushed: fix the errors above", file=sys.stderr)
        return 2
    status = 0
    for path, name, text, line in checked:
        try:
            result = client.workout_put(name, text)
        except RequestError as exc:
            status = 2
            if exc.code == ErrorCode.INVALID_WORKOUT and exc.details:
                for d in exc.details:
                    where = f"{path}:{d.line}:{d.col}"
                    print(escaped(f"{where}: {d.message} (on the device)"), file=sys.stderr)
            else:
                print(escaped(f"{path}: {exc}"), file=sys.stderr)
            continue
        verb = "replaced" if result["replaced"] else "added"
        print(escaped(f"{verb} {name} ({_size(int(result['bytes']))}): {line}"))
    return status


def _ls(client: DeviceClient, args: argparse.Namespace) -> int:
    listing = client.workouts()
    workouts = listing["workouts"]
    if not workouts:
        print("no workouts on the device: pacer device push FILE...")
        return 0
    rows = [["", "NAME", "SIZE", "UPDATED"]]
    for w in workouts:
        flag = ">" if w["running"] else "*" if w["selected"] else ""
        rows.append([flag, w["name"], _size(int(w["bytes"])), _when(w["updated"])])
    print(_table(rows))
    return 0


def _pull(client: DeviceClient, args: argparse.Namespace) -> int:
    text = str(client.workout_get(args.name)["text"])
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


def _rm(client: DeviceClient, args: argparse.Namespace) -> int:
    client.workout_delete(args.name)
    print(f"deleted {args.name}")
    return 0


def _select(client: DeviceClient, args: argparse.Namespace) -> int:
    client.select(args.name)
    print(f"selected {args.name}")
    return 0


def _start(client: DeviceClient, args: argparse.Namespace) -> int:
    result = client.start(args.name)
    print(f"started {escaped(str(result['running']))}")
    return 0


def _stop(client: DeviceClient, args: argparse.Namespace) -> int:
    result = client.stop()
    print(f"stopped {escaped(str(result['stopped']))}")
    return 0


def _profile(client: DeviceClient, args: argparse.Namespace) -> int:
    from pacer.core.errors import ConfigError, InputErrors
    from pacer.workout.profile import load_profile

    if args.verb == "get":
        text = client.profile_get()["text"]
        if text is None:
            print("no profile on the device: pacer device profile push FILE", file=sys.stderr)
            return 1
        sys.stdout.write(text)
        return 0
    if args.verb == "push":
        if len(args.items) != 1:
            raise ConfigError("profile push takes one FILE")
        from pacer.cli.validate import read_bytes
        from pacer.core.errors import ProfileError
        from pacer.workout.yamlnodes import decode_text

        path = Path(args.items[0])
        source = str(path)
        text = decode_text(read_bytes(path), source, ProfileError)  # size and UTF-8 checked
    else:
        if not args.items:
            raise ConfigError("profile set needs KEY=VALUE...")
        current = client.profile_get()["text"] or ""
        text = edit_yaml(current, dict(_pairs(args.items)))
        source = "profile (edited)"
    try:
        load_profile(text, source=source)
    except InputErrors as exc:
        for error in exc.errors:
            print(escaped(str(error)), file=sys.stderr)
        return 1
    client.profile_put(text)
    print(f"profile stored ({_size(len(text.encode()))})")
    return 0


def edit_yaml(text: str, changes: Mapping[str, str]) -> str:
    """Set dotted keys in a YAML mapping (``paces.marathon=7:00/mi``); values are read as
    YAML scalars or flow lists, except that ``7:00``-like times stay strings. Comments are
    not kept."""
    import yaml

    from pacer.core.errors import ConfigError

    data = yaml.safe_load(text) if text.strip() else {}
    if not isinstance(data, dict):
        raise ConfigError("the device's profile is not a YAML mapping; push a whole file")
    for key, raw in changes.items():
        value: Any
        if ":" in raw and not raw.lstrip().startswith(("[", "{")):
            value = raw
        else:
            try:
                value = yaml.safe_load(raw) if raw.strip() else None
            except yaml.YAMLError:
                value = raw
        node = data
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"{key}: {part} is not a mapping")
            node = child
        if value is None:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def _settings(client: DeviceClient, args: argparse.Namespace) -> int:
    from pacer.config.settings import describe, parse_text
    from pacer.core.errors import ConfigError

    if args.verb == "get":
        result = client.settings_get()
        rows = [["KEY", "VALUE", "", "ALLOWED"]]
        for key, value in result["settings"].items():
            mark = "(set)" if key in result["set"] else ""
            rows.append([key, json.dumps(value), mark, describe(key)])
        print(_table(rows))
        return 0
    if not args.items:
        raise ConfigError("settings set needs KEY=VALUE... (KEY= resets to the default)")
    values: dict[str, Any] = {}
    for key, raw in _pairs(args.items):
        values[key] = None if raw == "" else parse_text(key, raw)
    result = client.settings_set(values)
    for key in values:
        print(f"{key} = {json.dumps(result['settings'].get(key))}")
    return 0


def _sensors(client: DeviceClient, args: argparse.Namespace) -> int:
    from pacer.core.errors import ConfigError
    from pacer.link.ops import Op

    if args.verb == "list":
        sensors = client.sensors()["sensors"]
        if not sensors:
            print("no sensors paired")
            return 0
        rows = [["ROLE", "ADDRESS", "NAME", "CADENCE"]]
        for s in sensors:
            rows.append([s["role"], s["address"], s["name"] or "", s["cadence_unit"] or ""])
        print(_table(rows))
        return 0
    if args.verb == "pair":
        if len(args.items) not in (2, 3):
            raise ConfigError("sensors pair ADDRESS ROLE [NAME]  (ROLE: hr, pod, cadence, power)")
        req: dict[str, Any] = {"address": args.items[0], "role": args.items[1]}
        if len(args.items) == 3:
            req["name"] = args.items[2]
        if args.cadence_unit:
            req["cadence_unit"] = args.cadence_unit
        result = client.request(Op.SENSORS_PAIR, req)
        for old in result["replaced"]:
            print(escaped(f"replaced {old['role']} {old['address']}"))
        print(escaped(f"paired {result['paired']['role']} {result['paired']['address']}"))
        return 0
    if len(args.items) != 1:
        raise ConfigError("sensors forget ADDRESS")
    result = client.request(Op.SENSORS_FORGET, {"address": args.items[0]})
    for p in result["forgotten"]:
        print(escaped(f"forgot {p['role']} {p['address']}"))
    return 0


def _activities(client: DeviceClient, args: argparse.Namespace) -> int:
    activities = client.activities()
    if not activities:
        print("no activities recorded")
        return 0
    rows = [["ID", "STARTED", "WORKOUT", "STATUS", "SIZE", "DOWNLOADED"]]
    for a in activities:
        rows.append(
            [
                str(a["id"]),
                _when(a["started"]),
                a["workout"] or "-",
                a["status"],
                _size(int(a["bytes"])),
                "yes" if a["downloaded"] else "no",
            ]
        )
    print(_table(rows))
    return 0


def _download(client: DeviceClient, args: argparse.Namespace) -> int:
    from pacer.cli._progress import ProgressBar
    from pacer.core.errors import ConfigError

    activities = {int(a["id"]): a for a in client.activities()}
    if args.ids:
        missing = [i for i in args.ids if i not in activities]
        if missing:
            raise ConfigError(f"no activity {missing[0]} on the device (see 'activities')")
        chosen = [activities[i] for i in args.ids]
    else:
        chosen = [
            a
            for a in activities.values()
            if a["status"] != "recording" and (args.all or not a["downloaded"])
        ]
    if not chosen:
        print("nothing to download")
        return 0
    for activity in chosen:
        bar = ProgressBar(f"activity {activity['id']}")
        path = client.download(activity, args.dir, progress=bar)
        bar.finish(f"-> {path}")
    return 0


def _status(client: DeviceClient, args: argparse.Namespace) -> int:
    if not args.follow:
        print(render_status(client.status()))
        return 0
    from contextlib import closing

    live = sys.stdout.isatty()
    drawn = 0
    try:
        with closing(client.follow_status()) as statuses:  # unsubscribes on the way out
            for n, status in enumerate(statuses, start=1):
                if live:  # redraw the block in place
                    block = render_status(status)
                    if drawn:
                        sys.stdout.write(f"\x1b[{drawn}F\x1b[J")  # back to the block's top, clear
                    sys.stdout.write(block + "\n")
                    drawn = block.count("\n") + 1
                else:  # piped: one JSON object per line
                    sys.stdout.write(json.dumps(status) + "\n")
                sys.stdout.flush()
                if args.count is not None and n >= args.count:
                    break
    except KeyboardInterrupt:
        pass
    return 0


def render_status(status: Mapping[str, Any]) -> str:
    """``key: value`` lines, nested mappings as ``key.sub``; state and workout first."""
    flat: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        else:
            flat[prefix] = value

    walk("", status)
    order = ["state", "workout"]
    keys = [k for k in order if k in flat] + [k for k in flat if k not in order]
    width = max((len(k) for k in keys), default=0)
    return "\n".join(f"{k.ljust(width)}  {_fmt(flat[k])}" for k in keys)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    if value is None:
        return "-"
    return str(value)
