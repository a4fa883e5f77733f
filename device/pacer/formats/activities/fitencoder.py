"""A FIT writer whose cost per message does not grow with the file, byte for byte what
Garmin's FIT ``Encoder`` writes.

The SDK's :class:`garmin_fit_sdk.Encoder` writes the bytes pacer wants (it is the reference
for the profile's field numbers, base types, scales and enum values), but for every message
it builds a fresh message definition (a walk over the profile's fields for each field given),
compares it with the sixteen local definitions in use, converts each value through the
profile (a walk over an enum's names for each string) and packs it a value at a time; its
file CRC is a Python loop over every byte. That is about 120 µs a lap and a second per
megabyte: a million laps did not finish in ten minutes.

:class:`FitWriter` writes the same bytes (a test compares them with the SDK's, byte for
byte) from the SDK's profile (field numbers, base types, scales, enum values) through the
SDK's public data only: it builds a definition once per message *shape* (message number,
the fields given and the sizes of their strings and arrays), looks the local definition up
again only after a new one was written (sixteen local numbers, taken in turn, as the SDK
does), packs each message with one ``struct`` format compiled per definition, and computes
the CRC sixteen bits at a time. It takes what :mod:`pacer.formats.activities.fit` gives:
numbers, profile enum names, strings and lists of them (no developer fields).
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from garmin_fit_sdk import Profile
from garmin_fit_sdk import fit as FIT

_FLOAT_TYPES = ("float32", "float64")
_NUMERIC = frozenset(FIT.NUMERIC_FIELD_TYPES)


@cache
def _crc_table16() -> tuple[int, ...]:
    """FIT's CRC-16 (reflected polynomial 0xA001, start 0) of a whole 16-bit word: for a
    16-bit CRC, the state after two bytes depends only on ``crc ^ word``."""
    out = []
    for w in range(1 << 16):
        crc = w
        for _ in range(16):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        out.append(crc)
    return tuple(out)


def fit_crc(data: bytes | bytearray, crc: int = 0) -> int:
    """The FIT CRC of ``data`` (what ``garmin_fit_sdk.CrcCalculator`` computes a nibble at
    a time), two bytes a step."""
    table = _crc_table16()
    even = len(data) - len(data) % 2
    words = array("H")
    words.frombytes(memoryview(data)[:even])
    if sys.byteorder == "big":  # pragma: no cover - the words are little-endian
        words.byteswap()
    for w in words:
        crc = table[crc ^ w]
    if even < len(data):  # the last odd byte, a bit at a time
        crc ^= data[-1]
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


@cache
def _enum_values(field_type: str) -> Mapping[str, int]:
    """A profile type's names to their numbers (the first number of a name, as the SDK's
    walk over the type finds it)."""
    out: dict[str, int] = {}
    for number, name in Profile["types"].get(field_type, {}).items():
        out.setdefault(name, number)
    return out


def _size(value: Any) -> Any:
    """What of a string's or an array's value sizes its field."""
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, list):
        return tuple(_size(v) if isinstance(v, str) else 0 for v in value)
    return 0


class _Definition:
    """A message definition as the SDK builds it from a message: the fields of the
    profile it names, in the message's order, sized by their values."""

    def __init__(self, mesg_num: int, mesg: Mapping[str, Any]) -> None:
        profile = Profile["messages"].get(mesg_num)
        if profile is None:
            raise ValueError(f"mesg_num: {mesg_num} could not be found in the Profile")
        by_name = {fp["name"]: fp for fp in reversed(profile["fields"].values())}
        self.mesg_num = mesg_num
        self.local = 0
        self.fields: list[dict[str, Any]] = []
        for name, value in mesg.items():
            fp = by_name.get(name)
            if value is None or fp is None:
                continue
            base_type = FIT.FIELD_TYPE_TO_BASE_TYPE.get(fp["base_type"])
            if base_type is None:
                raise ValueError(f"Unknown base_type '{fp['base_type']}' for field '{name}'")
            base = FIT.BASE_TYPE_DEFINITIONS[base_type]
            scale, offset = FIT.FIELD_DEFAULT_SCALE, FIT.FIELD_DEFAULT_OFFSET
            if len(fp["components"]) <= 1:
                scale = _first(fp["scale"], scale)
                offset = _first(fp["offset"], offset)
            values = value if isinstance(value, list) else [value]
            if base["type"] == FIT.BASE_TYPE["STRING"]:
                size = sum(len(str(v).encode("utf-8")) + 1 for v in values)
            else:
                size = base["size"] * len(values)
            if size > FIT.MAX_FIELD_SIZE:
                raise ValueError(f"Some field sizes are greater than {FIT.MAX_FIELD_SIZE}")
            self.fields.append(
                {
                    "name": name,
                    "num": fp["num"],
                    "size": size,
                    "base_type": base_type,
                    "type": fp["type"],
                    "scale": scale,
                    "offset": offset,
                }
            )
        if not self.fields:
            raise ValueError("No valid fields were found in the message")
        #: what makes two definitions the same to the SDK (field order aside)
        self.same_as = (
            mesg_num,
            frozenset((f["num"], f["size"], f["base_type"]) for f in self.fields),
        )

    def header(self) -> bytes:
        out = bytearray([FIT.MESG_DEFINITION_MASK | self.local, 0, FIT.ARCH_LITTLE_ENDIAN])
        out += struct.pack("<HB", self.mesg_num, len(self.fields))
        for f in self.fields:
            flag = FIT.BASE_TYPE_DEFINITIONS[f["base_type"]]["endian_flag"]
            out += bytes([f["num"], f["size"], f["base_type"] | flag])
        return bytes(out)


def _first(value: Any, default: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else default
    return default if value is None else value


class _Writer:
    """One local definition's data message: a ``struct`` format and a converter per field."""

    def __init__(self, definition: _Definition) -> None:
        self.header = bytes([definition.local])
        self.names: list[str] = []
        self.counts: list[int] = []
        self.converters: list[Callable[[Any], Any]] = []
        codes = ["<"]
        for fd in definition.fields:
            base = FIT.BASE_TYPE_DEFINITIONS[fd["base_type"]]
            self.names.append(fd["name"])
            if base["type_code"] == "s":
                codes.append(f"{fd['size']}s")
                self.counts.append(-1)
                self.converters.append(_string)
                continue
            count = fd["size"] // base["size"]
            codes.append(f"{count}{base['type_code']}")
            self.counts.append(count)
            self.converters.append(_number(fd, base))
        self.struct = struct.Struct("".join(codes))
        self.single = all(count in (1, -1) for count in self.counts)

    def pack(self, mesg: Mapping[str, Any]) -> bytes:
        if self.single:  # no array: one value a field
            get = mesg.get
            fields = zip(self.names, self.converters, strict=True)
            return self.header + self.struct.pack(*[convert(get(n)) for n, convert in fields])
        values: list[Any] = []
        for name, count, convert in zip(self.names, self.counts, self.converters, strict=True):
            value = mesg.get(name)
            if count == -1 or not isinstance(value, list):  # a string, or one value
                values.append(convert(value))
            else:
                values.extend(convert(v) for v in value)
        return self.header + self.struct.pack(*values)


def _string(value: Any) -> bytes:
    texts = value if isinstance(value, list) else [value]
    if not all(isinstance(t, str) for t in texts):
        raise ValueError(f"{value!r} is not a string for a string field")
    return "".join(f"{t}\x00" for t in texts).encode("utf-8")


def _number(fd: Mapping[str, Any], base: Mapping[str, Any]) -> Callable[[Any], Any]:
    field_type = fd["type"]
    numeric = field_type in _NUMERIC
    scaled = fd["scale"] != FIT.FIELD_DEFAULT_SCALE or fd["offset"] != FIT.FIELD_DEFAULT_OFFSET
    scale, offset = fd["scale"], fd["offset"]
    names = {} if numeric else _enum_values(field_type)
    floating = base["type_code"] in ("f", "d")
    bits = base["size"] * 8
    mask = (1 << bits) - 1
    half = 1 << (bits - 1) if base["signed"] else 0

    def convert(value: Any) -> Any:
        kind = type(value)
        if kind is int or kind is float:
            if numeric and scaled:
                value = (value + offset) * scale
                if field_type not in _FLOAT_TYPES:
                    value = round(value)
        elif kind is str and value in names:
            value = names[value]
        elif kind is list and len(value) == 1:  # an array of one
            return convert(value[0])
        else:
            raise ValueError(f"could not convert {value!r} to {field_type} ({fd['name']})")
        if floating:
            return value
        value = int(value) & mask  # out of range is cut to the width, as the SDK does
        return value - (1 << bits) if half and value >= half else value

    return convert


_HEADER_SIZE = 14


def _sized(mesg_num: int, names: tuple[str, ...], kinds: tuple[type, ...]) -> tuple[int, ...]:
    """The positions of a message's fields whose value sizes the definition: arrays, and
    strings in a field of base type string (an enum's name is one byte whatever its
    length)."""
    profile = Profile["messages"].get(mesg_num) or {"fields": {}}
    strings = {fp["name"] for fp in profile["fields"].values() if fp["base_type"] == "string"}
    return tuple(
        i
        for i, (name, kind) in enumerate(zip(names, kinds, strict=True))
        if issubclass(kind, list) or (issubclass(kind, str) and name in strings)
    )


class FitWriter:
    """FIT messages in, a FIT file's bytes out (:meth:`write` each message, then
    :meth:`close`), as ``garmin_fit_sdk.Encoder.on_mesg`` and ``close`` would write them."""

    def __init__(self) -> None:
        self._out = bytearray(_HEADER_SIZE)
        self._local: list[_Definition | None] = [None] * 16
        self._next_local = 0
        self._plans: dict[tuple[Any, ...], _Definition] = {}
        self._sized: dict[tuple[Any, ...], tuple[int, ...]] = {}
        #: shape -> (definitions written by then, the local definition it uses)
        self._found: dict[tuple[Any, ...], tuple[int, _Definition]] = {}
        self._writers: dict[int, tuple[_Definition, _Writer]] = {}
        #: how many definition messages were written (the local ones change only then)
        self.definitions_written = 0

    def write(self, mesg_num: int, mesg: Mapping[str, Any]) -> None:
        """ValueError, naming the message, for one the profile cannot hold."""
        try:
            # the message's shape: its fields (None is not given), and the size of each of
            # its strings and arrays; which fields those are is looked up once a field list
            names = tuple(mesg)
            key: tuple[Any, ...] = (mesg_num, names, tuple(map(type, mesg.values())))
            sized = self._sized.get(key)
            if sized is None:
                sized = self._sized[key] = _sized(mesg_num, names, key[2])
            if sized:
                values = list(mesg.values())
                key = (key, tuple(_size(values[i]) for i in sized))
            found = self._found.get(key)
            if found is not None and found[0] == self.definitions_written:
                local = found[1]
            else:
                local = self._local_for(key, mesg_num, mesg)
            kept = self._writers.get(id(local))
            if kept is None or kept[0] is not local:
                kept = self._writers[id(local)] = (local, _Writer(local))
            self._out += kept[1].pack(mesg)
        except (ValueError, TypeError, KeyError, struct.error) as e:
            raise ValueError(f"Could not write message {mesg_num}: {e}") from e

    def _local_for(
        self, key: tuple[Any, ...], mesg_num: int, mesg: Mapping[str, Any]
    ) -> _Definition:
        definition = self._plans.get(key)
        if definition is None:
            definition = self._plans[key] = _Definition(mesg_num, mesg)
        local = next(
            (d for d in self._local if d is not None and d.same_as == definition.same_as), None
        )
        if local is None:
            local = definition
            local.local = self._next_local & FIT.LOCAL_MESG_NUM_MASK
            self._next_local += 1
            self._out += local.header()
            self._local[local.local] = local
            self.definitions_written += 1
            self._writers.pop(id(local), None)  # its local number may have changed
        self._found[key] = (self.definitions_written, local)
        return local

    def close(self) -> bytes:
        version = Profile["version"]["major"] * 1000 + Profile["version"]["minor"]
        header = struct.pack(
            "<BBHI4s", _HEADER_SIZE, 0x20, version, len(self._out) - _HEADER_SIZE, b".FIT"
        )
        self._out[:12] = header
        self._out[12:14] = struct.pack("<H", fit_crc(header))
        self._out += struct.pack("<H", fit_crc(self._out))
        return bytes(self._out)


__all__ = ["FitWriter", "fit_crc"]
