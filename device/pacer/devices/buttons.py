"""The push buttons through gpiozero: one to three ``Button``s, edges to the asyncio loop.

gpiozero calls ``when_pressed``/``when_released`` from its own thread; each edge is stamped
there (so queueing does not blur a double press) and handed to the loop with
``loop.call_soon_threadsafe``. Everything after that runs in the loop: the
:class:`~pacer.buttons.presses.Keypad` classifies, a ``call_later`` timer wakes it for holds and for
the end of the double-press window, and the actions go to the callbacks. gpiozero is
imported in the constructor only.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from pacer.buttons.presses import Bindings, Keypad
from pacer.config.file import ButtonsConfig
from pacer.core.actions import ButtonAction
from pacer.core.errors import HardwareError


class GpioButtons:
    """The :class:`~pacer.devices.bundle.Buttons` of the real device.

    ``config`` is the ``[buttons]`` section; each pin is wired to GND and held high by its
    internal pull-up. Build it inside the running loop (or pass ``loop``). ``pin_factory``
    is gpiozero's (tests pass a ``MockFactory``); ``clock`` stamps edges and must be the
    loop's time base (``time.monotonic``, which asyncio's default loop uses too).
    """

    def __init__(
        self,
        config: ButtonsConfig | None = None,
        *,
        bindings: Bindings | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        pin_factory: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = cfg = config or ButtonsConfig()
        self.keypad = Keypad(cfg, bindings)
        self._loop = loop or asyncio.get_running_loop()
        self._clock = clock
        self._timer: asyncio.TimerHandle | None = None
        self._activity: list[Callable[[], None]] = []
        self._closed = False
        from gpiozero import Button, GPIOZeroError

        self._buttons: list[Any] = []
        try:
            for i, pin in enumerate(cfg.pins):
                b = Button(
                    pin,
                    pull_up=True,
                    bounce_time=cfg.bounce_ms / 1000 or None,
                    pin_factory=pin_factory,
                )
                b.when_pressed = partial(self._from_thread, i, True)
                b.when_released = partial(self._from_thread, i, False)
                self._buttons.append(b)
        except (GPIOZeroError, OSError, RuntimeError) as exc:
            self.close()
            raise HardwareError(f"buttons on GPIO{list(cfg.pins)}: {exc}") from exc

    def on_action(self, callback: Callable[[ButtonAction], None]) -> None:
        """``callback`` runs in the event loop's thread."""
        self.keypad.on_action(callback)

    def on_activity(self, callback: Callable[[], None]) -> None:
        """Called (in the loop) on every press, bound or not: wakes a dimmed display."""
        self._activity.append(callback)

    def close(self) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for b in self._buttons:
            b.close()
        self._buttons.clear()

    # --- gpiozero's thread ---------------------------------------------------------------

    def _from_thread(self, index: int, pressed: bool) -> None:
        t = self._clock()
        self._loop.call_soon_threadsafe(self._edge, index, pressed, t)

    # --- the event loop ------------------------------------------------------------------

    def _edge(self, index: int, pressed: bool, t: float) -> None:
        if self._closed:
            return
        if pressed:
            for cb in self._activity:
                cb()
        self.keypad.edge(index, pressed, t)
        self._schedule()

    def _poll(self) -> None:
        self._timer = None
        if self._closed:
            return
        levels = [bool(b.is_pressed) for b in self._buttons]
        self.keypad.poll(self._clock(), levels)
        self._schedule()

    def _schedule(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        due = self.keypad.deadline()
        if due is not None:
            self._timer = self._loop.call_later(max(0.0, due - self._clock()), self._poll)
