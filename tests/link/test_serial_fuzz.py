"""Fuzz of the device's input: whatever arrives, the server keeps serving, and never with
an ``internal`` error.

Two parts. :func:`test_every_field_of_every_op` takes every op of the catalogue
(:class:`pacer.link.ops.Op`) from a request it accepts and gives each of its fields, in turn,
every hostile value (wrong types, NaN/Infinity, ``1e400``, integers no double holds, huge
strings, deep arrays), leaves it out, gives it twice, and adds an unknown field. The
hypothesis fuzz then draws streams of lines (random bytes, over-long lines, deeply nested
JSON, requests with every op and their fields both plausible and hostile, duplicate keys,
odd unicode and invalid UTF-8) fed to a real :class:`~pacer.link.session.Session` in random
chunk sizes. Checked for every line: no exception escapes, exactly one reply per complete
line, each reply a well-formed reply line with the request's id when it had one, never
``internal``, and the store byte-for-byte unchanged whenever the reply is an error. The
number of cases run is printed and recorded (``fuzz_cases``).
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
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from pacer.link.ops import Op
from pacer.link.protocol import ErrorReply, Limits, Reply, decode_message
from pacer.link.service import DeviceService
from pacer.link.session import Session
from pacer.sim.clock import SimClock
from pacer.storage.store import Store
from tests.support.paths import EXAMPLES
from tests.support.serial_rig import FakeEngine

SHORT = (EXAMPLES / "step-up-run-30min.yaml").read_text()
PROFILE = (EXAMPLES / "profile.yaml").read_text()
LIMITS = Limits(max_line_bytes=4096, max_depth=16, max_text_bytes=2048, max_chunk_bytes=512)
OPS = [*(str(op) for op in Op), "nope", "workout.", "WORKOUT.LIST"]
WRITES = [
    "time.set", "profile.put", "workout.put", "workout.delete", "workout.select",
    "sensors.pair", "sensors.forget", "settings.set", "activity.ack", "activity.delete",
]  # fmt: skip
#: A request each op accepts (or refuses for its state) on the seeded store: the baseline
#: whose fields the hostile values replace one at a time. Every op of the catalogue.
GOOD: dict[Op, dict[str, Any]] = {
    Op.HELLO: {"protocol": 1, "client": "fuzz"},
    Op.TIME_GET: {},
    Op.TIME_SET: {"wall": 1.8e9},
    Op.SERVICE_RESTART: {"force": False},
    Op.SERVICE_SHUTDOWN: {"force": True},
    Op.WORKOUT_LIST: {},
    Op.WORKOUT_GET: {"name": "tempo"},
    Op.WORKOUT_PUT: {"name": "other", "text": SHORT},
    Op.WORKOUT_DELETE: {"name": "tempo"},
    Op.WORKOUT_SELECT: {"name": "tempo"},
    Op.WORKOUT_START: {"name": "tempo"},
    Op.WORKOUT_STOP: {},
    Op.STATUS_GET: {},
    Op.STATUS_SUBSCRIBE: {},
    Op.STATUS_UNSUBSCRIBE: {},
    Op.PROFILE_GET: {},
    Op.PROFILE_PUT: {"text": PROFILE},
    Op.SETTINGS_GET: {},
    Op.SETTINGS_SET: {"values": {"display.contrast": 17, "haptics.strength": 0.5}},
    Op.SENSORS_LIST: {},
    Op.SENSORS_PAIR: {
        "address": "AA:BB:CC:DD:EE:FF",
        "role": "pod",
        "name": "Stryd",
        "cadence_unit": "steps",
    },
    Op.SENSORS_FORGET: {"address": "AA:BB:CC:DD:EE:FF"},
    Op.SENSORS_SCAN: {"seconds": 3},
    Op.ACTIVITY_LIST: {},
    Op.ACTIVITY_GET: {"id": 1, "offset": 0, "length": 100},
    Op.ACTIVITY_ACK: {"id": 1, "sha256": "0" * 64},
    Op.ACTIVITY_DELETE: {"id": 1, "force": True},
    Op.SECRET_SET: {"name": "intervals.icu", "value": {"api_key": "fuzz-key-0123"}},
    Op.SECRET_LIST: {},
}
KEYS = sorted({key for args in GOOD.values() for key in args})
#: Raw JSON for a field's value: every type, numbers no double holds (refused as bad_json
#: naming the field), NaN/Infinity (not JSON), huge and odd strings, nesting.
HOSTILE: list[bytes] = [
    b"null", b"true", b"false", b"0", b"-1", b"1.5", b"-0.0", b"2e-400",
    b"9007199254740993", b"1" + b"0" * 30, b"-1" + b"0" * 400, b"1e400", b"-1e400",
    b"1E+309", b"1.7976931348623157e308", b"NaN", b"-Infinity", b'""', b'"x"',
    b'"' + b"y" * 300 + b'"', b'"\\u0000"', b'"\\ud800"', b'"../etc/passwd"', b'"tempo"',
    b'"AA:BB:CC:DD:EE:FF"', b"[]", b"{}", b"[1,2]", b'{"a":1}', b'{"display.contrast":1e400}',
    b"[" * 20 + b"]" * 20, b'{"a":1,"a":2}',
]  # fmt: skip
#: Hostile values whose error must name the field they are in.
OUT_OF_RANGE = {b"-1" + b"0" * 400, b"1e400", b"-1e400", b"1E+309"}

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
    # the probe's engine killers (issue 20 D1) and their good neighbours
    "alerts.trend_min_samples": [3, 10, 0],
    "alerts.effort_memory_s": [60, 1200, 0],
    "alerts.effort_min_spread": [0.015, 1e300],
    "alerts.effort_tau_s": [40, 90, 1e9],
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
    "sensors.scan": {"seconds": st.integers(-5, 40) | json_values},
    "service.restart": {"force": st.booleans() | json_values},
    "service.shutdown": {"force": st.booleans() | json_values},
}


def raw_request(rid: int, op: str, pairs: list[tuple[str, bytes]]) -> bytes:
    """A request line built from raw JSON values: repeated keys and numbers that
    ``json.dumps`` cannot write stay as written."""
    args = b",".join(json.dumps(key).encode() + b":" + value for key, value in pairs)
    return b'{"id":%d,"op":%s,"args":{%s}}' % (rid, json.dumps(op).encode(), args)


def good_pairs(op: Op) -> list[tuple[str, bytes]]:
    return [(key, json.dumps(value).encode()) for key, value in GOOD[op].items()]


@st.composite
def hostile_lines(draw: st.DrawFn) -> bytes:
    """An op of the catalogue from a request it accepts, then one to three of: a field's
    value replaced by a hostile one, a field left out, a field given twice, an unknown
    field added."""
    op = draw(st.sampled_from(list(Op)))
    pairs = good_pairs(op)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["replace", "drop", "twice", "extra"]))
        hostile = draw(
            st.sampled_from(HOSTILE) | st.builds(lambda v: json.dumps(v).encode(), json_values)
        )
        if kind == "extra" or not pairs:
            pairs.append((draw(st.sampled_from(KEYS) | odd_text), hostile))
            continue
        i = draw(st.integers(0, len(pairs) - 1))
        if kind == "replace":
            pairs[i] = (pairs[i][0], hostile)
        elif kind == "drop":
            del pairs[i]
        else:
            pairs.insert(draw(st.integers(0, len(pairs))), (pairs[i][0], hostile))
    return raw_request(draw(st.integers(0, 1000)), str(op), pairs)


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
    hostile_lines(),
    hostile_lines(),
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


class Scanner:
    async def scan(self, seconds: float) -> list[dict[str, Any]]:
        return [{"address": "AA:BB:CC:DD:EE:01", "name": "HRM", "rssi": -60, "roles": ["hr"]}]


class Service:
    """A service manager that does nothing: the after-reply action is never run here."""

    def restart(self) -> None:
        raise AssertionError("not called before the reply is written")

    def shutdown(self) -> None:
        raise AssertionError("not called before the reply is written")


def make_service(store: Store, limits: Limits = LIMITS) -> DeviceService:
    """Every op of the catalogue served: with a scanner and a service manager."""
    clock = SimClock()
    return DeviceService(
        store,
        clock,
        FakeEngine(clock),
        device_id="fuzz",
        limits=limits,
        scanner=Scanner(),
        service=Service(),
    )


class Seeded:
    """The seeded store, restored before each case with SQLite's backup API (so a failure
    replays and shrinks deterministically), and its dump, known until a request succeeds."""

    def __init__(self, tmp_path: Path) -> None:
        self.store = Store(tmp_path / "fuzz.db")
        _seed(self.store)
        self._pristine = sqlite3.connect(":memory:")
        self.store._db.backup(self._pristine)
        self._pristine_dump = dump(self.store)
        self.known: str | None = self._pristine_dump

    def restore(self) -> None:
        self._pristine.backup(self.store._db)
        self.known = self._pristine_dump

    def before(self) -> str:
        if self.known is None:
            self.known = dump(self.store)
        return self.known

    def close(self) -> None:
        self.store.close()
        self._pristine.close()


async def exchange(session: Session, data: bytes, splits: list[int]) -> list[bytes]:
    """Feed ``data`` in chunks of the given sizes; the replies (events dropped)."""
    pos, i = 0, 0
    while pos < len(data):
        size = splits[i % len(splits)]
        await session.feed(data[pos : pos + size])
        pos += size
        i += 1
    got = []
    while (item := session.outbox.take_nowait()) is not None:
        got.append(item[0])
    return [g for g in got if not g.startswith(b'{"event"')]


def startable(store: Store) -> None:
    """What a host stored, the daemon starts with: every stored setting usable, the engine's
    policy built from them (an accepted settings.set never stores an engine killer)."""
    from pacer.config.file import Config
    from pacer.config.settings import usable_settings
    from pacer.engine.policy import policy_with

    config, problems = usable_settings(Config(), store.get_settings())
    assert problems == [], problems
    policy_with(config.alerts)


def check_replies(
    seeded: Seeded, line: bytes, got: list[bytes], before: str, cases: dict[str, int]
) -> list[Reply | ErrorReply]:
    """Each reply well-formed, never internal; an error left the store as it was."""
    out: list[Reply | ErrorReply] = []
    for reply_line in got:
        assert reply_line.endswith(b"\n")
        assert reply_line.count(b"\n") == 1
        message = decode_message(reply_line.rstrip(b"\n"))
        assert isinstance(message, Reply | ErrorReply)
        cases["replies"] += 1
        if isinstance(message, ErrorReply):
            cases["errors"] += 1
            if message.error.code == "internal":
                cases["internal"] += 1
            assert message.error.code != "internal", (line[:200], message.error)
            assert dump(seeded.store) == before, f"rejected {line[:200]!r} changed the store"
        else:
            seeded.known = None  # it may have changed the store
            if b'"settings.set"' in line:
                startable(seeded.store)
        out.append(message)
    return out


# --- every field of every op -----------------------------------------------------------


def field_cases() -> list[tuple[Op, str, str, bytes]]:
    """(op, field, what was done, line): each field of each op's accepted request given
    every hostile value, left out and given twice; and an unknown field added."""
    out = []
    for op in Op:
        for key in [*GOOD[op], "extra"]:
            base = [(k, v) for k, v in good_pairs(op) if k != key]
            good = [v for k, v in good_pairs(op) if k == key]
            for value in HOSTILE:
                out.append(
                    (op, key, value.decode()[:40], raw_request(1, op, [*base, (key, value)]))
                )
            if good:
                out.append((op, key, "missing", raw_request(1, op, base)))
                for value in (good[0], b'"x"', b"1e400"):
                    twice = [*base, (key, good[0]), (key, value)]
                    out.append((op, key, "twice", raw_request(1, op, twice)))
    return out


def test_every_field_of_every_op(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    assert set(GOOD) == set(Op), "a new op needs its accepted request here"
    seeded = Seeded(tmp_path)
    cases = {"lines": 0, "replies": 0, "errors": 0, "internal": 0, "named": 0}
    codes: dict[str, int] = {}

    async def go() -> None:
        for op, key, what, line in field_cases():
            seeded.restore()
            session = make_service(seeded.store).session()
            before = seeded.before()
            got = await exchange(session, line + b"\n", [len(line) + 1])
            assert len(got) == 1, (line[:200], got)
            cases["lines"] += 1
            (message,) = check_replies(seeded, line, got, before, cases)
            session.close()
            if not isinstance(message, ErrorReply):
                continue
            error = message.error
            codes[error.code] = codes.get(error.code, 0) + 1
            assert message.id == 1 or what == "twice", (op, key, what, error)
            if what == "twice":
                assert error.code == "bad_json", error
                assert "duplicate key" in error.message, error
            elif what in OUT_OF_RANGE_TEXT:
                assert (error.code, error.field) == ("bad_json", f"args.{key}"), (op, key, error)
            if error.code in ("invalid_field", "too_large") or what in OUT_OF_RANGE_TEXT:
                # the error names the field it is about (a nested key under it for values)
                assert error.field is not None, (op, key, what, error)
                assert error.field == f"args.{key}" or error.field.startswith(f"args.{key}."), (
                    op, key, what, error,
                )  # fmt: skip
                cases["named"] += 1

    try:
        asyncio.run(go())
    finally:
        seeded.close()
    fields = sum(len(GOOD[op]) + 1 for op in Op)
    print(
        f"\nevery field of every op: {len(Op)} ops, {fields} fields (each op's own and one "
        f"unknown), {cases['lines']} requests, {cases['errors']} refused "
        f"({cases['named']} naming the field), {cases['internal']} internal; codes {codes}"
    )
    record_property("field_cases", cases["lines"])
    assert cases["internal"] == 0
    assert codes.get("bad_json", 0) > 0
    assert codes.get("invalid_field", 0) > 0


OUT_OF_RANGE_TEXT = {value.decode()[:40] for value in OUT_OF_RANGE}


# --- hypothesis: streams of lines --------------------------------------------------------


def run_fuzz(
    tmp_path: Path,
    max_examples: int,
    record: Callable[[str, object], None],
    seed: int | None = None,
) -> None:
    seeded = Seeded(tmp_path)
    cases = {"examples": 0, "lines": 0, "errors": 0, "replies": 0, "internal": 0}

    @settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(stream=streams, splits=st.lists(st.integers(1, 700), min_size=1, max_size=8))
    def one(stream: list[bytes], splits: list[int]) -> None:
        cases["examples"] += 1
        seeded.restore()

        async def go() -> None:
            session = make_service(seeded.store).session()
            for line in stream:
                data = line + b"\n"
                before = seeded.before()
                got = await exchange(session, data, splits)
                want = expected_replies(data, LIMITS.max_line_bytes)
                assert len(got) == want, (line[:200], got)
                cases["lines"] += 1
                check_replies(seeded, line, got, before, cases)
            session.close()

        asyncio.run(go())

    if seed is not None:
        one = hypothesis_seed(seed)(one)
    try:
        one()
    finally:
        seeded.close()
    print(
        f"\nserial fuzz: {cases['examples']} cases, {cases['lines']} lines, "
        f"{cases['replies']} replies ({cases['errors']} errors, {cases['internal']} internal)"
    )
    record("fuzz_cases", cases["examples"])
    record("fuzz_lines", cases["lines"])
    assert cases["examples"] >= max_examples * 0.9
    assert cases["internal"] == 0
    assert cases["errors"] > 0
    assert cases["replies"] > cases["errors"]  # some inputs were accepted too


def test_fuzz_server_input(tmp_path: Path, record_property: Callable[[str, object], None]) -> None:
    run_fuzz(tmp_path, 500, record_property)


@pytest.mark.slow
@pytest.mark.parametrize("part", range(6))
def test_fuzz_server_input_long(
    tmp_path: Path, record_property: Callable[[str, object], None], part: int
) -> None:
    """3,000 examples in six seeded parts of 500: each part is as long as the short fuzz,
    well inside the per-test timeout on a busy machine, and replays exactly."""
    run_fuzz(tmp_path, 500, record_property, seed=1000 + part)
