"""The vibration motor: a coin motor switched by a transistor on a GPIO pin, driven by
gpiozero's ``PWMOutputDevice`` (duty cycle = strength). gpiozero is imported in the
constructor only. The simulated twin, :class:`RecordingMotor`, keeps the duty timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pacer.errors import ConfigError, HardwareError

#: BCM pin of the motor driver in the default wiring (``pacer.pinout``: GPIO18, header pin 12,
#: hardware PWM0) and the PWM frequency a coin motor runs smoothly at.
DEFAULT_PIN = 18
DEFAULT_PWM_HZ = 200


@dataclass(frozen=True, slots=True)
class MotorConfig:
    pin: int = DEFAULT_PIN
    frequency: int = DEFAULT_PWM_HZ
    #: scales every pattern's duty (0..1): a strong motor on bare skin wants less
    strength: float = 1.0

    def __post_init__(self) -> None:
        if not 0 <= self.pin <= 27:
            raise ConfigError(f"haptics.pin: GPIO{self.pin} is not a GPIO of the 40-pin header")
        if not 10 <= self.frequency <= 10_000:
            raise ConfigError(f"haptics.frequency: {self.frequency} Hz is not in 10-10000")
        if not 0.0 <= self.strength <= 1.0:
            raise ConfigError(f"haptics.strength: {self.strength} is not in 0..1")


class PwmMotor:
    """The real motor. ``pin_factory`` is gpiozero's (tests pass a ``MockFactory``)."""

    def __init__(self, config: MotorConfig | None = None, *, pin_factory: Any = None) -> None:
        cfg = config or MotorConfig()
        from gpiozero import GPIOZeroError, PWMOutputDevice

        try:
            self._dev = PWMOutputDevice(
                cfg.pin, initial_value=0, frequency=cfg.frequency, pin_factory=pin_factory
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
