"""What a sync decides, without I/O: workouts put, replaced, removed, left alone, selected;
profile values changed."""

from __future__ import annotations

from datetime import date

from pacer.sync.icu import PlannedEvent, Thresholds
from pacer.sync.plan import event_id_of, plan_profile, plan_workouts, slug, workout_name
from pacer.sync.port import DeviceWorkout
from pacer.workout.model import PaceRef
from pacer.workout.profile import Profile, dump_profile, load_profile

TODAY = date(2026, 5, 9)


def event(eid: int, day: str, name: str = "Tempo", updated: str = "u1") -> PlannedEvent:
    return PlannedEvent(eid, date.fromisoformat(day), name, "Run", updated, {"steps": []})


def synced(name: str, eid: int, updated: str = "u1") -> DeviceWorkout:
    return DeviceWorkout(name, f"intervals.icu/event/{eid}", updated)


def test_new_changed_unchanged_deleted_past_and_own() -> None:
    events = [
        event(1, "2026-05-09", "Threshold run"),
        event(2, "2026-05-10", "Easy", updated="u2"),
        event(3, "2026-05-11", "Long run"),
        event(9, "2026-05-30", "Far away"),  # beyond the window: not asked for
    ]
    device = [
        synced("2026-05-10-easy", 2, "u1"),  # changed upstream
        synced("2026-05-11-long-run", 3),  # the same
        synced("2026-05-12-intervals", 4),  # deleted upstream
        synced("2026-05-08-old", 5),  # a day that has passed
        synced("2026-05-20-later", 6),  # after the window: kept
        DeviceWorkout("step-up-run"),  # the athlete's own
        DeviceWorkout("2026-05-09-threshold-run", "zwift/42", "x"),  # another origin: own
    ]
    plan = plan_workouts(events, device, TODAY, 7)
    puts = {p.name: (p.event.id, p.replaces) for p in plan.put}
    assert puts == {"2026-05-09-threshold-run-1": (1, False), "2026-05-10-easy": (2, True)}
    assert plan.unchanged == ("2026-05-11-long-run",)
    assert plan.remove == ("2026-05-08-old", "2026-05-12-intervals")
    assert plan.own == ("step-up-run", "2026-05-09-threshold-run")
    assert plan.select == "2026-05-09-threshold-run-1"


def test_a_second_sync_of_the_same_plan_does_nothing() -> None:
    events = [event(1, "2026-05-09"), event(2, "2026-05-09", "Tempo")]
    first = plan_workouts(events, [], TODAY, 7)
    names = [p.name for p in first.put]
    assert names == ["2026-05-09-tempo", "2026-05-09-tempo-2"]
    device = [synced(p.name, p.event.id) for p in first.put]
    second = plan_workouts(events, device, TODAY, 7)
    assert (second.put, second.remove) == ((), ())
    assert second.unchanged == tuple(names)
    assert second.select == "2026-05-09-tempo"


def test_names_are_device_names() -> None:
    assert slug("Big Gear Grinds!  (v2)") == "big-gear-grinds-v2"
    assert slug("¿¿??") == "workout"
    long = event(123456, "2026-05-09", "x" * 100)
    name = workout_name(long, {workout_name(long, set())})
    assert len(name) <= 64
    assert name.endswith("-123456")
    assert event_id_of("intervals.icu/event/77") == 77
    assert event_id_of("intervals.icu/event/x") is None
    assert event_id_of(None) is None


def test_profile_changes_only_where_intervals_differs_and_within_range() -> None:
    current = load_profile("max_hr: 185\nlthr: 165\nftp: 250\npaces: {threshold: '4:30/km'}\n")
    change = plan_profile(current, Thresholds(ftp=250, lthr=168, max_hr=999, threshold_pace=4.0))
    assert change.changes == ("lthr 165 -> 168", "threshold pace 4:30/km -> 4:10/km")
    assert change.skipped == ("max_hr 999 (outside 100..240)",)
    assert change.profile.lthr == 168
    assert change.profile.pace(PaceRef.THRESHOLD) == 250.0
    # written and read back, the next sync sees nothing to change (imperial rounding too)
    for units in ("metric", "imperial"):
        again = load_profile(
            dump_profile(change.profile).replace("name:", f"units: {units}\nname:")
        )
        assert plan_profile(again, Thresholds(ftp=250, lthr=168, threshold_pace=4.0)).changes == ()
    assert plan_profile(Profile(), Thresholds()).changes == ()


def test_an_event_without_updated_is_not_replaced_at_every_sync() -> None:
    events = [PlannedEvent(5, TODAY, "Easy", "Run", None, {"steps": []})]
    (put,) = plan_workouts(events, [], TODAY, 1).put
    device = [DeviceWorkout(put.name, "intervals.icu/event/5", "")]  # as stored: empty
    assert plan_workouts(events, device, TODAY, 1).unchanged == (put.name,)
