"""The athlete profile and its heart-rate zones (pure).

Zone models:

* ``max_hr`` (default): five zones at 50-60-70-80-90-100 % of max HR.
* ``hrr``: Karvonen, the same percentages of heart-rate reserve above resting HR.
* ``lthr``: Joe Friel's running zones from lactate-threshold HR: Z1 65-85 %, Z2 85-89 %,
  Z3 90-94 %, Z4 95-99 %, Z5a 100-102 %, Z5b 103-106 %, Z5c 106 % up to max HR.
* ``custom``: your own bpm boundaries (``[100, 120, 140, 155, 170, 185]`` makes five zones).

Adjacent zones share their boundary (Z2 ends where Z3 begins). Bpm values round half up.
A position inside a zone (``Z2 high``) is a third of it unless the profile overrides it.

A single-value target (``88% FTP``, ``150 bpm``, ``7:00/mi``, ``90 rpm``) becomes a band of
the profile's :class:`Tolerances` either side: nobody can ride a zero-width band.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from pacer.core.errors import Location, ProfileError
from pacer.core.samples import PodCadenceUnit
from pacer.workout.model import PaceRef, ZonePosition

if TYPE_CHECKING:  # pragma: no cover - typing only
    import yaml

    from pacer.workout.yamlnodes import NodeReader


class ZoneModel(StrEnum):
    MAX_HR = "max_hr"
    HRR = "hrr"
    LTHR = "lthr"
    CUSTOM = "custom"


class Units(StrEnum):
    METRIC = "metric"
    IMPERIAL = "imperial"


#: What the foot pod reports: the one cadence-unit enum (steps or strides per minute).
CadenceConvention = PodCadenceUnit


@dataclass(frozen=True, slots=True)
class Zone:
    name: str
    low: int
    high: int


FIVE_ZONE_PERCENTS = (50, 60, 70, 80, 90, 100)
FRIEL_LTHR_PERCENTS: tuple[tuple[str, float, float | None], ...] = (
    ("1", 65, 85),
    ("2", 85, 89),
    ("3", 90, 94),
    ("4", 95, 99),
    ("5a", 100, 102),
    ("5b", 103, 106),
    ("5c", 106, None),
)
DEFAULT_POSITIONS: tuple[tuple[ZonePosition, float, float], ...] = (
    (ZonePosition.LOW, 0.0, 1 / 3),
    (ZonePosition.MID, 1 / 3, 2 / 3),
    (ZonePosition.HIGH, 2 / 3, 1.0),
)


def round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


MILE_M = 1609.344
#: The whole-number values a profile takes, inclusive (the file, and what ``pacer sync``
#: brings in from intervals.icu).
PROFILE_BOUNDS: dict[str, tuple[int, int]] = {
    "max_hr": (100, 240),
    "resting_hr": (25, 120),
    "lthr": (80, 230),
    "ftp": (30, 700),
}
#: A plausible pace in seconds per km (a reference pace, a target's pace).
PACE_BOUNDS_S_PER_KM = (90, 1200)


@dataclass(frozen=True, slots=True)
class Tolerances:
    """How far either side of a single-value target still counts as on target.

    ``tolerances:`` in the profile file overrides any of them, e.g.
    ``{power: 2, hr: 4, pace: 5s/mi, cadence: 2}``.
    """

    #: percentage points of FTP for ``% FTP`` targets, and percent of the value for watts
    power_percent: float = 3.0
    #: beats per minute, for bpm and % of an HR value
    hr_bpm: float = 3.0
    #: seconds per km either side of a pace (the default is 5 s per mile)
    pace_s_per_km: float = 5.0 * 1000.0 / MILE_M
    #: steps or revolutions per minute
    cadence: float = 3.0


@dataclass(frozen=True, slots=True)
class Profile:
    name: str = "default"
    max_hr: int = 190
    resting_hr: int = 60
    lthr: int | None = None
    zone_model: ZoneModel = ZoneModel.MAX_HR
    #: bpm boundaries for the custom model: n+1 numbers make n zones.
    custom_bounds: tuple[int, ...] = ()
    #: reference paces in seconds per km
    paces: tuple[tuple[PaceRef, float], ...] = ()
    ftp: int | None = None
    units: Units = Units.METRIC
    pod_cadence: CadenceConvention = CadenceConvention.STEPS
    positions: tuple[tuple[ZonePosition, float, float], ...] = field(default=DEFAULT_POSITIONS)
    tolerances: Tolerances = field(default_factory=Tolerances)

    def zones(self) -> tuple[Zone, ...]:
        match self.zone_model:
            case ZoneModel.MAX_HR:
                b = [round_half_up(self.max_hr * p / 100) for p in FIVE_ZONE_PERCENTS]
                return tuple(Zone(str(i + 1), b[i], b[i + 1]) for i in range(5))
            case ZoneModel.HRR:
                reserve = self.max_hr - self.resting_hr
                b = [round_half_up(self.resting_hr + reserve * p / 100) for p in FIVE_ZONE_PERCENTS]
                return tuple(Zone(str(i + 1), b[i], b[i + 1]) for i in range(5))
            case ZoneModel.LTHR:
                if self.lthr is None:
                    raise ProfileError("the lthr zone model needs lthr in the profile")
                lthr = self.lthr
                zones = []
                for name, lo, hi in FRIEL_LTHR_PERCENTS:
                    high = self.max_hr if hi is None else round_half_up(lthr * hi / 100)
                    zones.append(Zone(name, round_half_up(lthr * lo / 100), high))
                return tuple(zones)
            case ZoneModel.CUSTOM:
                cb = self.custom_bounds
                return tuple(Zone(str(i + 1), cb[i], cb[i + 1]) for i in range(len(cb) - 1))
        raise AssertionError(self.zone_model)  # pragma: no cover

    def zone(self, name: str) -> Zone:
        zones = self.zones()
        for z in zones:
            if z.name == name.lower():
                return z
        names = ", ".join("Z" + z.name for z in zones)
        raise ProfileError(
            f"zone Z{name} is not defined by the {self.zone_model.value} zone model ({names})"
        )

    def position(self, pos: ZonePosition) -> tuple[float, float]:
        for p, lo, hi in self.positions:
            if p is pos:
                return lo, hi
        raise AssertionError(pos)  # pragma: no cover

    def pace(self, ref: PaceRef) -> float:
        """Reference pace in seconds per km."""
        for r, value in self.paces:
            if r is ref:
                return value
        key = next(k for k, r in PACE_KEYS.items() if r is ref)
        raise MissingProfileValue(
            f"paces.{key}", f"the profile has no {ref.value} reference pace (add {key} under paces)"
        )

    @property
    def hr_reserve(self) -> int:
        return self.max_hr - self.resting_hr


class MissingProfileValue(ProfileError):
    """A target needs a value the profile does not hold: ``key`` names it the way the
    profile file does (``ftp``, ``lthr``, ``paces.threshold``)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


# --- the profile file ------------------------------------------------------------------

PROFILE_KEYS = (
    "name",
    "max_hr",
    "resting_hr",
    "lthr",
    "zones",
    "zone_positions",
    "paces",
    "ftp",
    "units",
    "pod_cadence",
    "tolerances",
)
PACE_KEYS = {
    "marathon": PaceRef.MARATHON,
    "half": PaceRef.HALF,
    "10k": PaceRef.TEN_K,
    "5k": PaceRef.FIVE_K,
    "threshold": PaceRef.THRESHOLD,
}


def load_profile(data: str | bytes, source: str = "<profile>") -> Profile:
    """Parse an athlete profile file (YAML); raises InputErrors with every problem located.

    Example::

        name: Sam
        max_hr: 185
        resting_hr: 50
        lthr: 168
        zones: max_hr            # or hrr, lthr, or bpm boundaries [100, 120, 140, 155, 170, 185]
        paces: {marathon: "7:00/mi", 10k: "6:20/mi", threshold: "6:30/mi"}
        ftp: 250
        units: imperial          # or metric
        pod_cadence: steps       # or strides
        tolerances: {power: 3, hr: 3, pace: 5s/mi, cadence: 3}   # the defaults
    """
    from pacer.workout.yamlnodes import NodeReader, compose, decode_text

    text = decode_text(data, source, ProfileError)
    root = compose(text, source, ProfileError)
    r = NodeReader(source, ProfileError)
    if root is None:
        r.errors.append(ProfileError("empty profile file", Location(source, 1, 1)))
        r.raise_if_errors()
    assert root is not None
    entries = r.mapping(root, "a profile")
    r.raise_if_errors()
    assert entries is not None
    r.unknown_keys(entries, PROFILE_KEYS, "a profile")
    kw: dict[str, object] = {}
    if "name" in entries:
        kw["name"] = r.text(entries["name"][1], "name", 60)
    for key, (low, high) in PROFILE_BOUNDS.items():
        if key in entries:
            kw[key] = r.integer(entries[key][1], key, low, high)
    for key, enum in (("units", Units), ("pod_cadence", CadenceConvention)):
        if key in entries:
            node = entries[key][1]
            value = r.scalar(node, key)
            if value is not None:
                try:
                    kw[key] = enum(value.strip().lower())
                except ValueError:
                    choices = ", ".join(e.value for e in enum)
                    r.fail(node, f"{key} must be one of {choices}, not '{value}'")
    if "zones" in entries:
        kw.update(_read_zones(r, entries["zones"][1]))
    if "zone_positions" in entries:
        kw.update(_read_positions(r, entries["zone_positions"][1]))
    if "paces" in entries:
        kw.update(_read_paces(r, entries["paces"][1]))
    if "tolerances" in entries:
        kw.update(_read_tolerances(r, entries["tolerances"][1]))
    r.raise_if_errors()
    profile = Profile(**kw)  # type: ignore[arg-type]
    if profile.resting_hr >= profile.max_hr:
        r.fail(entries.get("resting_hr", (root, root))[1], "resting_hr must be below max_hr")
    if profile.zone_model is ZoneModel.LTHR and profile.lthr is None:
        r.fail(entries["zones"][1], "the lthr zone model needs lthr")
    r.raise_if_errors()
    return profile


def _read_zones(r: NodeReader, node: yaml.Node) -> dict[str, object]:
    """``zones``: a model name, or a list of bpm boundaries (the custom model)."""
    import yaml

    if isinstance(node, yaml.SequenceNode):
        bounds = [r.integer(n, "a zone boundary", 30, 240) for n in node.value]
        if None in bounds:
            return {}
        b = tuple(x for x in bounds if x is not None)
        if len(b) < 2:
            r.fail(node, "custom zones need at least two boundaries")
        elif any(x >= y for x, y in itertools.pairwise(b)):
            r.fail(node, "zone boundaries must increase")
        else:
            return {"zone_model": ZoneModel.CUSTOM, "custom_bounds": b}
        return {}
    value = r.scalar(node, "zones")
    if value is None:
        return {}
    try:
        return {"zone_model": ZoneModel(value.strip().lower())}
    except ValueError:
        r.fail(node, f"zones must be max_hr, hrr, lthr or a list of bpm, not '{value}'")
        return {}


def _read_positions(r: NodeReader, node: yaml.Node) -> dict[str, object]:
    """``zone_positions``: percent ranges of a zone for low, mid and high."""
    pos = r.mapping(node, "zone_positions")
    if pos is None:
        return {}
    names = [p.value for p in ZonePosition]
    r.unknown_keys(pos, names, "zone_positions")
    table = {p: (lo, hi) for p, lo, hi in DEFAULT_POSITIONS}
    for key, (_k, v) in pos.items():
        if key not in names:
            continue
        text_v = r.scalar(v, f"zone_positions.{key}")
        try:
            lo_s, hi_s = (text_v or "").split("-")
            lo, hi = float(lo_s) / 100, float(hi_s) / 100
            if not 0 <= lo < hi <= 1:
                raise ValueError
        except ValueError:
            r.fail(v, f"zone_positions.{key} must be a percent range like 66-100")
            continue
        table[ZonePosition(key)] = (lo, hi)
    return {"positions": tuple((p, *table[p]) for p in ZonePosition)}


def _read_paces(r: NodeReader, node: yaml.Node) -> dict[str, object]:
    """``paces``: reference paces like ``7:00/mi``, kept in seconds per km."""
    from pacer.workout.syntax import TermError, parse_time

    paces = r.mapping(node, "paces")
    if paces is None:
        return {}
    r.unknown_keys(paces, PACE_KEYS, "paces")
    out = []
    for key, (_k, v) in paces.items():
        if key not in PACE_KEYS:
            continue
        text_v = (r.scalar(v, f"paces.{key}") or "").strip().lower()
        unit_m = 1609.344 if text_v.endswith("/mi") else 1000.0
        try:
            if not text_v.endswith(("/mi", "/km")):
                raise TermError("missing unit")
            seconds = parse_time(text_v.rsplit("/", 1)[0])
        except TermError:
            r.fail(v, f"paces.{key} must look like 7:00/mi or 4:20/km")
            continue
        per_km = seconds * 1000.0 / unit_m
        if not PACE_BOUNDS_S_PER_KM[0] <= per_km <= PACE_BOUNDS_S_PER_KM[1]:
            r.fail(v, f"paces.{key} {text_v} is not plausible")
            continue
        out.append((PACE_KEYS[key], per_km))
    return {"paces": tuple(out)}


TOLERANCE_KEYS = ("power", "hr", "pace", "cadence")


def _read_tolerances(r: NodeReader, node: yaml.Node) -> dict[str, object]:
    """``tolerances``: power (% points of FTP), hr (bpm), pace (``5s/mi`` or ``3s/km``),
    cadence (per minute); each from 0 up to a sane limit."""
    import re

    table = r.mapping(node, "tolerances")
    if table is None:
        return {}
    r.unknown_keys(table, TOLERANCE_KEYS, "tolerances")
    kw: dict[str, float] = {}
    limits = {
        "power": ("power_percent", 20.0),
        "hr": ("hr_bpm", 20.0),
        "cadence": ("cadence", 20.0),
    }
    for key, (_k, v) in table.items():
        text_v = (r.scalar(v, f"tolerances.{key}") or "").strip().lower()
        if key in limits:
            name, limit = limits[key]
            try:
                value = float(text_v)
                if not 0 <= value <= limit:
                    raise ValueError
            except ValueError:
                r.fail(v, f"tolerances.{key} must be a number from 0 to {limit:g}")
                continue
            kw[name] = value
        elif key == "pace":
            m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*s?\s*/\s*(km|mi)", text_v)
            per_km = None if m is None else float(m[1]) * (1.0 if m[2] == "km" else 1000.0 / MILE_M)
            if per_km is None or per_km > 60:
                r.fail(v, "tolerances.pace must look like 5s/mi or 3s/km (at most a minute)")
                continue
            kw["pace_s_per_km"] = per_km
    return {"tolerances": Tolerances(**kw)}


def _pace_text(per_km: float, units: Units) -> str:
    """A reference pace as the profile file writes it (``7:00/mi``, ``4:20/km``)."""
    per_unit = per_km * MILE_M / 1000.0 if units is Units.IMPERIAL else per_km
    seconds = round_half_up(per_unit)
    unit = "mi" if units is Units.IMPERIAL else "km"
    return f"{seconds // 60}:{seconds % 60:02d}/{unit}"


def dump_profile(profile: Profile) -> str:
    """The profile file (YAML) that :func:`load_profile` reads back as ``profile``: only the
    values that differ from the defaults, paces rounded to the second in its own units.
    Comments of an earlier file are not kept."""
    default = Profile()
    import json

    lines = [f"name: {json.dumps(profile.name)}"]
    for key in ("max_hr", "resting_hr", "lthr", "ftp"):
        value = getattr(profile, key)
        if value is not None and (
            key in ("max_hr", "resting_hr") or value != getattr(default, key)
        ):
            lines.append(f"{key}: {value}")
    if profile.zone_model is ZoneModel.CUSTOM:
        lines.append(f"zones: [{', '.join(str(b) for b in profile.custom_bounds)}]")
    elif profile.zone_model is not default.zone_model:
        lines.append(f"zones: {profile.zone_model.value}")
    if profile.paces:
        keys = {ref: key for key, ref in PACE_KEYS.items()}
        items = ", ".join(
            f'{keys[ref]}: "{_pace_text(per_km, profile.units)}"' for ref, per_km in profile.paces
        )
        lines.append(f"paces: {{{items}}}")
    if profile.units is not default.units:
        lines.append(f"units: {profile.units.value}")
    if profile.pod_cadence is not default.pod_cadence:
        lines.append(f"pod_cadence: {profile.pod_cadence.value}")
    if profile.positions != default.positions:
        items = ", ".join(
            f"{p.value}: {round(lo * 100, 4):g}-{round(hi * 100, 4):g}"
            for p, lo, hi in profile.positions
        )
        lines.append(f"zone_positions: {{{items}}}")
    if profile.tolerances != default.tolerances:
        t = profile.tolerances
        lines.append(
            f"tolerances: {{power: {t.power_percent:g}, hr: {t.hr_bpm:g}, "
            f"pace: {t.pace_s_per_km:.3f}s/km, cadence: {t.cadence:g}}}"
        )
    return "\n".join(lines) + "\n"
