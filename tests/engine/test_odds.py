"""The trend's chance of a crossing: the real-body table of :mod:`pacer.engine.odds`, how the
forecast reads it, and that the shipped table is what the fit script measures."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

from pacer.engine.forecast import Forecast, Outlook
from pacer.engine.odds import REAL_CROSSING_ODDS, CrossingOdds, eta_s
from pacer.engine.policy import AlertPolicy, least_squares_slope
from tests.support.paths import REPO

REAL = REPO.parent / "shared" / "real-runs"


def test_eta_is_the_gap_closed_at_todays_rise() -> None:
    assert eta_s(3.0, 12.0) == pytest.approx(15.0)  # 3 bpm at 12 bpm/min: 15 s
    assert eta_s(-1.0, 12.0) == 0.0  # already over
    assert eta_s(3.0, 0.0) is None
    assert eta_s(3.0, -4.0) is None


def test_a_sooner_reach_is_never_less_likely() -> None:
    for row in REAL_CROSSING_ODDS.rates:
        assert list(row) == sorted(row, reverse=True), row


def test_a_steep_rise_near_the_top_is_likelier_than_a_drift_or_a_flat_hr() -> None:
    odds = REAL_CROSSING_ODDS
    steep = odds.chance(3.0, 30.0)  # reaches the top in 6 s
    drift = odds.chance(3.0, 4.0)  # in 45 s
    flat = odds.chance(3.0, 0.0)
    far = odds.chance(15.0, 4.0)  # 15 bpm below, drifting
    assert steep > drift >= flat > far
    assert steep >= AlertPolicy().predict_probability > drift


@pytest.mark.parametrize(
    ("rates", "why"),
    [
        (((0.5, 0.5),), "rows"),
        (((0.5, 0.5), (0.5,)), "rows"),
        (((0.5, 1.5), (0.5, 0.5)), "probabilities"),
    ],
)
def test_a_malformed_table_is_refused(rates: tuple[tuple[float, ...], ...], why: str) -> None:
    with pytest.raises(ValueError, match=why):
        CrossingOdds(gap_edges=(1.0,), eta_edges=(math.inf,), rates=rates, horizon_s=60.0)


def outlook_after(hr_of_t: list[float], high: float) -> Outlook | None:
    """Feed one reading a second, then ask the forecast (the slope as the engine's: 15 s)."""
    policy = AlertPolicy()
    forecast = Forecast(policy, max_hr=190)
    pts: list[tuple[float, float]] = []
    slope = None
    for t, hr in enumerate(hr_of_t):
        pts.append((float(t), hr))
        recent = [p for p in pts if p[0] > t - policy.forecast_window_s]
        s = least_squares_slope(recent)
        slope = None if s is None else s * 60.0
        forecast.update(float(t), hr, slope, None)
    return forecast.outlook(hr_of_t[-1], high, slope, None)


def test_the_forecast_reads_the_table_and_in_s_is_when_the_rise_gets_there() -> None:
    rising = [140.0 + 0.5 * t for t in range(30)]  # 30 bpm/min, 154.5 at the end
    o = outlook_after(rising, high=157.0)
    assert o is not None
    assert o.source == "hr"
    assert o.p == REAL_CROSSING_ODDS.chance(2.5, 30.0)
    assert o.in_s == pytest.approx(5.0, abs=0.1)
    assert o.bpm > 157.0  # the forecast it reports is the path that gets there
    flat = outlook_after([155.0] * 30, high=157.0)
    assert flat is not None
    assert flat.p < AlertPolicy().predict_probability


def test_the_shipped_table_is_what_the_fit_script_measures_on_the_real_recordings() -> None:
    if not REAL.is_dir():
        pytest.skip(f"{REAL} is not here (the shared real recordings): skipped")
    path = REPO / "benchmarks" / "fit_crossing_odds.py"
    spec = importlib.util.spec_from_file_location("fit_crossing_odds", path)
    assert spec is not None
    assert spec.loader is not None
    fit = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = fit
    spec.loader.exec_module(fit)
    total: dict[tuple[int, int], list[int]] = {}
    for csv in sorted(Path(REAL).glob("*.csv")):
        fit.add(total, fit.counts(fit.measure(csv)))
    assert fit.rates(total) == REAL_CROSSING_ODDS.rates
