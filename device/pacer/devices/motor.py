"""The vibration motor: a coin motor switched by a transistor on a GPIO pin, driven by
gpiozero's ``PWMOutputDevice`` (duty cycle = strength). gpiozero is imported in the
constructor only. The simulated twin, :class:`RecordingMotor`, keeps the duty timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pacer.config.file import HapticsConfig
from pacer.core.errors import HardwareError


class PwmMotor:
    """The real motor on the ``[haptics]`` config's ``pin`` at ``frequency_hz`` (the
    ``strength`` scaling is the player's). ``pin_factory`` is gpiozero's (tests pass a
    ``MockFactory``).
    """

    def __init__(self, config: HapticsConfig | None = None, *, pin_factory: Any = None) -> None:
        cfg = config or HapticsConfig()
        from gpiozero import GPIOZeroError, PWMOutputDevice

        try:
            self._dev = PWMOutputDevice(
                cfg.pin, initial_value=0, frequency=cfg.frequency_hz, pin_factory=pin_factory
            )
        except (GPIOZeroError, OSError, RuntimeError) as exc:
            raise HardwareError(f"no vibration motor on GPIO{cfg.pin}: {exc}") from exc
        self.config = cfg

    def set(self, duty: float) -> None:
        self._dev.value = min(1.0, max(0.0, duty))

    def off(self) -> None:
        if not self._dev.closed:
            self._dev.value = 0

    def close(self) -> None:
        """Motor off, pin released (gpiozero also does this at interpreter exit)."""
        if not self._dev.closed:
            try:
                self._dev.value = 0
            finally:
                self._dev.close()


class RecordingMotor:
    """The simulated motor: ``timeline`` holds every (time, duty) it was set to."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.timeline: list[tuple[float, float]] = []
        self.duty = 0.0
        self.closed = False

    def set(self, duty: float) -> None:
        self.duty = duty
        self.timeline.append((self.clock(), duty))

    def off(self) -> None:
        if self.duty != 0.0:
            self.set(0.0)

    def close(self) -> None:
        self.off()
        self.closed = True
