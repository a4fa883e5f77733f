"""Hypothesis fuzz of the device's input: whatever arrives, the server keeps serving.

Each example is a stream of lines (random bytes, over-long lines, deeply nested JSON,
requests with every op and wrongly typed arguments, odd unicode and invalid UTF-8) fed to
a real :class:`~pacer.link.server.Session` in random chunk sizes. Checked for every line:
no exception escapes, exactly one reply per complete line, each reply a well-formed reply
line with the request's id when it had one, and the store byte-for-byte unchanged whenever
the reply is an error. The number of cases run is printed and recorded (``fuzz_cases``).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pacer.link.protocol import ErrorReply, Limits, Reply, decode_message
from pacer.link.server import DeviceService, Session
from pacer.sim.clock import SimClock
from pacer.storage.store import Store

from .conftest import EXAMPLES
from .serial_rig import FakeEngine

SHORT = (EXAMPLES / "step-up-run-30min.yaml").read_text()
PROFILE = (EXAMPLES / "profile.yaml").read_text()
LIMITS = Limits(max_line_bytes=4096, max_depth=16, max_text_bytes=2048, max_chunk_bytes=512)
OPS = [
    "hello", "time.get", "time.set", "profile.get", "profile.put", "workout.list",
    "workout.get", "workout.put", "workout.delete", "workout.select", "workout.start",
    "workout.stop", "sensors.list", "sensors.pair", "sensors.forget", "sensors.scan",
    "settings.get", "settings.set", "activity.list", "activity.get", "activity.ack",
    "activity.delete", "status.get", "status.subscribe", "status.unsubscribe",
    "service.restart", "nope", "workout.", "WORKOUT.LIST",
]  # fmt: skip
WRITES = [
    "time.set", "profile.put", "workout.put", "workout.delete", "workout.select",
    "sensors.pair", "sensors.forget", "settings.set", "activity.ack", "activity.delete",
]  # fmt: skip
KEYS = [
    "name", "text", "id", "offset", "length", "wall", "protocol", "values", "address",
    "role", "cadence_unit", "force", "sha256", "seconds", "client",
]  # fmt: skip

odd_text = st.text(
    alphabet=st.characters(codec=None, exclude_categories=()), max_size=40
) | st.sampled_from(["", "\u2028", "\ufeff", "é", "🏃", "\x00", "a\nb", "w", "tempo", "1"])
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | odd_text
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(odd_text, inner, max_size=4),
    max_leaves=12,
)
GOOD_SETTINGS: dict[str, list[Any]] = {
    "display.contrast": [0, 17, 255],
    "haptics.strength": [0.3, 1],
    "buttons.pins": [[5, 6], [17]],
    "alerts.over_dwell_s": [3, 4.5],
    "display.flip": [],
}


@st.composite
def setting_values(draw: st.DrawFn) -> dict[str, Any]:
    """Settings with a good value most of the time, so a bad one often follows good ones."""
    keys = draw(st.lists(st.sampled_from(sorted(GOOD_SETTINGS)), min_size=1, max_size=4))
    out: dict[str, Any] = {}
    for key in keys:
        good = GOOD_SETTINGS[key]
        if good and draw(st.integers(0, 9)) < 6:
            out[key] = draw(st.sampled_from(good))
        else:
            out[key] = draw(st.none() | json_values)
    return out


name_s = st.sampled_from(["tempo", "other", "../x", "", "a" * 70]) | odd_text
id_s = st.sampled_from([1, 2, 0, -1, 2**60, "1", True]) | json_values
ARGS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "hello": {"protocol": st.sampled_from([1, 2, "1"]) | json_values, "client": odd_text},
    "time.set": {"wall": st.floats(1.4e9, 4.3e9) | json_values},
    "profile.put": {
        "text": st.sampled_from([PROFILE, "max_hr: 190\n", "max_hr: lots\n"]) | odd_text
    },
    "workout.get": {"name": name_s},
    "workout.delete": {"name": name_s},
    "workout.select": {"name": name_s},
    "workout.start": {"name": name_s},
    "workout.put": {
        "name": name_s,
        "text": st.sampled_from(["", "steps: []\n", "name: x\nsteps:\n  - warmup: 5m\n", SHORT])
        | odd_text,
    },
    "sensors.pair": {
        "address": st.sampled_from(["AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:01", "zz"]) | odd_text,
        "role": st.sampled_from(["hr", "pod", "power", "toaster"]) | json_values,
        "name": odd_text,
        "cadence_unit": st.sampled_from(["steps", "strides", "rpm"]) | json_values,
    },
    "sensors.forget": {"address": st.sampled_from(["AA:BB:CC:DD:EE:FF", "zz"]) | odd_text},
    "settings.set": {"values": setting_values() | json_values},
    "activity.get": {
        "id": id_s,
        "offset": st.integers(-5, 10_000) | json_values,
        "length": st.integers(0, 1000) | json_values,
    },
    "activity.ack": {"id": id_s, "sha256": st.sampled_from(["0" * 64, ""]) | odd_text},
    "activity.delete": {"id": id_s, "force": st.booleans() | json_values},
}


@st.composite
def request_lines(draw: st.DrawFn) -> bytes:
    """Mostly plausible requests (a real op, its own argument names, values both good and
    bad) so the handlers' deep paths run; sometimes a chaotic envelope."""
    obj: dict[str, Any]
    if draw(st.integers(0, 9)) < 7:
        # The ops that write are drawn half the time: they are where a rejected request
        # could leave a trace in the store.
        op = draw(st.sampled_from(OPS) | st.sampled_from(WRITES))
        obj = {"id": draw(st.integers(0, 1000)), "op": op}
        args = {k: draw(v) for k, v in ARGS.get(op, {}).items() if draw(st.integers(0, 9)) < 8}
        if draw(st.integers(0, 9)) == 0:
            args[draw(st.sampled_from(KEYS) | odd_text)] = draw(json_values)
        if args or draw(st.booleans()):
            obj["args"] = args
    else:
        obj = {"id": draw(st.integers(-3, 2**54) | odd_text | json_values)}
        obj["op"] = draw(st.sampled_from(OPS) | json_values)
        if draw(st.booleans()):
            obj["args"] = draw(
                st.dictionaries(st.sampled_from(KEYS) | odd_text, json_values, max_size=4)
                | json_values
            )
        if draw(st.booleans()):
            obj[draw(odd_text)] = draw(json_values)
    text = json.dumps(obj, ensure_ascii=draw(st.booleans()))
    return text.encode("utf-8", "surrogatepass")  # lone surrogates become invalid UTF-8


def nested(depth: int, kind: str) -> bytes:
    if kind == "array":
        return b"[" * depth + b"]" * depth
    inner = b"1"
    for _ in range(depth):
        inner = b'{"a":' + inner + b"}"
    return b'{"id":7,"op":"workout.put","args":' + inner + b"}"


lines = st.one_of(
    request_lines(),
    request_lines(),
    st.binary(max_size=200),
    st.builds(nested, st.integers(1, 3000), st.sampled_from(["array", "object"])),
    st.builds(lambda n, c: c * n, st.integers(4000, 12_000), st.sampled_from([b"x", b" ", b"{"])),
    st.sampled_from([b"", b"\r", b"   ", b"null", b"{}", b"[]", b'"hi"', b"1e999", b"NaN"]),
)
streams = st.lists(lines, min_size=1, max_size=6)


def expected_replies(data: bytes, limit: int) -> int:
    """Complete lines the device must answer (the framing rules of docs/protocol.md)."""
    count = 0
    for segment in data.split(b"\n")[:-1]:
        segment = segment.removesuffix(b"\r")
        if len(segment) > limit or segment.strip():
            count += 1
    return count


def dump(store: Store) -> str:
    db = sqlite3.connect(store.path)
    try:
        return "\n".join(db.iterdump())
    finally:
        db.close()


def _seed(store: Store) -> None:
    store.put_workout("tempo", (EXAMPLES / "step-up-run.yaml").read_text(), 1.0, max_count=100)
    store.select_workout("tempo")
    store.put_profile((EXAMPLES / "profile.yaml").read_text(), 1.0)
    store.update_settings({"display.contrast": 100})
    aid = store.create_activity(1_700_000_000.0, "tempo")
    store.add_samples(aid, [{"t": float(i), "hr": 130} for i in range(50)])
    store.end_activity(aid)


def run_fuzz(tmp_path: Path, max_examples: int, record: Callable[[str, object], None]) -> None:
    store = Store(tmp_path / "fuzz.db")
    _seed(store)
    # Every example starts from the same seeded database (restored with SQLite's backup
    # API), so a failure replays and shrinks deterministically.
    pristine = sqlite3.connect(":memory:")
    store._db.backup(pristine)
    cases = {"examples": 0, "lines": 0, "errors": 0, "replies": 0}

    @settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(stream=streams, splits=st.lists(st.integers(1, 700), min_size=1, max_size=8))
    def one(stream: list[bytes], splits: list[int]) -> None:
        cases["examples"] += 1
        pristine.backup(store._db)

        async def go() -> None:
            clock = SimClock()
            service = DeviceService(
                store, clock, FakeEngine(clock), device_id="fuzz", limits=LIMITS
            )
            session = Session(service)
            for line in stream:
                data = line + b"\n"
                before = dump(store)
                # feed in random chunk sizes; the line only completes at its last byte
                pos, i = 0, 0
                while pos < len(data):
                    size = splits[i % len(splits)]
                    await session.feed(data[pos : pos + size])
                    pos += size
                    i += 1
                want = expected_replies(data, LIMITS.max_line_bytes)
                got = []
                while (item := session.outbox.take_nowait()) is not None:
                    got.append(item[0])
                got = [g for g in got if not g.startswith(b'{"event"')]
                assert len(got) == want, (line[:200], got)
                cases["lines"] += 1
                for reply_line in got:
                    assert reply_line.endswith(b"\n")
                    assert reply_line.count(b"\n") == 1
                    message = decode_message(reply_line.rstrip(b"\n"))
                    assert isinstance(message, Reply | ErrorReply)
                    cases["replies"] += 1
                    if isinstance(message, ErrorReply):
                        cases["errors"] += 1
                        assert message.error.code != "internal", message.error
                        assert dump(store) == before, f"rejected {line[:200]!r} changed the store"
            session.close()

        asyncio.run(go())

    try:
        one()
    finally:
        store.close()
        pristine.close()
    print(
        f"\nserial fuzz: {cases['examples']} cases, {cases['lines']} lines, "
        f"{cases['replies']} replies ({cases['errors']} errors)"
    )
    record("fuzz_cases", cases["examples"])
    record("fuzz_lines", cases["lines"])
    assert cases["examples"] >= max_examples * 0.9
    assert cases["errors"] > 0
    assert cases["replies"] > cases["errors"]  # some inputs were accepted too


def test_fuzz_server_input(tmp_path: Path, record_property: Callable[[str, object], None]) -> None:
    run_fuzz(tmp_path, 500, record_property)


@pytest.mark.slow
def test_fuzz_server_input_long(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    run_fuzz(tmp_path, 3000, record_property)
