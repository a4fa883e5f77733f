"""Typed, bounded access to a request's ``args``: each getter names the offending field.

Pure, like :mod:`pacer.link.protocol`: the device's handlers read every argument through
an :class:`Args` and call :meth:`Args.done` last, so an unknown argument is an error.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from pacer.core.errors import ProtocolError
from pacer.link.protocol import NAME_RE, NAME_RULE, ErrorCode, Request, json_type

E = TypeVar("E", bound=StrEnum)


class Args:
    """Typed, bounded access to a request's ``args``; errors name ``args.<key>``.

    Call :meth:`done` after reading every argument: an unknown key is an error, so a typo
    on the host is reported instead of silently ignored.
    """

    def __init__(self, request: Request) -> None:
        self._args = request.args
        self._id = request.id
        self._seen: set[str] = set()

    def error(self, key: str, message: str, code: str = ErrorCode.INVALID_FIELD) -> ProtocolError:
        return ProtocolError(code, message, request_id=self._id, field=f"args.{key}")

    def _get(self, key: str, required: bool) -> Any:
        self._seen.add(key)
        if key not in self._args or self._args[key] is None:
            if required:
                raise self.error(key, f"'{key}' is required")
            return None
        return self._args[key]

    def has(self, key: str) -> bool:
        """Whether the request names ``key`` at all (null included)."""
        return key in self._args

    def raw(self, key: str) -> Any:
        """The value as sent (None when absent or null), for a handler that checks it
        itself (a secret, whose errors must not quote it)."""
        return self._get(key, False)

    def text(self, key: str, *, max_bytes: int, required: bool = True) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(key, f"'{key}' must be a string, not {json_type(value)}")
        size = len(value.encode("utf-8"))
        if size > max_bytes:
            raise self.error(
                key,
                f"'{key}' is {size} bytes, over the limit of {max_bytes}",
                ErrorCode.TOO_LARGE,
            )
        return value

    def name(self, key: str = "name", *, required: bool = True) -> str | None:
        value = self.text(key, max_bytes=256, required=required)
        if value is not None and not NAME_RE.fullmatch(value):
            raise self.error(key, f"bad name {value!r}: {NAME_RULE}")
        return value

    def integer(self, key: str, *, minimum: int, maximum: int, default: int | None = None) -> int:
        """An integer in ``minimum..maximum``; required unless a default is given."""
        value = self._get(key, default is None)
        if value is None:
            assert default is not None
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"'{key}' must be an integer, not {json_type(value)}")
        if not minimum <= value <= maximum:
            raise self.error(key, f"'{key}' must be within {minimum}..{maximum}, not {value}")
        return value

    def number(self, key: str, *, minimum: float, maximum: float) -> float:
        value = self._get(key, True)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"'{key}' must be a number, not {json_type(value)}")
        if not minimum <= value <= maximum:
            raise self.error(key, f"'{key}' must be within {minimum}..{maximum}, not {value}")
        return float(value)

    def boolean(self, key: str, *, default: bool = False) -> bool:
        value = self._get(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(key, f"'{key}' must be true or false, not {json_type(value)}")
        return value

    def choice(self, key: str, enum: type[E], *, required: bool = True) -> E | None:
        value = self._get(key, required)
        if value is None:
            return None
        allowed = [m.value for m in enum]
        if not isinstance(value, str) or value not in allowed:
            raise self.error(key, f"'{key}' must be one of {', '.join(allowed)}")
        return enum(value)

    def mapping(self, key: str, *, max_items: int) -> dict[str, Any]:
        value = self._get(key, True)
        if not isinstance(value, dict):
            raise self.error(key, f"'{key}' must be an object, not {json_type(value)}")
        if len(value) > max_items:
            raise self.error(
                key,
                f"'{key}' has {len(value)} entries, over the limit of {max_items}",
                ErrorCode.TOO_LARGE,
            )
        return value

    def done(self) -> None:
        extra = sorted(set(self._args) - self._seen)
        if extra:
            raise self.error(extra[0], f"unknown argument '{extra[0]}'")
