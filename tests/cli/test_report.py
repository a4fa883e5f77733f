"""The post-run report: the per-step table and the figure."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from pacer.cli import main
from pacer.cli.reporting import HEADERS, render_png, report_text, step_rows
from pacer.recording.summary import lap_summaries
from tests.support.activity_factory import step_up


def test_table_has_a_row_per_step_and_a_total() -> None:
    activity = step_up(60)
    rows = step_rows(activity)
    assert len(rows) == 6
    assert all(len(r) == len(HEADERS) for r in rows)
    assert [r[1] for r in rows] == ["Warm-up", "Z2 high", "Z3 mid", "Z4", "Cool-down", "Total"]
    summaries = lap_summaries(activity)
    z3 = summaries[2]
    assert rows[2][4] == f"{round(100 * z3.in_s / z3.judged_s)}%"
    assert rows[2][7] == str(round(z3.hr.avg or 0))
    assert rows[0][4] == "-"  # no target, no share
    text = report_text(activity)
    assert "Step-up run" in text
    assert "Z3 mid 154-160 bpm" in text


def test_figure_is_a_png_of_the_expected_size() -> None:
    data = render_png(step_up(60))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1210, 825)
    assert len(data) > 30_000  # lines, bands and labels, not an empty canvas


def test_a_ramp_is_drawn_as_a_sloped_band() -> None:
    from dataclasses import replace

    from matplotlib.collections import PolyCollection

    from pacer.cli.reporting import draw_figure
    from pacer.workout.resolve import Metric, ResolvedTarget

    activity = step_up(60)
    ramp = ResolvedTarget(Metric.HR, 140, 146, "ramp 143 to 163 bpm", 160, 166)
    laps = list(activity.laps)
    laps[2] = replace(laps[2], target=ramp)
    fig = draw_figure(replace(activity, laps=tuple(laps)))
    ax_hr = fig.axes[0]
    start, end = laps[2].start / 60, laps[2].end / 60
    bands = []
    for poly in ax_hr.collections:
        if not isinstance(poly, PolyCollection):
            continue
        for path in poly.get_paths():
            xs = {round(x, 6) for x, _y in path.vertices}
            if xs == {round(start, 6), round(end, 6)}:
                bands.append(path.vertices)
    (band,) = bands
    ys_at_start = sorted({round(y, 6) for x, y in band if abs(x - start) < 1e-9})
    ys_at_end = sorted({round(y, 6) for x, y in band if abs(x - end) < 1e-9})
    assert ys_at_start == [140, 146]
    assert ys_at_end == [160, 166]


def test_a_figure_of_many_laps_is_a_few_collections_not_an_artist_per_lap() -> None:
    # a watch's thousand auto-laps: on main each lap was an axvline on every axis, a band
    # and a label (10,000 laps: 52 s), and each alert searched every record for its height
    from dataclasses import replace

    from pacer.cli.reporting import LABELLED_LAPS, SEPARATED_LAPS, draw_figure
    from pacer.recording.model import Lap
    from pacer.workout.model import Intensity

    activity = step_up(60)
    end = activity.duration
    n = 2 * SEPARATED_LAPS
    step = end / n
    target = activity.laps[2].target
    laps = tuple(
        Lap(k + 1, f"lap {k + 1}", Intensity.ACTIVE, k * step, (k + 1) * step, target=target)
        for k in range(n)
    )
    many = draw_figure(replace(activity, laps=laps))
    ax_hr = many.axes[0]
    assert len(ax_hr.texts) == 0  # past LABELLED_LAPS, no names (they would smear)
    assert len(ax_hr.collections) <= 4  # the HR line, the bands, their edges
    assert [len(c.get_paths()) for c in ax_hr.collections].count(n) == 1  # one band a lap
    few = draw_figure(step_up(60))
    assert len(few.axes[0].texts) == len(step_up(60).laps) <= LABELLED_LAPS


def test_a_plain_install_does_not_pull_matplotlib() -> None:
    """``pip install .`` (the Pi's install) takes no matplotlib: it comes only with the
    ``report`` extra, which ``.[test]`` and ``./dev`` include."""
    import tomllib
    from importlib.metadata import requires

    from tests.support.paths import REPO

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    plain = [*project["dependencies"], *project["optional-dependencies"]["pi"]]
    assert not [d for d in plain if d.lower().startswith("matplotlib")], plain
    assert any(d.startswith("matplotlib") for d in project["optional-dependencies"]["report"])
    installed = [r for r in requires("pacer") or [] if r.lower().startswith("matplotlib")]
    assert installed, "the installed metadata names matplotlib"
    assert all('extra == "report"' in r for r in installed), installed


@pytest.mark.parametrize("steps", ["-1", "many", "2.5"])
def test_steps_must_be_a_count(
    steps: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "run.csv"
    csv.write_text("t,step\n0,1\n1,2\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["report", str(csv), "--steps", steps])
    assert exit_info.value.code == 2
    assert f"--steps: '{steps}' is not a number of steps (0 lists all)" in capsys.readouterr().err


def test_a_few_steps_listed_say_how_many_more(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "run.csv"
    csv.write_text("t,step\n0,1\n1,2\n2,3\n")
    assert main(["report", str(csv), "--steps", "2"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^ +… 1 more step$", out, re.MULTILINE)  # one: no plural
    assert "Step 3" not in out
    assert "Listed: the first 2 of 3 steps (--steps 0 lists them all)." in out
    assert main(["report", str(csv), "--steps", "3"]) == 0
    out = capsys.readouterr().out
    assert "Step 3" in out
    assert "more step" not in out
    assert "Listed:" not in out
