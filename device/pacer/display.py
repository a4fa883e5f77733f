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
During a workout the panel is never dimmed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pacer.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from PIL.Image import Image

    from pacer.hardware import Display

Controller = Literal["ssd1306", "sh1106"]


@dataclass(frozen=True, slots=True)
class DisplayConfig:
    """The panel and how it is driven. Defaults: the wiring in ``hardware/`` (bus 1, 0x3C)."""

    controller: Controller = "ssd1306"
    #: I2C bus number (``/dev/i2c-1``) and the panel's address (0x3C, some modules 0x3D)
    port: int = 1
    address: int = 0x3C
    #: 0: as mounted on the wrist; 2: upside down (a handlebar mount with the pins on top)
    rotate: int = 0
    #: most pictures sent per second
    max_fps: float = 2.0
    contrast: int = 255
    dim_contrast: int = 8
    #: seconds without a button press in the menus before dimming; 0 never dims
    dim_after_s: float = 30.0

    def __post_init__(self) -> None:
        if self.controller not in ("ssd1306", "sh1106"):
            raise ConfigError(f"display.controller: {self.controller!r} is not ssd1306 or sh1106")
        if self.rotate not in (0, 2):
            raise ConfigError(f"display.rotate: {self.rotate} is not 0 or 2 (half turns only)")
        if not 0x03 <= self.address <= 0x77:
            raise ConfigError(f"display.address: 0x{self.address:02X} is not an I2C address")
        if not 0 < self.max_fps <= 30:
            raise ConfigError(f"display.max_fps: {self.max_fps} is not in (0, 30]")
        for name in ("contrast", "dim_contrast"):
            value = getattr(self, name)
            if not 0 <= value <= 255:
                raise ConfigError(f"display.{name}: {value} is not in 0-255")
        if self.dim_after_s < 0:
            raise ConfigError(f"display.dim_after_s: {self.dim_after_s} is negative")


class DisplayDriver:
    """Sends pictures to a :class:`~pacer.hardware.Display` only when they change, at most
    ``max_fps`` a second by ``clock`` (injected: a simulated run passes its own).
    """

    def __init__(
        self,
        display: Display,
        clock: Callable[[], float],
        config: DisplayConfig | None = None,
    ) -> None:
        cfg = config or DisplayConfig()
        self.display = display
        self.clock = clock
        self.interval = 1.0 / cfg.max_fps
        self.full_contrast = cfg.contrast
        self.dim_contrast = cfg.dim_contrast
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
        self._apply_contrast(self._last_activity)

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
        dim = not self._workout and self.dim_after_s > 0 and idle >= self.dim_after_s
        level = self.dim_contrast if dim else self.full_contrast
        if level != self._contrast:
            self.display.contrast(level)
            self._contrast = level
