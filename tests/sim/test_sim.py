"""The simulator: its clock, its athletes, and whole workouts run through the real engine."""

from __future__ import annotations

import asyncio
import math

import pytest

from pacer.core.samples import HeartRateSample
from pacer.engine import feel
from pacer.engine.events import EngineEvent, EventType
from pacer.engine.snapshot import Snapshot
from pacer.engine.summary import WorkoutSummary
from pacer.sim.athlete import Act, Behaviour, Physiology
from pacer.sim.clock import DEFAULT_EPOCH, SimClock
from pacer.sim.runner import SimResult, SimulationError, simulation
from pacer.workout.fileformat import load_workout
from pacer.workout.model import Intensity
from pacer.workout.profile import Profile, load_profile
from pacer.workout.resolve import ResolvedWorkout, resolve
from tests.support.paths import EXAMPLES

PROFILE = load_profile((EXAMPLES / "profile.yaml").read_bytes(), "profile.yaml")
ALERTS = {EventType.ALERT_OVER, EventType.ALERT_UNDER, EventType.ALERT_PREDICTED_OVER}


def example(name: str, profile: Profile = PROFILE) -> ResolvedWorkout:
    path = EXAMPLES / name
    return resolve(load_workout(path.read_bytes(), str(path), profile=profile), profile)


def simulate(name: str, behaviour: Behaviour | None = None, seed: int = 1) -> SimResult:
    return simulate_body(name, behaviour, seed)[0]


def simulate_body(
    name: str, behaviour: Behaviour | None = None, seed: int = 1
) -> tuple[SimResult, Physiology]:
    """The run and the body the athlete drew for it."""
    runner = simulation(example(name), behaviour, seed=seed)
    return asyncio.run(runner.run()), runner.athlete.body


def holdable(summary: WorkoutSummary, body: Physiology) -> float:
    """The share of the active steps' time after the ramp-in that a runner centred in each
    band would spend in it, given her body's own HR wander (Gaussian, ``wander_sd_bpm``): what
    even a perfect effort cannot beat. A 6-bpm band with a 2.5-bpm wander: 77 %."""
    rows = [r for r in summary.steps if r.intensity is Intensity.ACTIVE and r.target]
    total = sum(r.measured_after_ramp_s for r in rows)
    held = 0.0
    for r in rows:
        assert r.target is not None
        half = (r.target.high - r.target.low) / 2
        held += r.measured_after_ramp_s * math.erf(half / (math.sqrt(2) * body.wander_sd_bpm))
    return held / total


# --- the clock -------------------------------------------------------------------------


async def test_sim_clock_wakes_sleepers_at_their_simulated_time() -> None:
    clock = SimClock()
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append((name, clock.monotonic()))

    tasks = [asyncio.create_task(sleeper(n, s)) for n, s in (("b", 2.5), ("a", 1.0), ("c", 9))]
    await asyncio.sleep(0)
    assert clock.sleepers == 3
    await clock.advance_to(5.0)
    assert woke == [("a", 1.0), ("b", 2.5)]
    assert clock.monotonic() == 5.0
    clock.advance(4.0)
    await asyncio.gather(*tasks)
    assert woke[-1] == ("c", 9.0)
    assert clock.wall() == DEFAULT_EPOCH + 9.0
    clock.set_wall(1000.0)
    clock.advance(1.0)
    assert clock.wall() == 1001.0
    assert clock.monotonic() == 10.0
    with pytest.raises(ValueError, match="back"):
        clock.advance(-1)


# --- workout B: strength ---------------------------------------------------------------


def test_strength_b_runs_to_the_end_with_sets_rests_and_buzzes_in_order() -> None:
    result = simulate("strength-b.yaml")
    assert result.completed
    step = example("strength-b.yaml").steps[0]
    assert step.strength is not None
    assert step.strength.rest is not None
    rest_s = step.strength.rest.low
    sequence = [
        (e.type, e.data.get("set"))
        for e in result.events
        if e.type not in (EventType.STEP_COUNTDOWN,)
    ]
    assert sequence == [
        (EventType.STEP_START, None),
        (EventType.SET_DONE, 1), (EventType.REST_START, 1),
        (EventType.REST_WARNING, 2), (EventType.REST_END, 2),
        (EventType.SET_DONE, 2), (EventType.REST_START, 2),
        (EventType.REST_WARNING, 3), (EventType.REST_END, 3),
        (EventType.SET_DONE, 3),
        (EventType.WORKOUT_DONE, None),
    ]  # fmt: skip
    by_type: dict[EventType, list[EngineEvent]] = {}
    for e in result.events:
        by_type.setdefault(e.type, []).append(e)
    for start, warn, end in zip(
        by_type[EventType.REST_START],
        by_type[EventType.REST_WARNING],
        by_type[EventType.REST_END],
        strict=True,
    ):
        assert start.data["rest_s"] == rest_s
        assert end.t - start.t == rest_s
        assert end.t - warn.t == 10
        assert end.data["early"] is False
    buzzes = [p for p in map(feel.pattern_for, result.events) if p is not None]
    assert buzzes == [
        feel.STEP_CHANGE,
        feel.SET_DONE, feel.REST_WARNING, feel.REST_END,
        feel.SET_DONE, feel.REST_WARNING, feel.REST_END,
        feel.SET_DONE, feel.DONE,
    ]  # fmt: skip
    row = result.summary.step(1)
    assert row.sets_done == 3
    assert row.reps == "6-8 / leg"
    # a set of 8 reps a leg takes 40-60 s here, plus two rests
    assert 2 * rest_s + 3 * 40 <= result.seconds <= 2 * rest_s + 3 * 60


# --- the seed's step-up run ------------------------------------------------------------


def hard_steps(workout: ResolvedWorkout) -> list[int]:
    return [s.index + 1 for s in workout.steps if s.intensity is Intensity.ACTIVE and s.target]


def step_starts(result: SimResult) -> dict[int, float]:
    return {e.step: e.t for e in result.events if e.type is EventType.STEP_START}


#: engine failures on the fitted athletes (issue 19), for the guidance rewrite: strict, so the
#: fix turns them green and the marker must go
WANDER_OVERS = pytest.mark.xfail(
    strict=True,
    reason="engine (issue 19): an over alert for every wander of a real body's HR across the "
    "top of a 6-bpm band, 0.4 bpm over for 6 s included (seed 3: 10 over alerts in 50 min)",
)


@pytest.mark.parametrize("seed", [1, 2, pytest.param(3, marks=WANDER_OVERS)])
def test_disciplined_runner_stays_in_target_with_few_alerts(seed: int) -> None:
    result, body = simulate_body("step-up-run.yaml", Behaviour.DISCIPLINED, seed)
    assert result.completed
    active = [r for r in result.summary.steps if r.intensity is Intensity.ACTIVE]
    measured = sum(r.measured_after_ramp_s for r in active)
    inside = sum(r.in_after_ramp_s for r in active)
    assert measured > 0.9 * (50 * 60 - 180 - 90 - 90)
    # 85 % of what her body's wander lets anyone hold (a noiseless body: 85 % of the time)
    assert inside / measured >= 0.85 * holdable(result.summary, body)
    alerts = [e for e in result.events if e.type in ALERTS]
    assert len(alerts) <= result.seconds / 600  # at most one per 10 minutes


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_eager_runner_is_alerted_early_in_each_hard_step(seed: int) -> None:
    workout = example("step-up-run.yaml")
    result = simulate("step-up-run.yaml", Behaviour.EAGER, seed)
    starts = step_starts(result)
    for step in hard_steps(workout):
        overs = [e for e in result.events if e.type is EventType.ALERT_OVER and e.step == step]
        assert overs, f"no overshoot alert in step {step}"
        assert overs[0].t - starts[step] <= 120, "the overshoot alert comes early"
        warned = [
            e for e in result.events if e.type is EventType.ALERT_PREDICTED_OVER and e.step == step
        ]
        assert warned
        assert warned[0].t < overs[0].t
        # ... and the runner eased back into the zone
        assert any(e.type is EventType.BACK_IN_ZONE and e.step == step for e in result.events)


def test_jumping_in_too_hard_costs_compliance_lagging_does_not() -> None:
    result, body = simulate_body("step-up-run.yaml", Behaviour.DISCIPLINED)
    disciplined = result.summary
    eager = simulate("step-up-run.yaml", Behaviour.EAGER).summary
    # the disciplined runner's slow climb into each step is the lag the ramp-in allows for
    assert sum(r.excused_s for r in disciplined.steps) > 60
    # ... so she scores 94 % of what her body's wander lets anyone hold (noiseless: 95/100);
    # each warning she heeds (given on the real-body odds, engine/odds.py) eases her 2 % for
    # the rest of the step, which costs her a point
    assert disciplined.compliance >= 94 * holdable(disciplined, body)
    # the eager runner's overshoot in the same window counts against it
    assert sum(r.over_s for r in eager.steps) > 60
    assert eager.compliance < disciplined.compliance


def test_fader_gets_a_turnover_cue_in_the_last_step() -> None:
    workout = example("step-up-run.yaml")
    result = simulate("step-up-run.yaml", Behaviour.FADER)
    last = hard_steps(workout)[-1]
    unders = [e for e in result.events if e.type is EventType.ALERT_UNDER]
    assert unders
    assert all(e.step == last for e in unders)
    assert unders[0].data.get("cue") == "turnover_up"
    row = result.summary.step(last)
    assert row.under_s > 120


def test_dropout_runner_loses_the_strap_without_zone_alerts_meanwhile() -> None:
    result = simulate("step-up-run.yaml", Behaviour.DROPOUT)
    assert result.completed
    lost = [e for e in result.events if e.type is EventType.SENSOR_LOST]
    back = [e for e in result.events if e.type is EventType.SENSOR_BACK]
    assert len(lost) >= 3
    assert len(lost) == len(back)
    assert {e.data["reason"] for e in lost} == {"no_contact", "disconnected"}
    for gone, returned in zip(lost, back, strict=True):
        assert gone.t < returned.t
        during = [e for e in result.events if e.type in ALERTS and gone.t <= e.t < returned.t]
        assert during == []
    assert sum(r.nodata_s for r in result.summary.steps) > 0


def test_eager_runner_moves_effort_first_and_hr_follows() -> None:
    workout = example("step-up-run.yaml")
    runner = simulation(workout, Behaviour.EAGER, seed=4)
    seen: dict[int, tuple[float, float]] = {}
    runner.on_snapshot(lambda s: seen.__setitem__(round(s.t), (s.speed_mps or 0.0, s.hr or 0.0)))
    result = asyncio.run(runner.run())
    for step in hard_steps(workout)[1:]:
        start = round(step_starts(result)[step])

        def around(k: int, i: int, start: int = start) -> float:
            return sum(seen[start + k + d][i] for d in range(-2, 3)) / 5

        speed0, hr0 = around(-3, 0), around(-3, 1)
        assert around(8, 0) > speed0 * 1.05  # pace jumps within seconds ...
        hr_rise = around(30, 1) - hr0
        assert hr_rise > 8  # ... HR follows with its kinetics
        assert around(8, 1) - hr0 < hr_rise / 2  # but had done less than half of it by then


def test_hot_start_runner_is_alerted_at_the_first_step_change() -> None:
    workout = example("step-up-run.yaml")
    for seed in (1, 2, 3):
        result = simulate("step-up-run.yaml", Behaviour.HOT_START, seed)
        first = hard_steps(workout)[0]
        start = step_starts(result)[first]
        overs = [e for e in result.events if e.type is EventType.ALERT_OVER and e.step == first]
        assert overs
        assert overs[0].t - start <= 15  # a step up: the overshoot is alerted at once


def test_artefacts_runner_spikes_are_dropped_without_alerts() -> None:
    runner = simulation(example("step-up-run.yaml"), Behaviour.ARTEFACTS, seed=2)
    athlete = runner.athlete
    shown: list[int] = []
    truth: dict[int, float] = {}
    spikes: list[float] = []
    act = athlete.act

    def watched(now: float, view: Snapshot) -> Act:
        done = act(now, view)
        truth[round(now)] = athlete.heart_rate
        hrs = [s for s in done.samples if isinstance(s, HeartRateSample)]
        spikes.extend(now for s in hrs if s.bpm >= 200)
        return done

    athlete.act = watched  # type: ignore[method-assign]
    runner.on_snapshot(lambda s: shown.append(s.hr) if s.hr is not None else None)
    result = asyncio.run(runner.run())
    assert len(spikes) > 20
    assert runner.engine.dropped_hr > 20
    assert max(shown) < 190  # no spike ever reached the screen
    for e in result.events:
        recent = [truth[round(e.t) - d] for d in range(15) if round(e.t) - d in truth]
        if e.type is EventType.ALERT_PREDICTED_OVER:
            # no warning in the 10 s after a spike (what a believed spike would set off)
            assert not any(0 <= e.t - t <= 10 for t in spikes), e
        elif e.type in ALERTS:
            # an alert only for the body's own HR beyond the band in the last 15 s, and it
            # reports the body's value (a believed 220-bpm spike lifts a 5-s mean by 15+)
            over = e.type is EventType.ALERT_OVER
            assert max(recent) > e.data["high"] if over else min(recent) < e.data["low"], e
            assert min(recent) - 3 < e.data["value"] < max(recent) + 3, e


def test_same_seed_same_run() -> None:
    a = simulate("step-up-run.yaml", Behaviour.DROPOUT, seed=5)
    b = simulate("step-up-run.yaml", Behaviour.DROPOUT, seed=5)
    c = simulate("step-up-run.yaml", Behaviour.DROPOUT, seed=6)
    assert a.events == b.events
    assert a.summary == b.summary
    assert a.events != c.events


@pytest.mark.parametrize(
    "name", ["bike-sweet-spot.yaml", "plyo-step-ups.yaml", "step-up-run-pace.yaml"]
)
def test_other_examples_complete(name: str) -> None:
    result = simulate(name)
    assert result.completed
    assert result.summary.completion_pct == 100


# --- the runner ------------------------------------------------------------------------


async def test_runner_feeds_observers_sync_and_async() -> None:
    runner = simulation(example("step-up-run-30min.yaml"), speed=1e9)
    seen: list[EngineEvent] = []
    snaps: list[Snapshot] = []
    woke: list[float] = []

    async def record(ev: EngineEvent) -> None:
        await asyncio.sleep(0)
        seen.append(ev)

    async def buzz_later() -> None:  # a haptic timeline sleeping on the simulated clock
        await runner.clock.sleep(95.5)
        woke.append(runner.clock.monotonic())

    runner.on_event(record)
    runner.on_snapshot(snaps.append)
    task = asyncio.create_task(buzz_later())
    result = await runner.run()
    await task
    assert seen == list(result.events)
    assert len(snaps) == 30 * 60 + 1
    assert [s.t for s in snaps[:3]] == [0, 1, 2]
    assert woke == [95.5]


def test_a_workout_that_never_ends_is_stopped() -> None:
    text = "name: forever\nsteps:\n  - recovery: until HR < 40 bpm\n"
    workout = resolve(load_workout(text, "forever.yaml", profile=PROFILE), PROFILE)
    runner = simulation(workout)
    runner.max_seconds = 600
    with pytest.raises(SimulationError, match="did not end"):
        asyncio.run(runner.run())
