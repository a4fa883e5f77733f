"""The simulated body fitted to real ones: the ranges it draws from, the model it runs, and
``benchmarks/fit_athletes.py`` (which measured those ranges) recovering a known body."""

from __future__ import annotations

import importlib.util
import math
import random
import statistics
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest

from pacer.sim.bodies import POD_WOBBLE_PCT, RIDE, RUN, FittedBodies, Range
from pacer.sim.body import Heart, Physiology
from tests.support.paths import REPO, SHARED

REAL_RUNS = SHARED / "real-runs"

#: a body without randomness, to see the kinetics alone
QUIET = Physiology(settle_bpm=0.0, drift_bpm_per_min=0.0, wander_sd_bpm=0.0, strap_sd_bpm=0.0)


def fit_athletes() -> ModuleType:
    path = REPO / "benchmarks" / "fit_athletes.py"
    spec = importlib.util.spec_from_file_location("fit_athletes", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fit_athletes"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_a_draw_stays_between_p10_and_p90_and_splits_at_the_median() -> None:
    r = Range(44.0, 22.0, 83.0, n=7)
    rng = random.Random(3)
    draws = [r.draw(rng) for _ in range(4000)]
    assert min(draws) >= 22.0
    assert max(draws) <= 83.0
    below = sum(d < 44.0 for d in draws) / len(draws)
    assert below == pytest.approx(0.5, abs=0.03)


@pytest.mark.parametrize("ride", [False, True])
def test_each_seed_draws_a_body_inside_the_fitted_ranges(ride: bool) -> None:
    fit: FittedBodies = RIDE if ride else RUN
    bodies = [Physiology().drawn(random.Random(seed), ride=ride) for seed in range(200)]
    for attr, rng in (
        ("tau_up_s", fit.tau_up_s),
        ("tau_down_s", fit.tau_down_s),
        ("wander_sd_bpm", fit.wander_sd_bpm),
        ("wander_tau_s", fit.wander_tau_s),
        ("strap_sd_bpm", fit.strap_sd_bpm),
    ):
        values = [getattr(b, attr) for b in bodies]
        assert rng.p10 <= min(values), attr
        assert max(values) <= rng.p90, attr
        assert len(set(values)) > 50, attr  # drawn, not a constant
    drifts = [b.drift_bpm_per_min for b in bodies]
    assert min(drifts) >= 0.0
    assert max(drifts) <= fit.drift_bpm_min.p90
    gains = [b.speed_gain_bpm for b in bodies]
    assert RUN.gain.p10 <= min(gains)
    assert max(gains) <= RUN.gain.p90
    wobbles = [b.speed_wobble_pct for b in bodies]
    assert POD_WOBBLE_PCT.p10 <= min(wobbles)
    assert max(wobbles) <= POD_WOBBLE_PCT.p90


def test_speed_and_power_answer_effort_at_the_drawn_gains() -> None:
    body = replace(QUIET, speed_gain_bpm=25.0, power_gain_bpm=0.3)
    for e1, e2 in ((0.5, 0.6), (0.6, 0.8)):
        hr_change = (e2 - e1) * body.reserve
        assert hr_change / (body.speed(e2) - body.speed(e1)) == pytest.approx(25.0)
        assert hr_change / (body.power(e2) - body.power(e1)) == pytest.approx(0.3)
        assert body.effort_for_speed(body.speed(e2)) == pytest.approx(e2)
        assert body.effort_for_power(body.power(e2)) == pytest.approx(e2)


def test_hr_rises_with_one_time_constant_and_falls_with_another() -> None:
    body = replace(QUIET, tau_up_s=30.0, tau_down_s=90.0)
    heart = Heart(body, lagged=body.resting_hr + 0.4 * body.reserve)
    rng = random.Random(1)

    def time_to_63pct(effort: float) -> int:
        start = heart.bpm
        goal = body.resting_hr + effort * body.reserve
        for s in range(1, 1000):
            heart.advance(effort, 1.0, 3600.0, rng)
            if abs(heart.bpm - start) >= (1 - math.exp(-1)) * abs(goal - start):
                return s
        raise AssertionError("never got there")

    assert time_to_63pct(0.7) == pytest.approx(30, abs=1)
    for _ in range(600):
        heart.advance(0.7, 1.0, 3600.0, rng)
    assert time_to_63pct(0.4) == pytest.approx(90, abs=1)


def test_wander_and_drift_are_what_the_body_drew() -> None:
    body = replace(QUIET, wander_sd_bpm=2.0, wander_tau_s=20.0, drift_bpm_per_min=0.5)
    heart = Heart(body, lagged=body.resting_hr + 0.6 * body.reserve)
    rng = random.Random(7)
    wander: list[float] = []
    for _ in range(20000):
        heart.advance(0.6, 1.0, 3600.0, rng)
        wander.append(heart.wander)
    assert heart.drift == pytest.approx(0.5 * 20000 / 60)
    assert statistics.pstdev(wander) == pytest.approx(2.0, rel=0.1)
    mean = statistics.fmean(wander)
    lag10 = statistics.fmean(
        (a - mean) * (b - mean) for a, b in zip(wander, wander[10:], strict=False)
    ) / statistics.pvariance(wander)
    assert lag10 == pytest.approx(math.exp(-10 / 20), abs=0.08)


def synthetic_recording(tmp: Path, body: Physiology) -> Path:
    """A 96-minute run of known body: steady running with effort changes every 8 minutes,
    as fit_athletes reads real ones (t,hr,speed,...)."""
    rng = random.Random(5)
    heart = Heart(body, lagged=body.resting_hr + 0.45 * body.reserve)
    efforts = [0.45, 0.6, 0.5, 0.7, 0.55, 0.65, 0.45, 0.7, 0.5, 0.6, 0.45, 0.65]
    lines = ["t,hr,speed,cadence,distance,power,rr_ms"]
    distance = 0.0
    for t in range(len(efforts) * 480):
        effort = efforts[t // 480]
        heart.advance(effort, 1.0, 3600.0, rng)
        speed = body.speed(effort) * (1 + rng.gauss(0.0, 0.02))
        distance += speed
        lines.append(f"{t},{heart.measured(rng)},{speed:.3f},170,{distance:.1f},,")
    path = tmp / "r99-synthetic.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_fit_athletes_recovers_a_known_body(tmp_path: Path) -> None:
    fa = fit_athletes()
    body = replace(
        Physiology(),
        settle_bpm=0.0,
        tau_up_s=40.0,
        tau_down_s=90.0,
        speed_gain_bpm=30.0,
        drift_bpm_per_min=0.0,
        wander_sd_bpm=1.0,
        wander_tau_s=15.0,
    )
    rec = fa.load(synthetic_recording(tmp_path, body), None)
    fit, _steps = fa.fit(rec)
    assert fit.rises >= 4
    assert fit.falls >= 4
    assert fit.tau_up_s == pytest.approx(40.0, rel=0.25)
    assert fit.tau_down_s == pytest.approx(90.0, rel=0.25)
    assert fit.gain == pytest.approx(30.0, rel=0.2)
    assert fit.windows >= 3
    assert abs(fit.drift_bpm_min) < 0.3
    assert fit.strap_sd < 1.0


def test_the_table_is_what_fit_athletes_prints_on_the_real_recordings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    if not any(REAL_RUNS.glob("*.csv")):
        pytest.skip(f"{REAL_RUNS} not beside the repository (the real recordings)")
    assert fit_athletes().main([str(REAL_RUNS)]) == 0
    out = capsys.readouterr().out
    rows = {
        cells[0]: cells[1:]
        for line in out.splitlines()
        if line.startswith("| ")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }

    def printed(label: str, sport: int) -> tuple[float, float, float]:
        n, median, p10, p90 = rows[label][4 * sport : 4 * sport + 4]
        del n
        return float(median), float(p10), float(p90)

    for sport, fit in ((0, RUN), (1, RIDE)):
        for label, rng in (
            ("HR time constant, rising (s)", fit.tau_up_s),
            ("HR time constant, falling (s)", fit.tau_down_s),
            ("gain (bpm per m/s, rides per W)", fit.gain),
            ("drift at constant effort (bpm/min)", fit.drift_bpm_min),
            ("HR wander SD at constant effort (bpm)", fit.wander_sd_bpm),
            ("HR wander time constant (s)", fit.wander_tau_s),
            ("strap noise SD (bpm)", fit.strap_sd_bpm),
            ("effort wobble (% of level)", fit.wobble_pct),
        ):
            median, p10, p90 = printed(label, sport)
            for got, want in ((median, rng.median), (p10, rng.p10), (p90, rng.p90)):
                assert got == pytest.approx(want, rel=0.02, abs=0.06), (label, sport)
