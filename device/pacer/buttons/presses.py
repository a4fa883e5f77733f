"""Button presses, as a runner makes them: short, long (held) and double (pure).

:class:`PressClassifier` turns one button's press/release timestamps into gestures;
:class:`Keypad` holds one classifier per button and maps ``(button, gesture)`` to the
engine's :class:`~pacer.core.actions.ButtonAction` with the layout for one, two or three
buttons. The gpiozero edge (:mod:`pacer.devices.buttons`) and the simulated twin
(:class:`ScriptedButtons`) both feed a Keypad, so a scripted press in ``pacer sim`` goes
through the same logic as a finger on the device. (The terminal keys of
:mod:`pacer.sim.view` are gestures already: a terminal reports no key release.)

Timing rules, per button:

* a press held ``hold_s`` is LONG, reported as soon as the time is up (not on release);
* two presses whose release and next press are at most ``double_s`` apart are DOUBLE;
* otherwise SHORT, reported ``double_s`` after the release, or at once on release when the
  button has no double-press binding (no waiting for a second press that means nothing);
* edges closer than ``debounce_s`` to the previous one are contact bounce and ignored (for
  pin factories without hardware debounce; gpiozero's ``bounce_time`` does it on the Pi).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from pacer.config.file import ButtonsConfig
from pacer.config.validate import buttons_problem
from pacer.core.actions import ButtonAction
from pacer.core.errors import ConfigError
from pacer.workout.syntax import TermError, parse_time


class Gesture(StrEnum):
    SHORT = "short"
    LONG = "long"
    DOUBLE = "double"


BUTTON_NAMES = "ABC"

Bindings = dict[tuple[int, Gesture], ButtonAction]


def default_bindings(buttons: int) -> Bindings:
    """What each gesture means with one, two or three buttons.

    ====  ==================  ==================  ===========
    n     A                   B                   C
    ====  ==================  ==================  ===========
    1     short start/pause,
          double lap/next,
          long stop & save
    2     short start/pause,  short lap/next,
          long stop & save    double next screen,
                              long extend
    3     short start/pause,  short lap/next,     short next
          long stop & save    long extend         screen
    ====  ==================  ==================  ===========
    """
    a: Bindings = {
        (0, Gesture.SHORT): ButtonAction.START_PAUSE,
        (0, Gesture.LONG): ButtonAction.STOP,
    }
    if buttons == 1:
        return {**a, (0, Gesture.DOUBLE): ButtonAction.LAP}
    if buttons == 2:
        return {
            **a,
            (1, Gesture.SHORT): ButtonAction.LAP,
            (1, Gesture.DOUBLE): ButtonAction.NEXT_SCREEN,
            (1, Gesture.LONG): ButtonAction.EXTEND,
        }
    if buttons == 3:
        return {
            **a,
            (1, Gesture.SHORT): ButtonAction.LAP,
            (1, Gesture.LONG): ButtonAction.EXTEND,
            (2, Gesture.SHORT): ButtonAction.NEXT_SCREEN,
        }
    raise ConfigError(f"buttons.pins: {buttons} buttons; pacer uses one to three")


class PressClassifier:
    """One button's gestures from its edges (see the module docstring for the rules).

    Every method returns the gestures that became known at ``t`` (usually none or one).
    """

    def __init__(
        self,
        *,
        hold_s: float = 1.0,
        double_s: float = 0.35,
        debounce_s: float = 0.02,
        double_enabled: bool = True,
    ) -> None:
        self.hold_s = hold_s
        self.double_s = double_s
        self.debounce_s = debounce_s
        self.double_enabled = double_enabled
        self._down_at: float | None = None
        self._held = False
        self._second = False
        self._click_at: float | None = None
        self._last_edge = float("-inf")

    @property
    def pressed(self) -> bool:
        return self._down_at is not None

    def press(self, t: float) -> list[Gesture]:
        if self._down_at is not None or t - self._last_edge < self.debounce_s:
            return []
        self._last_edge = t
        out = self.poll(t)
        if self._click_at is not None:  # released moments ago: this is the second press
            self._click_at = None
            self._second = True
        self._down_at = t
        self._held = False
        return out

    def release(self, t: float) -> list[Gesture]:
        if self._down_at is None or t - self._last_edge < self.debounce_s:
            return []
        self._last_edge = t
        out = self.poll(t)
        down_at, self._down_at = self._down_at, None
        second, self._second = self._second, False
        if self._held:
            return out
        if down_at is not None and t >= down_at + self.hold_s:
            return [*out, Gesture.LONG]
        if second:
            return [*out, Gesture.DOUBLE]
        if not self.double_enabled:
            return [*out, Gesture.SHORT]
        self._click_at = t
        return out

    def poll(self, t: float, *, pressed: bool | None = None) -> list[Gesture]:
        """Gestures whose time is up at ``t``. ``pressed``: the pin's level now, when known,
        so an edge lost to bounce filtering cannot leave the button "held" forever.
        """
        if pressed is False and self._down_at is not None and not self._held:
            return self.release(max(t, self._last_edge + self.debounce_s))
        out: list[Gesture] = []
        if self._click_at is not None and t > self._click_at + self.double_s:
            self._click_at = None
            out.append(Gesture.SHORT)
        if self._down_at is not None and not self._held and t >= self._down_at + self.hold_s:
            self._held = True
            self._second = False
            out.append(Gesture.LONG)
        if pressed is False and self._held:
            self._down_at = None
            self._held = False
        return out

    def deadline(self) -> float | None:
        """When :meth:`poll` next has something to say (None: only an edge will)."""
        times = []
        if self._click_at is not None:
            times.append(self._click_at + self.double_s + 1e-6)
        if self._down_at is not None and not self._held:
            times.append(self._down_at + self.hold_s)
        return min(times) if times else None


class Keypad:
    """All buttons of the ``[buttons]`` config: classifiers, bindings (by default those of
    :func:`default_bindings` for the number of pins) and the callbacks actions go to (pure).
    """

    def __init__(self, config: ButtonsConfig | None = None, bindings: Bindings | None = None):
        self.config = cfg = config or ButtonsConfig()
        bounce_s = cfg.bounce_ms / 1000
        problem = buttons_problem(cfg.bounce_ms, cfg.double_s, cfg.hold_s)
        if problem is not None:
            raise ConfigError(problem)
        self.bindings = bindings if bindings is not None else default_bindings(len(cfg.pins))
        self.classifiers = [
            PressClassifier(
                hold_s=cfg.hold_s,
                double_s=cfg.double_s,
                debounce_s=bounce_s,
                double_enabled=(i, Gesture.DOUBLE) in self.bindings,
            )
            for i in range(len(cfg.pins))
        ]
        self._callbacks: list[Callable[[ButtonAction], None]] = []
        #: (time, button index, gesture) of every gesture seen, bound or not
        self.gestures: list[tuple[float, int, Gesture]] = []

    def on_action(self, callback: Callable[[ButtonAction], None]) -> None:
        self._callbacks.append(callback)

    def edge(self, button: int, pressed: bool, t: float) -> None:
        c = self.classifiers[button]
        self._emit(button, c.press(t) if pressed else c.release(t), t)

    def poll(self, t: float, levels: Iterable[bool | None] | None = None) -> None:
        lv = list(levels) if levels is not None else [None] * len(self.classifiers)
        for i, c in enumerate(self.classifiers):
            self._emit(i, c.poll(t, pressed=lv[i]), t)

    def deadline(self) -> float | None:
        times = [d for c in self.classifiers if (d := c.deadline()) is not None]
        return min(times) if times else None

    def _emit(self, button: int, gestures: list[Gesture], t: float) -> None:
        for g in gestures:
            self.gestures.append((t, button, g))
            action = self.bindings.get((button, g))
            if action is not None:
                for cb in self._callbacks:
                    cb(action)


# --- simulated buttons -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScriptedPress:
    t: float
    button: int = 0
    gesture: Gesture = Gesture.SHORT


_PRESS = re.compile(r"^(?P<b>[A-Ca-c])(?:-(?P<g>short|long|hold|double))?@(?P<t>.+)$")


def parse_presses(spec: str) -> list[ScriptedPress]:
    """``A@10m,B@20:00,A-long@1:19:50,B-double@95s`` (button, gesture, workout time)."""
    out = []
    for item in filter(None, (s.strip() for s in spec.split(","))):
        m = _PRESS.match(item)
        if m is None:
            raise ConfigError(
                f"press '{item}': write BUTTON[-short|-long|-double]@TIME, e.g. A-long@80m"
            )
        try:
            t = parse_time(m["t"])
        except TermError as exc:
            raise ConfigError(f"press '{item}': {exc}") from None
        g = (m["g"] or "short").replace("hold", "long")
        out.append(ScriptedPress(float(t), BUTTON_NAMES.index(m["b"].upper()), Gesture(g)))
    return sorted(out, key=lambda p: p.t)


class ScriptedButtons:
    """Simulated buttons pressed at scripted times, fed through the real :class:`Keypad`.

    Call :meth:`advance` with the simulated time as it passes; each scripted press becomes
    press/release edges timed like a finger (a short tap 0.1 s, a hold ``hold_s`` + 0.2 s, a
    double tap 0.1 s + 0.15 s + 0.1 s).
    """

    def __init__(self, script: Iterable[ScriptedPress], config: ButtonsConfig | None = None):
        self.keypad = Keypad(config)
        hold = self.keypad.config.hold_s
        edges: list[tuple[float, int, bool]] = []
        for p in script:
            if not 0 <= p.button < len(self.keypad.classifiers):
                raise ConfigError(
                    f"press of button {BUTTON_NAMES[p.button]}: only "
                    f"{len(self.keypad.classifiers)} button(s) configured"
                )
            taps = {
                Gesture.SHORT: [(0.0, 0.1)],
                Gesture.LONG: [(0.0, hold + 0.2)],
                Gesture.DOUBLE: [(0.0, 0.1), (0.25, 0.35)],
            }[p.gesture]
            for down, up in taps:
                edges += [(p.t + down, p.button, True), (p.t + up, p.button, False)]
        self._edges = sorted(edges)
        self._next = 0

    def on_action(self, callback: Callable[[ButtonAction], None]) -> None:
        self.keypad.on_action(callback)

    def advance(self, now: float) -> None:
        """Deliver every edge and timeout up to ``now``, in time order."""
        while True:
            edge_t = self._edges[self._next][0] if self._next < len(self._edges) else None
            due = self.keypad.deadline()
            if due is not None and due <= now and (edge_t is None or due <= edge_t):
                self.keypad.poll(due)
                continue
            if edge_t is None or edge_t > now:
                return
            t, button, pressed = self._edges[self._next]
            self._next += 1
            self.keypad.edge(button, pressed, t)
