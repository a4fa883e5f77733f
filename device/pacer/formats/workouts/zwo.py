"""Zwift ``.zwo`` workouts to native workouts (pure).

    <workout_file>
      <name>Sweet spot</name>
      <sportType>bike</sportType>
      <workout>
        <Warmup Duration="600" PowerLow="0.5" PowerHigh="0.75"/>
        <IntervalsT Repeat="3" OnDuration="600" OffDuration="300" OnPower="0.9"
                    OffPower="0.55" Cadence="90" CadenceResting="85"/>
        <SteadyState Duration="300" Power="0.65">
          <textevent timeoffset="0" message="Spin easy"/>
        </SteadyState>
        <FreeRide Duration="600"/>
        <Cooldown Duration="600" PowerLow="0.6" PowerHigh="0.4"/>
      </workout>
    </workout_file>

Power is a fraction of FTP on a bike; in a run workout (``sportType`` run) it is a fraction
of a reference *speed* chosen by the ``pace`` attribute (1 = 5K, 2 = 10K, 3 = half
marathon, 4 = marathon pace), kept as a percentage of that pace (``85-90% 5K pace``) and
resolved against the profile's pace at show and run time. Ramps (Warmup, Cooldown, Ramp)
become ramp targets (``ramp 50% FTP to 75% FTP``), FreeRide and MaxEffort open steps, and
text events the step's timed cues.

The XML is read with :mod:`xml.parsers.expat` so that every element knows its line and
column: each error is ``FILE:LINE:COL``. DOCTYPEs (and with them entities) are refused. A
declared encoding is honoured; without one the file is UTF-8, else Windows-1252 (with a
warning), as files from some popular collections are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from pacer.core.errors import Location
from pacer.formats.workouts.common import (
    MAX_DESCRIPTION,
    Collector,
    ImportKind,
    ImportResult,
    clean_text,
    default_pace_unit,
    distance,
    finish,
    pace_percent,
    workout_name_from_source,
)
from pacer.formats.workouts.xmltree import XmlNode, parse_xml, xml_bytes
from pacer.workout.limits import MAX_CUE, MAX_NAME, MAX_REPEAT
from pacer.workout.model import (
    CadenceRange,
    CadenceTargetUnit,
    Cue,
    Duration,
    FixedTarget,
    Intensity,
    Item,
    PacePercent,
    PaceRef,
    PaceUnit,
    PowerPercent,
    Ramp,
    Repeat,
    Sport,
    Step,
    Target,
    TimeDuration,
    Workout,
)
from pacer.workout.profile import Profile
from pacer.workout.syntax import num

# --- the workout -----------------------------------------------------------------------

#: Zwift's run ``pace`` attribute: which of the runner's paces a Power fraction refers to.
RUN_PACES: dict[int, PaceRef | None] = {
    0: None,  # 1 mile pace: pacer keeps no such reference
    1: PaceRef.FIVE_K,
    2: PaceRef.TEN_K,
    3: PaceRef.HALF,
    4: PaceRef.MARATHON,
}
#: attributes that change nothing pacer can show (display hints, Zwift game options)
_COSMETIC = {
    "flatroad",
    "quantize",
    "show_avg",
    "zone",
    "units",
    "neverfails",
    "failthresholdduration",
    "forced_performance_test",
    "replacement_prescription",
    "replacement_verb",
    "ramptest",
    "ftptest",
    "slop",
    "text",
    "target",
    "overunder",
    "poweronzone",
    "poweroffzone",
}
_KNOWN = {
    "warmup": {"duration", "powerlow", "powerhigh", "cadence", "cadencelow", "cadencehigh", "pace"},
    "steadystate": {
        "duration",
        "power",
        "powerlow",
        "powerhigh",
        "cadence",
        "cadencelow",
        "cadencehigh",
        "pace",
    },
    "intervalst": {
        "repeat",
        "onduration",
        "offduration",
        "onpower",
        "offpower",
        "poweronlow",
        "poweronhigh",
        "powerofflow",
        "poweroffhigh",
        "cadence",
        "cadencelow",
        "cadencehigh",
        "cadenceresting",
        "pace",
    },
    "freeride": {"duration", "cadence", "power"},
    "maxeffort": {"duration"},
}
_KNOWN["cooldown"] = _KNOWN["warmup"]
_KNOWN["ramp"] = _KNOWN["warmup"] | {"power", "cadenceresting"}
_TEXT_EVENTS = ("textevent", "textnotification")
_TOP_IGNORED = {
    "author",
    "author_alias",
    "authoricon",
    "category",
    "categoryindex",
    "subcategory",
    "tags",
    "entid",
    "overridehash",
    "painindex",
    "showcp20",
    "skippable",
    "visibleaftertime",
    "visibleoutsideplan",
    "workoutlength",
    "workoutplan",
    "activitysavename",
    "test_details",
}


@dataclass
class _Built:
    """A step made from an element, with where it starts in the workout (seconds)."""

    item: Item
    start: float
    end: float
    node: XmlNode
    number: int


class _Reader:
    def __init__(
        self, source: str, profile: Profile | None, pace_unit: PaceUnit, c: Collector
    ) -> None:
        self.source = source
        self.profile = profile
        self.pace_unit = pace_unit
        self.c = c
        self.sport = Sport.BIKE
        self.by_distance = False

    def loc(self, node: XmlNode) -> Location:
        return Location(self.source, node.line, node.col)

    # --- numbers -----------------------------------------------------------------------

    def number(self, node: XmlNode, key: str, *, required: bool = False) -> float | None:
        raw = node.attrs.get(key)
        if raw is None:
            if required:
                self.c.error(self.loc(node), f"<{node.tag}> needs a {_attr(key)} attribute")
            return None
        try:
            value = float(raw)
            if not math.isfinite(value):  # 1e400, inf, nan
                raise ValueError(raw)
        except ValueError:
            self.c.error(self.loc(node), f'{_attr(key)}="{raw}" is not a number')
            return None
        if value < 0:
            self.c.error(self.loc(node), f'{_attr(key)}="{raw}" is negative')
            return None
        return value

    def duration(self, node: XmlNode, key: str = "duration") -> Duration | None:
        value = self.number(node, key, required=True)
        if value is None:
            return None
        if self.by_distance:
            return distance(value)
        return TimeDuration(round(value))

    # --- the file ----------------------------------------------------------------------

    def workout(self, root: XmlNode) -> Workout | None:
        if root.name != "workout_file":
            self.c.error(self.loc(root), f"not a Zwift workout: the root is <{root.tag}>")
            return None
        parts = {child.name: child for child in root.children}
        sport_node = parts.get("sporttype")
        sport = (sport_node.text.strip().lower() if sport_node else "") or "bike"
        if sport not in ("bike", "run"):
            self.c.error(self.loc(sport_node or root), f"sportType '{sport}' is not bike or run")
        self.sport = Sport.RUN if sport == "run" else Sport.BIKE
        kind = parts.get("durationtype")
        self.by_distance = bool(kind and kind.text.strip().lower() == "distance")
        if "ftpoverride" in parts:
            self.c.warn(
                self.loc(parts["ftpoverride"]),
                "ftpOverride ignored: power stays a fraction of the athlete's FTP",
            )
        for child in root.children:
            known = {"name", "description", "sporttype", "durationtype", "workout", "ftpoverride"}
            if child.name not in known | _TOP_IGNORED:
                self.c.warn(self.loc(child), f"<{child.tag}> ignored")
        name_node, desc_node = parts.get("name"), parts.get("description")
        name = self.c.text(
            self.loc(name_node or root),
            None,
            name_node.text if name_node else None,
            MAX_NAME,
            "name",
        )
        description = self.c.text(
            self.loc(desc_node or root),
            None,
            desc_node.text if desc_node else None,
            MAX_DESCRIPTION,
            "description",
        )
        body = parts.get("workout")
        if body is None:
            self.c.error(self.loc(root), "no <workout> element: the file has no steps")
            return None
        items = self.segments(body)
        if not self.c.complete(self.loc(body), items, "<workout> has no steps"):
            return None
        return Workout(
            name or workout_name_from_source(self.source), items, self.sport, description
        )

    def segments(self, body: XmlNode) -> tuple[Item, ...]:
        built: list[_Built] = []
        loose: list[XmlNode] = []
        clock = 0.0
        for node in body.children:
            if node.name in _TEXT_EVENTS:
                loose.append(node)
                continue
            if node.name == "gameplayevent":
                continue
            if node.name not in _KNOWN:
                known = "Warmup, SteadyState, IntervalsT, Ramp, FreeRide, MaxEffort, Cooldown"
                self.c.error(self.loc(node), f"<{node.tag}> is not a workout segment ({known})")
                continue
            self.check_attrs(node)
            b = self.segment(node, clock)
            if b is not None:
                built.append(b)
                clock = b.end
        self.attach_loose(built, loose)
        return tuple(b.item for b in built)

    def check_attrs(self, node: XmlNode) -> None:
        known = _KNOWN[node.name]
        for key in node.attrs:
            if key not in known and key not in _COSMETIC:
                self.c.warn(self.loc(node), f"attribute {key} of <{node.tag}> ignored")

    # --- segments ----------------------------------------------------------------------

    def segment(self, node: XmlNode, clock: float) -> _Built | None:
        if node.name == "intervalst":
            return self.intervals(node, clock)
        n = self.c.begin_step()
        duration = self.duration(node)
        events = self.events(node)
        name = None
        target: Target | None = None
        intensity = Intensity.ACTIVE
        if node.name in ("warmup", "cooldown", "ramp"):
            low = self.number(node, "powerlow")
            high = self.number(node, "powerhigh")
            if node.name == "ramp" and low is None and high is None:
                low = high = self.number(node, "power")
            target = self.power(node, n, low, high, ramp=True)
            intensity = {"warmup": Intensity.WARMUP, "cooldown": Intensity.COOLDOWN}.get(
                node.name, Intensity.ACTIVE
            )
        elif node.name == "steadystate":
            power = self.number(node, "power")
            low = self.number(node, "powerlow")
            high = self.number(node, "powerhigh")
            if power is not None:
                low = high = power
            target = self.power(node, n, low, high, ramp=False)
        elif node.name == "maxeffort":
            name = "Max effort"
        elif node.name == "freeride" and "power" in node.attrs:
            self.c.warn(self.loc(node), "the Power of a FreeRide is ignored (no target)", n)
        cadence = self.cadence(node, "cadence")
        step = self.make(node, n, intensity, duration, target, cadence, events, name)
        if step is None or duration is None:
            return None
        end = clock + (duration.seconds if isinstance(duration, TimeDuration) else 0)
        return _Built(step, clock, end, node, n)

    def intervals(self, node: XmlNode, clock: float) -> _Built | None:
        count_f = self.number(node, "repeat")
        count = 1 if count_f is None else round(count_f)
        if not 1 <= count <= MAX_REPEAT:
            self.c.error(self.loc(node), f'Repeat="{count}" is out of range (1 to {MAX_REPEAT})')
            return None
        on_n = self.c.begin_step()
        on_d = self.duration(node, "onduration")
        events = self.events(node)
        on_len = on_d.seconds if isinstance(on_d, TimeDuration) else 0
        off_len_guess = self.number(node, "offduration") or 0
        period = on_len + (0 if self.by_distance else off_len_guess)

        # each event goes to the part of the interval it falls in, with its offset there;
        # a step's cues fire in every repetition of it
        on_events: list[Cue] = []
        off_events: list[Cue] = []
        for cue in events:
            offset = cue.at_s or 0.0
            into = offset % period if period > 0 else 0.0
            if count > 1:
                self.c.warn(
                    self.loc(node),
                    f"text '{cue.text}' at {num(offset)} s shows in each of the {count} "
                    "repeats (a cue belongs to a step, and the step repeats)",
                    on_n,
                )
            if into < on_len or period <= 0:
                on_events.append(replace(cue, at_s=into))
            else:
                off_events.append(replace(cue, at_s=into - on_len))
        p = self.number(node, "onpower")
        on_target = self.power(
            node,
            on_n,
            p if p is not None else self.number(node, "poweronlow"),
            p if p is not None else self.number(node, "poweronhigh"),
            ramp=False,
        )
        on_cadence = self.cadence(node, "cadence")
        on = self.make(node, on_n, Intensity.ACTIVE, on_d, on_target, on_cadence, on_events, None)
        off_n = self.c.begin_step()
        off_d = self.duration(node, "offduration")
        p = self.number(node, "offpower")
        off_target = self.power(
            node,
            off_n,
            p if p is not None else self.number(node, "powerofflow"),
            p if p is not None else self.number(node, "poweroffhigh"),
            ramp=False,
        )
        off_cadence = self.cadence(node, "cadenceresting")
        off = self.make(
            node, off_n, Intensity.RECOVERY, off_d, off_target, off_cadence, off_events, None
        )
        if on is None or off is None:
            return None
        off_len = off_d.seconds if isinstance(off_d, TimeDuration) else 0
        end = clock + count * (on_len + off_len)
        return _Built(Repeat(count, (on, off)), clock, end, node, on_n)

    def make(
        self,
        node: XmlNode,
        n: int,
        intensity: Intensity,
        duration: Duration | None,
        target: Target | None,
        cadence: Target | None,
        events: list[Cue],
        name: str | None,
    ) -> Step | None:
        if duration is None:
            return None
        return self.c.step(
            self.loc(node),
            n,
            intensity,
            duration,
            target,
            () if cadence is None else (cadence,),
            name,
            None,
            cues=tuple(events),
        )

    def events(self, node: XmlNode) -> list[Cue]:
        """The text events inside a segment, as cues at their offset into it."""
        out: list[Cue] = []
        for child in node.children:
            if child.name not in _TEXT_EVENTS:
                continue
            text = clean_text(child.attrs.get("message") or child.attrs.get("text"))
            if text is None:
                continue
            dist = self.number(child, "distoffset")
            offset = self.number(child, "timeoffset")
            if dist is not None and offset is None:
                out.append(Cue(text, at_m=dist))
            elif self.by_distance:
                out.append(Cue(text, at_m=offset or 0.0))
            else:
                out.append(Cue(text, at_s=offset or 0.0))
        return out

    def attach_loose(self, built: list[_Built], loose: list[XmlNode]) -> None:
        """Text events placed directly in <workout> by their time: a cue of the step then."""
        for node in loose:
            text = clean_text(node.attrs.get("message") or node.attrs.get("text"))
            if text is None:
                continue
            at = self.number(node, "timeoffset")
            if at is None:
                self.c.warn(self.loc(node), f"text event '{text}' has no timeoffset; left out")
                continue
            home = next((b for b in built if b.start <= at < b.end), None)
            if home is None or not isinstance(home.item, Step):
                self.c.warn(
                    self.loc(node),
                    f"text event '{text}' at {num(at)} s falls in no plain step; left out",
                )
                continue
            step = home.item
            text = self.c.text(self.loc(node), home.number, text, MAX_CUE, "cue text") or text
            cue = Cue(text, at_s=at - home.start)
            cues = tuple(sorted((*step.cues, cue), key=lambda c: c.at_s or 0.0))
            home.item = replace(step, cues=cues)

    # --- targets -----------------------------------------------------------------------

    def power(
        self, node: XmlNode, n: int, low: float | None, high: float | None, *, ramp: bool
    ) -> Target | None:
        """A power (or, running, pace) target; a ramp from ``low`` to ``high`` (in that order:
        a Cooldown's PowerLow is where it starts) when they differ."""
        if low is None or high is None:
            if low is None and high is None:
                return None
            low = high = low if low is not None else high
        a, b = float(low or 0), float(high or 0)
        if ramp and a != b:
            start, end = self.fixed(node, n, a, a), self.fixed(node, n, b, b)
            if start is None or end is None:
                return None
            return Ramp(start, end)
        return self.fixed(node, n, min(a, b), max(a, b))

    def fixed(self, node: XmlNode, n: int, a: float, b: float) -> FixedTarget | None:
        lo, hi = round(a * 100, 1), round(b * 100, 1)
        if self.sport is Sport.RUN:
            return self.run_pace(node, n, lo, hi)
        return PowerPercent(lo, hi)

    def run_pace(self, node: XmlNode, n: int, lo: float, hi: float) -> PacePercent | None:
        which = self.number(node, "pace")
        ref = RUN_PACES.get(round(which or 0))
        if ref is None:
            self.c.warn(
                self.loc(node),
                f"{num(lo)}-{num(hi)}% of 1 mile pace cannot be represented (pacer keeps no "
                "1 mile pace); the step has no target",
                n,
            )
            return None
        return pace_percent(lo, hi, ref)

    def cadence(self, node: XmlNode, key: str) -> Target | None:
        unit = CadenceTargetUnit.SPM if self.sport is Sport.RUN else CadenceTargetUnit.RPM
        value = self.number(node, key)
        low = self.number(node, "cadencelow") if key == "cadence" else None
        high = self.number(node, "cadencehigh") if key == "cadence" else None
        if low is not None and high is not None:
            return CadenceRange(round(min(low, high)), round(max(low, high)), unit)
        if value is None:
            return None
        return CadenceRange(round(value), round(value), unit)


def _attr(key: str) -> str:
    names = {
        "duration": "Duration",
        "onduration": "OnDuration",
        "offduration": "OffDuration",
        "repeat": "Repeat",
        "power": "Power",
        "powerlow": "PowerLow",
        "powerhigh": "PowerHigh",
        "cadence": "Cadence",
        "timeoffset": "timeoffset",
    }
    return names.get(key, key)


def import_zwo(
    data: bytes,
    source: str,
    *,
    profile: Profile | None = None,
    pace_unit: PaceUnit | None = None,
) -> ImportResult:
    data, cp1252_line = xml_bytes(data, source)
    root = parse_xml(data, source)
    collector = Collector()
    if cp1252_line is not None:
        collector.warn(
            Location(source, cp1252_line, 1),
            "not UTF-8 and no encoding declared: read as Windows-1252",
        )
    reader = _Reader(source, profile, pace_unit or default_pace_unit(profile), collector)
    workout = reader.workout(root)
    if workout is not None:
        collector.plausibility(Location(source, 1, 1), workout)
    warnings = finish(collector)
    assert workout is not None
    return ImportResult(workout, warnings, ImportKind.ZWO)


__all__ = ["RUN_PACES", "XmlNode", "import_zwo", "parse_xml"]
