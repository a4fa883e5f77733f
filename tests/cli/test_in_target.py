"""One meaning of "in target": ``pacer sim``, ``pacer replay``, ``pacer report`` and the
device's end screen count the same seconds, columns and totals alike; compliance says what it
leaves out."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from pacer.cli import main
from pacer.engine.summary import format_summary
from pacer.screens.views import summary_view
from pacer.sim.athlete import Behaviour
from pacer.sim.runner import simulation
from pacer.workout.profile import Units
from tests.support.paths import EXAMPLES
from tests.support.sim_recording import step_up_workout

STEP_UP = str(EXAMPLES / "step-up-run.yaml")
ROW = re.compile(r"^\s*(\d)\s+(.+?)\s{2,}.*?\s(\d+)%\s+(\d+)%\s+(\d+)%\s")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    out, _ = capsys.readouterr()
    assert code == 0
    return out


def in_columns(out: str) -> dict[int, tuple[int, int, int]]:
    """Step number -> (In, Over, Under) percent, from a printed table."""
    rows = {}
    for line in out.splitlines():
        m = ROW.match(line)
        if m:
            rows[int(m.group(1))] = (int(m.group(3)), int(m.group(4)), int(m.group(5)))
    return rows


def total_in_target(out: str) -> int:
    m = re.search(r"^In target (\d+)% of the time", out, re.M)
    assert m, out
    return int(m.group(1))


@pytest.mark.parametrize("athlete", ["disciplined", "eager"])
def test_sim_replay_and_report_count_the_same_seconds_in_target(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, athlete: str
) -> None:
    rec = tmp_path / "run.json"
    sim_out = run(capsys, "sim", STEP_UP, "--athlete", athlete, "--record", str(rec), "--quiet")
    report_out = run(capsys, "report", str(rec))
    replay_out = run(capsys, "replay", str(rec), "--workout", STEP_UP, "--quiet")
    sim_cols = in_columns(sim_out)
    assert sorted(sim_cols) == [2, 3, 4]  # the three targeted steps
    # the report weighs the recording's own statuses by its 1-s records, the replay runs the
    # engine again on the recorded samples: the same shares, within a point of rounding
    for out in (report_out, replay_out):
        cols = in_columns(out)
        assert sorted(cols) == sorted(sim_cols)
        for step, got in cols.items():
            assert all(abs(a - b) <= 1 for a, b in zip(got, sim_cols[step], strict=True))
    # the total counts what the columns count: their mean weighted by the steps' 20, 20, 10
    # minutes (HR all the way), not a share with the ramp-in left out
    weighted = (20 * sim_cols[2][0] + 20 * sim_cols[3][0] + 10 * sim_cols[4][0]) / 50
    assert abs(total_in_target(sim_out) - weighted) <= 1
    total_row = next(ln for ln in report_out.splitlines() if ln.strip().startswith("Total"))
    report_total = int(re.findall(r"(\d+)%", total_row)[0])
    assert abs(report_total - total_in_target(sim_out)) <= 1
    assert abs(total_in_target(replay_out) - total_in_target(sim_out)) <= 1


def test_compliance_says_what_it_leaves_out_and_the_end_screen_shows_the_in_column() -> None:
    runner = simulation(step_up_workout(), Behaviour.DISCIPLINED, seed=1)
    asyncio.run(runner.run())
    summary = runner.engine.summary()
    targeted = [r for r in summary.steps if r.target is not None]
    inside = sum(r.in_s for r in targeted)
    judged = sum(r.in_s + r.over_s + r.under_s for r in targeted)
    lag = sum(r.excused_s for r in targeted)
    # the disciplined runner eases in: HR lags under each step-up's band for a while
    assert lag > 60
    assert summary.in_target_pct == pytest.approx(100 * inside / judged)
    assert summary.scored_pct == pytest.approx(100 * inside / (judged - lag))
    assert summary.scored_pct > summary.in_target_pct
    assert summary.compliance == round(summary.scored_pct * summary.completion_pct / 100)
    text = format_summary(summary, Units.METRIC).splitlines()
    assert text[-2].startswith(f"In target {summary.in_target_pct:.0f}% of the time, ")
    minutes, seconds = divmod(round(lag), 60)
    assert text[-1] == (
        f"Compliance {summary.compliance}/100: in target {summary.scored_pct:.0f}% leaving out "
        f"the ramp-in's lag ({minutes}:{seconds:02d}), times 100% of the workout done"
    )
    # the end screen's "in zone" is the In column's share, not the score's
    view = summary_view(summary)
    assert view.in_target == pytest.approx(inside / judged)
