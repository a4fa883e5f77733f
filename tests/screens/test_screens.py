"""The screens: golden images through luma's dummy device, and what the pictures mean.

Regenerate the golden PNGs after an intended change of a screen, then look at them:

    PYTHONPATH=device python -m pytest tests/screens/test_screens.py --regen-golden
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from pacer.devices.oled import dummy_display
from pacer.engine.events import EngineEvent, EventType
from pacer.engine.snapshot import RunState, Snapshot, TargetStatus, Trend
from pacer.screens import (
    ErrorKind,
    ErrorView,
    Face,
    IdleView,
    PairingView,
    Screen,
    render,
    render_workout,
    snapshot_summary,
    summary_view,
)
from pacer.screens.base import (
    TITLE,
    WIDTH,
    clock,
    distance,
    elapsed,
    fit,
    font,
    target_range,
    text_width,
    wrap,
)
from pacer.screens.examples import EXAMPLES, MP_PACE, step_up_z2, strength
from pacer.screens.workout import BAR_TOP, metric_text
from pacer.sim.runner import simulation
from pacer.workout.fileformat import load_workout
from pacer.workout.profile import Units, load_profile
from pacer.workout.resolve import Metric, ResolvedTarget, resolve
from tests.support.paths import EXAMPLES as EXAMPLE_FILES

GOLDEN = Path(__file__).parents[1] / "golden"


def through_dummy(image: Image.Image, rotate: int = 0) -> Image.Image:
    """What luma's dummy device holds after being shown ``image``."""
    display = dummy_display(rotate=rotate)
    display.show(image)
    held = display.device.image
    assert held is not None
    return held


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_screen_matches_golden(name: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    shown = through_dummy(EXAMPLES[name]())
    assert shown.mode == "1"
    assert shown.size == (128, 64)
    path = GOLDEN / f"{name}.png"
    if request.config.getoption("--regen-golden"):
        GOLDEN.mkdir(exist_ok=True)
        shown.save(path)
        pytest.skip(f"regenerated {path}")
    assert path.exists(), f"no golden image {path}: run pytest {__file__} --regen-golden"
    golden = Image.open(path).convert("1")
    diff = ImageChops.difference(shown.convert("L"), golden.convert("L"))
    bbox = diff.getbbox()
    if bbox is not None:
        shown.save(tmp_path / f"{name}.actual.png")
        differing = diff.width * diff.height - diff.histogram()[0]
        pytest.fail(
            f"{name}: {differing} pixels differ from {path} within {bbox}; the new picture "
            f"is {tmp_path / (name + '.actual.png')} (regenerate with --regen-golden)"
        )


def test_every_golden_image_has_an_example() -> None:
    names = {p.stem for p in GOLDEN.glob("*.png")}
    assert names == set(EXAMPLES)


def test_rotated_panel_gets_the_picture_upside_down() -> None:
    image = EXAMPLES["workout"]()
    upside_down = through_dummy(image, rotate=2)
    assert upside_down.tobytes() == image.rotate(180).tobytes()
    assert upside_down.tobytes() != image.tobytes()


def test_importing_the_face_loads_no_driver_library() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import pacer.screens, pacer.screens.driver, pacer.sim.view\n"
        "import pacer.buttons.presses, pacer.haptics\n"
        "import pacer.devices.oled, pacer.devices.motor, pacer.devices.buttons\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'luma', 'gpiozero', 'smbus2'}))"
    )
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[2] / "device")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_shipped_font_and_licence() -> None:
    from importlib import resources

    fonts = resources.files("pacer").joinpath("fonts")
    assert "Bitstream Vera" in fonts.joinpath("LICENSE-DejaVu.txt").read_text()
    assert font(TITLE).getname() == ("DejaVu Sans", "Condensed Bold")


# --- what the numbers say --------------------------------------------------------------


def test_countdown_rounds_up_and_elapsed_rounds_down() -> None:
    assert clock(0.2) == "0:01"
    assert clock(59.01) == "1:00"
    assert clock(3600) == "1:00:00"
    assert clock(None) == "--:--"
    assert elapsed(59.99) == "0:59"
    assert elapsed(3725) == "1:02:05"


def test_distance_in_profile_units() -> None:
    assert distance(850, Units.METRIC) == "850 m"
    assert distance(4250, Units.METRIC) == "4.25 km"
    assert distance(1609.344 * 2.5, Units.IMPERIAL) == "2.50 mi"


def test_pace_target_reads_fast_to_slow_in_profile_units() -> None:
    assert target_range(MP_PACE, Units.IMPERIAL) == "7:05-7:15"
    km = ResolvedTarget(Metric.SPEED, 1000 / 315, 1000 / 305, "")
    assert target_range(km, Units.METRIC) == "5:05-5:15"


def test_big_number_is_the_targets_metric_in_profile_units() -> None:
    snap = step_up_z2(target=MP_PACE, smooth_speed_mps=1000 / 300)
    assert metric_text(snap, Metric.SPEED, Units.METRIC) == "5:00"
    assert metric_text(snap, Metric.SPEED, Units.IMPERIAL) == "8:03"
    assert metric_text(snap, Metric.SPEED, Units.METRIC, bike=True) == "12.0"
    assert metric_text(step_up_z2(hr=None), Metric.HR, Units.METRIC) == "--"
    metric = render_workout(snap, Units.METRIC).tobytes()
    assert metric != render_workout(snap, Units.IMPERIAL).tobytes()


def test_fit_and_wrap_stay_inside_the_width() -> None:
    long = "Rotational step-up with a knee drive and a pause at the top"
    cut = fit(long, 60, 10)
    assert cut.endswith("…")
    assert text_width(cut, 10) <= 60
    lines = wrap(long, WIDTH, TITLE, 2)
    assert len(lines) == 2
    assert all(text_width(line, TITLE) <= WIDTH for line in lines)
    assert lines[-1].endswith("…")
    assert wrap("Short", WIDTH, TITLE, 2) == ["Short"]


# --- what the pictures show ------------------------------------------------------------


def lit(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    return image.crop(box).convert("L").histogram()[255]


def marker_x(image: Image.Image) -> int:
    """Where the zone bar's notch points: the lit pixels of the row just above the bar."""
    row = [x for x in range(WIDTH) if image.getpixel((x, BAR_TOP - 2))]
    assert row, "no marker above the zone bar"
    return sum(row) // len(row)


def test_out_of_target_turns_the_big_number_black_on_white() -> None:
    box = (0, 12, 70, 41)
    calm = render_workout(step_up_z2(status=TargetStatus.IN), Units.METRIC)
    alarm = render_workout(step_up_z2(status=TargetStatus.OVER), Units.METRIC)
    assert lit(alarm, box) > 0.55 * 70 * 29 > lit(calm, box)


def test_zone_bar_marker_follows_heart_rate() -> None:
    xs = [marker_x(render_workout(step_up_z2(hr=hr), Units.METRIC)) for hr in (118, 124, 127, 130)]
    assert xs == sorted(xs)
    assert len(set(xs)) == 4
    # beyond the scale the marker stays on the bar, at the end
    assert marker_x(render_workout(step_up_z2(hr=200), Units.METRIC)) > 120


def test_trend_arrow_changes_the_picture() -> None:
    pics = {
        t: render_workout(step_up_z2(hr_trend=t), Units.METRIC).tobytes()
        for t in (Trend.RISING, Trend.FALLING, Trend.STEADY, Trend.UNKNOWN)
    }
    assert len(set(pics.values())) == 4


def test_render_dispatches_on_what_it_is_given() -> None:
    paused = step_up_z2(state=RunState.PAUSED)
    assert render(paused).tobytes() == EXAMPLES["paused"]().tobytes()
    assert render(strength(resting=False)).tobytes() == EXAMPLES["strength"]().tobytes()
    assert render(ErrorView(ErrorKind.STORAGE_FULL)).tobytes() == (
        EXAMPLES["error_storage_full"]().tobytes()
    )
    for view in (IdleView("x"), PairingView(), step_up_z2(state=RunState.DONE)):
        assert render(view).size == (128, 64)
    with pytest.raises(TypeError, match="no screen for str"):
        render("hello")  # type: ignore[arg-type]


# --- the face: which screen when -------------------------------------------------------


def tick(face: Face, snap: Snapshot, *events: EventType) -> Screen:
    face.update(snap, [EngineEvent(snap.t, e, snap.step_number) for e in events])
    return face.screen


def test_step_card_shows_for_a_few_seconds_then_the_workout() -> None:
    face = Face(Units.METRIC, step_change_s=4)
    s = step_up_z2(t=1200.0, step_elapsed_s=0)
    assert tick(face, s, EventType.STEP_START) is Screen.STEP_CHANGE
    assert tick(face, replace(s, t=1203.0)) is Screen.STEP_CHANGE
    assert tick(face, replace(s, t=1204.0)) is Screen.WORKOUT
    # a card for a step that is already over never shows
    assert tick(face, replace(s, t=1205.0, step_index=2)) is Screen.WORKOUT


def test_pause_summary_strength_and_pages() -> None:
    face = Face(Units.METRIC)
    s = step_up_z2()
    assert tick(face, s) is Screen.WORKOUT
    face.next_page()
    assert tick(face, s) is Screen.TOTALS
    face.next_page()
    assert tick(face, s) is Screen.WORKOUT
    assert tick(face, replace(s, state=RunState.PAUSED), EventType.PAUSED) is Screen.PAUSED
    assert tick(face, strength(resting=True)) is Screen.STRENGTH
    assert tick(face, replace(s, state=RunState.DONE)) is Screen.SUMMARY
    tracked = face.update(replace(s, state=RunState.DONE))
    face.final = replace(snapshot_summary(s, "run"), avg_hr=150, in_target=0.98)
    assert face.update(replace(s, state=RunState.DONE)).tobytes() != tracked.tobytes()


def test_end_screen_from_the_engines_summary() -> None:
    profile = load_profile((EXAMPLE_FILES / "profile.yaml").read_bytes(), "profile.yaml")
    path = EXAMPLE_FILES / "step-up-run-30min.yaml"
    workout = resolve(load_workout(path.read_bytes(), str(path), profile=profile), profile)
    summary = asyncio.run(simulation(workout).run()).summary
    view = summary_view(summary, saved=False)
    steps = summary.steps
    assert view.name == "Step-up run 30 min"
    assert view.elapsed_s == summary.elapsed_s == 1800
    assert summary.in_target_pct is not None
    assert view.in_target == pytest.approx(summary.in_target_pct / 100)
    assert view.max_hr == max(s.max_hr for s in steps if s.max_hr is not None)
    averages = [s.avg_hr for s in steps if s.avg_hr is not None]
    assert view.avg_hr is not None
    assert min(averages) <= view.avg_hr <= max(averages)
    assert view.distance_m == pytest.approx(sum(s.distance_m for s in steps))
    assert view.steps_done == view.steps == 5
    assert not view.saved


#: the screens docs/screens.md shows, as docs/img/NAME.png
DOC_PICTURES = (
    "workout",
    "workout_over",
    "step_change",
    "strength_rest",
    "workout_ramp",
    "cue_banner",
)
DOCS = GOLDEN.parent.parent / "docs"


@pytest.mark.parametrize("name", DOC_PICTURES)
def test_docs_pictures_are_the_current_screens(name: str) -> None:
    """docs/img/NAME.png is example NAME enlarged (regenerate: see docs/screens.md)."""
    from pacer.screens.examples import oled_look

    assert f"(img/{name}.png)" in (DOCS / "screens.md").read_text()
    with Image.open(DOCS / "img" / f"{name}.png") as im:
        shown = im.convert("RGB")
    assert shown.tobytes() == oled_look(EXAMPLES[name](), 3).tobytes()


def test_the_run_examples_use_the_readme_profile() -> None:
    """The pictures the README shows are drawn for the README's own profile."""
    from pacer.screens.examples import README_UNITS, Z2_HIGH, Z3_MID
    from pacer.workout.fileformat import load_workout
    from pacer.workout.profile import load_profile
    from pacer.workout.resolve import resolve

    root = GOLDEN.parent.parent
    profile = load_profile((root / "examples" / "profile.yaml").read_text())
    workout = load_workout((root / "examples" / "step-up-run.yaml").read_text(), profile=profile)
    steps = resolve(workout, profile).steps
    assert (steps[1].target, steps[2].target) == (Z2_HIGH, Z3_MID)
    assert profile.units is README_UNITS


def test_a_ramp_shows_where_it_is_now_with_a_rising_marker() -> None:
    from pacer.screens.examples import WARMUP_RAMP, _workout_ramp

    start = replace(step_up_z2(), target=WARMUP_RAMP, step_elapsed_s=0, step_remaining_s=600)
    low, high = WARMUP_RAMP.bounds_at(0.75)  # the engine's band 450 s into 600
    later = replace(
        start, step_elapsed_s=450, step_remaining_s=150, target_low=low, target_high=high
    )
    # the band moves right along the zone bar as the ramp rises
    assert (
        band_x(render_workout(later, Units.METRIC))
        > band_x(render_workout(start, Units.METRIC)) + 20
    )
    rising = render_workout(replace(start, target_trend=1), Units.METRIC)
    falling = render_workout(replace(start, target_trend=-1), Units.METRIC)
    assert rising.tobytes() != falling.tobytes()
    assert _workout_ramp().tobytes() == EXAMPLES["workout_ramp"]().tobytes()


def band_x(image: Image.Image) -> int:
    """The left edge of the filled target band inside the zone bar."""
    y = BAR_TOP + 3
    return next(x for x in range(2, WIDTH - 2) if image.getpixel((x, y)))


def test_a_single_value_target_shows_the_value_not_a_range() -> None:
    from pacer.screens.base import target_range
    from pacer.workout.profile import Profile
    from pacer.workout.resolve import resolve_target
    from pacer.workout.syntax import parse_target

    profile = Profile(ftp=250, units=Units.IMPERIAL)
    for written, shown in (("88% FTP", "220"), ("150 bpm", "150"), ("7:00/mi", "7:00")):
        t = parse_target(written)
        assert t is not None
        resolved = resolve_target(t, profile)
        assert target_range(resolved, Units.IMPERIAL) == shown
        assert resolved.low < resolved.high  # a band, never zero-width


def test_a_cue_event_shows_a_banner_that_wraps_and_pages() -> None:
    from pacer.engine.events import EngineEvent, EventType
    from pacer.screens.face import CUE_EVENT, Face, Screen
    from pacer.screens.workout import CUE_PAGE_S, cue_pages

    face = Face(Units.METRIC)
    snap = step_up_z2(t=100.0)
    long_text = "Keep the cadence high and the shoulders loose, " * 4
    pages = cue_pages(long_text)
    assert len(pages) >= 2
    words = " ".join(" ".join(p) for p in pages).split()
    assert words == long_text.split()  # wrapped, nothing cut
    cue = EngineEvent(100.0, EventType.STEP_START, 2)
    face.update(snap, [cue])  # a step card first
    event = EngineEvent(100.0, CUE_EVENT, 2, {"text": long_text})  # type: ignore[arg-type]
    assert face.choose(snap, [event]) is Screen.STEP_CHANGE
    after_card = replace(snap, t=100.0 + face.step_change_s)
    assert face.choose(after_card) is Screen.CUE
    first = face.update(after_card)
    second = face.update(replace(after_card, t=after_card.t + CUE_PAGE_S))
    assert first.tobytes() != second.tobytes()  # the next page
    end = after_card.t + CUE_PAGE_S * len(pages)
    assert face.choose(replace(snap, t=end)) is Screen.WORKOUT
