"""The activity model's pure helpers: pauses, timer time, record weights, laps, summaries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pacer.engine.events import EventType
from pacer.engine.snapshot import TargetStatus
from pacer.recording.model import (
    Activity,
    ActivityEvent,
    EventKind,
    Lap,
    PauseClock,
    Record,
    first_laps,
    laps_from_events,
    merged_pauses,
    pause_intervals,
    record_seconds,
    with_targets,
)
from pacer.recording.summary import (
    activity_summary,
    iter_lap_summaries,
    lap_summaries,
    summarize,
)
from pacer.workout.model import Intensity
from pacer.workout.resolve import Metric, ResolvedTarget
from tests.support.activity_factory import step_up


def test_pauses_and_interruptions_stop_the_timer() -> None:
    events = [
        ActivityEvent(10.0, EventType.PAUSED),
        ActivityEvent(30.0, EventType.RESUMED),
        ActivityEvent(100.0, EventKind.INTERRUPTED, data={"since": 60.0}),
    ]
    pauses = pause_intervals(events)
    assert pauses == [(10.0, 30.0), (60.0, 100.0)]
    clock = PauseClock.of(pauses)
    assert [clock.timer(t) for t in (5.0, 10.0, 20.0, 30.0, 50.0, 110.0)] == [
        5.0,
        10.0,
        10.0,
        10.0,
        30.0,
        50.0,
    ]


def test_a_pause_never_resumed_runs_to_the_end() -> None:
    clock = PauseClock.of_events([ActivityEvent(10.0, EventType.PAUSED)])
    assert clock.timer(1000.0) == 10.0
    assert clock.timer(5.0) == 5.0


def test_overlapping_pauses_stop_the_timer_once() -> None:
    # a cut-off whose ``since`` reaches back into a pause (a foreign or repaired file)
    clock = PauseClock.of([(10.0, 30.0), (20.0, 40.0), (35.0, 36.0), (50.0, 50.0)])
    assert merged_pauses([(10.0, 30.0), (20.0, 40.0), (35.0, 36.0)]) == [(10.0, 40.0)]
    assert [clock.timer(t) for t in (10.0, 25.0, 40.0, 60.0)] == [10.0, 10.0, 10.0, 30.0]


class CountingPauses(list[tuple[float, float]]):
    """Pauses that count how often they are walked (each pass reads every one)."""

    passes = 0

    def __iter__(self) -> Iterator[tuple[float, float]]:
        CountingPauses.passes += 1
        return super().__iter__()


def test_timing_many_records_walks_the_pauses_once() -> None:
    pauses = CountingPauses((10.0 * k, 10.0 * k + 5.0) for k in range(1, 1001))
    CountingPauses.passes = 0
    clock = PauseClock.of(pauses)
    timers = [clock.timer(float(t)) for t in range(0, 10_020, 3)]
    assert CountingPauses.passes == 1  # not one walk per record
    assert timers[:5] == [0.0, 3.0, 6.0, 9.0, 10.0]  # t = 12 is paused since 10
    assert timers[-1] == 10_017 - 5.0 * 1000  # after all thousand pauses of 5 s


def test_sparse_records_weigh_the_seconds_they_cover() -> None:
    records = [Record(t, t) for t in (0.0, 1.0, 5.0, 200.0)]
    assert record_seconds(records, max_gap=60.0) == [1.0, 4.0, 60.0, 1.0]


def test_step_events_make_laps_and_a_resumed_step_stays_one_lap() -> None:
    hr = {"metric": "hr", "low": 140, "high": 150, "label": "Z2"}
    events = [
        ActivityEvent(0.0, EventKind.STEP, 0, {"name": "Warm-up", "intensity": "warmup"}),
        ActivityEvent(60.0, EventKind.STEP, 1, {"name": "Z2", "target": hr, "trigger": "time"}),
        ActivityEvent(90.0, EventKind.STEP, 1, {"name": "Z2", "target": hr}),  # after a resume
        ActivityEvent(200.0, EventKind.STEP, 2, {"name": "Cool-down", "intensity": "cooldown"}),
    ]
    laps = laps_from_events(events, end=260.0)
    assert [(lap.step, lap.start, lap.end) for lap in laps] == [
        (0, 0.0, 60.0),
        (1, 60.0, 200.0),
        (2, 200.0, 260.0),
    ]
    assert laps[0].intensity is Intensity.WARMUP
    assert laps[1].target == ResolvedTarget(Metric.HR, 140, 150, "Z2")
    filled = with_targets([Record(70.0, 70.0, hr=145), Record(10.0, 10.0)], laps)
    assert (filled[0].target_low, filled[0].target_high) == (140, 150)
    assert filled[1].target_low is None


def test_summary_counts_time_in_over_under_and_alerts() -> None:
    target = ResolvedTarget(Metric.HR, 140, 150, "140-150 bpm")
    statuses = [TargetStatus.UNDER] * 3 + [TargetStatus.IN] * 5 + [TargetStatus.OVER] * 2
    records = tuple(
        Record(float(i), float(i), hr=130 + 3 * i, status=s) for i, s in enumerate(statuses)
    )
    events = (
        ActivityEvent(1.0, EventType.ALERT_UNDER, 0),
        ActivityEvent(8.5, EventType.ALERT_OVER, 0),
        ActivityEvent(9.0, EventType.ALERT_OVER, 0),
    )
    activity = Activity(
        "x",
        0.0,
        laps=(Lap(0, "Z2", Intensity.ACTIVE, 0.0, 10.0, target),),
        records=records,
        events=events,
    )
    (s,) = lap_summaries(activity)
    assert (s.in_s, s.over_s, s.under_s, s.none_s) == (5.0, 2.0, 3.0, 0.0)
    assert s.share(s.in_s) == pytest.approx(0.5)
    assert (s.alerts_over, s.alerts_under) == (2, 1)
    assert s.hr.max == 157
    assert s.hr.min == 130
    assert s.hr.avg == pytest.approx(sum(130 + 3 * i for i in range(10)) / 10)


def test_the_synthetic_run_adds_up() -> None:
    activity = step_up(60)
    laps = lap_summaries(activity)
    total = activity_summary(activity)
    assert len(laps) == 5
    assert [s.seconds for s in laps] == [60.0] * 5
    assert total.seconds == 300.0
    assert activity.duration == 320.0  # the 20 s pause
    assert sum(s.distance_m or 0.0 for s in laps) == pytest.approx(activity.distance)


def test_a_foreign_ride_is_judged_against_the_ramp_where_it_is() -> None:
    """A file from another watch carries no status: each second is judged against the
    ramp's band at that point of the lap, so following the ramp is all "in" and holding
    its starting power falls under in the second half."""
    ramp = ResolvedTarget(Metric.POWER, 145, 155, "ramp", end_low=245, end_high=255)

    def ride(power_at: list[float]) -> Activity:
        records = tuple(Record(float(i), float(i), power=p) for i, p in enumerate(power_at))
        return Activity(
            "x", 0.0, laps=(Lap(0, "ramp", Intensity.ACTIVE, 0.0, 100.0, ramp),), records=records
        )

    (follows,) = lap_summaries(ride([150 + i for i in range(100)]))
    assert (follows.in_s, follows.under_s, follows.over_s) == (100.0, 0.0, 0.0)
    (holds,) = lap_summaries(ride([150.0] * 100))
    assert holds.in_s == pytest.approx(5.0, abs=1)  # the band leaves 150 W after ~5 %
    assert holds.under_s == pytest.approx(95.0, abs=1)


# --- issue 20 D5: laps matched to records in one pass ------------------------------------

lap_spans = st.lists(st.tuples(st.integers(-5, 60), st.integers(0, 30)), max_size=12).map(
    lambda spans: [Lap(i, f"L{i}", Intensity.ACTIVE, a, a + d) for i, (a, d) in enumerate(spans)]
)


@settings(max_examples=300, deadline=None)
@given(laps=lap_spans, times=st.lists(st.integers(-10, 100) | st.floats(-10, 100), max_size=40))
def test_first_laps_is_the_first_lap_that_contains_each_time(
    laps: list[Lap], times: list[float]
) -> None:
    """The one-pass sweep agrees with asking every lap, in order, for every time: laps that
    overlap, touch, are empty or out of order (a foreign file's) included."""
    want = [next((k for k, lap in enumerate(laps) if lap.contains(t)), None) for t in times]
    assert first_laps(times, laps) == want


def test_records_and_events_by_lap_match_each_laps_own_records() -> None:
    activity = step_up()
    assert activity.records_by_lap() == [activity.lap_records(lap) for lap in activity.laps]
    assert activity.events_by_lap() == [activity.lap_events(lap) for lap in activity.laps]
    alerts = [e for e in activity.events if e.is_alert]
    assert alerts
    assert activity.alert_metrics(alerts) == [activity.alert_metric(e) for e in alerts]


def test_a_lap_summary_per_step_is_unchanged_by_the_one_pass() -> None:
    """lap_summaries (one pass) gives what summarising each lap's own records did."""
    activity = step_up()
    want = [summarize(activity, lap, activity.lap_records(lap)) for lap in activity.laps]
    assert lap_summaries(activity) == want


@pytest.mark.parametrize("count", [0, 1, 3, 5, 9])
def test_the_first_laps_summaries_are_those_of_all_laps(count: int) -> None:
    """What the report lists when it lists the first steps only (alerts, distance from the
    lap before and a pause included)."""
    activity = step_up()
    assert lap_summaries(activity, count) == lap_summaries(activity)[:count]
    assert list(iter_lap_summaries(activity)) == lap_summaries(activity)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 500), st.integers(0, 60)), max_size=12),
    st.lists(st.integers(-10, 700), max_size=30),
)
def test_the_timer_is_t_minus_the_union_of_the_pauses_before_it(
    spans: list[tuple[int, int]], times: list[int]
) -> None:
    pauses = [(float(a), float(a + n)) for a, n in spans]
    clock = PauseClock.of(pauses)
    for t in times:
        stopped = sum(1 for s in range(t) if any(a <= s < b for a, b in pauses))
        assert clock.timer(float(t)) == t - stopped
