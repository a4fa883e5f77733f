"""The simulated face: terminal half blocks, the GIF and PNG recorders, keys over a pty."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageSequence

from pacer.buttons.presses import default_bindings
from pacer.core.actions import ButtonAction
from pacer.engine.events import EngineEvent, EventType
from pacer.engine.feel import pattern_for_batch
from pacer.engine.snapshot import RunState, Snapshot
from pacer.haptics import HapticRecorder
from pacer.screens import Screen, render_workout
from pacer.screens.examples import EXAMPLES, step_up_z2
from pacer.sim.face import add_arguments, attach_cli
from pacer.sim.runner import SimRunner, simulation
from pacer.sim.view import (
    GifRecorder,
    TerminalDisplay,
    TerminalKeys,
    attach,
    attach_haptics,
    half_blocks,
    haptic_printer,
    key_action,
    make_face,
)
from pacer.workout.fileformat import load_workout
from pacer.workout.profile import Profile, Units, load_profile
from pacer.workout.resolve import resolve
from tests.support.paths import EXAMPLES as EXAMPLE_FILES


def test_half_blocks_stack_two_pixels_per_character() -> None:
    img = Image.new("1", (4, 4))
    img.putpixel((0, 0), 1)  # top only
    img.putpixel((1, 1), 1)  # bottom only
    img.putpixel((2, 0), 1)
    img.putpixel((2, 1), 1)  # both
    assert half_blocks(img) == ["▀▄█ ", "    "]
    lines = half_blocks(EXAMPLES["workout"]())
    assert len(lines) == 32
    assert {len(line) for line in lines} == {128}


def test_terminal_display_redraws_in_place() -> None:
    out = io.StringIO()
    term = TerminalDisplay(out, in_place=True)
    term.caption = " 27:26  step 2/5"
    term.show(EXAMPLES["workout"]())
    first = out.getvalue()
    assert first.count("\n") == 35  # frame top, 32 rows, frame bottom, caption
    assert "27:26  step 2/5" in first
    term.show(EXAMPLES["workout_over"]())
    assert out.getvalue()[len(first) :].startswith("\x1b[35F")


def test_terminal_log_mode_appends_frames() -> None:
    out = io.StringIO()
    term = TerminalDisplay(out)  # a StringIO is no terminal
    term.show(EXAMPLES["idle"]())
    term.show(EXAMPLES["idle"]())
    assert "\x1b[" not in out.getvalue()
    assert term.frames == 2


def as_panel(frame: Image.Image) -> bytes:
    """A GIF frame (enlarged, OLED colours) back to the panel's one-bit 128x64 bytes."""
    small = frame.convert("L").resize((128, 64), Image.Resampling.NEAREST)
    return small.point(lambda v: 255 if v > 100 else 0).convert("1").tobytes()


def test_a_simulated_run_as_a_gif(tmp_path: Path) -> None:
    path = tmp_path / "run.gif"
    runner = example_runner("step-up-run.yaml")
    face = attach(runner, gif=path)
    seen: list[tuple[Snapshot, Screen]] = []
    runner.on_snapshot(lambda snap: seen.append((snap, face.face.screen)))
    asyncio.run(runner.run())
    face.close()
    first, last = seen[0][0], seen[-1][0]
    assert last.state is RunState.DONE
    gif = face.out.displays[0]
    assert isinstance(gif, GifRecorder)
    with Image.open(path) as im:
        frames = [as_panel(f) for f in ImageSequence.Iterator(im)]
        total_ms = sum(f.info["duration"] for f in ImageSequence.Iterator(im))
    assert 100 <= len(frames) <= 601
    assert 30_000 <= total_ms <= 120_000  # a minute or so for 80 simulated minutes
    # it opens on the first step card and ends on the engine's summary
    assert frames[0] == face.face.draw(Screen.STEP_CHANGE, first).tobytes()
    assert face.face.final is not None
    assert face.face.final.in_target == pytest.approx(runner.engine.summary().in_target_pct / 100)
    assert frames[-1] == face.face.draw(Screen.SUMMARY, last).tobytes()
    cards = [snap.step_number for snap, screen in seen if screen is Screen.STEP_CHANGE]
    assert sorted(set(cards)) == [1, 2, 3, 4, 5]
    assert sum(1 for f in gif.frames if f.key) >= 5 + 1  # the cards and the summary


def test_gif_frame_cap_thins_evenly(tmp_path: Path) -> None:
    t = [0.0]
    gif = GifRecorder(tmp_path / "x.gif", lambda: t[0], max_frames=50, target_s=10)
    for i in range(1000):
        t[0] = float(i)
        gif.show(render_workout(step_up_z2(hr=100 + i % 90), Units.METRIC))
    gif.close()
    assert len(gif.frames) <= 50
    gaps = [b.t - a.t for a, b in zip(gif.frames, gif.frames[1:], strict=False)][:-1]
    assert max(gaps) <= 4 * min(gaps)  # spread over the whole run, not bunched at the end
    assert gif.frames[-1].t == 999.0
    with Image.open(tmp_path / "x.gif") as im:
        assert im.n_frames == len(gif.frames)
        assert as_panel(im) == gif.frames[0].data


def test_frames_dir_gets_a_png_per_frame_sent(tmp_path: Path) -> None:
    runner = example_runner("step-up-run-30min.yaml")
    face = attach(runner, frames=tmp_path / "frames")
    asyncio.run(runner.run())
    face.close()
    pngs = sorted((tmp_path / "frames").glob("*.png"))
    assert len(pngs) == face.driver.frames_sent > 1000
    assert pngs[0].name == "00000-0h00m00s.png"
    assert pngs[-1].name.endswith("-0h30m00s.png")
    with Image.open(pngs[-1]) as im:
        assert im.size == (128, 64)


def test_terminal_view_via_make_face() -> None:
    out = io.StringIO()
    face = make_face(view="terminal", stream=out)
    face(step_up_z2(), [EngineEvent(1646.0, EventType.STEP_START, 2)])
    assert "step 2/5" in out.getvalue()
    with pytest.raises(ValueError, match="--view tv"):
        make_face(view="tv")


def test_next_screen_action_turns_the_page() -> None:
    face = make_face()
    face(step_up_z2())
    assert face.face.screen is Screen.WORKOUT
    face.on_action(ButtonAction.NEXT_SCREEN)
    face(step_up_z2(t=1647.0))
    assert face.face.screen is Screen.TOTALS


def test_haptic_printer_lines() -> None:
    out = io.StringIO()
    t = [1200.0]
    rec = HapticRecorder(lambda: t[0], on_record=haptic_printer(out))
    rec.play("step_change")
    rec.play("cadence_cue")
    assert out.getvalue().splitlines() == [
        "     20:00  ~ step_change     long-long",
        "     20:00  ~ cadence_cue     four ticks at 180/min (queued)",
    ]


def test_keys_map_to_actions_the_buttons_can_give() -> None:
    assert key_action(" ") is ButtonAction.START_PAUSE
    assert key_action("s") is ButtonAction.STOP
    assert key_action("n") is ButtonAction.NEXT_SCREEN
    assert key_action("x") is None
    one_button = default_bindings(1)
    assert key_action("l", one_button) is ButtonAction.LAP  # a double press there
    assert key_action("n", one_button) is None  # one button has no next screen


async def test_terminal_keys_over_a_pty() -> None:
    master, slave = os.openpty()
    actions: list[ButtonAction] = []
    three = asyncio.Event()

    def got(action: ButtonAction) -> None:
        actions.append(action)
        if len(actions) == 3:
            three.set()

    keys = TerminalKeys(got, fd=slave)
    keys.start()
    try:
        os.write(master, b" ln")
        async with asyncio.timeout(2):
            await three.wait()
    finally:
        keys.close()
        os.close(master)
        os.close(slave)
    assert actions == [ButtonAction.START_PAUSE, ButtonAction.LAP, ButtonAction.NEXT_SCREEN]


def example_runner(name: str, **kw: Any) -> SimRunner:
    """The engine's simulator on an example workout (the seed's profile, as fast as it goes)."""
    profile = load_profile((EXAMPLE_FILES / "profile.yaml").read_bytes(), "profile.yaml")
    path = EXAMPLE_FILES / name
    workout = resolve(load_workout(path.read_bytes(), str(path), profile=profile), profile)
    return simulation(workout, **kw)


def test_attach_to_a_runner(tmp_path: Path) -> None:
    runner = example_runner("step-up-run-30min.yaml")
    face = attach(runner, frames=tmp_path)
    asyncio.run(runner.run())
    face.close()
    assert face.now() == runner.clock.monotonic()  # the runner's clock, not a tick count
    names = [p.name for p in sorted(tmp_path.glob("*.png"))]
    assert any(n.endswith("-0h08m00s.png") for n in names)  # the second step's card


def test_attach_haptics_plays_one_pattern_per_tick() -> None:
    runner = example_runner("step-up-run-30min.yaml")
    out = io.StringIO()
    recorder = attach_haptics(runner, pattern_for_batch, stream=out)
    asyncio.run(runner.run())
    changes = [r.t for r in recorder.records if r.pattern == "step_change"]
    assert changes == [0.0, 480.0, 960.0, 1320.0, 1560.0]
    assert "      8:00  ~ step_change     long-long" in out.getvalue().splitlines()
    assert recorder.records[-1].pattern == "done"


def test_the_options_module_is_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, pacer.sim.face; print('PIL' in sys.modules, 'pacer.sim.view' in sys.modules)"
    )
    env = {"PYTHONPATH": str(EXAMPLE_FILES.parent / "device")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.split() == ["False", "False"], out.stderr


def test_pacer_sim_options_record_a_gif_and_print_patterns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    gif = tmp_path / "run.gif"
    args = parser.parse_args(["--gif", str(gif), "--gif-frames", "50", "--haptics"])
    runner = example_runner("step-up-run-30min.yaml")
    with contextlib.ExitStack() as stack:
        face = attach_cli(args, runner, Profile(units=Units.IMPERIAL), stack)
        asyncio.run(runner.run())
        assert not gif.exists()  # written when the run's stack closes
    assert face is not None
    assert face.face.units is Units.IMPERIAL
    with Image.open(gif) as im:
        assert 2 <= im.n_frames <= 51
    assert "~ step_change     long-long" in capsys.readouterr().out
    nothing = parser.parse_args([])
    with contextlib.ExitStack() as stack:
        assert attach_cli(nothing, example_runner("strength-a.yaml"), Profile(), stack) is None
