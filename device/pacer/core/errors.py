"""One error base class for the whole package, with specific subclasses.

Every error that reaches a user names *where*: a file position (``FILE:LINE:COL``), a
configuration key, a protocol request id or a sensor. Errors that come from bad input are
raised before anything changes.
"""

from __future__ import annotations

from dataclasses import dataclass


class PacerError(Exception):
    """Base class of every error pacer raises on purpose."""


@dataclass(frozen=True, slots=True)
class Location:
    """A position in a text file; ``line`` and ``col`` are 1-based."""

    source: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.col}"


class LocatedError(PacerError):
    """An error at a position in a file: ``str()`` gives ``FILE:LINE:COL: message``."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is None:
            return self.message
        return f"{self.location}: {self.message}"


class WorkoutError(LocatedError):
    """One problem in a workout file."""


class ProfileError(LocatedError):
    """One problem in an athlete profile (or a target the profile cannot resolve)."""


class ConfigError(LocatedError):
    """One problem in the device configuration."""


class InputErrors(PacerError):
    """Every problem found in one input, not only the first (``pacer validate`` prints all)."""

    def __init__(self, errors: list[LocatedError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


class SensorParseError(PacerError):
    """A BLE payload that cannot be decoded: truncated, over-long, or inconsistent flags."""


class ProtocolError(PacerError):
    """A serial-protocol request that cannot be served; carries a code and the request id."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        request_id: int | str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id
        self.field = field


class StoreError(PacerError):
    """The on-device store refused an operation (full, busy, missing item)."""


class HardwareError(PacerError):
    """A device at the edge is unavailable (no Bluetooth, no I2C display, no GPIO)."""
