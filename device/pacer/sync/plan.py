"""What a sync will do, decided without I/O: which workouts to put, replace, remove and
select, and which profile values change.

Workouts in, for the days ``today .. today + days - 1``:

* each planned event becomes a device workout named ``YYYY-MM-DD-title`` (a second one of
  the same name that day gets its event id appended);
* one the device lacks is *added*, one whose upstream ``updated`` differs is *replaced*,
  one that is the same is left alone;
* a synced workout (one with an intervals.icu origin) whose event is gone from the window,
  or whose day has passed, is *removed* (one of a day after the window is kept: not looked
  at this time);
* the athlete's own workouts (no origin, or another origin) are never touched;
* today's first planned workout is *selected*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Final

from pacer.link.protocol import NAME_RE
from pacer.sync.icu import PlannedEvent, Thresholds
from pacer.sync.port import ICU_EVENT_ORIGIN, DeviceWorkout
from pacer.workout.model import PaceRef
from pacer.workout.profile import PACE_BOUNDS_S_PER_KM, PROFILE_BOUNDS, Profile
from pacer.workout.syntax import format_pace

_DAY_PREFIX: Final = re.compile(r"^(\d{4}-\d{2}-\d{2})-")


def slug(title: str) -> str:
    """A title as the tail of a device name: letters, digits and dashes."""
    text = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()
    return text or "workout"


def workout_name(event: PlannedEvent, taken: set[str]) -> str:
    base = f"{event.day.isoformat()}-{slug(event.name)}"[:64].rstrip("-.")
    name = base
    if name in taken:
        suffix = f"-{event.id}"
        name = base[: 64 - len(suffix)].rstrip("-.") + suffix
    assert NAME_RE.fullmatch(name), name
    return name


def event_id_of(origin: str | None) -> int | None:
    if origin is None or not origin.startswith(ICU_EVENT_ORIGIN):
        return None
    tail = origin.removeprefix(ICU_EVENT_ORIGIN)
    return int(tail) if tail.isdigit() else None


@dataclass(frozen=True, slots=True)
class Put:
    name: str
    event: PlannedEvent
    replaces: bool


@dataclass(frozen=True, slots=True)
class WorkoutPlan:
    put: tuple[Put, ...] = ()
    remove: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    select: str | None = None
    #: the athlete's own workouts, left alone
    own: tuple[str, ...] = field(default=())


def plan_workouts(
    events: list[PlannedEvent], on_device: list[DeviceWorkout], today: date, days: int
) -> WorkoutPlan:
    last = today + timedelta(days=days - 1)
    window = sorted((e for e in events if today <= e.day <= last), key=lambda e: (e.day, e.id))
    synced = {event_id: w for w in on_device if (event_id := event_id_of(w.origin)) is not None}
    own = tuple(w.name for w in on_device if event_id_of(w.origin) is None)
    taken = set(own)
    puts: list[Put] = []
    unchanged: list[str] = []
    kept: set[str] = set()
    names: dict[int, str] = {}
    for event in window:
        current = synced.get(event.id)
        if current is not None and current.name not in taken:
            name = current.name
        else:
            name = workout_name(event, taken)
        taken.add(name)
        names[event.id] = name
        kept.add(name)
        if (
            current is not None
            and current.name == name
            and (current.origin_updated or "") == (event.updated or "")
        ):
            unchanged.append(name)
        else:
            puts.append(Put(name, event, current is not None and current.name == name))
    remove = tuple(
        sorted(w.name for w in synced.values() if w.name not in kept and not _beyond(w.name, last))
    )
    todays = [e for e in window if e.day == today]
    return WorkoutPlan(
        tuple(puts),
        remove,
        tuple(unchanged),
        names[todays[0].id] if todays else None,
        own,
    )


def _beyond(name: str, last: date) -> bool:
    """A synced workout of a day after the window: not looked at this time, so kept."""
    m = _DAY_PREFIX.match(name)
    if m is None:
        return False
    try:
        return date.fromisoformat(m.group(1)) > last
    except ValueError:
        return False


# --- zones in --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProfileChange:
    profile: Profile
    #: one line per changed value ("lthr 165 -> 168")
    changes: tuple[str, ...]
    #: values intervals.icu holds that the profile cannot take (out of range)
    skipped: tuple[str, ...] = ()


def _pace_label(per_km: float | None) -> str:
    return "none" if per_km is None else f"{format_pace(per_km)}/km"


def plan_profile(current: Profile, thresholds: Thresholds) -> ProfileChange:
    """``current`` with intervals.icu's thresholds where they differ (paces compared to the
    whole second per km)."""
    profile = current
    changes: list[str] = []
    skipped: list[str] = []
    for key in ("ftp", "lthr", "max_hr"):
        value = getattr(thresholds, key)
        if value is None or value == getattr(profile, key):
            continue
        low, high = PROFILE_BOUNDS[key]  # what the profile file accepts
        if not low <= value <= high:
            skipped.append(f"{key} {value} (outside {low}..{high})")
            continue
        if key == "max_hr" and value <= profile.resting_hr:
            skipped.append(f"max_hr {value} (not above resting_hr {profile.resting_hr})")
            continue
        changes.append(f"{key} {getattr(profile, key) or 'none'} -> {value}")
        profile = replace(profile, **{key: value})
    if thresholds.threshold_pace:
        per_km = 1000.0 / thresholds.threshold_pace
        paces = dict(profile.paces)
        old = paces.get(PaceRef.THRESHOLD)
        fastest, slowest = PACE_BOUNDS_S_PER_KM
        if not fastest <= per_km <= slowest:
            skipped.append(f"threshold pace {_pace_label(per_km)} (not plausible)")
        elif old is None or abs(old - per_km) >= 1.0:
            changes.append(f"threshold pace {_pace_label(old)} -> {_pace_label(per_km)}")
            paces[PaceRef.THRESHOLD] = float(round(per_km))
            profile = replace(profile, paces=tuple(paces.items()))
    return ProfileChange(profile, tuple(changes), tuple(skipped))


__all__ = [
    "ProfileChange",
    "Put",
    "WorkoutPlan",
    "event_id_of",
    "plan_profile",
    "plan_workouts",
    "slug",
    "workout_name",
]
