"""The device's face in ``pacer sim``: the screen in a terminal, as a GIF or as PNG frames,
the haptic patterns printed as they fire, and keys for the buttons.

The simulation drives a :class:`SimFace` — an observer that receives ``(snapshot, events)``
every simulated second — which renders through the same :class:`~pacer.screens.Face` and
:class:`~pacer.screens.driver.DisplayDriver` as the device, so the GIF shows exactly the frames the
panel would get (redrawn on change, at most ``max_fps`` a simulated second). Sinks are
:class:`~pacer.devices.bundle.Display` implementations:

* :class:`TerminalDisplay` draws the 128x64 bitmap with half blocks (▀ ▄ █), 128 columns by
  32 rows, redrawn in place on a terminal;
* :class:`GifRecorder` keeps a frame per visible change and writes an animated GIF on close;
  past ``max_frames`` it thins the older frames evenly (never the key frames: step cards,
  pause, summary), so a long run still fits;
* :class:`FrameWriter` writes each frame as a PNG.

:class:`TerminalKeys` reads single keys (space, l, s, n, e) from a terminal and turns them
into button actions. The daemon on real hardware imports nothing from here; ``pacer run
--hardware sim`` draws its screen with :class:`TerminalDisplay` and reads its buttons with
:class:`TerminalKeys`.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from PIL import Image

from pacer.buttons.presses import Bindings
from pacer.config.file import DisplayConfig
from pacer.core.actions import ButtonAction
from pacer.devices.bundle import Display
from pacer.engine.events import EngineEvent
from pacer.engine.snapshot import RunState, Snapshot
from pacer.haptics.patterns import pattern
from pacer.haptics.player import HapticRecord, HapticRecorder, Outcome
from pacer.screens import HEIGHT, WIDTH, Face, Screen, summary_view
from pacer.screens.base import elapsed
from pacer.screens.driver import DisplayDriver
from pacer.workout.profile import Units

#: screens whose first frame is a key frame: kept in a thinned GIF and shown a while
KEY_SCREENS = frozenset({Screen.STEP_CHANGE, Screen.CUE, Screen.PAUSED, Screen.SUMMARY})


def half_blocks(image: Image.Image) -> list[str]:
    """The one-bit image as text: each character is two pixels stacked (▀ ▄ █ or space)."""
    img = image.convert("1")
    w, h = img.size
    px = img.load()
    assert px is not None
    chars = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
    lines = []
    for y in range(0, h, 2):
        row = []
        for x in range(w):
            top = bool(px[x, y])
            bottom = bool(px[x, y + 1]) if y + 1 < h else False
            row.append(chars[(top, bottom)])
        lines.append("".join(row))
    return lines


class TerminalDisplay:
    """A :class:`~pacer.devices.bundle.Display` on a text stream, 130x34 characters with the frame.

    On a terminal (``in_place``) each frame overwrites the previous one; otherwise frames
    follow one another (a log). ``caption`` is printed under the frame.
    """

    def __init__(self, stream: IO[str] | None = None, *, in_place: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.in_place = self.stream.isatty() if in_place is None else in_place
        self.caption = ""
        self.frames = 0
        self._dim = False
        self._drawn_lines = 0

    @property
    def size(self) -> tuple[int, int]:
        return WIDTH, HEIGHT

    def show(self, image: Image.Image) -> None:
        rows = half_blocks(image)
        dim_on, dim_off = ("\x1b[2m", "\x1b[22m") if self._dim and self.in_place else ("", "")
        lines = ["┌" + "─" * WIDTH + "┐"]
        lines += [f"│{dim_on}{r}{dim_off}│" for r in rows]
        lines.append("└" + "─" * WIDTH + "┘")
        lines.append(self.caption.ljust(WIDTH + 2))
        out = []
        if self.in_place and self._drawn_lines:
            out.append(f"\x1b[{self._drawn_lines}F")  # to the first column, n lines up
        out.append("\n".join(lines) + "\n")
        self.stream.write("".join(out))
        self.stream.flush()
        self._drawn_lines = len(lines)
        self.frames += 1

    def contrast(self, level: int) -> None:
        self._dim = level < 64

    def off(self) -> None:
        self.stream.write("(display off)\n")
        self.stream.flush()
        self._drawn_lines = 0


@dataclass(slots=True)
class _Frame:
    t: float
    data: bytes
    key: bool


class GifRecorder:
    """A :class:`~pacer.devices.bundle.Display` that records frames and writes an animated GIF.

    ``clock`` gives simulated seconds. Each frame stays on screen for its simulated time
    divided by ``speed`` (default: whatever makes the GIF last about ``target_s`` seconds),
    at least ``min_frame_s`` (key frames at least ``key_frame_s``). ``scale`` enlarges the
    pixels; the colours are a lit OLED's.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        clock: Callable[[], float],
        *,
        max_frames: int = 600,
        speed: float | None = None,
        target_s: float = 60.0,
        scale: int = 3,
        min_frame_s: float = 0.05,
        key_frame_s: float = 1.0,
        end_s: float = 3.0,
    ) -> None:
        if max_frames < 2:
            raise ValueError("a GIF needs room for two frames at least")
        self.path = Path(path)
        self.clock = clock
        self.max_frames = max_frames
        self.speed = speed
        self.target_s = target_s
        self.scale = scale
        self.min_frame_s = min_frame_s
        self.key_frame_s = key_frame_s
        self.end_s = end_s
        self.frames: list[_Frame] = []
        #: visible changes offered, kept or not
        self.offered = 0
        self.mark_key = False
        self.written = False
        #: ordinary frames closer than this (simulated seconds) to the last kept are skipped
        self.gap = 0.0
        self._latest: _Frame | None = None

    @property
    def size(self) -> tuple[int, int]:
        return WIDTH, HEIGHT

    def show(self, image: Image.Image) -> None:
        self.offered += 1
        frame = _Frame(self.clock(), image.convert("1").tobytes(), self.mark_key)
        self.mark_key = False
        if not frame.key and self.frames and frame.t - self.frames[-1].t < self.gap:
            self._latest = frame  # too soon after the last kept frame: kept only if last
            return
        self._latest = None
        self.frames.append(frame)
        if len(self.frames) > self.max_frames:
            self._thin()

    def contrast(self, level: int) -> None:
        pass

    def off(self) -> None:
        self.close()

    def _thin(self) -> None:
        """Drop every other ordinary frame (its time goes to the frame before it) and from
        now on keep ordinary frames only twice as far apart as the kept ones are.
        """
        kept: list[_Frame] = []
        keep = False
        last = len(self.frames) - 1
        for i, f in enumerate(self.frames):
            if i in (0, last) or f.key:
                kept.append(f)
                continue
            if keep:
                kept.append(f)
            keep = not keep
        if len(kept) > self.max_frames:  # nearly all key frames: the first and the latest
            kept = [kept[0], *kept[-(self.max_frames - 1) :]]
        span = kept[-1].t - kept[0].t
        self.gap = max(self.gap * 2, span / max(1, len(kept) - 1))
        self.frames = kept

    def durations(self) -> list[float]:
        """Seconds each frame is shown in the GIF."""
        if not self.frames:
            return []
        span = self.frames[-1].t - self.frames[0].t
        speed = self.speed or max(1.0, span / self.target_s)
        out = []
        for cur, nxt in zip(self.frames, self.frames[1:], strict=False):
            floor = self.key_frame_s if cur.key else self.min_frame_s
            out.append(max(floor, (nxt.t - cur.t) / speed))
        out.append(self.end_s)
        return out

    def images(self) -> list[Image.Image]:
        palette = [8, 10, 14] + [0, 0, 0] * 254 + [200, 235, 255]
        out = []
        size = (WIDTH * self.scale, HEIGHT * self.scale)
        for f in self.frames:
            one = Image.frombytes("1", (WIDTH, HEIGHT), f.data)
            big = one.resize(size, Image.Resampling.NEAREST).convert("L").convert("P")
            big.putpalette(palette)
            out.append(big)
        return out

    def close(self) -> None:
        """Write the GIF (once); nothing is written when no frame was shown."""
        if self.written:
            return
        if self._latest is not None:
            self.frames.append(self._latest)
            self._latest = None
        if not self.frames:
            return
        images = self.images()
        ms = [max(20, round(d * 1000 / 10) * 10) for d in self.durations()]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        images[0].save(
            self.path,
            save_all=True,
            append_images=images[1:],
            duration=ms,
            loop=0,
            optimize=False,
        )
        self.written = True


class FrameWriter:
    """A :class:`~pacer.devices.bundle.Display` that writes every frame it is shown as a PNG:
    ``DIR/00042-0h12m05s.png`` (frame number, simulated time); at most ``max_frames``.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        clock: Callable[[], float],
        *,
        max_frames: int = 20_000,
        scale: int = 1,
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self.max_frames = max_frames
        self.scale = scale
        self.written: list[Path] = []
        self.skipped = 0

    @property
    def size(self) -> tuple[int, int]:
        return WIDTH, HEIGHT

    def show(self, image: Image.Image) -> None:
        if len(self.written) >= self.max_frames:
            self.skipped += 1
            return
        s = max(0, int(self.clock()))
        name = f"{len(self.written):05d}-{s // 3600}h{s // 60 % 60:02d}m{s % 60:02d}s.png"
        if self.scale > 1:
            from pacer.screens.examples import oled_look

            image = oled_look(image, self.scale)
        path = self.directory / name
        image.save(path)
        self.written.append(path)

    def contrast(self, level: int) -> None:
        pass

    def off(self) -> None:
        pass


class Fanout:
    """One :class:`~pacer.devices.bundle.Display` that shows on several (terminal and GIF...)."""

    def __init__(self, displays: Sequence[Display]) -> None:
        self.displays = list(displays)

    @property
    def size(self) -> tuple[int, int]:
        return WIDTH, HEIGHT

    def show(self, image: Image.Image) -> None:
        for d in self.displays:
            d.show(image)

    def contrast(self, level: int) -> None:
        for d in self.displays:
            d.contrast(level)

    def off(self) -> None:
        for d in self.displays:
            d.off()

    def close(self) -> None:
        for d in self.displays:
            close = getattr(d, "close", None)
            if close is not None:
                close()


class SimFace:
    """The observer ``pacer sim`` feeds every simulated second: ``face(snapshot, events)``.

    ``clock`` gives the simulation's own seconds (pauses included); without one, each call
    counts as ``tick_s`` seconds. Button actions that concern the screen go to
    :meth:`on_action` (next screen; any press wakes a dimmed panel).
    """

    def __init__(
        self,
        displays: Sequence[Display],
        *,
        units: Units = Units.METRIC,
        workout_name: str = "",
        bike: bool = False,
        clock: Callable[[], float] | None = None,
        tick_s: float = 1.0,
        max_fps: float = 2.0,
    ) -> None:
        self._ticks = 0
        self._tick_s = tick_s
        self._clock = clock
        self.out = Fanout(displays)
        self.face = Face(units, workout_name=workout_name, bike=bike)
        self.driver = DisplayDriver(self.out, self.now, DisplayConfig(max_fps=max_fps))
        self._last_screen: Screen | None = None
        self._events: list[EngineEvent] = []

    def now(self) -> float:
        return self._clock() if self._clock is not None else self._ticks * self._tick_s

    def __call__(self, snapshot: Snapshot, events: Sequence[EngineEvent] = ()) -> None:
        self.on_tick(snapshot, events)

    def on_event(self, event: EngineEvent) -> None:
        """Keep an event for the next snapshot (a runner that publishes them one by one)."""
        self._events.append(event)

    def on_snapshot(self, snapshot: Snapshot) -> None:
        """The snapshot after a tick, with the events kept since the last one."""
        events, self._events = self._events, []
        self.on_tick(snapshot, events)

    def on_tick(self, snapshot: Snapshot, events: Sequence[EngineEvent] = ()) -> None:
        image = self.face.update(snapshot, events)
        screen = self.face.screen
        if screen is not self._last_screen and screen in KEY_SCREENS:
            for d in self.out.displays:
                if isinstance(d, GifRecorder):
                    d.mark_key = True
        self._last_screen = screen
        for d in self.out.displays:
            if isinstance(d, TerminalDisplay):
                d.caption = (
                    f" {elapsed(snapshot.t)}  step {snapshot.step_number}/{snapshot.step_count}"
                    f"  {snapshot.state.value}"
                )
        running = snapshot.state in (RunState.RUNNING, RunState.PAUSED)
        self.driver.update(image, workout=running)
        self.driver.tick()
        self._ticks += 1

    def on_action(self, action: ButtonAction) -> None:
        self.driver.activity()
        if action is ButtonAction.NEXT_SCREEN:
            self.face.next_page()

    def close(self) -> None:
        """Send the last picture if it waited for the rate limit, then close every sink (the
        GIF is written now). The terminal keeps showing the last frame."""
        self.driver.flush()
        self.out.close()


def make_face(
    *,
    view: str | None = None,
    gif: str | os.PathLike[str] | None = None,
    frames: str | os.PathLike[str] | None = None,
    units: Units = Units.METRIC,
    workout_name: str = "",
    bike: bool = False,
    clock: Callable[[], float] | None = None,
    stream: IO[str] | None = None,
    gif_max_frames: int = 600,
) -> SimFace:
    """The observer for ``pacer sim --view terminal --gif FILE --frames DIR`` (any of them)."""
    holder: list[SimFace] = []

    def sim_now() -> float:
        return holder[0].now()

    displays: list[Display] = []
    if view == "terminal":
        displays.append(TerminalDisplay(stream))
    elif view not in (None, "none"):
        raise ValueError(f"--view {view}: the views are terminal and none")
    if gif is not None:
        displays.append(GifRecorder(gif, sim_now, max_frames=gif_max_frames))
    if frames is not None:
        displays.append(FrameWriter(frames, sim_now))
    face = SimFace(displays, units=units, workout_name=workout_name, bike=bike, clock=clock)
    holder.append(face)
    return face


def attach(runner: Any, **options: Any) -> SimFace:
    """Join a simulated run with a :func:`make_face` observer: ``runner.on_event`` and
    ``runner.on_snapshot`` (``pacer.sim.runner.SimRunner``), on ``runner.clock`` when it has
    one; the end screen shows ``runner.engine.summary()``. Close the returned face after the
    run (the GIF is written then).
    """
    clock = getattr(runner, "clock", None)
    if clock is not None:
        options.setdefault("clock", clock.monotonic)
    face = make_face(**options)
    engine = getattr(runner, "engine", None)

    def on_snapshot(snapshot: Snapshot) -> None:
        if snapshot.state is RunState.DONE and engine is not None and face.face.final is None:
            face.face.final = summary_view(engine.summary())
        face.on_snapshot(snapshot)

    runner.on_event(face.on_event)
    runner.on_snapshot(on_snapshot)
    return face


def attach_haptics(
    runner: Any,
    choose: Callable[[list[EngineEvent]], str | None],
    *,
    stream: IO[str] | None = None,
) -> HapticRecorder:
    """Feel a simulated run: the events of each tick go to ``choose`` (the engine's
    ``pattern_for_batch``) and the pattern it names to a :class:`HapticRecorder` on the
    runner's clock that prints each one (``stream``, default standard output).
    """
    recorder = HapticRecorder(runner.clock.monotonic, on_record=haptic_printer(stream))
    pending: list[EngineEvent] = []

    def on_event(event: EngineEvent) -> None:
        pending.append(event)

    def on_snapshot(snapshot: Snapshot) -> None:
        name = choose(list(pending))
        pending.clear()
        if name is not None:
            recorder.play(name)

    runner.on_event(on_event)
    runner.on_snapshot(on_snapshot)
    return recorder


# --- haptics and keys ------------------------------------------------------------------


def haptic_printer(stream: IO[str] | None = None) -> Callable[[HapticRecord], None]:
    """An ``on_record`` for :class:`~pacer.haptics.player.HapticRecorder`: one line each."""
    out = stream if stream is not None else sys.stdout

    def emit(rec: HapticRecord) -> None:
        p = pattern(rec.pattern)
        note = "" if rec.outcome in (Outcome.STARTED,) else f" ({rec.outcome.value})"
        out.write(f"  {elapsed(rec.t):>8}  ~ {rec.pattern:<15} {p.feel}{note}\n")
        out.flush()

    return emit


#: the keys of the terminal view (the terminal sends no key-up, so a key is a gesture)
KEYS: dict[str, ButtonAction] = {
    " ": ButtonAction.START_PAUSE,
    "p": ButtonAction.START_PAUSE,
    "s": ButtonAction.STOP,
    "l": ButtonAction.LAP,
    "e": ButtonAction.EXTEND,
    "n": ButtonAction.NEXT_SCREEN,
    "\t": ButtonAction.NEXT_SCREEN,
}
KEY_HELP = "space/p start-pause · l lap · s stop & save · n next screen · e extend"


def key_action(key: str, bindings: Bindings | None = None) -> ButtonAction | None:
    """The action a key stands for; with ``bindings``, only actions the buttons can give."""
    action = KEYS.get(key)
    if action is None or bindings is None or action in bindings.values():
        return action
    return None


class TerminalKeys:
    """Single keys from a terminal as button actions, read by the event loop.

    ``start()`` switches the terminal (``fd``, standard input by default) to cbreak mode and
    registers a reader; ``close()`` restores it.
    """

    def __init__(
        self,
        callback: Callable[[ButtonAction], None],
        *,
        fd: int | None = None,
        bindings: Bindings | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self.callback = callback
        self.fd = sys.stdin.fileno() if fd is None else fd
        self.bindings = bindings
        self.loop = loop or asyncio.get_running_loop()
        self._saved: list[Any] | None = None

    def start(self) -> None:
        import termios
        import tty

        if os.isatty(self.fd):
            self._saved = termios.tcgetattr(self.fd)
            tty.setcbreak(self.fd)
        self.loop.add_reader(self.fd, self._read)

    def feed(self, keys: Iterable[str]) -> None:
        for key in keys:
            action = key_action(key, self.bindings)
            if action is not None:
                self.callback(action)

    def _read(self) -> None:
        data = os.read(self.fd, 64)
        if not data:
            self.loop.remove_reader(self.fd)
            return
        self.feed(data.decode(errors="ignore"))

    def close(self) -> None:
        self.loop.remove_reader(self.fd)
        if self._saved is not None:
            import termios

            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
            self._saved = None
