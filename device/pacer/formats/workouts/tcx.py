"""Garmin TCX workouts (``<Workouts>`` in a ``TrainingCenterDatabase``) to native workouts
(pure).

    <TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">
      <Workouts>
        <Workout Sport="Running">
          <Name>Tempo</Name>
          <Step xsi:type="Step_t">
            <StepId>1</StepId>
            <Duration xsi:type="Time_t"><Seconds>600</Seconds></Duration>
            <Intensity>Active</Intensity>
            <Target xsi:type="HeartRate_t">
              <HeartRateZone xsi:type="PredefinedHeartRateZone_t"><Number>2</Number></HeartRateZone>
            </Target>
          </Step>
          <Step xsi:type="Repeat_t"><StepId>4</StepId><Repetitions>3</Repetitions>
            <Child xsi:type="Step_t">...</Child>
          </Step>
        </Workout>
      </Workouts>
    </TrainingCenterDatabase>

Durations: Time_t (seconds), Distance_t (metres), HeartRateAbove_t / HeartRateBelow_t
(until HR above/below, in bpm or % of max HR with a profile), UserInitiated_t (lap press);
CaloriesBurned_t ends on lap with a warning. Targets: HeartRate_t (a zone of the profile, or
a custom range in bpm or % of max HR), Speed_t (a custom range as a pace; a speed zone
lives on the watch and is left out with a warning), Cadence_t, None_t. Repeat_t nests.
The first workout of the file is read; others are named in a warning. Notes become the
description. Element names are read without their namespace prefix.
"""

from __future__ import annotations

import math

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
    workout_name_from_source,
)
from pacer.formats.workouts.xmltree import XmlNode
from pacer.workout.limits import MAX_NAME, MAX_REPEAT
from pacer.workout.model import (
    CadenceRange,
    CadenceTargetUnit,
    Comparison,
    ConditionDuration,
    Duration,
    HrBasis,
    HrPercent,
    HrRange,
    HrZone,
    Intensity,
    Item,
    OpenDuration,
    PaceRange,
    PaceUnit,
    Repeat,
    Sport,
    Target,
    TimeDuration,
    Workout,
)
from pacer.workout.profile import Profile, round_half_up
from pacer.workout.syntax import num

_SPORTS = {"running": Sport.RUN, "biking": Sport.BIKE}


def _local(node: XmlNode) -> str:
    return node.name.rsplit(":", 1)[-1]


def _type(node: XmlNode) -> str:
    """The ``xsi:type`` without prefix and ``_t``: ``Time_t`` -> ``time``."""
    raw = next((v for k, v in node.attrs.items() if k.rsplit(":", 1)[-1] == "type"), "")
    return raw.rsplit(":", 1)[-1].lower().removesuffix("_t")


def _child(node: XmlNode, name: str) -> XmlNode | None:
    return next((c for c in node.children if _local(c) == name), None)


class _Reader:
    def __init__(
        self, source: str, profile: Profile | None, pace_unit: PaceUnit, c: Collector
    ) -> None:
        self.source = source
        self.profile = profile
        self.pace_unit = pace_unit
        self.c = c
        self.sport = Sport.RUN

    def loc(self, node: XmlNode) -> Location:
        return Location(self.source, node.line, node.col)

    def number(self, node: XmlNode | None, name: str, parent: XmlNode) -> float | None:
        child = None if node is None else _child(node, name)
        if child is None:
            self.c.error(self.loc(node or parent), f"<{name}> is missing")
            return None
        try:
            value = float(child.text.strip())
            if not math.isfinite(value) or value < 0:
                raise ValueError(child.text)
        except ValueError:
            self.c.error(self.loc(child), f"<{child.tag}> '{child.text.strip()}' is not a number")
            return None
        return value

    # --- the file ----------------------------------------------------------------------

    def workout(self, root: XmlNode) -> Workout | None:
        lists = [c for c in root.children if _local(c) == "workouts"]
        workouts = [w for lst in lists for w in lst.children if _local(w) == "workout"]
        if not workouts:
            what = "an activity" if _child(root, "activities") else "no workout"
            if _child(root, "courses") and not _child(root, "activities"):
                what = "a course"
            self.c.error(self.loc(root), f"this TCX file holds {what}: no <Workouts><Workout>")
            return None
        node = workouts[0]
        for other in workouts[1:]:
            other_name = _child(other, "name")
            said = clean_text(other_name.text) if other_name else None
            self.c.warn(self.loc(other), f"workout '{said}' left out: one workout a file")
        sport_raw = node.attrs.get("sport", "")
        self.sport = _SPORTS.get(sport_raw.lower(), Sport.RUN)
        if sport_raw.lower() not in _SPORTS:
            self.c.warn(self.loc(node), f"Sport '{sport_raw}' read as run")
        name_node, notes = _child(node, "name"), _child(node, "notes")
        name = self.c.text(
            self.loc(name_node or node),
            None,
            name_node.text if name_node else None,
            MAX_NAME,
            "name",
        )
        description = self.c.text(
            self.loc(notes or node), None, notes.text if notes else None, MAX_DESCRIPTION, "notes"
        )
        for child in node.children:
            if _local(child) in ("scheduledon", "creator", "extensions"):
                self.c.warn(self.loc(child), f"<{child.tag}> ignored")
        items = self.steps([c for c in node.children if _local(c) == "step"])
        if not self.c.complete(self.loc(node), items, "<Workout> has no steps"):
            return None
        return Workout(
            name or workout_name_from_source(self.source), items, self.sport, description
        )

    def steps(self, nodes: list[XmlNode]) -> tuple[Item, ...]:
        out: list[Item] = []
        for node in nodes:
            item = self.repeat(node) if _type(node) == "repeat" else self.step(node)
            if item is not None:
                out.append(item)
        return tuple(out)

    def repeat(self, node: XmlNode) -> Repeat | None:
        count_f = self.number(node, "repetitions", node)
        children = self.steps([c for c in node.children if _local(c) == "child"])
        if count_f is None:
            return None
        count = round(count_f)
        if not 1 <= count <= MAX_REPEAT:
            self.c.error(
                self.loc(node), f"<Repetitions> {count} is out of range (1 to {MAX_REPEAT})"
            )
            return None
        if not children:
            self.c.error(self.loc(node), "a repeat with no <Child> steps")
            return None
        return Repeat(count, children)

    def step(self, node: XmlNode) -> Item | None:
        n = self.c.begin_step()
        intensity_node = _child(node, "intensity")
        resting = intensity_node is not None and intensity_node.text.strip().lower() == "resting"
        duration = self.duration(node, n)
        target = self.target(node, n)
        name_node = _child(node, "name")
        if duration is None:
            return None
        primary: Target | None = target
        secondary: tuple[Target, ...] = ()
        if isinstance(target, CadenceRange):
            primary, secondary = None, (target,)
        return self.c.step(
            self.loc(node),
            n,
            Intensity.REST if resting else Intensity.ACTIVE,
            duration,
            primary,
            secondary,
            name_node.text if name_node else None,
        )

    # --- durations and targets ---------------------------------------------------------

    def duration(self, step: XmlNode, n: int) -> Duration | None:
        node = _child(step, "duration")
        if node is None:
            self.c.error(self.loc(step), "a step needs a <Duration>")
            return None
        kind = _type(node)
        if kind == "time":
            seconds = self.number(node, "seconds", node)
            return None if seconds is None else TimeDuration(round(seconds))
        if kind == "distance":
            meters = self.number(node, "meters", node)
            return None if meters is None else distance(meters)
        if kind in ("heartrateabove", "heartratebelow"):
            op = Comparison.ABOVE if kind == "heartrateabove" else Comparison.BELOW
            hr = _child(node, "heartrate")
            value = self.number(hr, "value", node)
            if value is None or hr is None:
                return None
            if _type(hr) == "heartrateaspercentofmax":
                if self.profile is None:
                    self.c.warn(
                        self.loc(node),
                        f"'until HR {op.value} {num(value)}% of max HR' needs an athlete "
                        "profile (use --profile); the step ends on lap instead",
                        n,
                    )
                    return OpenDuration()
                bpm = round_half_up(self.profile.max_hr * value / 100)
                self.c.warn(self.loc(node), f"{num(value)}% of max HR taken as {bpm} bpm", n)
                return ConditionDuration(op, bpm)
            return ConditionDuration(op, round(value))
        if kind == "userinitiated":
            return OpenDuration()
        self.c.warn(
            self.loc(node),
            f"a '{kind or 'missing'}' duration cannot be represented; the step ends on lap instead",
            n,
        )
        return OpenDuration()

    def target(self, step: XmlNode, n: int) -> Target | None:
        node = _child(step, "target")
        kind = "none" if node is None else _type(node)
        if node is None or kind == "none":
            return None
        if kind == "heartrate":
            zone = _child(node, "heartratezone")
            if zone is not None and _type(zone) == "predefinedheartratezone":
                number = self.number(zone, "number", node)
                return None if number is None else HrZone(str(round(number)))
            return self.hr_custom(node, zone, n)
        if kind == "speed":
            zone = _child(node, "speedzone")
            if zone is not None and _type(zone) == "customspeedzone":
                low = self.number(zone, "lowinmeterspersecond", node)
                high = self.number(zone, "highinmeterspersecond", node)
                if low is None or high is None:
                    return None
                if min(low, high) <= 0:
                    self.c.warn(self.loc(zone), "a speed target of 0 m/s is no pace; left out", n)
                    return None
                unit = self.pace_unit
                fast = round(unit.meters / max(low, high))
                slow = round(unit.meters / min(low, high))
                return PaceRange(fast, slow, unit)
            self.c.warn(
                self.loc(node),
                "a speed zone cannot be represented (speed zones live on the watch); "
                "the step has no target",
                n,
            )
            return None
        if kind == "cadence":
            low = self.number(node, "low", node)
            high = self.number(node, "high", node)
            if low is None or high is None:
                return None
            per = CadenceTargetUnit.RPM if self.sport is Sport.BIKE else CadenceTargetUnit.SPM
            return CadenceRange(round(min(low, high)), round(max(low, high)), per)
        self.c.warn(self.loc(node), f"a '{kind}' target cannot be represented; left out", n)
        return None

    def hr_custom(self, node: XmlNode, zone: XmlNode | None, n: int) -> Target | None:
        if zone is None:
            self.c.error(self.loc(node), "<HeartRateZone> is missing")
            return None
        low_node, high_node = _child(zone, "low"), _child(zone, "high")
        low = self.number(low_node, "value", zone)
        high = self.number(high_node, "value", zone)
        if low is None or high is None or low_node is None or high_node is None:
            return None
        low, high = min(low, high), max(low, high)
        percent = {_type(low_node), _type(high_node)} == {"heartrateaspercentofmax"}
        if percent:
            return HrPercent(low, high, HrBasis.MAX)
        if "heartrateaspercentofmax" in (_type(low_node), _type(high_node)):
            self.c.error(self.loc(zone), "a heart-rate range mixing bpm and % of max HR")
            return None
        return HrRange(round(low), round(high))


def import_tcx(
    root: XmlNode,
    source: str,
    *,
    profile: Profile | None = None,
    pace_unit: PaceUnit | None = None,
    collector: Collector | None = None,
) -> ImportResult:
    """The workout of a parsed TCX file (see :func:`pacer.formats.workouts.xmltree.parse_xml`)."""
    c = collector or Collector()
    reader = _Reader(source, profile, pace_unit or default_pace_unit(profile), c)
    workout = reader.workout(root)
    if workout is not None:
        c.plausibility(Location(source, 1, 1), workout)
    warnings = finish(c)
    assert workout is not None
    return ImportResult(workout, warnings, ImportKind.TCX)


__all__ = ["import_tcx"]
