"""Durations, buttons, the step clock, snapshots, summaries and haptic names."""

from __future__ import annotations

import pytest

from pacer.core.actions import ButtonAction
from pacer.core.samples import HeartRateSample, StrideSample
from pacer.engine import feel
from pacer.engine.events import EngineEvent, EventType
from pacer.engine.snapshot import RunState
from tests.support.scripted import POLICY, Script, const

THREE_STEPS = """
name: timing
steps:
  - warmup: 1m
  - active: 2m
    target: 140-150 bpm
  - cooldown: 30s
"""


def countdowns(events: list[EngineEvent]) -> list[tuple[float, int]]:
    return [(e.t, e.data["remaining"]) for e in events if e.type is EventType.STEP_COUNTDOWN]


def starts(events: list[EngineEvent]) -> list[tuple[float, int, str]]:
    return [(e.t, e.step, e.data["reason"]) for e in events if e.type is EventType.STEP_START]


def test_step_changes_and_countdowns_land_on_the_right_second() -> None:
    s = Script(THREE_STEPS).start(hr=120).run(240, const(145))
    assert starts(s.events) == [(0, 1, "start"), (60, 2, "time"), (180, 3, "time")]
    assert countdowns(s.events) == [
        (50, 10), (57, 3), (58, 2), (59, 1),
        (170, 10), (177, 3), (178, 2), (179, 1),
        (200, 10), (207, 3), (208, 2), (209, 1),
    ]  # fmt: skip
    done = s.of(EventType.WORKOUT_DONE)
    assert [(e.t, e.data["completed"]) for e in done] == [(210, True)]
    assert s.engine.state is RunState.DONE


def test_irregular_ticks_still_fire_on_the_exact_second() -> None:
    s = Script(THREE_STEPS).start(hr=120)
    for now in (7.3, 49.9, 58.5, 131.0, 250.0):  # a late tick fires everything it passed
        s.events += s.engine.tick(now)
    assert starts(s.events) == [(0, 1, "start"), (60, 2, "time"), (180, 3, "time")]
    assert [t for t, _ in countdowns(s.events)] == [
        50,
        57,
        58,
        59,
        170,
        177,
        178,
        179,
        200,
        207,
        208,
        209,
    ]
    # events come out in time order
    times = [e.t for e in s.events]
    assert times == sorted(times)


def test_countdown_feels_like_a_warning_then_ticks() -> None:
    s = Script(THREE_STEPS).start(hr=120).run(60, const(120))
    names = [feel.pattern_for(e) for e in s.of(EventType.STEP_COUNTDOWN)]
    assert names == [feel.COUNTDOWN, feel.TICK, feel.TICK, feel.TICK]


def test_pause_freezes_the_step_clock() -> None:
    s = Script(THREE_STEPS).start(hr=120).run(30, const(120))
    paused = s.press(ButtonAction.START_PAUSE)
    assert [e.type for e in paused] == [EventType.PAUSED]
    s.run(100, const(110))  # 100 s standing at a crossing
    snap = s.engine.snapshot()
    assert snap.state is RunState.PAUSED
    assert snap.t == 30
    assert snap.step_remaining_s == 30
    assert s.of(EventType.STEP_START)[-1].step == 1
    resumed = s.press(ButtonAction.START_PAUSE)
    assert [(e.type, e.t) for e in resumed] == [(EventType.RESUMED, 30)]
    s.run(40, const(120))
    # step 2 started 30 workout seconds after the resume: monotonic 160
    assert starts(s.events)[1] == (60, 2, "time")
    assert s.engine.snapshot().t == 60 + 10
    assert s.engine.summary().step(1).elapsed_s == 60


def test_no_under_alert_right_after_a_pause() -> None:
    text = "name: p\nsteps:\n  - active: 20m\n    target: 140-150 bpm\n"
    s = Script(text).start(hr=145).run(300, const(145))
    s.press(ButtonAction.START_PAUSE)
    s.run(120, const(100))
    s.press(ButtonAction.START_PAUSE)
    # HR climbs back over ~90 s: longer than the grace, shorter than grace + under dwell

    s.run(200, lambda t: min(145.0, 120 + (t - 420) / 3.5))
    assert s.of(EventType.ALERT_UNDER) == []


def test_extend_adds_a_minute_and_moves_the_countdown() -> None:
    s = Script(THREE_STEPS).start(hr=120).run(55, const(120))
    assert countdowns(s.events) == [(50, 10)]
    ext = s.press(ButtonAction.EXTEND)
    assert ext[0].type is EventType.STEP_EXTENDED
    assert ext[0].data["by_s"] == POLICY.extend_s
    s.run(100, const(120))
    assert countdowns(s.events)[:5] == [(50, 10), (110, 10), (117, 3), (118, 2), (119, 1)]
    assert starts(s.events)[1] == (120, 2, "time")


def test_skip_lap_and_stop() -> None:
    s = Script(THREE_STEPS).start(hr=120).run(20, const(120))
    s.press(ButtonAction.SKIP)
    s.run(10, const(140))
    s.press(ButtonAction.LAP)  # lap moves on from a timed step too
    assert starts(s.events) == [(0, 1, "start"), (20, 2, "skip"), (30, 3, "lap")]
    s.run(5, const(120))
    s.press(ButtonAction.STOP)
    done = s.of(EventType.WORKOUT_DONE)
    assert len(done) == 1
    assert done[0].data["completed"] is False
    assert done[0].t == 35
    summary = s.engine.summary()
    assert not summary.completed
    assert [r.ended for r in summary.steps] == ["skip", "lap", "stopped"]
    assert summary.completion_pct == pytest.approx(100 * (20 / 60 + 10 / 120 + 5 / 30) / 3)
    # a finished engine ignores the buttons
    assert s.press(ButtonAction.START_PAUSE) == []


def test_buttons_before_the_start_do_nothing_but_start() -> None:
    s = Script(THREE_STEPS)
    for action in (ButtonAction.LAP, ButtonAction.STOP, ButtonAction.EXTEND, ButtonAction.SKIP):
        assert s.press(action) == []
    assert s.engine.state is RunState.IDLE
    assert [e.type for e in s.press(ButtonAction.START_PAUSE)] == [EventType.STEP_START]


def test_open_step_ends_on_lap() -> None:
    text = "name: o\nsteps:\n  - active: open\n  - cooldown: 1m\n"
    s = Script(text).start().run(500, const(140))
    assert len(s.of(EventType.STEP_START)) == 1
    assert s.engine.snapshot().step_remaining_s is None
    s.press(ButtonAction.LAP)
    assert starts(s.events)[-1] == (500, 2, "lap")


@pytest.mark.parametrize("with_distance", [True, False])
def test_distance_step_ends_on_the_foot_pod(with_distance: bool) -> None:
    text = "name: d\nsteps:\n  - active: 1km\n  - cooldown: 1m\n"
    s = Script(text).start()
    for sec in range(1, 300):
        t = float(sec)
        dist = 4.0 * sec if with_distance else None
        s.events += s.engine.on_sample(StrideSample(t, 4.0, 170.0, distance_m=dist))
        s.events += s.engine.tick(t)
        if sec == 100:
            assert s.engine.snapshot().step_remaining_m == pytest.approx(600, abs=4)
    # 1000 m at 4 m/s: 250 s after the first reading, which only sets the baseline
    assert starts(s.events)[1] == (251, 2, "distance")


def test_distance_pauses_with_the_clock() -> None:
    text = "name: d\nsteps:\n  - active: 1km\n"
    s = Script(text)
    s.engine.on_sample(StrideSample(0.0, 0.0, 0.0, distance_m=0.0))  # before the start
    s.start()
    s.events += s.engine.on_sample(StrideSample(1.0, 4.0, 170.0, distance_m=4.0))
    s.t = 1
    s.press(ButtonAction.START_PAUSE)
    s.events += s.engine.on_sample(StrideSample(50.0, 1.0, 100.0, distance_m=300.0))
    s.t = 50
    s.press(ButtonAction.START_PAUSE)
    s.events += s.engine.on_sample(StrideSample(51.0, 4.0, 170.0, distance_m=304.0))
    assert s.engine.snapshot().distance_m == pytest.approx(8.0)


def test_condition_step_ends_when_hr_holds_below() -> None:
    text = """
name: c
steps:
  - active: 1m
  - recovery: until HR < 120 bpm, max 3m
  - cooldown: 1m
"""
    s = Script(text).start(hr=160).run(60, const(160))
    s.run(200, lambda t: max(100.0, 160 - (t - 60)))  # -1 bpm/s from 160
    t_end, step, reason = starts(s.events)[2]
    assert (step, reason) == (3, "condition")
    # below 120 from t=101; the 5 s average follows by ~2 s, then it must hold 3 s
    assert 101 + POLICY.condition_hold_s <= t_end <= 101 + POLICY.condition_hold_s + 5


def test_condition_step_ends_at_its_cap() -> None:
    text = "name: c\nsteps:\n  - recovery: until HR < 120 bpm, max 3m\n  - cooldown: 1m\n"
    s = Script(text).start(hr=150).run(200, const(150))
    assert starts(s.events)[1] == (180, 2, "cap")
    assert countdowns(s.events)[0] == (170, 10)


STRENGTH = """
name: sets
sport: strength
steps:
  - active: 2-3 sets
    exercise: Forward step-up
    reps: 6-8 per leg
    load: Dumbbells
    rest_between: 1-2m
  - active: 2 sets
    exercise: Lateral
    reps: 8
"""


def test_sets_rest_timers_and_their_buzzes() -> None:
    s = Script(STRENGTH).start(hr=90).run(40, const(110))
    view = s.engine.snapshot().strength
    assert view is not None
    assert (view.exercise, view.set_index, view.sets, view.reps, view.load) == (
        "Forward step-up", 1, 3, "6-8 / leg", "Dumbbells",
    )  # fmt: skip
    s.press(ButtonAction.LAP)
    s.run(5, const(100))
    view = s.engine.snapshot().strength
    assert view is not None
    assert view.resting
    assert view.rest_remaining_s == 55
    s.run(70, const(100))
    s.press(ButtonAction.LAP)  # set 2 done at 115
    s.run(20, const(100))
    s.press(ButtonAction.EXTEND)  # +1 min of rest
    s.run(30, const(100))
    s.press(ButtonAction.LAP)  # ... then cut it short at 165
    s.run(30, const(110))
    s.press(ButtonAction.LAP)  # set 3 of 3 done at 195: next exercise, default rest
    s.run(40, const(110))
    s.press(ButtonAction.LAP)
    s.run(POLICY.default_rest_s + 30, const(100))
    s.press(ButtonAction.LAP)
    kinds = [
        (e.t, e.step, e.type.value, e.data.get("set"))
        for e in s.events
        if e.type
        in (
            EventType.SET_DONE,
            EventType.REST_START,
            EventType.REST_WARNING,
            EventType.REST_END,
            EventType.STEP_START,
            EventType.STEP_EXTENDED,
            EventType.WORKOUT_DONE,
        )
    ]
    rest2 = 235 + POLICY.default_rest_s
    assert kinds == [
        (0, 1, "step_start", None),
        (40, 1, "set_done", 1), (40, 1, "rest_start", 1),
        (90, 1, "rest_warning", 2), (100, 1, "rest_end", 2),
        (115, 1, "set_done", 2), (115, 1, "rest_start", 2),
        (135, 1, "step_extended", None),
        (165, 1, "rest_end", 2 + 1),
        (195, 1, "set_done", 3),
        (195, 2, "step_start", None),
        (235, 2, "set_done", 1), (235, 2, "rest_start", 1),
        (rest2 - 10, 2, "rest_warning", 2), (rest2, 2, "rest_end", 2),
        (rest2 + 30, 2, "set_done", 2),
        (rest2 + 30, 2, "workout_done", None),
    ]  # fmt: skip
    early = [e for e in s.of(EventType.REST_END) if e.data["early"]]
    assert [e.t for e in early] == [165]
    rows = s.engine.summary().steps
    assert [r.sets_done for r in rows] == [3, 2]
    assert s.engine.summary().compliance == 100


def test_skip_ends_the_remaining_sets() -> None:
    s = Script(STRENGTH).start().run(30, const(100))
    s.press(ButtonAction.LAP)
    s.run(10, const(100))
    s.press(ButtonAction.SKIP)
    assert starts(s.events)[-1] == (40, 2, "skip")
    row = s.engine.summary().step(1)
    assert row.sets_done == 1
    assert row.completion == pytest.approx(0.5)


def test_snapshot_shows_the_step_the_next_one_and_the_time_left() -> None:
    s = Script(THREE_STEPS).start(hr=120).run(70, const(131))
    snap = s.engine.snapshot()
    assert (snap.step_number, snap.step_count, snap.step_name) == (2, 3, "140-150 bpm")
    assert snap.target is not None
    assert (snap.target.low, snap.target.high) == (140, 150)
    assert snap.step_elapsed_s == 10
    assert snap.step_remaining_s == 110
    assert snap.total_remaining_s == 110 + 30
    assert snap.next_step_name == "Cool-down"
    assert snap.next_target is None
    assert snap.hr == 131
    assert snap.status.value == "under"
    assert snap.countdown is None
    s.run(105, const(131))
    assert s.engine.snapshot().countdown == 5


def test_summary_counts_time_in_target_after_the_ramp_in() -> None:
    text = "name: s\nsteps:\n  - active: 10m\n    target: 140-150 bpm\n"

    def trace(t: float) -> float:
        return 160 if 300 < t <= 360 else 145

    s = Script(text).start(hr=145)
    for sec in range(1, 601):
        t = float(sec)
        s.events += s.engine.on_sample(HeartRateSample(t, round(trace(t)), contact=True))
        s.events += s.engine.on_sample(StrideSample(t, 3.5, 172.0))
        s.events += s.engine.tick(t)
    summary = s.engine.summary()
    row = summary.step(1)
    assert row.elapsed_s == 600
    # the 5 s average is above 150 for about the 60 s of the surge
    assert row.over_s == pytest.approx(60, abs=3)
    # all of it measured, but the first seconds: the strap is believed once readings agree
    assert row.in_s + row.over_s + row.under_s == pytest.approx(600, abs=POLICY.artefact_persist_n)
    assert row.measured_after_ramp_s == pytest.approx(600 - POLICY.hr.ramp_in_s)
    assert row.in_target_after_ramp == pytest.approx(450 / 510, abs=0.01)
    assert row.avg_hr == pytest.approx((540 * 145 + 60 * 160) / 600, abs=0.05)  # while running
    assert row.max_hr == 160
    assert row.avg_speed_mps == pytest.approx(3.5)
    assert row.avg_cadence == pytest.approx(172)
    assert row.alerts == 1  # one over alert, no repeat before 60 s are up
    # entered in range, so the ramp-in excuses nothing: 60 s over of 600
    assert row.excused_s == 0
    assert summary.in_target_pct == pytest.approx(100 * 540 / 600, abs=1)
    assert summary.compliance == round(summary.in_target_pct or 0)


def test_every_event_type_has_a_haptic_entry() -> None:
    assert set(feel.PATTERNS) == set(EventType)
    names = {p for p in feel.PATTERNS.values() if p is not None}
    assert names | {feel.TICK} == set(feel.PATTERN_NAMES)
    assert set(feel.PRIORITY) == set(feel.PATTERN_NAMES)
    assert len({feel.OVER, feel.UNDER, feel.PREDICTED_OVER}) == 3


def test_one_pattern_for_events_that_arrive_together() -> None:
    s = Script(THREE_STEPS).start(hr=120).run(60, const(120))
    at_60 = [e for e in s.events if e.t == 60]
    assert feel.pattern_for_batch(at_60) == feel.STEP_CHANGE
    assert feel.pattern_for_batch([]) is None


def test_the_engine_holds_its_step_machine_and_shows_only_what_it_declares() -> None:
    from pacer.engine.engine import Engine
    from pacer.engine.steps import StepMachine

    assert not issubclass(Engine, StepMachine)
    public = {name for name in dir(Engine) if not name.startswith("_")}
    assert public == {
        "done",
        "dropped_hr",
        "effort",
        "events",
        "on_action",
        "on_sample",
        "policy",
        "restore",
        "signals",
        "snapshot",
        "state",
        "step_index",
        "summary",
        "tick",
        "workout",
        "workout_time",
    }
