"""The OLED panel through luma.oled (SSD1306 or SH1106 over I2C), and luma's dummy twin.

luma is imported inside the functions, never when pacer is imported. The I2C interface is
built with ``i2c(port=…, address=…)`` so that luma opens the bus itself (smbus2) and sends a
whole frame in one transfer. luma also registers an exit hook that blanks the panel, so
the screen goes dark on exit even when nobody called :meth:`LumaDisplay.close`.
"""

from __future__ import annotations

from typing import Any

from PIL import Image

from pacer.config.file import DisplayConfig
from pacer.core.errors import ConfigError, HardwareError


class LumaDisplay:
    """The :class:`~pacer.devices.bundle.Display` protocol over any luma device."""

    def __init__(self, device: Any) -> None:
        self.device = device
        self._hidden = False

    @property
    def size(self) -> tuple[int, int]:
        width, height = self.device.size
        return int(width), int(height)

    def show(self, image: Image.Image) -> None:
        if image.mode != self.device.mode:
            image = image.convert(self.device.mode)
        if self._hidden:
            self.device.show()
            self._hidden = False
        self.device.display(image)

    def contrast(self, level: int) -> None:
        self.device.contrast(level)

    def off(self) -> None:
        """Blank the panel (display off command); the next :meth:`show` turns it on."""
        self.device.hide()
        self._hidden = True

    def close(self) -> None:
        """Panel off, memory cleared, bus closed."""
        self.device.cleanup()
        self._hidden = True


def open_oled(config: DisplayConfig | None = None, *, serial_interface: Any = None) -> LumaDisplay:
    """The real panel of the ``[display]`` config. ``serial_interface`` replaces the I2C bus
    (tests pass a recorder).

    Raises :class:`~pacer.core.errors.HardwareError` naming the bus and address when the panel
    cannot be reached, :class:`~pacer.core.errors.ConfigError` for a configuration no panel
    here can honour (``driver = "none"``, a portrait rotation).
    """
    cfg = config or DisplayConfig()
    if cfg.driver not in ("ssd1306", "sh1106"):
        raise ConfigError(f"display.driver = {cfg.driver!r}: no panel to open")
    if cfg.rotation not in (0, 2):
        raise ConfigError(
            f"display.rotation = {cfg.rotation}: the screens are landscape (128x64); "
            "use 0 (wrist) or 2 (upside down, handlebar)"
        )
    import luma.core.error
    from luma.oled.device import sh1106, ssd1306

    where = f"{cfg.driver} display at 0x{cfg.i2c_address:02X} on I2C bus {cfg.i2c_port}"
    try:
        if serial_interface is None:
            from luma.core.interface.serial import i2c

            serial_interface = i2c(port=cfg.i2c_port, address=cfg.i2c_address)
        cls = ssd1306 if cfg.driver == "ssd1306" else sh1106
        device = cls(serial_interface, width=128, height=64, rotate=cfg.rotation)
        device.contrast(cfg.contrast)
    except (luma.core.error.Error, OSError) as exc:
        raise HardwareError(f"no {where}: {exc}") from exc
    return LumaDisplay(device)


def dummy_display(rotate: int = 0) -> LumaDisplay:
    """luma's dummy device in one-bit mode: keeps the last frame in ``.device.image``."""
    from luma.core.device import dummy

    return LumaDisplay(dummy(width=128, height=64, rotate=rotate, mode="1"))
