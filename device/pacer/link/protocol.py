"""The USB serial protocol as a pure codec: bytes in, typed messages out, and back.

Framing is newline-delimited JSON (UTF-8, one object per line, ``\\r\\n`` accepted). The host
sends requests, the device answers each with exactly one reply carrying the same ``id``;
the device also sends unasked *events* (live status), which never carry an ``id``::

    host   -> {"id": 7, "op": "workout.get", "args": {"name": "tempo"}}
    device <- {"id": 7, "ok": true, "result": {"name": "tempo", "text": "...", ...}}
    device <- {"id": 8, "ok": false, "error": {"code": "not_found", "message": "...",
                                               "field": "args.name"}}
    device <- {"event": "status", "data": {...}}

Nothing here does I/O. :class:`pacer.link.framing.LineFramer` turns arbitrary byte chunks
into complete lines; :func:`decode_request` checks one line against the hard limits and
raises :class:`pacer.core.errors.ProtocolError` with a code from :class:`ErrorCode`; the
``encode_*`` functions build the device's lines and :func:`decode_message` reads them back on
the host. Every number must be a finite double (``1e400`` is refused, naming where it is)
and no object may repeat a key, at any depth. :class:`pacer.link.args.Args` reads a request's
arguments; :class:`pacer.link.ops.Op` lists the requests. The full specification is
``docs/protocol.md``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from pacer.core.errors import ProtocolError

#: Bumped on any incompatible change; ``hello`` refuses a host that speaks another version.
PROTOCOL_VERSION: Final = 1

RequestId = int | str

#: The largest integer id: JSON numbers above 2**53 lose precision in many hosts' parsers.
MAX_INT_ID: Final = 2**53
MAX_STR_ID: Final = 64

#: Workout and item names: safe as a file name on every OS, never a path.
NAME_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
NAME_RULE: Final = (
    "1-64 characters: letters, digits, '_', '-', '.', starting with a letter or digit"
)


class ErrorCode(StrEnum):
    """Every error a device reply can carry (``error.code``)."""

    #: The line exceeded ``max_line_bytes``; it was dropped up to its newline.
    LINE_TOO_LONG = "line_too_long"
    #: The line is not valid UTF-8, or a string holds an unpaired surrogate.
    BAD_ENCODING = "bad_encoding"
    #: The line is not one JSON value, uses NaN/Infinity, holds a number no double can hold
    #: (``1e400``), or repeats a key in an object.
    BAD_JSON = "bad_json"
    #: Arrays/objects nested deeper than ``max_depth``.
    TOO_DEEP = "too_deep"
    #: Valid JSON but not a request: not an object, no ``op``, bad ``id``, unknown key.
    BAD_REQUEST = "bad_request"
    #: ``op`` names no request this device serves.
    UNKNOWN_OP = "unknown_op"
    #: An argument is missing, of the wrong type or out of range (``field`` names it).
    INVALID_FIELD = "invalid_field"
    #: A value is over a size limit (workout text, item count in one request, arrays and
    #: objects in one message).
    TOO_LARGE = "too_large"
    #: The store holds the maximum number of items of that kind.
    FULL = "full"
    #: The host speaks another protocol version (``hello``).
    UNSUPPORTED_VERSION = "unsupported_version"
    #: No workout/activity/sensor by that name or id.
    NOT_FOUND = "not_found"
    #: The request contradicts the device's state (delete the running workout, start twice).
    CONFLICT = "conflict"
    #: The workout text failed validation; ``details`` lists every problem with its line.
    INVALID_WORKOUT = "invalid_workout"
    #: The profile text failed validation; ``details`` as for workouts.
    INVALID_PROFILE = "invalid_profile"
    #: This device has no such facility (no BLE scanner, no service manager).
    UNAVAILABLE = "unavailable"
    #: A bug on the device; the request changed nothing and the link keeps working.
    INTERNAL = "internal"


@dataclass(frozen=True, slots=True)
class Limits:
    """Hard limits; anything over one gets an error and changes nothing."""

    #: One line, newline excluded. Requests and replies alike.
    max_line_bytes: int = 256 * 1024
    #: Nesting depth of arrays/objects in one message.
    max_depth: int = 16
    #: Arrays and objects in one message, counted before it is parsed: a request needs a
    #: few dozen, and a line of 87,000 ``{}`` would cost the device a long garbage
    #: collection that holds every thread.
    max_containers: int = 1024
    #: UTF-8 size of a workout or profile source text.
    max_text_bytes: int = 64 * 1024
    #: Nesting of a workout or profile text (YAML brackets, indentation, ``- - -``),
    #: checked before it is parsed.
    max_text_depth: int = 64
    #: Workouts kept on the device.
    max_workouts: int = 100
    #: Keys in one ``settings.set``.
    max_items: int = 64
    #: Raw bytes in one ``activity.get`` chunk (base64 makes it 4/3 larger on the wire).
    max_chunk_bytes: int = 48 * 1024
    #: Chunk size when the host does not ask for one.
    default_chunk_bytes: int = 32 * 1024

    def to_json(self) -> dict[str, int]:
        return {
            "max_line_bytes": self.max_line_bytes,
            "max_depth": self.max_depth,
            "max_containers": self.max_containers,
            "max_text_bytes": self.max_text_bytes,
            "max_text_depth": self.max_text_depth,
            "max_workouts": self.max_workouts,
            "max_items": self.max_items,
            "max_chunk_bytes": self.max_chunk_bytes,
            "default_chunk_bytes": self.default_chunk_bytes,
        }


DEFAULT_LIMITS: Final = Limits()


# --- messages --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    id: RequestId
    op: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One located problem inside an argument (a workout's line and column)."""

    message: str
    line: int | None = None
    col: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message}
        if self.line is not None:
            out["line"] = self.line
        if self.col is not None:
            out["col"] = self.col
        return out


class RequestError(ProtocolError):
    """A :class:`ProtocolError` with located details (workout validation errors).

    On the host, every error reply decodes into one of these.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        request_id: RequestId | None = None,
        field: str | None = None,
        details: Iterable[ErrorDetail] = (),
    ) -> None:
        super().__init__(code, message, request_id=request_id, field=field)
        self.details = tuple(details)

    def __str__(self) -> str:
        where = f" ({self.field})" if self.field else ""
        head = f"{self.code}{where}: {self.message}"
        lines = [head]
        for d in self.details:
            pos = f"{d.line}:{d.col}: " if d.line is not None else ""
            lines.append(f"  {pos}{d.message}")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Reply:
    id: RequestId | None
    result: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ErrorReply:
    id: RequestId | None
    error: RequestError


@dataclass(frozen=True, slots=True)
class Event:
    event: str
    data: dict[str, Any]


Message = Reply | ErrorReply | Event

_REQUEST_KEYS: Final = frozenset({"id", "op", "args"})
_OP_RE: Final = re.compile(r"[a-z][a-z_]*(\.[a-z][a-z_]*)?")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook``: an object that repeats a key is refused, whatever its depth
    (``{"op":"hello","op":"workout.delete"}`` must not run the last one)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(f"duplicate key {key!r} in an object")
            seen.add(key)
    return obj


def _loads(text: str | bytes) -> Any:
    return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)


def _parse_json(line: bytes, limits: Limits) -> Any:
    """Decode one line to a JSON value within the limits, or raise ProtocolError."""
    if len(line) > limits.max_line_bytes:
        raise ProtocolError(
            ErrorCode.LINE_TOO_LONG,
            f"line of {len(line)} bytes is over the limit of {limits.max_line_bytes}",
        )
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(
            ErrorCode.BAD_ENCODING, f"not UTF-8 at byte {exc.start}: {exc.reason}"
        ) from None
    containers = count_containers(line, limits.max_containers)
    if containers > limits.max_containers:
        if _deeper_than(line, limits.max_depth):
            raise ProtocolError(ErrorCode.TOO_DEEP, f"nested deeper than {limits.max_depth} levels")
        raise ProtocolError(
            ErrorCode.TOO_LARGE,
            f"{containers} arrays/objects in one message, over the limit of "
            f"{limits.max_containers}",
        )
    try:
        value = _loads(text)
    except RecursionError:
        raise ProtocolError(
            ErrorCode.TOO_DEEP, f"nested deeper than {limits.max_depth} levels"
        ) from None
    except json.JSONDecodeError as exc:
        raise ProtocolError(
            ErrorCode.BAD_JSON, f"{exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except ValueError as exc:  # NaN/Infinity, duplicate keys, integers with 1000s of digits
        raise ProtocolError(ErrorCode.BAD_JSON, str(exc)) from None
    _check_value(value, limits)
    return value


#: The largest magnitude a JSON number may have: what a double holds (``1e400`` is out).
MAX_NUMBER: Final = 1.7976931348623157e308


def _bad_number(item: Any) -> bool:
    if isinstance(item, float):
        return not math.isfinite(item)
    return isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_NUMBER


def _check_value(value: Any, limits: Limits) -> None:
    """Depth limit, finite numbers and no unpaired surrogates anywhere (they cannot be
    stored or echoed)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_str(item)
        elif isinstance(item, dict | list):
            if depth > limits.max_depth:
                raise ProtocolError(
                    ErrorCode.TOO_DEEP, f"nested deeper than {limits.max_depth} levels"
                )
            if isinstance(item, dict):
                for k, v in item.items():
                    _check_str(k)
                    stack.append((v, depth + 1))
            else:
                stack.extend((v, depth + 1) for v in item)
        elif _bad_number(item):
            where = _path_to(value, item)
            raise ProtocolError(
                ErrorCode.BAD_JSON,
                f"number out of range{f' at {where}' if where else ''}: "
                "every number must be a finite double",
                field=where,
            )


def _path_to(root: Any, target: Any) -> str | None:
    """Where ``target`` (by identity) sits in ``root``: ``args.values.display.contrast``,
    ``args.x[3]``; None for the root itself. Only called on the way to an error."""
    stack: list[tuple[Any, str]] = [(root, "")]
    while stack:
        item, path = stack.pop()
        if item is target:
            return path or None
        if isinstance(item, dict):
            stack.extend((v, f"{path}.{k}" if path else str(k)) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(item))
    return None  # pragma: no cover - target always comes from root


def _check_str(s: str) -> None:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ProtocolError(
            ErrorCode.BAD_ENCODING,
            f"string holds an unpaired surrogate at index {exc.start}",
        ) from None


def _request_id(obj: Mapping[str, Any]) -> RequestId | None:
    """The id if it is a well-formed one, else None (an error reply then carries null)."""
    rid = obj.get("id")
    if isinstance(rid, bool):
        return None
    if isinstance(rid, int) and 0 <= rid <= MAX_INT_ID:
        return rid
    if isinstance(rid, str) and 0 < len(rid) <= MAX_STR_ID:
        return rid
    return None


def decode_request(line: bytes, limits: Limits = DEFAULT_LIMITS) -> Request:
    """One complete line (no newline) to a :class:`Request`, or raise ProtocolError.

    The raised error carries the request id whenever the line got far enough to have one.
    """
    value = _parse_json(line, limits)
    if not isinstance(value, dict):
        raise ProtocolError(
            ErrorCode.BAD_REQUEST, f"a request is a JSON object, not {json_type(value)}"
        )
    rid = _request_id(value)
    if rid is None:
        raise ProtocolError(
            ErrorCode.BAD_REQUEST,
            f"'id' must be an integer 0..2**53 or a string of 1..{MAX_STR_ID} characters",
            field="id",
        )
    extra = sorted(set(value) - _REQUEST_KEYS)
    if extra:
        raise ProtocolError(
            ErrorCode.BAD_REQUEST,
            f"unknown key {extra[0]!r}: a request has only 'id', 'op' and 'args'",
            request_id=rid,
            field=extra[0],
        )
    op = value.get("op")
    if not isinstance(op, str) or not _OP_RE.fullmatch(op):
        raise ProtocolError(
            ErrorCode.BAD_REQUEST,
            '\'op\' must be a request name such as "hello" or "workout.put"',
            request_id=rid,
            field="op",
        )
    args = value.get("args", {})
    if not isinstance(args, dict):
        raise ProtocolError(
            ErrorCode.BAD_REQUEST,
            f"'args' must be an object, not {json_type(args)}",
            request_id=rid,
            field="args",
        )
    return Request(rid, op, args)


def count_containers(line: bytes, at_most: int) -> int:
    """Arrays and objects in a JSON line, without parsing it: ``[`` and ``{`` outside
    strings. Exact only when the quick upper bound (every bracket) exceeds ``at_most``."""
    upper = line.count(b"[") + line.count(b"{")
    if upper <= at_most:
        return upper
    outside = _outside_strings(line)
    return outside.count(b"[") + outside.count(b"{")


def _outside_strings(line: bytes) -> bytes:
    # Drop escaped backslashes and escaped quotes; then every other '"'-separated piece
    # is outside a string.
    return b"".join(line.replace(b"\\\\", b"").replace(b'\\"', b"").split(b'"')[0::2])


_NOT_BRACKETS: Final = bytes(b for b in range(256) if b not in b"[]{}")


def _deeper_than(line: bytes, max_depth: int) -> bool:
    """Whether the brackets outside strings open more than ``max_depth`` in a row (no
    parse: byte operations in C). Used only to name a line refused for its size."""
    brackets = _outside_strings(line).translate(None, _NOT_BRACKETS)
    return re.search(rb"[\[{]{%d}" % (max_depth + 1), brackets) is not None


def request_id_of(line: bytes, limits: Limits = DEFAULT_LIMITS) -> RequestId | None:
    """Best effort: the id of a line that failed to decode, so its error can carry it (none
    for a line with more arrays/objects than the limit: it is not parsed at all)."""
    if count_containers(line, limits.max_containers) > limits.max_containers:
        return None
    try:
        value = json.loads(line, object_pairs_hook=_first_id_only)
    except (ValueError, RecursionError):
        return None
    return _request_id(value) if isinstance(value, dict) else None


def _first_id_only(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A repeated ``id`` makes the id unknown (the error reply then carries null)."""
    obj = dict(pairs)
    if sum(1 for key, _ in pairs if key == "id") > 1:
        obj["id"] = None
    return obj


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _dump(obj: Mapping[str, Any]) -> bytes:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        return text.encode() + b"\n"
    except UnicodeEncodeError:
        # A lone surrogate (JSON allows "\ud800") has no UTF-8 form: escape everything.
        text = json.dumps(obj, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
        return text.encode() + b"\n"


def encode_request(request: Request) -> bytes:
    obj: dict[str, Any] = {"id": request.id, "op": request.op}
    if request.args:
        obj["args"] = request.args
    return _dump(obj)


def encode_reply(request_id: RequestId | None, result: Mapping[str, Any]) -> bytes:
    """Raises ``TypeError``/``ValueError`` when ``result`` is not plain JSON."""
    return _dump({"id": request_id, "ok": True, "result": result})


def error_to_json(exc: ProtocolError) -> dict[str, Any]:
    err: dict[str, Any] = {"code": str(exc.code), "message": exc.message}
    if exc.field is not None:
        err["field"] = exc.field
    details = getattr(exc, "details", ())
    if details:
        err["details"] = [d.to_json() for d in details]
    return err


def encode_error(exc: ProtocolError, request_id: RequestId | None = None) -> bytes:
    rid = exc.request_id if exc.request_id is not None else request_id
    return _dump({"id": rid, "ok": False, "error": error_to_json(exc)})


def encode_event(event: str, data: Mapping[str, Any]) -> bytes:
    return _dump({"event": event, "data": data})


def decode_message(line: bytes, limits: Limits = DEFAULT_LIMITS) -> Message:
    """A device line to a :class:`Reply`, :class:`ErrorReply` or :class:`Event` (host side).

    Raises ProtocolError(BAD_REQUEST...) for anything else: the host reports a confused
    device rather than guessing.
    """
    value = _parse_json(line, limits)
    if not isinstance(value, dict):
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"device sent {json_type(value)}")
    if "event" in value:
        name, data = value.get("event"), value.get("data", {})
        if not isinstance(name, str) or not isinstance(data, dict):
            raise ProtocolError(ErrorCode.BAD_REQUEST, "malformed event from device")
        return Event(name, data)
    rid = _request_id(value)
    if value.get("id") is not None and rid is None:
        raise ProtocolError(ErrorCode.BAD_REQUEST, "malformed reply id from device")
    ok = value.get("ok")
    if ok is True:
        result = value.get("result", {})
        if not isinstance(result, dict):
            raise ProtocolError(ErrorCode.BAD_REQUEST, "malformed reply result from device")
        return Reply(rid, result)
    if ok is False:
        err = value.get("error")
        if not isinstance(err, dict):
            raise ProtocolError(ErrorCode.BAD_REQUEST, "malformed error reply from device")
        details = []
        for d in err.get("details", []) or []:
            if isinstance(d, dict):
                line_no, col = d.get("line"), d.get("col")
                details.append(
                    ErrorDetail(
                        str(d.get("message", "")),
                        line_no if isinstance(line_no, int) else None,
                        col if isinstance(col, int) else None,
                    )
                )
        field_ = err.get("field")
        return ErrorReply(
            rid,
            RequestError(
                str(err.get("code", ErrorCode.INTERNAL)),
                str(err.get("message", "")),
                request_id=rid,
                field=field_ if isinstance(field_, str) else None,
                details=details,
            ),
        )
    raise ProtocolError(ErrorCode.BAD_REQUEST, "device line is neither a reply nor an event")
