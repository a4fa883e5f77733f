"""The alert policy, one rule per test, each on a scripted trace with a fake clock.

Time is passed to the engine explicitly (``now`` = seconds since the start, one sample and
one tick per second), so nothing sleeps and every event lands on a known second.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import pytest

from pacer.core.samples import HeartRateSample, SensorRole, SensorStatus
from pacer.engine.engine import EASE_TURNOVER, TURNOVER_UP
from pacer.engine.events import EventType
from pacer.engine.policy import AlertPolicy
from pacer.engine.snapshot import TargetStatus, Trend
from tests.support.scripted import POLICY, Script, Trace, const, first_above

ONE_STEP = """
name: one step
steps:
  - active: 10m
    target: 140-150 bpm
"""

AFTER_WARMUP = """
name: after a warm-up
steps:
  - warmup: 5m
  - active: 10m
    target: 140-150 bpm
  - cooldown: 5m
"""


# --- ease-in ---------------------------------------------------------------------------


def test_eager_start_overshooting_in_ramp_in_is_alerted_within_the_dwell() -> None:
    # jumps from 120 toward 175 bpm (time constant 20 s): crosses 150 ~16 s into the step
    def eager(t: float) -> float:
        return 175 - 55 * math.exp(-t / 20)

    s = Script(ONE_STEP).start(hr=120).run(120, eager)
    crossed = first_above(eager, 150, 120)
    overs = s.of(EventType.ALERT_OVER)
    assert overs, "an overshoot in the ramp-in must be alerted"
    # a crossing announced by a predicted-over warning needs less confirmation
    warned = s.of(EventType.ALERT_PREDICTED_OVER)
    assert warned
    assert warned[0].t < crossed
    dwell = POLICY.predicted_over_dwell_s
    # not the instant it crossed (that is the watch's alert spam) but right after the dwell,
    # allowing for the 5 s average to catch up
    assert crossed + dwell <= overs[0].t <= crossed + dwell + POLICY.hr.smoothing_s
    assert overs[0].t < POLICY.hr.ramp_in_s  # during the ramp-in
    assert overs[0].data["value"] > 150


def test_slow_rise_during_ramp_in_is_not_alerted() -> None:
    # from 115 to 145 bpm over 150 s: under the range for the first two minutes
    def slow(t: float) -> float:
        return min(145.0, 115 + 30 * t / 150)

    s = Script(ONE_STEP).start(hr=115).run(600, slow)
    assert s.alerts() == []
    assert s.snaps[60].status is TargetStatus.UNDER
    assert s.snaps[60].ramp_in
    assert not s.snaps[200].ramp_in


def test_undershoot_is_alerted_after_the_ramp_in_and_the_long_dwell() -> None:
    s = Script(ONE_STEP).start(hr=130).run(600, const(130))
    unders = s.of(EventType.ALERT_UNDER)
    first = POLICY.hr.ramp_in_s + POLICY.hr.under_dwell_s
    assert unders[0].t == first
    # gently and rarely: the repeat waits under_repeat_s
    assert [e.t for e in unders] == [first, first + POLICY.under_repeat_s]
    assert s.of(EventType.ALERT_OVER) == []


def test_first_hard_step_after_the_warm_up_has_a_longer_ramp_in() -> None:
    s = Script(AFTER_WARMUP).start(hr=110).run(300, const(110)).run(600, const(130))
    unders = s.of(EventType.ALERT_UNDER)
    step_start = 300
    assert unders[0].t == step_start + POLICY.first_hard_ramp_in_s + POLICY.hr.under_dwell_s


def test_step_down_holds_over_alerts_while_hr_comes_down() -> None:
    text = """
name: down
steps:
  - active: 2m
    target: 160-170 bpm
  - active: 5m
    target: 140-150 bpm
"""

    def falling(t: float) -> float:
        return 165 if t <= 120 else max(145.0, 165 - (t - 120) * 0.4)  # 50 s to get below 150

    s = Script(text).start(hr=165).run(400, falling)
    assert s.alerts() == []
    # the same HR with the step entered from below is an overshoot
    s2 = Script(ONE_STEP).start(hr=145).run(30, const(145)).run(60, const(160))
    assert s2.of(EventType.ALERT_OVER)


# --- asymmetry, repeats, hysteresis ----------------------------------------------------


def test_repeats_respect_the_minimum_interval_and_the_excursion_limit() -> None:
    s = Script(ONE_STEP).start(hr=145).run(100, const(145)).run(400, const(158))
    overs = s.of(EventType.ALERT_OVER)
    budget = POLICY.max_alerts_per_excursion
    gaps = [b.t - a.t for a, b in itertools.pairwise(overs)]
    assert all(g >= POLICY.over_repeat_s for g in gaps[: budget - 1])
    assert [e.data["n"] for e in overs[:budget]] == [1, 2, 3]
    # the budget spent, a sustained over is never silent: a slow reminder, no faster
    reminders = overs[budget:]
    assert reminders, "HR 8 bpm over for minutes gets reminders"
    assert all(g >= POLICY.over_reminder_s for g in gaps[budget - 1 :])
    assert 400 - (overs[-1].t - overs[0].t) <= POLICY.over_reminder_s + 60
    count = len(overs)
    # back inside by the hysteresis: one back_in_zone, then a new excursion alerts again
    s.run(30, const(144))
    assert len(s.of(EventType.BACK_IN_ZONE)) == 1
    s.run(30, const(158))
    assert len(s.of(EventType.ALERT_OVER)) == count + 1


def test_oscillating_two_bpm_around_a_bound_does_not_flap() -> None:
    def wobble(period: float) -> Trace:
        # a triangle between 148 and 152 around the upper bound 150
        return lambda t: 150 + 2 * (1 - 4 * abs((t / period) % 1 - 0.5))

    s = Script(ONE_STEP).start(hr=145).run(60, const(145)).run(300, wobble(8))
    assert s.alerts() == []
    assert s.of(EventType.BACK_IN_ZONE) == []
    # a slower wobble does alert, but hysteresis keeps the excursion open: no back_in_zone,
    # no alert/clear cycle each period, at most the excursion's limit
    s = Script(ONE_STEP).start(hr=145).run(60, const(145)).run(480, wobble(40))
    overs = s.of(EventType.ALERT_OVER)
    assert 1 <= len(overs) <= POLICY.max_alerts_per_excursion
    assert s.of(EventType.BACK_IN_ZONE) == []
    s.run(15, const(143))
    assert s.of(EventType.BACK_IN_ZONE) == []  # inside, but not for clear_dwell_s yet
    s.run(15, const(143))
    assert len(s.of(EventType.BACK_IN_ZONE)) == 1


def test_hysteresis_clears_only_inside_the_range() -> None:
    s = Script(ONE_STEP).start(hr=145).run(30, const(145)).run(20, const(156))
    assert len(s.of(EventType.ALERT_OVER)) == 1
    s.run(30, const(149))  # inside, but not 3 bpm inside
    assert s.of(EventType.BACK_IN_ZONE) == []
    inside_from = s.t + 5  # the 5 s average is 3 bpm inside once it holds only 147s
    s.run(40, const(147))
    back = s.of(EventType.BACK_IN_ZONE)
    assert len(back) == 1
    assert back[0].data["side"] == "over"
    assert back[0].t == inside_from + POLICY.clear_dwell_s


def test_over_and_under_feel_different() -> None:
    from pacer.engine.feel import pattern_for

    s = Script(ONE_STEP).start(hr=145).run(30, const(158)).run(300, const(125))
    over = s.of(EventType.ALERT_OVER)[0]
    under = s.of(EventType.ALERT_UNDER)[0]
    assert pattern_for(over) != pattern_for(under)


# --- prediction ------------------------------------------------------------------------


def test_predicted_overshoot_fires_before_the_bound_on_a_steep_rise() -> None:
    def steep(t: float) -> float:
        return 130 + 0.5 * t  # 30 bpm/min: crosses 150 at 40 s

    s = Script(ONE_STEP).start(hr=130).run(60, steep)
    crossed = first_above(steep, 150, 60)
    pred = s.of(EventType.ALERT_PREDICTED_OVER)
    assert len(pred) == 1
    assert pred[0].t < crossed
    assert 0 < pred[0].data["in_s"] <= POLICY.predict_horizon_s
    assert pred[0].data["slope_bpm_min"] >= POLICY.predict_min_slope_bpm_min
    assert s.snaps[int(pred[0].t)].predict_s is not None
    assert s.snaps[30].hr_trend is Trend.RISING


def test_prediction_never_fires_on_a_flat_approach() -> None:
    def creep(t: float) -> float:
        return min(149.0, 138 + 0.1 * t)  # 6 bpm/min, up to a bpm under the bound

    s = Script(ONE_STEP).start(hr=138).run(600, creep)
    assert s.of(EventType.ALERT_PREDICTED_OVER) == []
    assert s.alerts() == []


# --- pace, cadence ---------------------------------------------------------------------


def test_a_hill_that_slows_pace_in_an_hr_step_gives_no_alert() -> None:
    def hill(t: float) -> tuple[float, float]:
        if 120 < t <= 300:
            return 3.0, 172.0  # climbing: 20 % slower, same turnover
        if 300 < t <= 420:
            return 4.4, 172.0  # and down
        return 3.8, 172.0

    s = Script(ONE_STEP).start(hr=145).run(600, const(145), pod=hill)
    assert s.alerts() == []
    assert s.snaps[200].speed_mps == pytest.approx(3.0)  # pace is shown ...
    assert s.snaps[200].status is TargetStatus.IN  # ... the HR target is what counts


PACE_STEP = """
name: pace
steps:
  - active: 15m
    target: 7:00-7:10/mi
"""
ON_PACE = 1609.344 / 425  # 7:05/mi


def test_a_hill_in_a_pace_step_gives_no_alert_while_the_effort_holds() -> None:
    def hill(t: float) -> tuple[float, float]:
        if 240 < t <= 360:
            return ON_PACE * 0.9, 172.0
        if 360 < t <= 480:
            return ON_PACE * 1.1, 172.0
        return ON_PACE, 172.0

    s = Script(PACE_STEP).start(hr=150).run(900, const(150), pod=hill)
    assert s.alerts() == []
    # without the effort check the same hill nags: the smoothing alone does not hide it
    bare = replace(POLICY, pace_effort_bpm=0.0)
    s = Script(PACE_STEP, bare).start(hr=150).run(900, const(150), pod=hill)
    assert s.of(EventType.ALERT_UNDER, EventType.ALERT_OVER)


def test_a_pace_step_slowing_with_the_effort_is_alerted() -> None:
    def fading(t: float) -> tuple[float, float]:
        return (ON_PACE if t <= 240 else ON_PACE * 0.93), 172.0

    def hr(t: float) -> float:
        return 150 if t <= 240 else max(140.0, 150 - (t - 240) / 10)

    s = Script(PACE_STEP).start(hr=150).run(900, hr, pod=fading)
    unders = s.of(EventType.ALERT_UNDER)
    assert unders
    assert unders[0].data["metric"] == "speed"
    assert s.of(EventType.ALERT_PREDICTED_OVER) == []  # pace is not predicted


def test_cadence_cues_turnover() -> None:
    flat = (3.6, 170.0)
    s = Script(ONE_STEP).start(hr=130).run(600, const(130), pod=lambda t: flat)
    under = s.of(EventType.ALERT_UNDER)[0]
    assert under.data["cue"] == TURNOVER_UP
    cues = s.of(EventType.CADENCE_CUE)
    assert cues[0].t == under.t
    assert cues[0].data["cue"] == TURNOVER_UP
    assert s.snaps[int(under.t)].cue == TURNOVER_UP

    s = (
        Script(ONE_STEP)
        .start(hr=145)
        .run(30, const(145), pod=lambda t: flat)
        .run(30, const(158), pod=lambda t: flat)
    )
    assert s.of(EventType.ALERT_OVER)[0].data["cue"] == EASE_TURNOVER
    # without a foot pod there is no cadence to advise on
    s = Script(ONE_STEP).start(hr=145).run(30, const(145)).run(30, const(158))
    assert "cue" not in s.of(EventType.ALERT_OVER)[0].data
    assert s.of(EventType.CADENCE_CUE) == []


def test_under_waits_while_the_athlete_raises_turnover() -> None:
    def rising(t: float) -> tuple[float, float]:
        return 3.6, 160 + t / 15  # +4 spm a minute: easing in by turnover

    def hr(t: float) -> float:
        return 130 if t < 300 else 145

    s = Script(ONE_STEP).start(hr=130).run(600, hr, pod=rising)
    assert s.of(EventType.ALERT_UNDER) == []
    s = Script(ONE_STEP).start(hr=130).run(600, hr, pod=lambda t: (3.6, 165.0))
    assert s.of(EventType.ALERT_UNDER)


# --- data quality ----------------------------------------------------------------------


def test_a_dropout_mid_step_gives_one_sensor_lost_and_no_zone_alerts() -> None:
    s = Script(ONE_STEP).start(hr=145).run(200, const(145))
    # the strap loses skin contact for a minute and reports nonsense meanwhile
    s.run(60, const(195), contact=lambda t: False)
    s.run(40, const(145))
    lost, back = s.of(EventType.SENSOR_LOST), s.of(EventType.SENSOR_BACK)
    assert len(lost) == 1
    assert len(back) == 1
    assert lost[0].data == {"role": "hr", "reason": "no_contact"}
    assert lost[0].t == 200 + POLICY.sensor_timeout_s + 1
    assert back[0].t == 261  # the first good reading
    assert s.alerts() == []
    assert s.snaps[230].hr is None
    assert s.snaps[230].status is TargetStatus.NONE
    # then a disconnect: again one lost, one back, and the clock goes on
    s.events.append(s.engine.on_sample(SensorStatus(301.0, SensorRole.HR, connected=False))[0])
    s.run(30, None)
    s.engine.on_sample(SensorStatus(331.0, SensorRole.HR, connected=True))
    s.run(300, const(145))
    assert len(s.of(EventType.SENSOR_LOST)) == 2
    assert len(s.of(EventType.SENSOR_BACK)) == 2
    assert s.alerts() == []
    assert s.engine.done  # the 10 min step ended on time without heart rate
    row = s.engine.summary().step(1)
    # and the first readings after each gap are believed once artefact_persist_n agree
    assert row.nodata_s == pytest.approx(55 + 31 + 2 * (POLICY.artefact_persist_n - 1), abs=2)


def test_a_strap_lost_before_the_start_is_not_announced() -> None:
    s = Script(ONE_STEP)
    s.engine.on_sample(HeartRateSample(0.0, 70, contact=True))
    assert s.engine.on_sample(SensorStatus(0.0, SensorRole.HR, connected=False)) == []
    s.start().run(60, None).run(60, const(145))
    assert s.of(EventType.SENSOR_LOST, EventType.SENSOR_BACK) == []
    assert s.snaps[120].hr == 145


def test_readings_without_skin_contact_do_not_count() -> None:
    s = Script(ONE_STEP).start(hr=145).run(100, const(145))
    s.run(3, const(200), contact=lambda t: False)  # shorter than the sensor timeout
    s.run(100, const(145))
    assert s.alerts() == []
    assert s.of(EventType.SENSOR_LOST) == []
    assert s.engine.summary().step(1).max_hr == 145


def test_no_zone_alerts_in_an_open_effort_step() -> None:
    text = "name: open\nsteps:\n  - active: 10m\n"
    s = Script(text).start(hr=100).run(600, lambda t: 100 + t / 4)  # 100 -> 250 bpm
    assert s.alerts() == []
    assert s.snaps[300].status is TargetStatus.NONE


def test_policy_rejects_nonsense() -> None:
    from pacer.core.errors import ConfigError

    with pytest.raises(ConfigError, match="over_repeat_s"):
        AlertPolicy(over_repeat_s=-1)
    with pytest.raises(ConfigError, match="max_alerts_per_excursion"):
        AlertPolicy(max_alerts_per_excursion=0)
    with pytest.raises(ConfigError, match=r"alerts\.hysteresis must be a finite number"):
        AlertPolicy(hr=replace(POLICY.hr, hysteresis=float("nan")))
