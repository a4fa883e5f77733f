"""Between the screens and the panel: send a picture only when it changed, at a capped rate,
and dim the panel in menus when nobody touches the device.

An I2C frame to an SSD1306 is 1 KiB and takes ~25 ms at 400 kHz; most ticks of a workout
change nothing visible (heart rate holds, the clock ticks in whole seconds), so comparing the
picture's bytes before sending saves the bus, the CPU and the battery. A picture that changed
too soon after the last one waits as *pending* and goes out when the rate allows (call
:meth:`DisplayDriver.tick`, or the next :meth:`~DisplayDriver.update`); a newer picture
replaces it, one identical to what is shown cancels it.

Dimming: outside a workout, after ``dim_after_s`` without :meth:`~DisplayDriver.activity`
(a button press), the contrast drops to ``dim_contrast``; activity or a workout restores it.
:meth:`~DisplayDriver.dim` dims at once (the device is about to switch itself off). During a
workout the panel is never dimmed.

Time is the injected ``clock`` (the daemon's, from the hardware bundle: a simulated device
sped up 60 times caps and dims on its own simulated seconds).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pacer.config.file import DisplayConfig

if TYPE_CHECKING:  # pragma: no cover - typing only
    from PIL.Image import Image

    from pacer.devices.bundle import Display


class DisplayDriver:
    """Sends pictures to a :class:`~pacer.devices.bundle.Display` only when they change, at most
    ``max_fps`` a second by ``clock`` (injected: a simulated run passes its own). ``config``
    is the ``[display]`` section (``max_fps``, ``contrast``, ``dim_after_s``: 0 never dims).
    """

    def __init__(
        self,
        display: Display,
        clock: Callable[[], float],
        config: DisplayConfig | None = None,
        *,
        dim_contrast: int = 8,
    ) -> None:
        cfg = config or DisplayConfig()
        self.display = display
        self.clock = clock
        self.interval = 1.0 / cfg.max_fps
        self.full_contrast = cfg.contrast
        self.dim_contrast = min(dim_contrast, cfg.contrast)
        self.dim_after_s = cfg.dim_after_s
        #: pictures actually sent to the panel
        self.frames_sent = 0
        #: pictures offered (by :meth:`update`)
        self.frames_offered = 0
        self._shown: bytes | None = None
        self._last_sent = float("-inf")
        self._pending: Image | None = None
        self._last_activity = clock()
        self._workout = False
        self._dim_now = False
        self._contrast: int | None = None
        self._closed = False

    @property
    def pending(self) -> bool:
        return self._pending is not None

    @property
    def dimmed(self) -> bool:
        return self._contrast == self.dim_contrast and self.dim_contrast != self.full_contrast

    def next_due(self) -> float | None:
        """When (by ``clock``) a pending picture may go out; None when nothing waits."""
        return None if self._pending is None else self._last_sent + self.interval

    def update(self, image: Image, *, workout: bool = False) -> bool:
        """Offer the current picture; returns whether it was sent now."""
        if self._closed:
            return False
        self.frames_offered += 1
        self._workout = workout
        now = self.clock()
        self._apply_contrast(now)
        if image.tobytes() == self._shown:
            self._pending = None
            return False
        if now - self._last_sent < self.interval:
            self._pending = image
            return False
        self._send(image, now)
        return True

    def tick(self) -> bool:
        """Send the pending picture if it is due, and dim if the time has come."""
        if self._closed:
            return False
        now = self.clock()
        self._apply_contrast(now)
        if self._pending is not None and now - self._last_sent >= self.interval:
            image, self._pending = self._pending, None
            self._send(image, now)
            return True
        return False

    def flush(self) -> bool:
        """Send the pending picture now, whatever the rate (the last frame of a run)."""
        if self._closed or self._pending is None:
            return False
        image, self._pending = self._pending, None
        self._send(image, self.clock())
        return True

    def activity(self) -> None:
        """A button was pressed: restore full contrast and restart the dimming timer."""
        self._last_activity = self.clock()
        self._dim_now = False
        self._apply_contrast(self._last_activity)

    def dim(self) -> None:
        """Dim now, outside a workout, until the next :meth:`activity`."""
        self._dim_now = True
        self._apply_contrast(self.clock())

    def close(self) -> None:
        """Blank the panel and stop sending; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._pending = None
        self.display.off()

    def _send(self, image: Image, now: float) -> None:
        self.display.show(image)
        self._shown = image.tobytes()
        self._last_sent = now
        self.frames_sent += 1

    def _apply_contrast(self, now: float) -> None:
        idle = now - self._last_activity
        timed_out = self.dim_after_s > 0 and idle >= self.dim_after_s
        dim = not self._workout and (self._dim_now or timed_out)
        level = self.dim_contrast if dim else self.full_contrast
        if level != self._contrast:
            self.display.contrast(level)
            self._contrast = level
