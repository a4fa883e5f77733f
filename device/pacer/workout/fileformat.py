"""The native workout file: YAML read through positioned nodes (see docs/workout-format.md).

    name: Step-up run 1:20
    sport: run
    steps:
      - warmup: 20m
        note: easy, good form
      - active: 20m
        target: Z2 high
        also: 170-180 spm
        note: ease in
      - repeat: 3
        steps:
          - active: 800m
            target: MP-20s..MP-15s/mi
          - recovery: until HR < 120 bpm, max 3m
      - active: 10m
        target: ramp 60% FTP to 90% FTP
        cues: [{at: 60s, text: settle in}, {at: 9m, text: one minute left}]

A step is a mapping with exactly one intensity key (``warmup``, ``active``, ``rest``,
``recovery``, ``cooldown``) whose value is the duration. :func:`load_workout` reports every
problem with ``FILE:LINE:COL``; :func:`dump_workout` writes the canonical form, which loads
back to an equal :class:`~pacer.workout.model.Workout`. :func:`workout_warnings` names what
is plausible but unusual (a 950 % FTP step, a nine-hour workout) without refusing it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import yaml

from pacer.core.errors import Location, ProfileError, WorkoutError
from pacer.workout.limits import (
    LONG_WORKOUT_SECONDS,
    MAX_CUE,
    MAX_CUES,
    MAX_NAME,
    MAX_NOTE,
    MAX_REPEAT,
    MAX_REPS,
    MAX_REST_SECONDS,
    MAX_STEPS,
    SPRINT_FTP_PERCENT,
    check_duration,
    check_target,
    workout_warnings,
)
from pacer.workout.model import (
    MAX_REPEAT_DEPTH,
    CadenceTargetUnit,
    Cue,
    DistanceDuration,
    DistanceUnit,
    Duration,
    HrZone,
    Intensity,
    Item,
    PaceUnit,
    Ramp,
    Repeat,
    SetsDuration,
    Sport,
    Step,
    Strength,
    Target,
    TimeDuration,
    Workout,
    expand,
)
from pacer.workout.profile import MissingProfileValue, Profile
from pacer.workout.resolve import resolve_target
from pacer.workout.syntax import (
    TermError,
    format_duration,
    format_int_range,
    format_rest,
    format_target,
    parse_duration,
    parse_int_range,
    parse_rest,
    parse_target,
)
from pacer.workout.yamlnodes import NodeReader, compose, decode_text, quote

STEP_KEYS = (
    "name",
    "target",
    "also",
    "note",
    "cues",
    "exercise",
    "reps",
    "load",
    "rest_between",
)
INTENSITY_KEYS = tuple(i.value for i in Intensity)
TOP_KEYS = ("name", "sport", "description", "steps")


T = TypeVar("T")


class _WorkoutReader(NodeReader):
    def __init__(self, source: str, profile: Profile | None) -> None:
        super().__init__(source, WorkoutError)
        self.profile = profile

    def term(self, node: yaml.Node, what: str, parse: Callable[[str], T]) -> T | None:
        text = self.scalar(node, what)
        if text is None:
            return None
        try:
            return parse(text)
        except TermError as exc:
            self.fail(node, str(exc))
            return None

    def target(self, node: yaml.Node, what: str) -> tuple[bool, Target | None]:
        """(ok, target); target None with ok=True is open effort."""
        text = self.scalar(node, what)
        if text is None:
            return False, None
        try:
            t = parse_target(text)
        except TermError as exc:
            self.fail(node, str(exc))
            return False, None
        if t is None:
            return True, None
        problem = check_target(t)
        if problem:
            self.fail(node, problem)
            return False, None
        # Without a profile only zone names can be checked (against the default model);
        # with one, every target must resolve (reference paces, FTP, LTHR present).
        # A value the profile lacks (FTP, LTHR, a reference pace) is not an error here: the
        # workout is shown as written, and refused only when it is to be run.
        profile = self.profile if self.profile is not None else Profile()
        ends = (t.start, t.end) if isinstance(t, Ramp) else (t,)
        if self.profile is not None or any(isinstance(e, HrZone) for e in ends):
            try:
                resolve_target(t, profile)
            except MissingProfileValue:
                pass
            except ProfileError as exc:
                self.fail(node, exc.message)
                return False, None
        return True, t

    def cues(self, node: yaml.Node, duration: Duration | None) -> tuple[Cue, ...] | None:
        """``cues: [{at: 60s, text: ...}, {at: 400m, text: ...}]``, in the order they fire."""
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, "cues must be a list like [{at: 60s, text: settle in}]")
            return None
        if len(node.value) > MAX_CUES:
            self.fail(node, f"{len(node.value)} cues; at most {MAX_CUES} in a step")
            return None
        out: list[Cue] = []
        ok = True
        for child in node.value:
            entries = self.mapping(child, "a cue")
            if entries is None:
                ok = False
                continue
            self.unknown_keys(entries, ("at", "text"), "a cue")
            missing = [k for k in ("at", "text") if k not in entries]
            if missing:
                self.fail(child, f"a cue needs {' and '.join(missing)} (at: 60s, text: ...)")
                ok = False
                continue
            text = self.text(entries["text"][1], "the cue text", MAX_CUE)
            cue = self.cue_at(entries["at"][1], duration, text)
            if cue is None:
                ok = False
            else:
                out.append(cue)
        if not ok:
            return None
        return tuple(sorted(out, key=lambda c: (c.at_m is not None, c.at_s or c.at_m or 0.0)))

    def cue_at(self, node: yaml.Node, duration: Duration | None, text: str | None) -> Cue | None:
        at = self.term(node, "the cue's at", parse_duration)
        if at is None or text is None:
            return None
        inside = f"is not inside the step ({format_duration(duration)})" if duration else ""
        if isinstance(at, TimeDuration):
            if isinstance(duration, TimeDuration) and at.seconds >= duration.seconds:
                self.fail(node, f"cue at {format_duration(at)} {inside}")
                return None
            return Cue(text, at_s=float(at.seconds))
        if isinstance(at, DistanceDuration):
            if isinstance(duration, DistanceDuration) and at.meters >= duration.meters:
                self.fail(node, f"cue at {format_duration(at)} {inside}")
                return None
            return Cue(text, at_m=at.meters)
        self.fail(node, "a cue is at a time (60s, 2:30) or a distance (400m, 1km) into its step")
        return None

    def workout(self, root: yaml.Node | None) -> Workout | None:
        if root is None:
            self.errors.append(WorkoutError("empty workout file", self._start()))
            return None
        entries = self.mapping(root, "a workout")
        if entries is None:
            return None
        self.unknown_keys(entries, TOP_KEYS, "a workout")
        name = None
        if "name" in entries:
            name = self.text(entries["name"][1], "the workout name", MAX_NAME)
        else:
            self.fail(root, "a workout needs a name")
        sport = Sport.RUN
        if "sport" in entries:
            node = entries["sport"][1]
            value = self.scalar(node, "sport")
            if value is not None:
                try:
                    sport = Sport(value.strip().lower())
                except ValueError:
                    self.fail(node, f"sport must be one of run, bike, strength, not '{value}'")
        description = None
        if "description" in entries:
            description = self.text(entries["description"][1], "the description", 2000)
        items: tuple[Item, ...] = ()
        if "steps" not in entries:
            self.fail(root, "a workout needs steps")
        else:
            items = self.items(entries["steps"][1], depth=0)
            if not items and not self.errors:
                self.fail(entries["steps"][1], "the workout has no steps")
        if self.errors or name is None:
            return None
        workout = Workout(name, items, sport, description)
        n = len(expand(items))
        if n > MAX_STEPS:
            self.fail(
                entries["steps"][1], f"{n} steps once repeats are expanded; at most {MAX_STEPS}"
            )
            return None
        return workout

    def _start(self) -> Location:
        return Location(self.source, 1, 1)

    def items(self, node: yaml.Node, depth: int) -> tuple[Item, ...]:
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, "steps must be a list (each step starts with '- ')")
            return ()
        if not node.value:
            self.fail(node, "the list of steps is empty")
            return ()
        out: list[Item] = []
        for child in node.value:
            item = self.item(child, depth)
            if item is not None:
                out.append(item)
        return tuple(out)

    def item(self, node: yaml.Node, depth: int) -> Item | None:
        entries = self.mapping(node, "a step")
        if entries is None:
            return None
        if "repeat" in entries:
            return self.repeat(node, entries, depth)
        return self.step(node, entries)

    def repeat(
        self, node: yaml.Node, entries: dict[str, tuple[yaml.Node, yaml.Node]], depth: int
    ) -> Repeat | None:
        self.unknown_keys(entries, ("repeat", "steps"), "a repeat")
        if depth + 1 > MAX_REPEAT_DEPTH:
            self.fail(node, f"repeats nest too deeply (at most {MAX_REPEAT_DEPTH} levels)")
            return None
        count = self.integer(entries["repeat"][1], "the repeat count", 1, MAX_REPEAT)
        if "steps" not in entries:
            self.fail(node, "a repeat needs steps")
            return None
        items = self.items(entries["steps"][1], depth + 1)
        if count is None or not items:
            return None
        return Repeat(count, items)

    def step(self, node: yaml.Node, entries: dict[str, tuple[yaml.Node, yaml.Node]]) -> Step | None:
        kinds = [k for k in entries if k in INTENSITY_KEYS]
        self.unknown_keys(entries, (*INTENSITY_KEYS, *STEP_KEYS, "repeat"), "a step")
        if len(kinds) != 1:
            what = "none" if not kinds else ", ".join(kinds)
            self.fail(
                node,
                "a step needs exactly one of warmup, active, rest, recovery, cooldown "
                f"with its duration (found {what})",
            )
            return None
        intensity = Intensity(kinds[0])
        dnode = entries[kinds[0]][1]
        duration = self.term(dnode, "the duration", parse_duration)
        if duration is not None and (problem := check_duration(duration)):
            self.fail(dnode, problem)
            duration = None
        ok = True
        target: Target | None = None
        if "target" in entries:
            ok, target = self.target(entries["target"][1], "the target")
        secondary: list[Target] = []
        if "also" in entries:
            anode = entries["also"][1]
            nodes = anode.value if isinstance(anode, yaml.SequenceNode) else [anode]
            for n in nodes:
                good, t = self.target(n, "a secondary target")
                if t is not None:
                    secondary.append(t)
                elif good:
                    self.fail(n, "a secondary target cannot be open")
                    ok = False
                else:
                    ok = False
        name = note = None
        if "name" in entries:
            name = self.text(entries["name"][1], "the step name", MAX_NAME)
            ok = ok and name is not None
        if "note" in entries:
            note = self.text(entries["note"][1], "the note", MAX_NOTE)
            ok = ok and note is not None
        cues: tuple[Cue, ...] | None = ()
        if "cues" in entries:
            cues = self.cues(entries["cues"][1], duration)
        strength = self.strength(node, entries, duration)
        if duration is None or not ok or strength is False or cues is None:
            return None
        return Step(
            intensity,
            duration,
            target,
            tuple(secondary),
            name,
            note,
            strength if isinstance(strength, Strength) else None,
            cues,
        )

    def strength(
        self,
        node: yaml.Node,
        entries: dict[str, tuple[yaml.Node, yaml.Node]],
        duration: Duration | None,
    ) -> Strength | bool | None:
        """Strength fields; None if the step has none, False after an error."""
        keys = [k for k in ("exercise", "reps", "load", "rest_between") if k in entries]
        is_sets = isinstance(duration, SetsDuration)
        if not keys and not is_sets:
            return None
        if not is_sets:
            if duration is not None:
                self.fail(
                    entries[keys[0]][0], f"'{keys[0]}' belongs to a sets step (active: 3 sets)"
                )
            return False
        missing = [k for k in ("exercise", "reps") if k not in entries]
        if missing:
            self.fail(node, f"a sets step needs {' and '.join(missing)}")
            return False
        exercise = self.text(entries["exercise"][1], "the exercise", MAX_NAME)
        reps_node = entries["reps"][1]
        reps_text = self.scalar(reps_node, "reps")
        reps = None
        per_leg = False
        if reps_text is not None:
            t = " ".join(reps_text.lower().split())
            for suffix in (" per leg", "/leg", " / leg"):
                if t.endswith(suffix):
                    per_leg, t = True, t[: -len(suffix)]
                    break
            try:
                reps = parse_int_range(t)
            except TermError as exc:
                self.fail(reps_node, str(exc))
            else:
                if reps.low < 1 or reps.high > MAX_REPS:
                    self.fail(
                        reps_node,
                        f"reps {format_int_range(reps)} is not plausible (1 to {MAX_REPS})",
                    )
                    reps = None
        load = self.text(entries["load"][1], "the load", MAX_NOTE) if "load" in entries else None
        rest = None
        if "rest_between" in entries:
            rest = self.term(entries["rest_between"][1], "rest_between", parse_rest)
            if rest is not None and rest.high > MAX_REST_SECONDS:
                self.fail(
                    entries["rest_between"][1], f"rest longer than {MAX_REST_SECONDS // 60} minutes"
                )
                rest = None
            elif rest is None:
                return False
        if exercise is None or reps is None or ("load" in entries and load is None):
            return False
        return Strength(exercise, reps, per_leg, load, rest)


def load_workout(
    data: str | bytes, source: str = "<input>", *, profile: Profile | None = None
) -> Workout:
    """Parse and validate a workout file. Raises :class:`pacer.core.errors.InputErrors` with every
    problem found; with a profile, also checks that every target resolves against it."""
    text = decode_text(data, source, WorkoutError)
    root = compose(text, source, WorkoutError)
    reader = _WorkoutReader(source, profile)
    workout = reader.workout(root)
    reader.raise_if_errors()
    assert workout is not None
    return workout


# --- writing ---------------------------------------------------------------------------


def _step_lines(step: Step) -> list[str]:
    lines = [f"{step.intensity.value}: {format_duration(step.duration)}"]
    if step.name is not None:
        lines.append(f"name: {quote(step.name)}")
    if step.target is not None:
        lines.append(f"target: {format_target(step.target)}")
    if step.secondary:
        lines.append("also: [" + ", ".join(format_target(t) for t in step.secondary) + "]")
    if step.strength is not None:
        s = step.strength
        lines.append(f"exercise: {quote(s.exercise)}")
        lines.append(f"reps: {format_int_range(s.reps)}{' per leg' if s.per_leg else ''}")
        if s.load is not None:
            lines.append(f"load: {quote(s.load)}")
        if s.rest is not None:
            lines.append(f"rest_between: {format_rest(s.rest)}")
    if step.note is not None:
        lines.append(f"note: {quote(step.note)}")
    if step.cues:
        lines.append("cues:")
        lines.extend(f"  - {{at: {format_cue_at(c)}, text: {quote(c.text)}}}" for c in step.cues)
    return lines


def format_cue_at(cue: Cue) -> str:
    """Where a cue fires, in the file's duration syntax (``60s``, ``2:30``, ``400m``)."""
    if cue.at_m is not None:
        return format_duration(DistanceDuration(cue.at_m, DistanceUnit.M))
    return format_duration(TimeDuration(round(cue.at_s or 0.0))) if cue.at_s else "0s"


def _item_lines(item: Item, indent: str) -> list[str]:
    if isinstance(item, Step):
        first, *rest = _step_lines(item)
    else:
        first, rest = f"repeat: {item.count}", ["steps:"]
        for child in item.items:
            rest.extend(_item_lines(child, "  "))
    out = [f"{indent}- {first}"]
    out.extend(f"{indent}  {line}" for line in rest)
    return out


def dump_workout(workout: Workout) -> str:
    """The canonical file text of ``workout``."""
    lines = [f"name: {quote(workout.name)}", f"sport: {workout.sport.value}"]
    if workout.description is not None:
        lines.append(f"description: {quote(workout.description)}")
    lines.append("steps:")
    for item in workout.items:
        lines.extend(_item_lines(item, "  "))
    return "\n".join(lines) + "\n"


__all__ = [
    "LONG_WORKOUT_SECONDS",
    "MAX_CUE",
    "MAX_CUES",
    "MAX_NAME",
    "MAX_NOTE",
    "MAX_REPEAT",
    "MAX_REPS",
    "MAX_STEPS",
    "SPRINT_FTP_PERCENT",
    "CadenceTargetUnit",
    "PaceUnit",
    "check_duration",
    "check_target",
    "dump_workout",
    "format_cue_at",
    "load_workout",
    "workout_warnings",
]
