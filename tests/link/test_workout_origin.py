"""Each synced workout remembers where it came from (issue 21): the store migration, the
optional ``origin``/``origin_updated`` of ``workout.put``, the listings, and the activity
that keeps its workout's origin from when the run started."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from pacer.link.protocol import ErrorCode, Request, encode_request
from pacer.link.service import DeviceService
from pacer.link.session import Session
from pacer.sim.clock import SimClock
from pacer.storage.schema import MIGRATIONS
from pacer.storage.store import Store
from tests.support.serial_rig import FakeEngine

TEXT = "name: Threshold\nsport: run\nsteps:\n  - warmup: 10m\n"
ORIGIN = "intervals.icu/event/12345"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "pacer.db")
    yield s  # type: ignore[misc]
    s.close()


async def ask(session: Session, op: str, **args: Any) -> dict[str, Any]:
    await session.feed(encode_request(Request(1, op, args)))
    item = session.outbox.take_nowait()
    assert item is not None
    return dict(json.loads(item[0]))


def session_of(store: Store) -> Session:
    clock = SimClock()
    return DeviceService(store, clock, FakeEngine(clock), device_id="t").session()


async def test_put_with_an_origin_lists_it_and_a_plain_put_makes_it_the_athletes(
    store: Store,
) -> None:
    session = session_of(store)
    reply = await ask(
        session,
        "workout.put",
        name="w",
        text=TEXT,
        origin=ORIGIN,
        origin_updated="2026-05-08T19:02",
    )
    assert reply["ok"], reply
    listed = (await ask(session, "workout.list"))["result"]["workouts"][0]
    assert (listed["origin"], listed["origin_updated"]) == (ORIGIN, "2026-05-08T19:02")
    assert (await ask(session, "workout.put", name="w", text=TEXT))["ok"]
    listed = (await ask(session, "workout.list"))["result"]["workouts"][0]
    assert (listed["origin"], listed["origin_updated"]) == (None, None)


async def test_an_overlong_or_non_text_origin_is_refused_and_changes_nothing(store: Store) -> None:
    session = session_of(store)
    reply = await ask(session, "workout.put", name="w", text=TEXT, origin="x" * 257)
    assert reply["error"]["code"] == ErrorCode.TOO_LARGE
    assert reply["error"]["field"] == "args.origin"
    reply = await ask(session, "workout.put", name="w", text=TEXT, origin_updated=5)
    assert reply["error"]["field"] == "args.origin_updated"
    assert store.list_workouts() == []


async def test_an_activity_keeps_the_origin_its_workout_had_when_the_run_started(
    store: Store,
) -> None:
    store.put_workout("w", TEXT, 1.0, max_count=9, origin=ORIGIN, origin_updated="a")
    first = store.create_activity(100.0, "w")
    store.put_workout(
        "w", TEXT, 2.0, max_count=9, origin="intervals.icu/event/9", origin_updated="b"
    )
    free = store.create_activity(200.0, None)
    by_id = {a.id: a for a in store.list_activities()}
    assert by_id[first].workout_origin == ORIGIN
    assert by_id[free].workout_origin is None
    assert by_id[first].to_json()["workout_origin"] == ORIGIN
    assert "workout_origin" not in by_id[free].to_json()


def test_a_store_of_the_previous_version_gains_the_columns_with_its_rows_kept(
    tmp_path: Path,
) -> None:
    path = tmp_path / "pacer.db"
    db = sqlite3.connect(path, isolation_level=None)
    for statements in MIGRATIONS[:-1]:
        for statement in statements:
            db.execute(statement)
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) - 1}")
    db.execute("INSERT INTO workouts(name, source, updated) VALUES ('mine', ?, 1.0)", (TEXT,))
    db.close()
    with Store(path) as s:
        assert s.schema_version == len(MIGRATIONS)
        (info,) = s.list_workouts()
        assert (info.name, info.origin, info.origin_updated) == ("mine", None, None)
