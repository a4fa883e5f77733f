"""Engine events as one line of text for a person (console, logs) (pure)."""

from __future__ import annotations

from typing import Any

from pacer.engine.events import EngineEvent, EventType
from pacer.workout.profile import Units
from pacer.workout.resolve import Metric, format_speed_as_pace, pace_unit_label

#: Events that make no line of their own: countdown beeps, the rest warning, and the cadence
#: cue (it is printed with the alert it came with).
QUIET = frozenset({EventType.STEP_COUNTDOWN, EventType.REST_WARNING, EventType.CADENCE_CUE})

CUE_TEXT = {"turnover_up": "turnover up", "ease_turnover": "ease turnover"}


def format_value(metric: str, value: float, units: Units) -> str:
    match Metric(metric):
        case Metric.HR:
            return f"HR {value:.0f}"
        case Metric.SPEED:
            return f"pace {format_speed_as_pace(value, units)}{pace_unit_label(units)}"
        case Metric.CADENCE:
            return f"cadence {value:.0f}"
        case Metric.POWER:
            return f"power {value:.0f} W"
    raise AssertionError(metric)  # pragma: no cover


def _bound(d: dict[str, Any], key: str, units: Units) -> str:
    if d["metric"] == Metric.SPEED.value:
        return format_speed_as_pace(float(d[key]), units)
    return f"{float(d[key]):.0f}"


def describe(event: EngineEvent, units: Units = Units.METRIC) -> str:
    """``alert over: HR 133 > 130 (ease turnover)`` and the like."""
    d = event.data
    cue = f" ({CUE_TEXT.get(str(d['cue']), d['cue'])})" if d.get("cue") else ""
    match event.type:
        case EventType.STEP_START:
            target = d.get("target") or "open effort"
            return f"{d['name']}: {d['duration']}, {target}"
        case EventType.ALERT_OVER | EventType.ALERT_UNDER:
            over = event.type is EventType.ALERT_OVER
            value = format_value(str(d["metric"]), float(d["value"]), units)
            bound = _bound(d, "high" if over else "low", units)
            if d["metric"] == Metric.SPEED.value:
                rel = "faster than" if over else "slower than"
            else:
                rel = ">" if over else "<"
            nth = f" #{d['n']}" if int(d.get("n", 1)) > 1 else ""
            return f"alert {'over' if over else 'under'}{nth}: {value} {rel} {bound}{cue}"
        case EventType.ALERT_PREDICTED_OVER:
            source = "effort" if d.get("from") == "effort" else "trend"
            chance = f", p {float(d['p']):.2f}" if "p" in d else ""
            heading = (
                f"heading for {float(d['forecast_bpm']):.0f} ({source}{chance})"
                if "forecast_bpm" in d
                else f"rising {float(d['slope_bpm_min']):.0f} bpm/min"
            )
            return (
                f"alert predicted over: HR {float(d['value']):.0f} {heading}, above "
                f"{float(d['high']):.0f} in ~{d['in_s']} s{cue}"
            )
        case EventType.CUE:
            return f"cue: {d['text']}"
        case EventType.BACK_IN_ZONE:
            value = format_value(str(d["metric"]), float(d["value"]), units)
            return f"back in zone: {value}"
        case EventType.SENSOR_LOST:
            return f"sensor lost: {d['role']} ({str(d['reason']).replace('_', ' ')})"
        case EventType.SENSOR_BACK:
            return f"sensor back: {d['role']} after {d['away_s']} s"
        case EventType.SET_DONE:
            return f"set {d['set']}/{d['sets']} done"
        case EventType.REST_START:
            return f"rest {d['rest_s']} s"
        case EventType.REST_END:
            return f"rest over{' (early)' if d.get('early') else ''}: set {d['set']}"
        case EventType.REST_WARNING:
            return f"rest: {d['remaining']} s left"
        case EventType.STEP_COUNTDOWN:
            return f"{d['remaining']} s to {d.get('next') or 'the end'}"
        case EventType.CADENCE_CUE:
            return CUE_TEXT.get(str(d["cue"]), str(d["cue"]))
        case EventType.STEP_EXTENDED:
            return f"step extended by {d['by_s']} s"
        case EventType.PAUSED:
            return "paused"
        case EventType.RESUMED:
            return "resumed"
        case EventType.WORKOUT_DONE:
            state = "completed" if d.get("completed") else "ended early"
            return f"workout {state}, compliance {d.get('compliance')}/100"
    raise AssertionError(event.type)  # pragma: no cover


__all__ = ["QUIET", "describe", "format_value"]
