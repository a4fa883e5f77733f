"""The serial codec on byte tables: framing, every request error class, replies and events."""

from __future__ import annotations

import json

import pytest

from pacer.core.errors import ProtocolError
from pacer.link.args import Args
from pacer.link.framing import LineFramer, Overlong
from pacer.link.protocol import (
    PROTOCOL_VERSION,
    ErrorCode,
    ErrorDetail,
    ErrorReply,
    Event,
    Limits,
    Reply,
    Request,
    RequestError,
    decode_message,
    decode_request,
    encode_error,
    encode_event,
    encode_reply,
    encode_request,
    request_id_of,
)

SMALL = Limits(max_line_bytes=64, max_depth=4)

# --- framing -------------------------------------------------------------------------

FRAMING = [
    # (chunks fed in order, items expected)
    ([b'{"id":1}\n'], [b'{"id":1}']),
    ([b'{"id":1}\r\n'], [b'{"id":1}']),
    ([b'{"id"', b":1}", b"\n"], [b'{"id":1}']),
    ([b"a\nb\nc"], [b"a", b"b"]),
    ([b"\n\n\r\n   \n"], []),  # blank lines and keep-alives are skipped
    ([b"x" * 64 + b"\n"], [b"x" * 64]),  # exactly at the limit
    ([b"x" * 64 + b"\r\n"], [b"x" * 64]),  # the \r does not count
    ([b"x" * 65 + b"\n"], [Overlong(65)]),
    ([b"x" * 40, b"x" * 40, b"x" * 40, b"\nok\n"], [Overlong(120), b"ok"]),
    ([b"x" * 200 + b"\nafter\n"], [Overlong(200), b"after"]),
    ([b"\xff\xfe\n"], [b"\xff\xfe"]),  # bytes are framed, decoding comes later
]


@pytest.mark.parametrize(("chunks", "expected"), FRAMING)
def test_framer(chunks: list[bytes], expected: list[bytes | Overlong]) -> None:
    framer = LineFramer(SMALL.max_line_bytes)
    out: list[bytes | Overlong] = []
    for chunk in chunks:
        out.extend(framer.feed(chunk))
    assert out == expected


def test_framer_byte_at_a_time_equals_whole() -> None:
    stream = b'{"id":1,"op":"hello"}\n' + b"y" * 100 + b"\n" + b'{"id":2,"op":"time.get"}\r\n'
    whole = LineFramer(SMALL.max_line_bytes).feed(stream)
    framer = LineFramer(SMALL.max_line_bytes)
    single = [item for i in range(len(stream)) for item in framer.feed(stream[i : i + 1])]
    assert single == whole
    assert whole == [b'{"id":1,"op":"hello"}', Overlong(100), b'{"id":2,"op":"time.get"}']


def test_framer_reset_drops_partial_line() -> None:
    framer = LineFramer(64)
    assert framer.feed(b'{"id":1,"op":"work') == []
    assert framer.pending == 18
    framer.reset()
    assert framer.feed(b'{"id":2}\n') == [b'{"id":2}']


# --- requests ------------------------------------------------------------------------

VALID = [
    (b'{"id":1,"op":"hello"}', Request(1, "hello", {})),
    (
        b'{"id":"a-7","op":"workout.get","args":{"name":"tempo"}}',
        Request("a-7", "workout.get", {"name": "tempo"}),
    ),
    (
        b'{"op":"time.set","id":9007199254740992,"args":{"wall":1.7e9}}',
        Request(2**53, "time.set", {"wall": 1.7e9}),
    ),
    (
        '{"id":3,"op":"workout.put","args":{"name":"z","text":"é ✓ 🏃"}}'.encode(),
        Request(3, "workout.put", {"name": "z", "text": "é ✓ 🏃"}),
    ),
    (b' {"id":0,"op":"status.get"} ', Request(0, "status.get", {})),
]


@pytest.mark.parametrize(("line", "request_"), VALID)
def test_decode_valid(line: bytes, request_: Request) -> None:
    assert decode_request(line) == request_


def test_request_roundtrip() -> None:
    req = Request(5, "workout.put", {"name": "a", "text": "line1\nline2 \u2028 \x00"})
    encoded = encode_request(req)
    assert encoded.endswith(b"\n")
    assert encoded.count(b"\n") == 1  # newlines inside strings are escaped
    assert decode_request(encoded.rstrip(b"\n")) == req


# (line, code, field, request id carried by the error)
ERRORS = [
    (b"x" * 65, ErrorCode.LINE_TOO_LONG, None, None),
    (b'{"id":1,"op":"hello","args":{"x":"\xff"}}', ErrorCode.BAD_ENCODING, None, None),
    (b'{"id":1,"op":"a","args":{"t":"\\ud800"}}', ErrorCode.BAD_ENCODING, None, None),
    (b"\xc3\x28", ErrorCode.BAD_ENCODING, None, None),
    (b"{", ErrorCode.BAD_JSON, None, None),
    (b'{"id":1,"op":"hello"} trailing', ErrorCode.BAD_JSON, None, None),
    (b'{"id":1,"op":"a","args":{"x":NaN}}', ErrorCode.BAD_JSON, None, None),
    (b'{"id":1,"op":"a","args":{"x":-Infinity}}', ErrorCode.BAD_JSON, None, None),
    (b"[[[[[1]]]]]", ErrorCode.TOO_DEEP, None, None),
    (b'{"id":1,"op":"a","args":{"a":{"b":{"c":{}}}}}', ErrorCode.TOO_DEEP, None, None),
    (b"[1,2]", ErrorCode.BAD_REQUEST, None, None),
    (b'"hello"', ErrorCode.BAD_REQUEST, None, None),
    (b"null", ErrorCode.BAD_REQUEST, None, None),
    (b'{"op":"hello"}', ErrorCode.BAD_REQUEST, "id", None),
    (b'{"id":true,"op":"hello"}', ErrorCode.BAD_REQUEST, "id", None),
    (b'{"id":-1,"op":"hello"}', ErrorCode.BAD_REQUEST, "id", None),
    (b'{"id":1.5,"op":"hello"}', ErrorCode.BAD_REQUEST, "id", None),
    (b'{"id":9007199254740993,"op":"hello"}', ErrorCode.BAD_REQUEST, "id", None),
    (b'{"id":"","op":"hello"}', ErrorCode.BAD_REQUEST, "id", None),
    (b'{"id":2}', ErrorCode.BAD_REQUEST, "op", 2),
    (b'{"id":2,"op":5}', ErrorCode.BAD_REQUEST, "op", 2),
    (b'{"id":2,"op":"rm -rf /"}', ErrorCode.BAD_REQUEST, "op", 2),
    (b'{"id":2,"op":"../x"}', ErrorCode.BAD_REQUEST, "op", 2),
    (b'{"id":2,"op":"hello","args":[]}', ErrorCode.BAD_REQUEST, "args", 2),
    (b'{"id":2,"op":"hello","cmd":"x"}', ErrorCode.BAD_REQUEST, "cmd", 2),
    # numbers no double holds: refused where they are, whatever their type
    (b'{"id":1,"op":"a","args":{"x":1e400}}', ErrorCode.BAD_JSON, "args.x", None),
    (b'{"id":1,"op":"a","args":{"x":[1,-1e999]}}', ErrorCode.BAD_JSON, "args.x[1]", None),
    (b'{"id":1,"op":"a","args":{"v":{"k":1E+309}}}', ErrorCode.BAD_JSON, "args.v.k", None),
    (b"1e400", ErrorCode.BAD_JSON, None, None),
    (b'{"id":1e400,"op":"hello"}', ErrorCode.BAD_JSON, "id", None),
    # a key twice in one object, at any depth
    (b'{"id":1,"op":"hello","op":"workout.delete"}', ErrorCode.BAD_JSON, None, None),
    (b'{"id":1,"id":1,"op":"hello"}', ErrorCode.BAD_JSON, None, None),
    (b'{"id":1,"op":"a","args":{"a":{"b":1,"b":1}}}', ErrorCode.BAD_JSON, None, None),
    (b'{"id":1,"op":"a","args":{"a":[{"x":1,"y":{},"x":2}]}}', ErrorCode.BAD_JSON, None, None),
]


@pytest.mark.parametrize(("line", "code", "field", "rid"), ERRORS)
def test_decode_errors(line: bytes, code: ErrorCode, field: str | None, rid: int | None) -> None:
    with pytest.raises(ProtocolError) as info:
        decode_request(line, SMALL)
    assert info.value.code == code
    assert info.value.field == field
    assert info.value.request_id == rid
    # Every error encodes to one valid JSON line a host can decode.
    encoded = encode_error(info.value)
    assert encoded.count(b"\n") == 1
    reply = decode_message(encoded)
    assert isinstance(reply, ErrorReply)
    assert reply.error.code == code


def test_huge_nesting_and_huge_integers_are_errors_not_crashes() -> None:
    big = Limits(max_line_bytes=1 << 22)
    with pytest.raises(ProtocolError) as info:
        decode_request(b"[" * 200_000 + b"]" * 200_000, big)
    assert info.value.code == ErrorCode.TOO_DEEP
    with pytest.raises(ProtocolError) as info:
        decode_request(b'{"id":1,"op":"a","args":{"n":' + b"9" * 10_000 + b"}}", big)
    assert info.value.code == ErrorCode.BAD_JSON


def test_arrays_and_objects_are_counted_before_parsing() -> None:
    few = Limits(max_containers=5)
    assert decode_request(b'{"id":1,"op":"a","args":{"x":[[],{}]}}', few).args == {"x": [[], {}]}
    with pytest.raises(ProtocolError) as info:
        decode_request(b'{"id":1,"op":"a","args":{"x":[[],{},[]]}}', few)
    assert info.value.code == ErrorCode.TOO_LARGE
    assert "6 arrays/objects" in info.value.message
    # brackets inside strings (a workout text) are not containers, escaped quotes or not
    text = json.dumps({"id": 1, "op": "a", "args": {"t": '[[{{\\"[[{"' * 50}}).encode()
    assert decode_request(text, few).args["t"].startswith("[[{{")
    assert request_id_of(b'{"id":3,"op":"a","args":[[],[],[],[]]}', few) is None  # not parsed


def test_an_integer_beyond_a_double_is_refused_naming_its_field() -> None:
    with pytest.raises(ProtocolError) as info:
        decode_request(b'{"id":1,"op":"a","args":{"n":-1' + b"0" * 400 + b"}}")
    assert (info.value.code, info.value.field) == (ErrorCode.BAD_JSON, "args.n")


def test_numbers_at_the_edge_of_a_double_are_accepted() -> None:
    req = decode_request(
        b'{"id":1,"op":"a","args":{"a":1.7976931348623157e308,"b":-5e-324,'
        b'"c":' + str(2**1023).encode() + b"}}"
    )
    assert req.args == {"a": 1.7976931348623157e308, "b": -5e-324, "c": 2**1023}


def test_duplicate_keys_are_found_at_the_deepest_level_allowed() -> None:
    inner = b'{"k":1,"k":2}'
    for _ in range(14):  # 16 levels in all with the request and its args
        inner = b'{"a":' + inner + b"}"
    line = b'{"id":1,"op":"hello","args":' + inner + b"}"
    with pytest.raises(ProtocolError) as info:
        decode_request(line)
    assert info.value.code == ErrorCode.BAD_JSON
    assert "duplicate key 'k'" in info.value.message
    decode_request(line.replace(b'"k":2', b'"j":2'))  # the same, without the repeat: fine


def test_request_id_of_recovers_id_for_late_errors() -> None:
    assert request_id_of(b'{"id":5,"op":"hello","op":"x"}') == 5
    assert request_id_of(b'{"id":5,"id":6,"op":"hello"}') is None  # which one? neither
    assert request_id_of(b'{"id":5,"op":"x"}') == 5
    assert request_id_of(b'{"id":"q"}') == "q"
    assert request_id_of(b"{") is None
    assert request_id_of(b"[1]") is None


# --- replies and events ----------------------------------------------------------------


def test_reply_table() -> None:
    assert encode_reply(3, {"a": 1}) == b'{"id":3,"ok":true,"result":{"a":1}}\n'
    assert encode_event("status", {"state": "idle"}) == (
        b'{"event":"status","data":{"state":"idle"}}\n'
    )
    err = RequestError(
        ErrorCode.INVALID_WORKOUT,
        "bad",
        field="args.text",
        details=[ErrorDetail("unknown key", 3, 5), ErrorDetail("no position")],
    )
    assert json.loads(encode_error(err, 4)) == {
        "id": 4,
        "ok": False,
        "error": {
            "code": "invalid_workout",
            "message": "bad",
            "field": "args.text",
            "details": [
                {"message": "unknown key", "line": 3, "col": 5},
                {"message": "no position"},
            ],
        },
    }
    assert encode_reply(1, {"s": "é"}) == '{"id":1,"ok":true,"result":{"s":"é"}}\n'.encode()


def test_reply_with_a_lone_surrogate_is_escaped_not_a_crash() -> None:
    # JSON accepts "\ud800" from a host; echoing it back must still encode (found by the fuzz)
    line = encode_reply(2, {"name": "\ud800x"})
    assert line == b'{"id":2,"ok":true,"result":{"name":"\\ud800x"}}\n'
    assert json.loads(line)["result"]["name"] == "\ud800x"


def test_reply_refuses_non_json() -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        encode_reply(1, {"x": float("nan")})


def test_decode_message_distinguishes_replies_and_events() -> None:
    assert decode_message(b'{"id":1,"ok":true,"result":{"x":2}}') == Reply(1, {"x": 2})
    assert decode_message(b'{"event":"status","data":{"t":1}}') == Event("status", {"t": 1})
    err = decode_message(
        b'{"id":null,"ok":false,"error":{"code":"bad_json","message":"m","details":'
        b'[{"message":"d","line":2,"col":1}]}}'
    )
    assert isinstance(err, ErrorReply)
    assert err.id is None
    assert err.error.details == (ErrorDetail("d", 2, 1),)
    assert "2:1: d" in str(err.error)
    for bad in (b"[]", b'{"id":1}', b'{"event":3}', b'{"id":1,"ok":true,"result":[]}'):
        with pytest.raises(ProtocolError):
            decode_message(bad)


def test_protocol_version_is_an_int() -> None:
    assert isinstance(PROTOCOL_VERSION, int)
    assert PROTOCOL_VERSION >= 1


# --- typed args ----------------------------------------------------------------------


def _args(**kw: object) -> Args:
    return Args(Request(9, "x", dict(kw)))


ARG_ERRORS = [
    (lambda a: a.integer("n", minimum=0, maximum=5), {"n": True}, "args.n", "integer"),
    (lambda a: a.integer("n", minimum=0, maximum=5), {"n": 6}, "args.n", "0..5"),
    (lambda a: a.integer("n", minimum=0, maximum=5), {}, "args.n", "required"),
    (lambda a: a.number("w", minimum=0, maximum=1), {"w": "1"}, "args.w", "number"),
    (lambda a: a.text("t", max_bytes=3), {"t": "éé"}, "args.t", "4 bytes"),
    (lambda a: a.text("t", max_bytes=3), {"t": 3}, "args.t", "string"),
    (lambda a: a.name(), {"name": "../etc/passwd"}, "args.name", "bad name"),
    (lambda a: a.name(), {"name": "a/b"}, "args.name", "bad name"),
    (lambda a: a.name(), {"name": "x" * 65}, "args.name", "bad name"),
    (lambda a: a.boolean("f"), {"f": 1}, "args.f", "true or false"),
    (lambda a: a.mapping("m", max_items=1), {"m": {"a": 1, "b": 2}}, "args.m", "limit"),
    (lambda a: a.mapping("m", max_items=1), {"m": []}, "args.m", "object"),
]


@pytest.mark.parametrize(("read", "kw", "field", "words"), ARG_ERRORS)
def test_args_errors(read: object, kw: dict[str, object], field: str, words: str) -> None:
    args = _args(**kw)
    with pytest.raises(ProtocolError, match=words) as info:
        read(args)  # type: ignore[operator]
    assert info.value.field == field
    assert info.value.request_id == 9


def test_args_unknown_key_is_an_error() -> None:
    args = _args(name="ok", extra=1)
    assert args.name() == "ok"
    with pytest.raises(ProtocolError, match="unknown argument 'extra'") as info:
        args.done()
    assert info.value.code == ErrorCode.INVALID_FIELD
    assert info.value.field == "args.extra"


def test_args_defaults() -> None:
    args = _args()
    assert args.integer("n", minimum=0, maximum=9, default=4) == 4
    assert args.boolean("f") is False
    assert args.name(required=False) is None
    args.done()
