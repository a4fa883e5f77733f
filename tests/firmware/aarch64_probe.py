"""Run by tests/firmware/test_aarch64.py under qemu-aarch64 (not a test module itself).

Exercises the compiled wheels the Pi gets and the pieces of pacer that sit on them, and
prints what it found as one JSON object; the test judges it and compares the bytes with the
same work done on this machine (:func:`ble` and :func:`data` run on both).
"""

from __future__ import annotations

import io
import json
import os
import platform
import struct
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
#: The compiled modules of the Pi's wheels (importing each loads its shared object).
COMPILED = (
    "PIL._imaging",
    "PIL._imagingft",
    "yaml._yaml",
    "cbor2._cbor2",
    "dbus_fast.message",
    "dbus_fast.unpack",
    "dbus_fast._private.marshaller",
    "dbus_fast._private.unmarshaller",
    "_lgpio",
)

#: A heart-rate strap's notification as BlueZ sends it to bleak: PropertiesChanged on the
#: characteristic, Value = the SIG's example (contact, 85 bpm, 50 kJ, RR 33/1024 s).
HR_VALUE = bytes.fromhex("1E5532002100")
CHAR_PATH = "/org/bluez/hci0/dev_C0_FF_EE_00_00_01/service000c/char000d"


def properties_changed(value: bytes) -> Any:
    from dbus_fast import Message, MessageType, Variant

    return Message(
        message_type=MessageType.SIGNAL,
        path=CHAR_PATH,
        interface="org.freedesktop.DBus.Properties",
        member="PropertiesChanged",
        signature="sa{sv}as",
        body=["org.bluez.GattCharacteristic1", {"Value": Variant("ay", value)}, []],
        serial=7,
    )


def ble() -> dict[str, Any]:
    """The notification marshalled and read back by dbus-fast's compiled code, then
    decoded by pacer's parsers, as a live session does with bleak's callback."""
    from dbus_fast._private.unmarshaller import Unmarshaller

    from pacer.ble.decode import decoder_for
    from pacer.ble.parsers import parse_csc, parse_cycling_power, parse_rsc
    from pacer.core.samples import SensorRole

    wire = properties_changed(HR_VALUE)._marshall(False)
    reader = Unmarshaller(io.BytesIO(wire))
    message = reader.unmarshall()
    value = bytes(message.body[1]["Value"].value)
    (sample,) = decoder_for(SensorRole.HR).decode(value, 12.5)
    return {
        "wire": wire.hex(),
        "member": message.member,
        "value": value.hex(),
        "hr": repr(sample),
        # a foot pod running (stride, distance), a crank after a wheel, power with a crank
        "rsc": repr(parse_rsc(bytes.fromhex("0700035A8C00E8030000"))),
        "csc": repr(parse_csc(bytes.fromhex("03E803000000082D000006"))),
        "power": repr(parse_cycling_power(bytes.fromhex("2000FA000A000004"))),
    }


def screens() -> dict[str, int]:
    """Every example screen through luma's dummy device, against the golden PNGs: the
    number of differing pixels (Pillow and FreeType of the aarch64 wheel draw them)."""
    from PIL import Image, ImageChops

    from pacer.devices.oled import dummy_display
    from pacer.screens.examples import EXAMPLES

    diffs = {}
    for name, make in sorted(EXAMPLES.items()):
        display = dummy_display()
        display.show(make())
        shown = display.device.image
        golden = Image.open(REPO / "tests" / "golden" / f"{name}.png").convert("1")
        diff = ImageChops.difference(shown.convert("L"), golden.convert("L"))
        diffs[name] = sum(1 for p in diff.tobytes() if p)
    return diffs


def data() -> dict[str, Any]:
    """yaml's C loader and cbor2's C encoder, each called once."""
    import cbor2
    import yaml

    text = (REPO / "examples" / "step-up-run.yaml").read_text()
    c_loaded = yaml.load(text, Loader=yaml.CSafeLoader)
    py_loaded = yaml.load(text, Loader=yaml.SafeLoader)
    encoded = cbor2.dumps({"t": 1.5, "bpm": [120, 121], "name": "Z2 high"})
    return {
        "yaml_with_libyaml": yaml.__with_libyaml__,
        "yaml_c_equals_python": c_loaded == py_loaded,
        "yaml_steps": len(c_loaded["steps"]),
        "cbor2_dumps": type(cbor2.dumps).__name__,  # builtin_function_or_method: the C one
        "cbor2": encoded.hex(),
        "cbor2_back": cbor2.loads(encoded),
    }


def lgpio_chip() -> str:
    """lgpio's C library asked for the Pi's GPIO chip (none here: it says so)."""
    import lgpio

    try:
        handle = lgpio.gpiochip_open(0)  # no /dev/gpiochip0 here: lgpio's C code says so
        lgpio.gpiochip_close(handle)
    except lgpio.error as e:
        return f"lgpio.error: {e}"
    return f"opened {handle}"


def elf_machine(path: str) -> int:
    with open(path, "rb") as f:
        header = f.read(20)
    assert header[:4] == b"\x7fELF", path
    return int(struct.unpack_from("<H", header, 18)[0])


def main() -> int:
    import importlib

    modules = {}
    for name in COMPILED:
        module = importlib.import_module(name)
        path = str(getattr(module, "__file__", ""))
        modules[name] = {"file": path, "elf_machine": elf_machine(path)}
    report: dict[str, Any] = {
        "machine": platform.machine(),
        "python": platform.python_version(),
        "pointer_bits": struct.calcsize("P") * 8,
        "byteorder": sys.byteorder,
        "executable": sys.executable,
        "executable_elf_machine": elf_machine(sys.executable),
        "compiled": modules,
        "ble": ble(),
        "screens": screens(),
        "data": data(),
        "lgpio_chip": lgpio_chip(),
    }
    # where every module came from (symlinks not followed: qemu maps the root's absolute
    # links, /etc/python3.11/sitecustomize.py say, into the root itself)
    report["loaded_from"] = sorted(
        {
            os.path.abspath(path)
            for m in list(sys.modules.values())
            if (path := getattr(m, "__file__", None))
        }
    )
    json.dump(report, sys.stdout, default=repr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
