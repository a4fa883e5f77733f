"""Replay: recorded runs (real FIT files, pacer's own recordings) through the engine."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pacer.cli import main
from pacer.core.samples import HeartRateSample
from pacer.engine.events import EngineEvent, EventType
from pacer.formats.activities.csvfile import read_csv
from pacer.formats.activities.fitreader import read_fit_file
from pacer.recording.feed import QUIET_S, replay_feed
from pacer.recording.replay import replay
from pacer.workout.fileformat import load_workout
from pacer.workout.model import Cue, Sport
from pacer.workout.profile import load_profile
from pacer.workout.resolve import ResolvedWorkout, resolve
from tests.support.paths import EXAMPLES, require_fit_fixtures
from tests.support.sim_recording import recorded_step_up, step_up_workout

STEP_UP = str(EXAMPLES / "step-up-run.yaml")


def kinds(events: tuple[EngineEvent, ...], *types: EventType) -> list[EngineEvent]:
    return [e for e in events if e.type in types]


def test_replaying_pacers_own_recording_reproduces_the_engines_decisions() -> None:
    activity, original = recorded_step_up()
    result = replay(activity, step_up_workout())
    assert result.completed
    skip = {EventType.STEP_COUNTDOWN}

    def key(events: tuple[EngineEvent, ...]) -> list[tuple[int, str, int]]:
        return [(round(e.t), e.type.value, e.step) for e in events if e.type not in skip]

    assert key(result.events) == key(original.events)


def test_fenix_run_replays_to_its_end() -> None:
    activity = read_fit_file(require_fit_fixtures() / "garmin-fenix-5-run.fit")
    seen: list[EngineEvent] = []
    result = replay(activity, step_up_workout(), on_event=seen.append)
    assert seen == list(result.events)
    assert not result.completed  # a one-minute run cannot finish an 80-minute workout
    assert result.seconds == pytest.approx(activity.duration, abs=1.0)
    (start,) = kinds(result.events, EventType.STEP_START)
    assert (start.t, start.step) == (0.0, 1)
    assert kinds(result.events, EventType.ALERT_OVER, EventType.ALERT_UNDER) == []
    first = result.summary.steps[0]
    assert first.elapsed_s == pytest.approx(57.0, abs=1.0)
    hrs = [r.hr for r in activity.records if r.hr is not None]
    assert min(hrs) <= first.avg_hr <= max(hrs)  # type: ignore[operator]


def test_smart_recorded_ride_replays_through_every_step() -> None:
    activity = read_fit_file(require_fit_fixtures() / "sample-activity.fit")
    workout = step_up_workout()
    result = replay(activity, workout)
    assert result.completed
    starts = kinds(result.events, EventType.STEP_START)
    assert [(e.step, e.t) for e in starts] == [
        (1, 0.0),
        (2, 1200.0),
        (3, 2400.0),
        (4, 3600.0),
        (5, 4200.0),
    ]
    # the rider's heart rate sat far above this runner's zones: over alerts, never under
    overs = kinds(result.events, EventType.ALERT_OVER)
    assert overs
    assert kinds(result.events, EventType.ALERT_UNDER) == []
    for e in overs:
        assert e.data["value"] > workout.steps[e.step - 1].target.high  # type: ignore[union-attr]
    # the ride's auto-pauses are pauses: the workout clock stands while the recording runs on
    pauses = kinds(result.events, EventType.PAUSED)
    assert len(pauses) == len(kinds(result.events, EventType.RESUMED)) > 5
    assert result.seconds > 80 * 60 + 60  # recorded time, pauses included
    # no strap silence invented by the sparse records (holes up to 10 s are held)
    assert kinds(result.events, EventType.SENSOR_LOST) == []


def test_the_feed_holds_sparse_records_and_sends_rr_once() -> None:
    activity = read_fit_file(require_fit_fixtures() / "garmin-fenix-5-run.fit")
    ticks = list(replay_feed(activity))
    hr_seconds = [t.t for t in ticks if any(isinstance(s, HeartRateSample) for s in t.samples)]
    # 21 records over 57 s, every second covered
    assert len(hr_seconds) >= 56
    rr = [v for t in ticks for s in t.samples if isinstance(s, HeartRateSample) for v in s.rr_s]
    assert rr == pytest.approx([v for r in activity.records for v in r.rr])


def test_a_ride_replayed_against_a_run_is_warned_and_its_turnover_cues_suppressed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fit = require_fit_fixtures() / "sample-activity.fit"
    activity = read_fit_file(fit)
    workout = step_up_workout()
    assert activity.sport is Sport.BIKE
    assert workout.sport is Sport.RUN
    result = replay(activity, workout)
    assert result.warnings
    assert "bike" in result.warnings[0]
    assert "run" in result.warnings[0]
    assert kinds(result.events, EventType.CADENCE_CUE) == []
    assert all("cue" not in e.data for e in result.events)
    # the engine did advise turnover (the ride has cadence): all of it was held back
    assert set(result.suppressed) <= {"ease_turnover", "turnover_up"}
    assert sum(result.suppressed.values()) == len(kinds(result.events, EventType.ALERT_OVER)) > 0
    # through the CLI: the warning on stderr, the suppressed cues under the summary
    events = tmp_path / "ride.jsonl"
    code = main(["replay", str(fit), "--workout", STEP_UP, "--quiet", "--events", str(events)])
    assert code == 0
    out = capsys.readouterr()
    assert "warning: the recording is a bike" in out.err
    assert "suppressed" in out.out
    assert "ease_turnover" in out.out
    lines = [json.loads(x) for x in events.read_text().splitlines()]
    assert not any(x["type"] == "cadence_cue" or "cue" in x for x in lines)


def test_a_run_against_a_run_is_not_warned() -> None:
    activity, _ = recorded_step_up()
    result = replay(activity, step_up_workout())
    assert result.warnings == ()
    assert result.suppressed == {}


def test_cues_fire_on_their_second_in_a_replay() -> None:
    activity, _ = recorded_step_up()
    w = step_up_workout()
    step = w.steps[1]
    cued = replace(step, written=replace(step.written, cues=(Cue("quick light strides", 90),)))
    workout = replace(w, steps=(w.steps[0], cued, *w.steps[2:]))
    lines: list[dict[str, object]] = []
    replay(activity, workout, on_event=lambda e: lines.append(e.to_json()))
    cues = [x for x in lines if x["type"] == "cue"]
    assert cues == [
        {"t": 1200 + 90, "type": "cue", "step": 2, "text": "quick light strides", "at_s": 90}
    ]


@given(
    st.lists(
        st.tuples(st.integers(0, 200), st.integers(0, 60)).map(lambda p: (p[0], p[0] + p[1])),
        max_size=40,
    )
)
def test_pauses_merge_into_sorted_disjoint_intervals(raw: list[tuple[int, int]]) -> None:
    """The replay walks the pauses forward once (a file with thousands of pauses replays in
    linear time); merging them keeps exactly the seconds any of them covers."""
    from pacer.recording.model import merged_pauses

    pauses = [(float(a), float(b)) for a, b in raw]
    merged = merged_pauses(pauses)
    assert all(a < b for a, b in merged)
    assert all(merged[k][1] < merged[k + 1][0] for k in range(len(merged) - 1))
    for t in range(0, 262):
        assert any(a <= t < b for a, b in pauses) == any(a <= t < b for a, b in merged), t


def test_a_long_pause_is_skipped_not_replayed_second_by_second() -> None:
    """A watch left paused for a week replays in as many ticks as the seconds it ran (plus
    the two ends of the pause): the engine holds still in a pause, so nothing is lost."""
    from pacer.recording.model import Activity, ActivityEvent, Record

    week = 7 * 24 * 3600.0
    records = tuple(Record(float(s), float(s), hr=120) for s in range(10)) + tuple(
        Record(week + s, 10.0 + s, hr=125) for s in range(10)
    )
    events = (ActivityEvent(10.0, EventType.PAUSED), ActivityEvent(week, EventType.RESUMED))
    activity = Activity("paused", 0.0, records=records, events=events)
    ticks = list(replay_feed(activity))
    assert len(ticks) < 40, len(ticks)
    pauses = [a for tick in ticks for a in tick.actions + tick.late_actions]
    assert len(pauses) == 3  # start, pause, resume
    assert ticks[-1].t == week + 10  # the run goes on after the pause, to its end
    fed = {tick.t for tick in ticks if tick.samples}
    assert {r.t for r in records} <= fed  # every record arrives at its second


# --- issue 20 D4: a gap is one event, not a loop over its seconds ------------------------


def _open_workout() -> ResolvedWorkout:
    """One open step: the workout never ends on its own, so the replay runs to the end of
    the recording (the case that took hours)."""
    text = "name: open\nsport: run\nsteps:\n  - active: open\n    target: Z2\n"
    profile = load_profile((EXAMPLES / "profile.yaml").read_bytes(), "profile.yaml")
    return resolve(load_workout(text, "open.yaml", profile=profile), profile)


@pytest.mark.parametrize("gap", [10**4, 10**7, 10**10])
def test_a_gap_costs_ticks_in_proportion_to_rows_not_seconds(gap: int) -> None:
    """A 2-row CSV (t = 0 and t = gap) was one tick per second: > 30 s for 10^7 and hours
    for 10^10. The feed now ticks the quiet minute after the data stops, then jumps."""
    activity = read_csv(f"t,hr,speed\n0,140,3\n{gap},141,3\n".encode(), "gap.csv")
    ticks = list(replay_feed(activity))
    assert len(ticks) <= QUIET_S + 20 + 2, len(ticks)
    assert ticks[-1].t == gap + 1  # the end of the recording is reached all the same
    assert gap in [t.t for t in ticks if t.samples]  # the second row's sample arrives
    result = replay(activity, _open_workout())
    assert not result.completed
    assert result.seconds == gap + 1
    lost = [e for e in result.events if e.type is EventType.SENSOR_LOST]
    assert lost
    assert lost[0].t < 30  # the strap is seen to go silent at its own second


def test_jumping_a_gap_decides_exactly_what_ticking_through_it_does() -> None:
    """A 20-minute hole in pacer's own recording of the step-up run (the strap and the pod
    silent from 25:00 to 45:00): every event, its time and the summary are the same as when
    every second of the hole is ticked."""
    activity, _sim = recorded_step_up()
    holed = replace(activity, records=tuple(r for r in activity.records if not 1500 <= r.t < 2700))
    workout = step_up_workout()
    jumped = replay(holed, workout)
    ticked = replay(holed, workout, quiet_s=math.inf)
    assert [e.to_json() for e in jumped.events] == [e.to_json() for e in ticked.events]
    assert jumped.summary == ticked.summary
    assert (jumped.seconds, jumped.completed) == (ticked.seconds, ticked.completed)
    # and the hole was jumped: far fewer ticks than seconds
    assert len(list(replay_feed(holed))) < len(list(replay_feed(holed, quiet_s=math.inf))) - 1000
