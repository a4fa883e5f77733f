"""The judge: one step's zone alerts, excursions and prediction, one second at a time (pure).

:func:`judge` is one direction's excursion state machine (dwell, repeats, the alerts per
excursion, the end after ``clear_dwell_s`` back inside). The engine hands a
:class:`StepJudge` a :class:`Reading` each tick (the smoothed value and the band it is
judged against, the HR trend, the effort model's prediction, and the context that holds
alerts back); it answers with :class:`Call` objects, the alerts to give. What each rule
decides is in :mod:`pacer.engine.policy`; why, in docs/engine.md.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace
from enum import StrEnum

from pacer.engine.effort import Prediction
from pacer.engine.events import EventType
from pacer.engine.forecast import Outlook
from pacer.engine.policy import AlertPolicy, Direction
from pacer.workout.resolve import Metric


class Verdict(StrEnum):
    NONE = "none"
    ALERT = "alert"
    #: back inside by the hysteresis after at least one alert: ``back_in_zone``
    CLEARED = "cleared"


@dataclass(frozen=True, slots=True)
class Excursion:
    """The alert state of one direction (over or under) in the current step."""

    #: start of the current continuous stretch beyond the bound (None when not beyond)
    beyond_since: float | None = None
    #: alerts given in this excursion
    alerts: int = 0
    last_alert_t: float | None = None
    #: start of the current stretch back inside by the margin (the excursion ends after
    #: ``clear_dwell_s`` of it)
    inside_since: float | None = None
    #: start of the current stretch calm (within the bound by the re-arm margin):
    #: ``rearm_s`` of it and the alert budget starts again
    calm_since: float | None = None
    #: alerts counted against the budget (since the excursion began or last re-armed)
    spent: int = 0


def judge(
    ex: Excursion,
    t: float,
    *,
    beyond: bool,
    back_inside: bool,
    held: bool,
    dwell_s: float,
    repeat_s: float,
    max_alerts: int,
    clear_dwell_s: float = 0.0,
    reminder_s: float | None = None,
    rearm_s: float | None = None,
    calm: bool = False,
    sustained: bool = False,
) -> tuple[Excursion, Verdict]:
    """One second of one direction's alert state machine.

    ``beyond``: the value is past the bound (with tolerance); ``back_inside``: it is back
    inside by the margin; held there for ``clear_dwell_s`` that ends an excursion that was
    alerted (CLEARED, once); ``held``: an alert is not allowed now (ramp-in, grace); the
    dwell then starts only once it is allowed again. After ``max_alerts``, a value beyond
    and ``sustained`` (beyond on average over the last ``reminder_s``) gets a reminder every
    ``reminder_s`` (None: silence until the excursion ends). ``rearm_s`` of ``calm``
    (within the bound by a re-arm margin, less than the hysteresis) and the budget starts
    again: crossing back over is a
    new crossing, though not yet a ``back_in_zone``; the repeat interval still counts from
    the last alert.
    """
    if rearm_s is not None and ex.spent:
        if not calm:
            ex = replace(ex, calm_since=None) if ex.calm_since is not None else ex
        else:
            since_calm = t if ex.calm_since is None else ex.calm_since
            ex = replace(ex, calm_since=since_calm)
            if t - since_calm >= rearm_s:
                ex = replace(ex, spent=0, calm_since=None)
    if back_inside:
        if not ex.alerts:
            return Excursion(), Verdict.NONE
        since = t if ex.inside_since is None else ex.inside_since
        if t - since >= clear_dwell_s:
            return Excursion(), Verdict.CLEARED
        return replace(ex, beyond_since=None, inside_since=since), Verdict.NONE
    if ex.inside_since is not None:
        ex = replace(ex, inside_since=None)
    if not beyond or held:
        return replace(ex, beyond_since=None), Verdict.NONE
    since = t if ex.beyond_since is None else ex.beyond_since
    ex = replace(ex, beyond_since=since)
    if t - since < dwell_s:
        return ex, Verdict.NONE
    if ex.spent >= max_alerts:
        # the budget is spent: a reminder only for a value beyond on average
        if reminder_s is None or not sustained:
            return ex, Verdict.NONE
        repeat_s = reminder_s
    if ex.last_alert_t is not None and t - ex.last_alert_t < repeat_s:
        return ex, Verdict.NONE
    return replace(ex, alerts=ex.alerts + 1, spent=ex.spent + 1, last_alert_t=t), Verdict.ALERT


@dataclass(frozen=True, slots=True)
class Reading:
    """What the judge sees in one second."""

    t: float
    metric: Metric
    value: float
    #: the band now (a ramp's band at the fraction of the step done)
    low: float
    high: float
    #: HR slope, bpm per minute (None until enough consecutive good readings)
    slope: float | None = None
    #: where the effort model says HR is heading (HR targets with an effort sensor)
    effort: Prediction | None = None
    #: the time constant of HR following effort (fitted, or the prior)
    tau_s: float = 40.0
    #: the chance of crossing the top within the horizon (HR targets, HR rising)
    outlook: Outlook | None = None
    #: heart rate now (pace steps: is a pace excursion the terrain?)
    hr: float | None = None
    #: HR's measured wander (bpm, :class:`pacer.engine.forecast.Wander`)
    wander: float = 0.0
    cadence_rising: bool = False
    resumed_recently: bool = False
    near_end: bool = False


@dataclass(frozen=True, slots=True)
class Call:
    """An alert to give: its type and fields; ``side`` picks the turnover advice."""

    type: EventType
    side: str
    fields: dict[str, object]


@dataclass(slots=True)
class StepJudge:
    """The judging state of one step with a target."""

    policy: AlertPolicy
    start_t: float
    ramp_in_s: float
    direction: Direction
    #: the value at the step start (a step down measures the decay from it)
    start_value: float | None
    over: Excursion = field(default_factory=Excursion)
    under: Excursion = field(default_factory=Excursion)
    predicted_armed: bool = True
    predicted_since: float | None = None
    last_predicted_t: float | None = None
    #: seconds until HR crosses the top, when a warning is due (shown on screen)
    predict_s: float | None = None
    #: pace steps: heart rate while the pace was on target (sum, count)
    effort_hr_sum: float = 0.0
    effort_hr_n: int = 0
    #: the top of the band as last judged (a ramp's moves)
    _high: float = 0.0
    #: HR has been at or under the top in this step (a step down's decay is over: an HR
    #: back over the top is a new over, not the lag)
    _reached: bool = False
    #: the value over the last ``over_reminder_s`` (and its sum): is an over sustained?
    _recent: deque[tuple[float, float]] = field(default_factory=deque)
    _recent_sum: float = 0.0
    #: bpm-seconds above the top in the current stretch over it (a poke or an excursion?)
    _over_area: float = 0.0
    #: an excursion that ended with the value past the other bound (an over eased into an
    #: under): its ``back_in_zone`` is given once the value is in the band
    _owed: str | None = None

    def no_data(self) -> None:
        """No value: no zone alerts, excursions forgotten."""
        self.over, self.under, self.predicted_since, self.predict_s = (
            Excursion(),
            Excursion(),
            None,
            None,
        )
        self._over_area, self._owed = 0.0, None

    def excused(self, over: bool, t: float) -> bool:
        """Is being over (``over``) or under now the lag the rules allow for?"""
        if over:
            return self._decaying(t, None)
        return t - self.start_t < self.ramp_in_s

    def _decaying(self, t: float, value: float | None) -> bool:
        """A step down, HR above the top at the start, still within the time its decay
        may take (and, given ``value``, falling at least as fast as a slow recovery)."""
        p, v0 = self.policy, self.start_value
        if self.direction is not Direction.DOWN or v0 is None or self._reached:
            return False
        elapsed = t - self.start_t
        if elapsed >= p.step_down_limit_s - p.hr.over_dwell_s or elapsed < 0:
            return False
        if value is None or elapsed < p.step_down_grace_s:
            return True
        return value <= self._ceiling(elapsed, v0)

    def _on_its_way(self, t: float, r: Reading) -> bool:
        """A step down past its limit, HR still over but falling toward the band fast enough
        to reach the top within ``step_down_reach_s``: recovery on its way, no over yet."""
        p = self.policy
        if self.direction is not Direction.DOWN or self.start_value is None or self._reached:
            return False
        if t - self.start_t < p.step_down_limit_s - p.hr.over_dwell_s or self.over.alerts:
            return False
        if r.slope is None or r.slope >= 0 or r.value <= r.high:
            return False
        return (r.value - r.high) / (-r.slope / 60.0) <= p.step_down_reach_s

    def _ceiling(self, elapsed: float, v0: float) -> float:
        high = self._high
        decay = math.exp(-elapsed / self.policy.step_down_tau_s)
        return high + max(0.0, v0 - high) * decay + self.policy.step_down_margin_bpm

    def judge(self, r: Reading) -> list[Call]:
        p, t = self.policy, r.t
        rules = p.rules(r.metric)
        self._high = r.high
        hyst = rules.effective_hysteresis(r.low, r.high)
        in_ramp = t - self.start_t < self.ramp_in_s
        terrain_slow, terrain_fast = self._terrain(r)
        rising_in = (
            r.metric is Metric.HR
            and r.slope is not None
            and r.slope > 0
            and (r.low - r.value) / (r.slope / 60.0) <= p.under_reach_horizon_s
        )
        if r.metric is Metric.HR:
            over_held = self._decaying(t, r.value) or self._on_its_way(t, r)
            self._reached = self._reached or r.value <= r.high
        else:  # power and pace answer at once: the ramp-in covers a step down
            over_held = in_ramp and self.direction is Direction.DOWN
        under_held = (
            in_ramp
            or r.resumed_recently
            or r.near_end
            or (r.metric is Metric.HR and r.cadence_rising)
            or terrain_slow
            or rising_in
        )
        beyond = r.value > r.high * (1 + rules.tolerance)
        self._over_area = self._over_area + r.value - r.high if beyond else 0.0
        self.over, over = judge(
            self.over,
            t,
            beyond=beyond,
            back_inside=r.value <= r.high - hyst,
            held=over_held or terrain_fast,
            dwell_s=self._over_dwell(r, rules.over_dwell_s),
            repeat_s=p.over_repeat_s,
            max_alerts=p.max_alerts_per_excursion,
            clear_dwell_s=p.clear_dwell_s,
            reminder_s=p.over_reminder_s,
            rearm_s=p.over_rearm_s,
            calm=r.value <= r.high - min(p.over_rearm_bpm, hyst),
            sustained=self._sustained(t, r.value, r.high + min(p.over_rearm_bpm, hyst)),
        )
        self.under, under = judge(
            self.under,
            t,
            beyond=r.value < r.low * (1 - rules.tolerance),
            back_inside=r.value >= r.low + hyst,
            held=under_held,
            dwell_s=rules.under_dwell_s,
            repeat_s=p.under_repeat_s,
            max_alerts=p.max_alerts_per_excursion,
            clear_dwell_s=p.clear_dwell_s,
        )
        fields: dict[str, object] = {
            "metric": r.metric.value,
            "value": round(r.value, 2),
            "low": round(r.low, 2),
            "high": round(r.high, 2),
        }
        out: list[Call] = []
        for verdict, ex, kind, side in (
            (over, self.over, EventType.ALERT_OVER, "over"),
            (under, self.under, EventType.ALERT_UNDER, "under"),
        ):
            if verdict is Verdict.ALERT:
                self._owed = None
                out.append(Call(kind, side, {**fields, "n": ex.alerts}))
            elif verdict is Verdict.CLEARED:
                self._owed = side
        if self._owed is not None and r.low <= r.value <= r.high:
            side, self._owed = self._owed, None
            out.append(Call(EventType.BACK_IN_ZONE, side, {"side": side, **fields}))
        self.predict_s = None
        if r.metric is Metric.HR:
            out.extend(self._predict(r, hyst, fields))
        return out

    def _sustained(self, t: float, value: float, level: float) -> bool:
        """The value's mean over the last ``over_reminder_s`` is above ``level`` (with
        readings for most of that time)."""
        window, pts = self.policy.over_reminder_s, self._recent
        pts.append((t, value))
        self._recent_sum += value
        while pts and t - pts[0][0] >= window:
            self._recent_sum -= pts.popleft()[1]
        return len(pts) >= 0.8 * window and self._recent_sum / len(pts) > level

    def _over_dwell(self, r: Reading, dwell_s: float) -> float:
        """The heart-rate over dwell: shorter for a crossing that was predicted (a warning
        given and not yet re-armed: the forecast is the confirmation); longer
        (``over_dwell_max_s``) while the excursion's bpm-seconds above the top are under
        ``over_area_bpm_s`` (a 0.4-bpm, 6-s poke is the wander, not an excursion)."""
        p = self.policy
        if r.metric is not Metric.HR:
            return dwell_s
        if not self.predicted_armed:
            return min(dwell_s, p.predicted_over_dwell_s)
        if self._over_area < p.over_area_bpm_s:
            # a poke within the wander: an excursion only once it lasts
            return max(dwell_s, p.over_dwell_max_s)
        return dwell_s

    def _terrain(self, r: Reading) -> tuple[bool, bool]:
        """Pace steps: is a slow (fast) pace the terrain rather than the effort? So while the
        heart rate holds near what it was with the pace on target (a climb, a descent)."""
        margin = self.policy.pace_effort_bpm
        if r.metric is not Metric.SPEED or margin <= 0 or r.hr is None:
            return False, False
        if r.low <= r.value <= r.high:
            self.effort_hr_sum += r.hr
            self.effort_hr_n += 1
        if not self.effort_hr_n:
            return False, False
        effort = self.effort_hr_sum / self.effort_hr_n
        return r.hr >= effort - margin, r.hr <= effort + margin

    def _predict(self, r: Reading, hyst: float, fields: dict[str, object]) -> list[Call]:
        """A warning when a crossing within the horizon is likely (:mod:`pacer.engine.forecast`):
        once per approach, held ``predict_confirm_s``, never while over or just alerted."""
        p, t, o = self.policy, r.t, r.outlook
        chance = o is not None and o.p >= p.predict_probability
        likely = (
            chance
            and o is not None
            and o.in_s is not None
            and p.predict_min_lead_s <= o.in_s <= p.predict_horizon_s
            and r.value <= r.high
        )
        self.predict_s = o.in_s if likely and o is not None else None
        if not self.predicted_armed:
            if r.value <= r.high - hyst and not chance:
                self.predicted_armed = True  # eased off: a new approach may be warned again
            return []
        recent = [x for x in (self.last_predicted_t, self.over.last_alert_t) if x is not None]
        blocked = (
            self.over.beyond_since is not None
            or self.over.alerts > 0
            or any(t - x < p.over_repeat_s for x in recent)
        )
        if not likely or blocked or o is None or o.in_s is None:
            self.predicted_since = None
            return []
        if self.predicted_since is None:
            self.predicted_since = t
        # held ``predict_confirm_s``, or less when the crossing is nearer than that allows
        hold = min(p.predict_confirm_s, max(o.in_s - p.predict_min_lead_s, 0.0))
        if t - self.predicted_since < hold:
            return []
        self.predicted_armed, self.predicted_since, self.last_predicted_t = False, None, t
        extra: dict[str, object] = {
            "in_s": round(o.in_s),
            "p": round(o.p, 2),
            "forecast_bpm": round(o.bpm, 1),
            "slope_bpm_min": round(r.slope or 0.0, 1),
            "from": o.source,
        }
        return [Call(EventType.ALERT_PREDICTED_OVER, "over", {**fields, **extra})]


__all__ = ["Call", "Excursion", "Reading", "StepJudge", "Verdict", "judge"]
