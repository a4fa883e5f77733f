"""How this athlete's heart rate answers effort, learned during the run (pure, deterministic).

Heart rate lags effort by 30-90 s; speed, cadence and power move at once. The model is
first order, as the physiology is (HR approaches a steady state exponentially)::

    HR_ss = a + b * x          x: speed, cadence or power
    dHR/dt = (HR_ss - HR) / tau

Seen through a first-order filter of the effort, ``x_f`` (time constant ``tau``), heart rate
is linear: ``HR ~ a + b * x_f``. So for each effort input and each candidate ``tau`` of
:data:`TAUS_S`, the model keeps ``x_f`` and an exponentially weighted least-squares fit of
HR on ``x_f`` (memory ``effort_memory_s``: drift and the day's form are followed, the warm-up
is forgotten by the last step). The fitted ``tau`` is the candidate with the smallest
one-step prediction error: only step changes tell the candidates apart, so ``tau`` is fitted
from the step changes seen, and until then it is the prior ``effort_tau_s``.

The prediction is relative, so the offset ``a`` (drift, the day's form) never matters::

    HR_ss = HR_now + b * (x_now - x_f)

``x_now`` is a short average of the input (``effort_smoothing_s``). The fitted gain is used
once the input has varied by ``effort_min_spread`` of its mean (a gain fitted on a constant
input is noise), explains ``effort_min_r2`` of HR's variance and is positive. Until then
(the first hard step after a steady warm-up) the gain is the prior of :data:`PRIOR_GAIN`
with the prior ``effort_tau_s``, and every input must agree (the lowest prediction counts:
a descent is faster, not harder).

The model learns only after the first ``effort_settle_s`` of the run (HR starts far from
the steady state of any effort and settles for minutes; the seed says 15) and only while
the athlete runs (a foot pod's walking flag): walking to running is another relation, and
learning across it would flatten the gain. A runner has two inputs, speed and cadence: the
one (with its time constant) whose fit explains HR best is used (on rolling hills speed
follows the grade and HR does not, so turnover wins there); a rider has power.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from pacer.engine.policy import AlertPolicy
from pacer.workout.resolve import Metric

#: Candidate time constants (s) of HR following effort: the physiological 30-60 s and either
#: side of it.
TAUS_S = (20.0, 35.0, 55.0, 90.0)
#: The fits' gains and the choice of the best are refreshed this often (s): they move slowly.
REFRESH_S = 5
#: Prior gains: the fraction of heart-rate reserve one relative change of the input is worth
#: at steady state (1 % faster ~ 1.4 % of the reserve, runners from easy to 10k pace; 1 %
#: more turnover ~ 4 %; 1 % more power ~ 0.8 %, power being close to linear in effort).
PRIOR_GAIN: dict[Metric, float] = {Metric.SPEED: 1.4, Metric.CADENCE: 4.0, Metric.POWER: 0.8}
#: An input's usual level follows it over about two minutes.
LEVEL_ALPHA = 1.0 / 120.0


@dataclass(slots=True)
class _Fit:
    """One input seen through one time constant: ``x_f`` and the weighted sums of the fit."""

    tau: float
    xf: float | None = None
    s0: float = 0.0
    sx: float = 0.0
    sy: float = 0.0
    sxx: float = 0.0
    sxy: float = 0.0
    syy: float = 0.0
    err: float = 0.0
    #: the trusted gain as of the last refresh (None: not trusted)
    g: float | None = None

    def gain(self, min_spread: float, min_r2: float = 0.0) -> float | None:
        """The fitted gain, when the input varied enough and explains enough of HR."""
        if self.s0 < 1.0:
            return None
        mx, my = self.sx / self.s0, self.sy / self.s0
        var = self.sxx / self.s0 - mx * mx
        if var <= (min_spread * abs(mx)) ** 2 or var <= 0:
            return None
        cov = self.sxy / self.s0 - mx * my
        vary = self.syy / self.s0 - my * my
        if vary <= 0 or cov * cov < min_r2 * var * vary:
            return None
        return cov / var

    def update(self, x: float, y: float, alpha: float, keep: float) -> None:
        xf = self.xf = x if self.xf is None else self.xf + (x - self.xf) * alpha
        g = self.g
        if g is not None:  # the one-step error of the fit so far (prequential)
            e = y - (self.sy / self.s0 + g * (xf - self.sx / self.s0))
            self.err = self.err * keep + e * e
        self.s0 = self.s0 * keep + 1.0
        self.sx = self.sx * keep + xf
        self.sy = self.sy * keep + y
        self.sxx = self.sxx * keep + xf * xf
        self.sxy = self.sxy * keep + xf * y
        self.syy = self.syy * keep + y * y


@dataclass(slots=True)
class _Input:
    fits: list[_Fit] = field(default_factory=lambda: [_Fit(tau) for tau in TAUS_S])
    last_t: float | None = None
    #: the input's usual level while moving (a slow average): under a fraction of it is rest
    level: float | None = None

    #: the best fit as of the last refresh
    best: tuple[_Fit, float] | None = None

    def choose(self) -> None:
        """The fit with the smallest error and a trusted positive gain, and that gain."""
        found: tuple[_Fit, float] | None = None
        for fit in self.fits:
            g = fit.g
            if g is not None and g > 0 and (found is None or fit.err < found[0].err):
                found = (fit, g)
        self.best = found


@dataclass(frozen=True, slots=True)
class Prediction:
    #: heart rate the current effort leads to (bpm)
    steady_bpm: float
    #: the fitted time constant (s)
    tau_s: float
    #: the gain was learned from this athlete (False: the prior)
    learned: bool = True


class EffortModel:
    """The per-run model; :meth:`update` once a second, :meth:`predict` when judging."""

    def __init__(
        self, policy: AlertPolicy, inputs: tuple[Metric, ...], reserve_bpm: float = 130.0
    ) -> None:
        self.policy = policy
        self.reserve_bpm = reserve_bpm
        self.inputs = {m: _Input() for m in inputs}
        self._keep = math.exp(-1.0 / policy.effort_memory_s)
        self._alpha = {tau: 1.0 - math.exp(-1.0 / tau) for tau in TAUS_S}
        self._updates = 0

    def update(
        self, t: float, hr: float | None, xs: dict[Metric, float | None], moving: bool = True
    ) -> None:
        """One second: heart rate (smoothed) and the effort inputs' short averages;
        ``moving`` False (walking, standing) learns nothing."""
        spread, r2 = self.policy.effort_min_spread, self.policy.effort_min_r2
        self._updates += 1
        refresh = self._updates % REFRESH_S == 0
        for metric, inp in self.inputs.items():
            x = xs.get(metric) if moving else None
            rest = self.policy.effort_rest_fraction
            if x is not None and inp.level is not None and x < rest * inp.level:
                x = None  # a stop, a walk, a pause: rest, not a level of effort
            if x is not None:
                inp.level = x if inp.level is None else inp.level + (x - inp.level) * LEVEL_ALPHA
            if x is None:  # the input is gone: its filter restarts when it is back
                for fit in inp.fits:
                    fit.xf = None
                inp.last_t = None
                continue
            dt = 1.0 if inp.last_t is None else t - inp.last_t
            inp.last_t = t
            for fit in inp.fits:
                alpha = self._alpha[fit.tau] if dt == 1.0 else 1.0 - math.exp(-dt / fit.tau)
                if hr is None or t < self.policy.effort_settle_s:  # the fit waits for HR
                    fit.xf = x if fit.xf is None else fit.xf + (x - fit.xf) * alpha
                else:
                    fit.update(x, hr, alpha, self._keep)
                if refresh:
                    fit.g = fit.gain(spread, r2)
            if refresh:
                inp.choose()

    def _fitted(self, xs: dict[Metric, float | None]) -> tuple[Metric, _Fit, float] | None:
        """The input (with a value now) and time constant that explain HR best."""
        found: tuple[Metric, _Fit, float] | None = None
        for metric, inp in self.inputs.items():
            best = inp.best if xs.get(metric) else None
            if best is not None and (found is None or best[0].err < found[1].err):
                found = (metric, *best)
        return found

    def tau_s(self) -> float:
        """The fitted time constant (the prior until step changes have told)."""
        found = self._fitted({m: 1.0 for m in self.inputs})
        return self.policy.effort_tau_s if found is None else found[1].tau

    def predict(self, hr: float, xs: dict[Metric, float | None]) -> Prediction | None:
        """Where ``hr`` is heading at the current effort; None without an effort input."""
        found = self._fitted(xs)
        if found is not None:
            metric, fit, gain = found
            x = xs[metric]
            if x is None or fit.xf is None:
                return None
            return Prediction(hr + gain * (x - fit.xf), fit.tau)
        # nothing learned yet: the prior gains, and every input must agree (the lowest)
        tau = self.policy.effort_tau_s
        steady: float | None = None
        for metric, inp in self.inputs.items():
            prior = next(f for f in inp.fits if f.tau >= tau)
            x = xs.get(metric)
            if x is None or inp.last_t is None or prior.xf is None or prior.xf <= 0:
                continue
            ss = hr + PRIOR_GAIN[metric] * self.reserve_bpm / prior.xf * (x - prior.xf)
            steady = ss if steady is None else min(steady, ss)
        return None if steady is None else Prediction(steady, tau, learned=False)


__all__ = ["PRIOR_GAIN", "TAUS_S", "EffortModel", "Prediction"]
