"""The alert policy: when to buzz, and when to stay quiet (pure).

Every threshold is a documented field of :class:`AlertPolicy` with a default taken from the
seed (``shared/seeds/step-up-run.txt``) and from what makes a watch annoying: watches alert
the instant a bound is crossed, ours is calm and early instead.

* **Ease-in.** Heart rate lags an effort change by tens of seconds. In the first
  ``ramp_in_s`` of a step (``first_hard_ramp_in_s`` for the first hard step after the
  warm-up) an alert in the direction of the lag is not given: under on a step up, over on a
  step down. Overshoot on a step up is alerted even then: jumping in too hard is the classic
  mistake.
* **Asymmetry.** Over alerts after a short dwell beyond the bound, under after a long one,
  and repeats of under are rarer.
* **Direction.** On a step *up* HR already over the top is an overshoot, alerted at once; on
  a step *down* HR is given the time a physiological recovery takes to fall.
* **Prediction.** From effort (a first-order model of how this athlete's HR answers speed,
  cadence or power, learned during the run) or from HR's own slope, warn when the predicted
  steady state is over the top, before HR gets there.
* **Hysteresis, repeats, excursions.** An excursion ends only when the value has been back
  ``hysteresis`` inside the range for ``clear_dwell_s``; repeats are at least
  ``*_repeat_s`` apart and at most ``max_alerts_per_excursion`` per excursion.

The small functions at the end are the decisions themselves; :mod:`pacer.engine.judge`
keeps the state and calls them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import MISSING, Field, dataclass, field, fields, replace
from enum import StrEnum
from typing import Any, Final

from pacer.core.errors import ConfigError
from pacer.engine.snapshot import Trend
from pacer.workout.model import Intensity
from pacer.workout.resolve import Metric, ResolvedStep

#: the key of a field's :class:`Range` in its metadata
RANGE: Final = "range"


@dataclass(frozen=True, slots=True)
class Range:
    """The physical range of one policy field, declared beside it (:func:`ranged`): a value
    outside it is refused by the one validator (the config file, ``settings.set``,
    start-up) and by the policy itself, so the engine never runs with it."""

    low: float
    high: float
    unit: str
    #: whole numbers only (a count, or seconds the engine counts down one by one)
    whole: bool = False

    def text(self) -> str:
        """``1 to 600 s``, ``a whole number 1 to 100``."""
        unit = f" {self.unit}" if self.unit else ""
        kind = "a whole number " if self.whole else ""
        return f"{kind}{self.low:g} to {self.high:g}{unit}"

    def problem(self, key: str, value: object) -> str | None:
        """What is wrong with ``value`` for the override key ``key``, or None."""
        if isinstance(value, tuple):
            return next((p for p in (self.problem(key, v) for v in value) if p), None)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"alerts.{key} must be a number, not {value!r}"[:200]
        if isinstance(value, float) and not math.isfinite(value):
            return f"alerts.{key} must be a finite number, not {value!r}"
        if self.whole and value != int(value):
            return f"alerts.{key} must be a whole number, not {value:g}"
        if not self.low <= value <= self.high:  # (an int of any size compares exactly)
            shown = f"{value:g}" if isinstance(value, float) or abs(value) < 10**15 else "huge"
            return f"alerts.{key} = {shown}: expected {self.text()}"
        return None


def ranged(low: float, high: float, unit: str, default: Any = MISSING) -> Any:
    """A policy field with its :class:`Range` (whole numbers when ``default`` is an int)."""
    whole = isinstance(default, int | tuple) and not isinstance(default, bool)
    return field(default=default, metadata={RANGE: Range(low, high, unit, whole)})


def structural(default: Any) -> Any:
    """A field that is part of the policy's shape, not a tuning: no range, no override key
    (``per_step``: what pace's average means)."""
    return field(default=default, metadata={RANGE: None})


class UndeclaredRange(TypeError):
    """A policy field declares no range: a bug, caught by the tests before it ships."""


def range_of(f: Field[Any]) -> Range | None:
    """The range declared beside field ``f`` (None: :func:`structural`)."""
    if RANGE not in f.metadata:
        raise UndeclaredRange(
            f"alert policy field {f.name} declares no range: write it as "
            f"ranged(low, high, unit, default) (or structural(default) if it is no number)"
        )
    declared: Range | None = f.metadata[RANGE]
    return declared


def _check_ranges(obj: object, prefix: str = "") -> None:
    for f in fields(obj):  # type: ignore[arg-type]
        limits = range_of(f)
        if limits is not None:
            problem = limits.problem(prefix + f.name, getattr(obj, f.name))
            if problem is not None:
                raise ConfigError(problem)


@dataclass(frozen=True, slots=True)
class MetricRules:
    """How one metric (heart rate, speed, cadence, power) is judged against its target."""

    #: Moving-average window (s) of the value that status and alerts use.
    smoothing_s: float = ranged(1, 900, "s")
    #: An alert clears only this far inside the range (metric units; at most half the range).
    hysteresis: float = ranged(0, 100, "bpm, m/s, rpm or W")
    #: Seconds continuously above the bound before an over alert.
    over_dwell_s: float = ranged(1, 600, "s")
    #: Seconds continuously below the bound before an under alert.
    under_dwell_s: float = ranged(1, 600, "s")
    #: Seconds after a step change with no alert in the direction the value lags.
    ramp_in_s: float = ranged(0, 900, "s")
    #: Fraction of the bound a value may stray beyond it before it counts for an alert.
    tolerance: float = ranged(0, 0.5, "", 0.0)
    #: The average restarts with each step (pace: "the pace of this step").
    per_step: bool = structural(False)

    def __post_init__(self) -> None:
        _check_ranges(self)

    def effective_hysteresis(self, low: float, high: float) -> float:
        return min(self.hysteresis, (high - low) / 2)


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    """Every threshold of the engine, with the reason for its default in docs/engine.md."""

    #: Heart rate: a 5 s average removes beat jitter; over alerts after 6 s (fast), under
    #: after 60 s (gently); a 90 s ramp-in covers the lag of HR behind effort.
    hr: MetricRules = field(
        default_factory=lambda: MetricRules(
            smoothing_s=5.0, hysteresis=3.0, over_dwell_s=6.0, under_dwell_s=60.0, ramp_in_s=90.0
        ),
        metadata={RANGE: None},  # each rule carries its own range
    )
    #: Pace (as speed, m/s): the average of the step's last 3 minutes, so rolling hills
    #: average out (the seed); 2 % tolerance (about 8 s/mi at 7:00/mi); slow dwells both ways.
    speed: MetricRules = field(
        default_factory=lambda: MetricRules(
            smoothing_s=180.0,
            hysteresis=0.05,
            over_dwell_s=30.0,
            under_dwell_s=60.0,
            ramp_in_s=60.0,
            tolerance=0.02,
            per_step=True,
        ),
        metadata={RANGE: None},  # each rule carries its own range
    )
    cadence: MetricRules = field(
        default_factory=lambda: MetricRules(
            smoothing_s=10.0, hysteresis=2.0, over_dwell_s=15.0, under_dwell_s=30.0, ramp_in_s=20.0
        ),
        metadata={RANGE: None},  # each rule carries its own range
    )
    #: Power: the usual 10 s average; power answers effort at once, so a short ramp-in.
    power: MetricRules = field(
        default_factory=lambda: MetricRules(
            smoothing_s=10.0,
            hysteresis=5.0,
            over_dwell_s=10.0,
            under_dwell_s=30.0,
            ramp_in_s=20.0,
            tolerance=0.02,
        ),
        metadata={RANGE: None},  # each rule carries its own range
    )
    #: Pace steps with a heart-rate strap: a pace excursion is terrain, not effort, while HR
    #: stays within this many bpm of the HR held while the pace was on target (the seed:
    #: "hold the effort level steady and the pace will average out"). 0 turns it off.
    pace_effort_bpm: float = ranged(0, 30, "bpm", 4.0)
    #: Heart-rate ramp-in of the first hard step after the warm-up (the seed: ease into it).
    first_hard_ramp_in_s: float = ranged(0, 900, "s", 180.0)
    #: No under alert this long after resuming from a pause (HR dropped while standing).
    resume_grace_s: float = ranged(0, 600, "s", 30.0)
    #: No under alert this close to the end of a timed step: the next step is coming anyway.
    quiet_before_change_s: float = ranged(0, 600, "s", 15.0)
    #: Minimum seconds between two over alerts, and between two predictions.
    over_repeat_s: float = ranged(1, 3600, "s", 60.0)
    #: Minimum seconds between two under alerts.
    under_repeat_s: float = ranged(1, 3600, "s", 240.0)
    #: Alerts per excursion; then silence until the value is back in range.
    max_alerts_per_excursion: int = ranged(1, 100, "", 3)
    #: Warn when HR is heading over the top: its predicted steady state (from effort, or
    #: from its own slope) is above the top by ``predict_margin_bpm`` and the first-order
    #: approach crosses the top within ``predict_horizon_s``.
    predict_horizon_s: float = ranged(1, 600, "s", 45.0)
    predict_margin_bpm: float = ranged(0, 50, "bpm", 5.0)
    #: Heart-rate samples of this many seconds give the slope (least squares).
    predict_window_s: float = ranged(5, 600, "s", 30.0)
    #: The HR-only fallback predicts only a rise at least this steep (bpm/min).
    predict_min_slope_bpm_min: float = ranged(0, 200, "bpm/min", 15.0)
    #: The prediction must hold this long before it is given.
    predict_confirm_s: float = ranged(0, 120, "s", 3.0)
    #: Warn when the chance that HR is over the top ``predict_horizon_s`` from now (the
    #: trend and the effort model fused, :mod:`pacer.engine.forecast`) reaches this; chosen
    #: on the shared real recordings (docs/engine.md).
    predict_probability: float = ranged(0.5, 0.99, "", 0.66)
    #: No warning while HR falls faster than this (bpm/min): HR on its way down is not
    #: heading over, whatever the effort says.
    predict_falling_bpm_min: float = ranged(0, 30, "bpm/min", 1.0)
    #: Forecast errors are learned from the forecasts of this many seconds (exponential
    #: memory) ...
    forecast_memory_s: float = ranged(60, 7200, "s", 900.0)
    #: ... starting from this error (bpm, one standard deviation) ...
    forecast_prior_sd_bpm: float = ranged(0.5, 30, "bpm", 5.0)
    #: ... worth this many seconds of forecasts; and never surer than ``forecast_min_sd_bpm``
    #: (no heart is that predictable 45 s ahead).
    forecast_prior_weight_s: float = ranged(0, 3600, "s", 120.0)
    forecast_min_sd_bpm: float = ranged(0.1, 30, "bpm", 5.0)
    #: The trend's forecast: HR's slope over this many seconds (a turn shows within it) ...
    forecast_window_s: float = ranged(5, 600, "s", 15.0)
    #: ... carried on as a first-order approach with this time constant (s): a rise slows as
    #: HR nears where the effort leads it.
    forecast_trend_tau_s: float = ranged(1, 300, "s", 20.0)
    #: HR's wander (its natural slow swing at a steady effort, SD ~2 bpm on real bodies) is
    #: measured online: the RMS of HR about its own mean of this many seconds (exponential)
    #: ...
    wander_window_s: float = ranged(10, 600, "s", 60.0)
    #: ... remembered over this many seconds (exponential), starting from
    #: ``wander_prior_bpm`` until the memory fills.
    wander_memory_s: float = ranged(30, 3600, "s", 300.0)
    wander_prior_bpm: float = ranged(0.1, 20, "bpm", 2.0)
    #: ... each deviation counted at most this many wanders (an interval or a hill moves HR
    #: far more and is no wander).
    wander_clip_sd: float = ranged(1, 10, "", 2.0)
    #: The trend's forecast (the one its error is learned from, and the one that lets the
    #: effort model's prior speak) carries a rise only when its rise over
    #: ``forecast_window_s`` is this many times the measured wander: a 15-s slope of a
    #: wandering HR is noise, not a drift. (The trend's chance is the real-body odds.)
    forecast_trend_z: float = ranged(0, 10, "", 2.5)
    #: No forecast within this many seconds of a heart-rate reading rejected as an artefact:
    #: the seconds around a spike are no evidence of a trend.
    forecast_clean_s: float = ranged(0, 120, "s", 10.0)
    #: A crossing less than this many seconds away is no longer a warning (the over alert
    #: follows): ``in_s`` of a warning is at least this.
    predict_min_lead_s: float = ranged(0, 120, "s", 3.0)
    #: An effort input under this fraction of its usual level is rest (a stop, a walk, a
    #: pause): its filters restart, so a restart is no "jump" of effort.
    effort_rest_fraction: float = ranged(0, 0.95, "", 0.6)
    #: After the ``max_alerts_per_excursion``, an excursion still over the top gets a reminder
    #: this often: a sustained over is never silent.
    over_reminder_s: float = ranged(30, 600, "s", 75.0)
    #: HR this long under the top (not only back by the hysteresis) and the next
    #: crossing is a new one: the alert budget starts again (the repeat interval still holds).
    over_rearm_s: float = ranged(1, 600, "s", 20.0)
    #: ... "under the top" meaning this many bpm under it (at most the hysteresis): a
    #: +-2 bpm wobble around the top stays one excursion.
    over_rearm_bpm: float = ranged(0, 10, "bpm", 0.5)
    #: A heart-rate over alert needs the excursion to be more than a poke: the smoothed HR
    #: above the top by this many bpm-seconds in all (1.5 bpm over or more: the usual dwell;
    #: 0.4 bpm over: ``over_dwell_max_s``) ...
    over_area_bpm_s: float = ranged(0, 600, "bpm*s", 8.0)
    #: ... or over the top this long whatever by how much (a 20-s excursion is alerted).
    over_dwell_max_s: float = ranged(1, 600, "s", 12.0)
    #: A crossing that was predicted (a warning given in this approach) needs less
    #: confirmation: heart-rate over alerts then dwell this long instead of ``over_dwell_s``.
    predicted_over_dwell_s: float = ranged(1, 600, "s", 3.0)
    #: Effort model (docs/engine.md, :mod:`pacer.engine.effort`): the short average of speed,
    #: cadence and power it reads; how long it remembers (s); the spread of an input (a
    #: fraction of its mean) it must have seen and the share of HR's variance it must explain
    #: before its gain is trusted; and the prior
    #: time constant of HR following effort (s) until step changes have fitted one.
    effort_smoothing_s: float = ranged(1, 120, "s", 5.0)
    effort_memory_s: float = ranged(60, 7200, "s", 1200.0)
    effort_min_spread: float = ranged(0.001, 1, "", 0.015)
    effort_min_r2: float = ranged(0, 1, "", 0.5)
    effort_tau_s: float = ranged(5, 90, "s", 40.0)  # to effort.TAUS_S's slowest filter
    #: The model does not learn in the run's first seconds: HR starts far from any steady
    #: state and settles for minutes.
    effort_settle_s: float = ranged(0, 3600, "s", 300.0)
    #: Artefacts: a heart-rate reading more than ``artefact_jump_bpm`` per second from the
    #: last believed one is held back and dropped unless ``artefact_persist_n`` readings agree
    #: on the new level; a reading more than ``rr_disagree_bpm`` from its own RR intervals is
    #: dropped. A strap can spike; a heart cannot jump 20 bpm in a second and back.
    artefact_jump_bpm: float = ranged(1, 100, "bpm", 15.0)
    artefact_persist_n: int = ranged(1, 20, "", 3)
    rr_disagree_bpm: float = ranged(1, 100, "bpm", 20.0)
    #: Good readings further apart than this are a gap: the trend restarts after it ...
    gap_s: float = ranged(1, 60, "s", 3.0)
    #: ... and needs this many consecutive good readings before it is believed.
    trend_min_samples: int = ranged(3, 600, "", 10)
    #: An excursion ends only after the value has been back inside by the hysteresis for
    #: this long; then (and only then) the one "back in zone" tap.
    clear_dwell_s: float = ranged(0, 600, "s", 20.0)
    #: Step down with HR above the new top: no over alert while HR decays at least as fast
    #: as recovery with time constant ``step_down_tau_s`` (plus ``step_down_margin_bpm``),
    #: nor in the first ``step_down_grace_s`` (the athlete reacts); an HR that does not fall
    #: is alerted at ``step_down_limit_s`` after the step start at the latest.
    step_down_tau_s: float = ranged(5, 600, "s", 60.0)
    step_down_grace_s: float = ranged(0, 600, "s", 20.0)
    step_down_margin_bpm: float = ranged(0, 50, "bpm", 4.0)
    step_down_limit_s: float = ranged(0, 1800, "s", 90.0)
    #: ... unless HR is still falling toward the band fast enough to reach the top within
    #: this many seconds (a slow recovery on its way is no over).
    step_down_reach_s: float = ranged(0, 600, "s", 45.0)
    #: No under alert while HR rises fast enough to reach the floor within this many seconds.
    under_reach_horizon_s: float = ranged(0, 600, "s", 60.0)
    #: |slope| below this (bpm/min) shows as a steady trend.
    trend_steady_bpm_min: float = ranged(0, 60, "bpm/min", 3.0)
    #: Cadence that changed less than ``cadence_flat_spm`` in ``cadence_window_s`` is flat.
    cadence_window_s: float = ranged(5, 600, "s", 60.0)
    cadence_flat_spm: float = ranged(0, 60, "spm", 3.0)
    #: A sensor with no valid reading this long is lost (one ``sensor_lost``).
    sensor_timeout_s: float = ranged(1, 600, "s", 5.0)
    #: Countdown before a timed step change: one at ``countdown_s``, then each of
    #: ``countdown_final``.
    countdown_s: int = ranged(4, 60, "s", 10)
    countdown_final: tuple[int, ...] = ranged(1, 59, "s", (3, 2, 1))
    #: Strength: buzz this long before the end of the rest timer.
    rest_warning_s: int = ranged(0, 300, "s", 10)
    #: Strength: rest between sets when the workout gives none.
    default_rest_s: int = ranged(0, 1800, "s", 120)
    #: The extend button adds this much to a timed step, a rest timer or a condition cap.
    extend_s: int = ranged(1, 1800, "s", 60)
    #: A condition ("until HR < 120") must hold this long to end its step.
    condition_hold_s: float = ranged(0, 600, "s", 3.0)
    #: A cadence cue stays on screen this long.
    cue_display_s: float = ranged(1, 600, "s", 20.0)

    def __post_init__(self) -> None:
        _check_ranges(self)
        for metric in _METRIC_FIELDS:
            rules = getattr(self, metric)
            if not isinstance(rules, MetricRules):
                raise ConfigError(f"alert policy {metric} must be MetricRules, not {rules!r}")
            _check_ranges(rules, f"{metric}_")
        if any(c >= self.countdown_s for c in self.countdown_final):
            raise ConfigError(
                f"alerts.countdown_s = {self.countdown_s}: must be above the final countdown "
                f"{list(self.countdown_final)}"
            )

    def rules(self, metric: Metric) -> MetricRules:
        """The rules of ``metric`` (the field named after it: ``hr``, ``speed``...)."""
        rules: MetricRules = getattr(self, metric.value)
        return rules

    @property
    def countdown_marks(self) -> tuple[int, ...]:
        """Seconds before a step change at which ``step_countdown`` fires, largest first."""
        return tuple(sorted({self.countdown_s, *self.countdown_final}, reverse=True))


#: The metric-rule sets of :class:`AlertPolicy`, by the prefix their override keys use.
_METRIC_FIELDS = ("hr", "speed", "cadence", "power")


def override_keys() -> tuple[str, ...]:
    """Every key ``[alerts]`` accepts: a plain :class:`AlertPolicy` field
    (``sensor_timeout_s``), ``<metric>_<rule>`` for a per-metric rule (``hr_over_dwell_s``,
    ``speed_tolerance``), or a bare rule name (``over_dwell_s``), which means heart rate's.
    Only fields with a single number and a declared range are keys."""
    return tuple(alert_ranges())


def alert_ranges() -> dict[str, Range]:
    """Each override key (:func:`override_keys`) with the range declared beside its field."""
    out: dict[str, Range] = {}
    for f in fields(AlertPolicy):
        limits = range_of(f)
        if limits is not None and not isinstance(f.default, tuple):
            out[f.name] = limits
    rules = {f.name: r for f in fields(MetricRules) if (r := range_of(f)) is not None}
    for metric in _METRIC_FIELDS:
        out |= {f"{metric}_{name}": r for name, r in rules.items()}
    return out | rules


def _whole(value: float, limits: Range) -> float:
    """An integer for a whole-number field given a whole number (1.0 -> 1)."""
    if limits.whole and math.isfinite(value) and value == int(value):
        return int(value)
    return value


def policy_with(
    overrides: Sequence[tuple[str, float]], base: AlertPolicy | None = None
) -> AlertPolicy:
    """``base`` (the defaults) with ``[alerts]`` overrides; ConfigError naming a bad key or
    a value outside the range declared beside its field (checked by :class:`AlertPolicy`
    itself: whole-number fields take whole numbers only)."""
    policy = base or AlertPolicy()
    plain: dict[str, object] = {}
    per_metric: dict[str, dict[str, float]] = {}
    known = alert_ranges()
    rule_names = {f.name for f in fields(MetricRules)}
    for key, value in overrides:
        if key not in known:
            import difflib

            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(f"unknown alert parameter alerts.{key}{hint}")
        problem = known[key].problem(key, value)
        if problem is not None:
            raise ConfigError(problem)
        metric, _, rule = key.partition("_")
        if metric in _METRIC_FIELDS and rule in rule_names:
            per_metric.setdefault(metric, {})[rule] = float(value)
        elif key in rule_names:
            per_metric.setdefault("hr", {})[key] = float(value)
        else:
            plain[key] = _whole(float(value), known[key])
    for metric, changes in per_metric.items():
        plain[metric] = replace(getattr(policy, metric), **changes)
    return replace(policy, **plain)  # type: ignore[arg-type]


# --- decisions -------------------------------------------------------------------------


def is_first_hard_step(steps: tuple[ResolvedStep, ...], index: int) -> bool:
    """The first active step with a target, when a warm-up comes before it."""
    step = steps[index]
    if step.intensity is not Intensity.ACTIVE or step.target is None:
        return False
    before = steps[:index]
    if not any(s.intensity is Intensity.WARMUP for s in before):
        return False
    return not any(s.intensity is Intensity.ACTIVE and s.target is not None for s in before)


def ramp_in_s(policy: AlertPolicy, steps: tuple[ResolvedStep, ...], index: int) -> float:
    """The ramp-in window of step ``index`` for its primary metric (0 without a target)."""
    target = steps[index].target
    if target is None:
        return 0.0
    window = policy.rules(target.metric).ramp_in_s
    if target.metric is Metric.HR and is_first_hard_step(steps, index):
        window = max(window, policy.first_hard_ramp_in_s)
    return window


class Direction(StrEnum):
    """Which way a step change goes, so what HR over the new top means."""

    UP = "up"  # a harder target, or the first after an untargeted step: over is overshoot
    DOWN = "down"  # an easier target: HR is expected to fall
    LEVEL = "level"


def step_direction(steps: tuple[ResolvedStep, ...], index: int) -> Direction:
    """Compare the middle of step ``index``'s target with where the previous one ended."""
    target = steps[index].target
    if target is None:
        return Direction.LEVEL
    prev = steps[index - 1].target if index > 0 else None
    if prev is None or prev.metric is not target.metric:
        return Direction.UP
    before, now = sum(prev.bounds_at(1.0)), sum(target.bounds_at(0.0))
    return Direction.UP if now > before else Direction.DOWN if now < before else Direction.LEVEL


def hr_trend(slope_bpm_min: float | None, policy: AlertPolicy) -> Trend:
    if slope_bpm_min is None:
        return Trend.UNKNOWN
    if slope_bpm_min > policy.trend_steady_bpm_min:
        return Trend.RISING
    if slope_bpm_min < -policy.trend_steady_bpm_min:
        return Trend.FALLING
    return Trend.STEADY


def first_order_eta(value: float, steady: float, high: float, tau_s: float) -> float | None:
    """Seconds until ``value`` approaching ``steady`` exponentially (time constant
    ``tau_s``) crosses ``high``; None when it never does."""
    if value >= high or steady <= high:
        return None
    return tau_s * math.log((steady - value) / (steady - high))


def least_squares_slope(points: Sequence[tuple[float, float]]) -> float | None:
    """Slope (y per x) of the least-squares line through ``points``; None under 3 points."""
    n = len(points)
    if n < 3:
        return None
    x0 = points[0][0]  # shift x for precision
    sx = sy = sxx = sxy = 0.0
    for x, y in points:
        x -= x0
        sx += x
        sy += y
        sxx += x * x
        sxy += x * y
    den = n * sxx - sx * sx
    if den <= 0:
        return None
    return (n * sxy - sx * sy) / den


__all__ = [
    "RANGE",
    "AlertPolicy",
    "Direction",
    "MetricRules",
    "Range",
    "UndeclaredRange",
    "alert_ranges",
    "first_order_eta",
    "hr_trend",
    "is_first_hard_step",
    "least_squares_slope",
    "override_keys",
    "policy_with",
    "ramp_in_s",
    "range_of",
    "ranged",
    "step_direction",
    "structural",
]
