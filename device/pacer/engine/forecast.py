"""How likely heart rate is to cross the top within the horizon (pure, deterministic).

Two forecasters say where HR will be ``predict_horizon_s`` from now:

* **the trend**: HR's least-squares slope over the last ``forecast_window_s`` carried on as
  a first-order approach does, ``HR + slope * tau * (1 - exp(-horizon / tau))`` (``tau``:
  ``forecast_trend_tau_s``; a drift at constant effort is a steady rise: the trend sees it
  whatever the effort sensors say);
* **the effort model** (:mod:`pacer.engine.effort`): the first-order approach to the steady
  state the current effort leads to, ``HR + (HR_ss - HR) * (1 - exp(-horizon / tau))``,
  with ``HR_ss`` clamped to the athlete's max HR.

Each forecaster's error is learned online from its own past forecasts (prequential): every
forecast is kept until its horizon has passed, then compared with the HR that came, and the
exponentially weighted mean square of those errors (memory ``forecast_memory_s``, starting
from ``forecast_prior_sd_bpm`` worth ``forecast_prior_weight_s`` seconds) is its variance.
A noisy input (GPS speed on a trail, a pod on a treadmill) earns a large error and so little
weight, without a rule for each kind of noise.

HR wanders at a steady effort (SD ~2 bpm, a time constant of ~17 s on real bodies), and a
15-s slope of a wandering HR is noise: the wander is measured online (the RMS of HR about its
own ``wander_window_s`` mean, :class:`Wander`), and the trend's forecast (the one scored, and
the one that lets the effort model's prior speak) carries a rise only when its rise over
``forecast_window_s`` is ``forecast_trend_z`` times that wander; otherwise it forecasts HR
where it is.

The chance of a crossing:

* **the trend's** is what real hearts did (:mod:`pacer.engine.odds`): how often HR this far
  under the top, whose 15-s rise would reach it this soon, crossed within a minute on the
  shared real recordings; its ``in_s`` is the gap at today's rise and its forecast where that
  rise leads;
* **the effort model's** is that of its normal forecast ``N(mean, sd)`` (``sd`` at least
  ``forecast_min_sd_bpm``) lying above the top, ``in_s`` when its first-order path gets there.

The likelier of the two is the outlook. No outlook within ``forecast_clean_s`` of a reading
rejected as an artefact. The prior (a gain not yet learned from this athlete) never counts
unless the trend alone also forecasts a crossing, and a falling HR (faster than
``predict_falling_bpm_min``) forecasts nothing.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from pacer.engine.effort import Prediction
from pacer.engine.odds import REAL_CROSSING_ODDS, eta_s
from pacer.engine.policy import AlertPolicy, first_order_eta


@dataclass(slots=True)
class _Skill:
    """One forecaster's pending forecasts and its learned mean square error."""

    prior_sd: float
    prior_weight: float
    keep: float
    pending: deque[tuple[float, float]] = field(default_factory=deque)
    weight: float = 0.0
    sq: float = 0.0

    def __post_init__(self) -> None:
        self.weight = self.prior_weight
        self.sq = self.prior_weight * self.prior_sd**2

    @property
    def sd(self) -> float:
        return math.sqrt(self.sq / self.weight) if self.weight > 0 else self.prior_sd

    def settle(self, t: float, hr: float, horizon: float) -> None:
        """Score the forecasts whose horizon has come (HR now is what they forecast)."""
        while self.pending and t - self.pending[0][0] >= horizon:
            made, forecast = self.pending.popleft()
            if t - made > horizon + 2.0:
                continue  # a gap in the readings: nothing to compare with
            e = hr - forecast
            self.weight = self.weight * self.keep + 1.0
            self.sq = self.sq * self.keep + e * e

    def forget_pending(self) -> None:
        self.pending.clear()


@dataclass(slots=True)
class Wander:
    """HR's natural swing at a steady effort: the RMS of HR about its own slow mean, each
    deviation winsorised at ``clip`` times the wander so far (a change of effort, an
    interval or a hill, moves HR far more and is no wander)."""

    #: the slow mean's and the memory's weights per second (exponential)
    follow: float
    keep: float
    prior_bpm: float
    prior_weight: float
    #: deviations count at most this many wander SDs
    clip: float = 2.0
    mean: float | None = None
    weight: float = 0.0
    sq: float = 0.0

    def __post_init__(self) -> None:
        self.weight = self.prior_weight
        self.sq = self.prior_weight * self.prior_bpm**2

    @property
    def sd(self) -> float:
        return math.sqrt(self.sq / self.weight) if self.weight > 0 else self.prior_bpm

    def update(self, hr: float) -> None:
        if self.mean is None:
            self.mean = hr
            return
        self.mean += (hr - self.mean) * (1.0 - self.follow)
        # winsorised: a change of effort (an interval, a hill) is no wander
        clip = self.clip * self.sd
        e = max(-clip, min(hr - self.mean, clip))
        self.weight = self.weight * self.keep + 1.0
        self.sq = self.sq * self.keep + e * e


@dataclass(frozen=True, slots=True)
class Outlook:
    """The likelier forecast of one second."""

    #: probability that HR is over the top at the horizon
    p: float
    #: the forecast of HR at the horizon (bpm) and its standard deviation
    bpm: float
    sd: float
    #: seconds until the forecast path reaches the top (None when it never does)
    in_s: float | None
    #: "effort" or "hr": the forecaster with the larger weight
    source: str


def normal_above(mean: float, sd: float, level: float) -> float:
    """P(X > level) for X ~ N(mean, sd)."""
    if sd <= 0:
        return 1.0 if mean > level else 0.0
    return 0.5 * math.erfc((level - mean) / (sd * math.sqrt(2.0)))


class Forecast:
    """The per-run forecasters; :meth:`update` once a second, :meth:`outlook` to judge."""

    def __init__(self, policy: AlertPolicy, max_hr: float) -> None:
        p = self.policy = policy
        self.max_hr = max_hr
        keep = math.exp(-1.0 / p.forecast_memory_s)
        self.trend = _Skill(p.forecast_prior_sd_bpm, p.forecast_prior_weight_s, keep)
        self.effort = _Skill(p.forecast_prior_sd_bpm, p.forecast_prior_weight_s, keep)
        memory = max(p.wander_memory_s, 1.0)
        self.wander = Wander(
            math.exp(-1.0 / max(p.wander_window_s, 1.0)),
            math.exp(-1.0 / memory),
            p.wander_prior_bpm,
            memory,
            p.wander_clip_sd,
        )
        #: artefacts rejected so far, when the last was, and the time now
        self._dropped, self._drop_t, self._t = 0, -math.inf, -math.inf
        tau = max(p.forecast_trend_tau_s, 1.0)
        #: seconds of today's slope the trend's forecast carries on
        self._reach = tau * (1.0 - math.exp(-p.predict_horizon_s / tau))

    def _trend_at(self, hr: float, slope: float | None) -> float | None:
        """HR carried on along its slope as a first-order approach does (the rise slows
        as HR nears its steady state ``hr + tau * slope``)."""
        if slope is None:
            return None
        slope = self.significant(slope)
        return min(hr + slope / 60.0 * self._reach, self.max_hr)

    def significant(self, slope: float) -> float:
        """The slope (bpm/min), or 0 for a rise within the wander (no evidence of a trend)."""
        p = self.policy
        if 0 < slope * p.forecast_window_s / 60.0 < p.forecast_trend_z * self.wander.sd:
            return 0.0
        return slope

    def _effort_at(self, hr: float, effort: Prediction | None) -> float | None:
        if effort is None:
            return None
        steady = min(effort.steady_bpm, self.max_hr)
        reach = 1.0 - math.exp(-self.policy.predict_horizon_s / max(effort.tau_s, 1.0))
        return min(hr + (steady - hr) * reach, self.max_hr)

    def update(
        self,
        t: float,
        hr: float | None,
        slope: float | None,
        effort: Prediction | None,
        dropped: int = 0,
    ) -> None:
        """One second: score what has come due, keep today's forecasts. ``dropped``: the
        heart-rate readings rejected as artefacts so far (a new one starts a quiet spell)."""
        if dropped > self._dropped:
            self._dropped, self._drop_t = dropped, t
        self._t = t
        if hr is None:
            self.trend.forget_pending()
            self.effort.forget_pending()
            return
        self.wander.update(hr)
        horizon = self.policy.predict_horizon_s
        for skill, forecast in (
            (self.trend, self._trend_at(hr, slope)),
            (self.effort, self._effort_at(hr, effort)),
        ):
            skill.settle(t, hr, horizon)
            if forecast is not None:
                skill.pending.append((t, forecast))

    def outlook(
        self,
        hr: float,
        high: float,
        slope: float | None,
        effort: Prediction | None,
    ) -> Outlook | None:
        """The chance HR is over ``high`` at the horizon; None when HR is falling."""
        p = self.policy
        if slope is None or slope < -p.predict_falling_bpm_min:
            return None
        if self._t - self._drop_t < p.forecast_clean_s:
            return None  # an artefact just now: the seconds around it are no evidence
        best: Outlook | None = None
        trend = self._trend_at(hr, slope)
        if trend is not None:
            # what real hearts this far below the top, rising this fast, did (odds.py)
            gap = high - hr
            chance = REAL_CROSSING_ODDS.chance(gap, slope)
            in_s = eta_s(gap, slope) if gap > 0 else None
            sd = max(self.trend.sd, p.forecast_min_sd_bpm)
            # where today's rise leads (the path ``in_s`` is on), not the wander-gated one
            path = min(hr + slope / 60.0 * self._reach, self.max_hr)
            best = Outlook(chance, path, sd, in_s, "hr")
        by_effort = self._effort_at(hr, effort)
        agrees = effort is not None and (effort.learned or (trend is not None and trend > high))
        if by_effort is not None and effort is not None and agrees:
            # judged by its own learned error; the likelier one speaks (a surge of effort is
            # seen before the trend turns, a drift by the trend whatever the effort says)
            sd = max(self.effort.sd, p.forecast_min_sd_bpm)
            chance = normal_above(by_effort, sd, high)
            # when the forecast path itself reaches the top
            steady = min(effort.steady_bpm, self.max_hr)
            in_s = first_order_eta(hr, steady, high, max(effort.tau_s, 1.0))
            if best is None or chance > best.p:
                best = Outlook(chance, by_effort, sd, in_s, "effort")
        return best


__all__ = ["Forecast", "Outlook", "Wander", "normal_above"]
