"""The engine side of ramps and cues (issue 15): a ramp target is judged against its band at
the fraction of the step done, the snapshot carries that band and the ramp's trend, and each
cue of a step fires once, on its second or its metre."""

from __future__ import annotations

import asyncio
import json

import pytest

from pacer.engine.events import EventType
from pacer.engine.feel import pattern_for
from pacer.sim.athlete import Behaviour
from pacer.sim.runner import simulation
from pacer.workout.model import Cue
from tests.support.scripted import (
    POLICY,
    RAMP_S,
    RAMP_START,
    Script,
    following,
    ramp_ride,
    ride,
    workout_for,
)

UNDER, OVER = EventType.ALERT_UNDER, EventType.ALERT_OVER


def test_a_ride_that_follows_the_ramp_gets_no_alert() -> None:
    s = ride(following)
    assert s.alerts() == []
    mid = s.snaps[RAMP_START + RAMP_S // 2]
    assert mid.target_low == pytest.approx(190.0, abs=0.5)
    assert mid.target_high == pytest.approx(210.0, abs=0.5)
    assert mid.target_trend == 1
    assert mid.status.value == "in"
    assert s.engine.summary().step(2).in_target_after_ramp == pytest.approx(1.0, abs=0.02)


def test_holding_the_ramps_start_gets_under_alerts_in_its_second_half() -> None:
    s = ride(lambda t: 150.0)
    unders = [e for e in s.of(UNDER) if RAMP_START <= e.t < RAMP_START + RAMP_S]
    assert unders, "holding the starting power of a rising ramp falls under it"
    # the band's floor passes 150 W * (1 + tolerance) a tenth of the way in; the dwell and
    # the repeat interval put the alerts after that, and none before
    floor_crossed = RAMP_START + RAMP_S * (150 * (1 + POLICY.power.tolerance) - 140) / 100
    assert all(e.t >= floor_crossed + POLICY.power.under_dwell_s for e in unders)
    assert any(e.t >= RAMP_START + RAMP_S / 2 for e in unders)
    assert s.of(OVER) == []
    assert unders[0].data["low"] > 150  # judged against the band of that second


def test_a_fixed_target_has_no_trend_and_its_own_bounds() -> None:
    s = Script(workout_for("name: x\nsteps:\n  - active: 5m\n    target: 140-150 bpm\n"))
    s.start(hr=145).run(10, lambda t: 145)
    snap = s.snaps[10]
    assert (snap.target_low, snap.target_high, snap.target_trend) == (140, 150, 0)


def test_cues_fire_once_on_their_second() -> None:
    cues = (Cue("settle in", at_s=30), Cue("half way", at_s=300), Cue("last minute", at_s=540))
    s = ride(following, cues)
    fired = s.of(EventType.CUE)
    assert [(e.t, e.step, e.data["text"]) for e in fired] == [
        (RAMP_START + 30, 2, "settle in"),
        (RAMP_START + 300, 2, "half way"),
        (RAMP_START + 540, 2, "last minute"),
    ]
    assert all(pattern_for(e) == "cue" for e in fired)
    assert fired[0].to_json() == {
        "t": RAMP_START + 30, "type": "cue", "step": 2, "text": "settle in", "at_s": 30
    }  # fmt: skip


def test_a_distance_cue_fires_on_its_metre() -> None:
    text = "name: d\nsteps:\n  - active: 2km\n    target: 140-150 bpm\n"
    w = workout_for(text)
    step = w.steps[0]
    from dataclasses import replace

    cue_step = replace(step, written=replace(step.written, cues=(Cue("1 km", at_m=1000),)))
    s = Script(replace(w, steps=(cue_step,))).start(hr=145)
    s.run(700, lambda t: 145, pod=lambda t: (3.0, 170.0))  # 3 m/s, integrated: 1 km at 334 s
    fired = s.of(EventType.CUE)
    assert len(fired) == 1
    assert fired[0].data == {"text": "1 km", "at_m": 1000}
    assert 333 <= fired[0].t <= 336


def test_cues_reach_the_sims_event_stream_on_their_second() -> None:
    cues = (Cue("spin up", at_s=45),)
    runner = simulation(ramp_ride(cues), Behaviour.DISCIPLINED, seed=2)
    lines: list[str] = []
    runner.on_event(lambda e: lines.append(json.dumps(e.to_json())) if e.type is EventType.CUE
                    else None)  # fmt: skip
    asyncio.run(runner.run())
    assert [json.loads(x) for x in lines] == [
        {"t": RAMP_START + 45, "type": "cue", "step": 2, "text": "spin up", "at_s": 45}
    ]


@pytest.mark.parametrize("bpm", [138, 139, 140, 145, 150, 151, 152])
def test_engine_and_recording_classify_a_value_alike(bpm: int) -> None:
    from pacer.engine import zones
    from pacer.recording import model

    assert model.status_of is zones.status_of  # one definition
    s = Script(workout_for("name: x\nsteps:\n  - active: 5m\n    target: 140-150 bpm\n"))
    s.start(hr=bpm).run(30, lambda t: bpm)
    target = s.engine.workout.steps[0].target
    assert s.snaps[30].status is model.status_of(float(bpm), target)


def test_a_ramp_is_classified_at_the_fraction_done() -> None:
    from pacer.engine.zones import status_of

    target = ramp_ride().steps[1].target
    assert status_of(150.0, target, 0.0).value == "in"
    assert status_of(150.0, target, 0.5).value == "under"
    assert status_of(255.0, target, 1.0).value == "in"
    assert status_of(255.0, target, 0.0).value == "over"
