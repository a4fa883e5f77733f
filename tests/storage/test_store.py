"""The on-device SQLite store: schema and migrations, transactions, power-cut safety."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pacer.core.errors import StoreError
from pacer.storage.store import (
    MIGRATIONS,
    ActivityStatus,
    EventRow,
    NotStorable,
    Pairing,
    Store,
    StoreFull,
    resolve_data_dir,
)

REPO = Path(__file__).resolve().parents[2]
HOME = Path("/home/sam")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "pacer.db")
    yield s  # type: ignore[misc]
    s.close()


# --- data directory ------------------------------------------------------------------

DATA_DIRS = [
    ({}, "sam", HOME / ".local/share/pacer"),
    ({"XDG_DATA_HOME": "/data/x"}, "sam", Path("/data/x/pacer")),
    ({"XDG_DATA_HOME": "relative/x"}, "sam", HOME / ".local/share/pacer"),
    ({"XDG_DATA_HOME": ""}, "sam", HOME / ".local/share/pacer"),
    ({}, "pacer", Path("/var/lib/pacer")),
    ({"XDG_DATA_HOME": "/data/x"}, "pacer", Path("/var/lib/pacer")),
    ({"STATE_DIRECTORY": "/var/lib/pacer2:/var/lib/other"}, "sam", Path("/var/lib/pacer2")),
    ({"PACER_DATA_DIR": "/tmp/p", "STATE_DIRECTORY": "/var/lib/pacer"}, "pacer", Path("/tmp/p")),
]


@pytest.mark.parametrize(("env", "user", "expected"), DATA_DIRS)
def test_resolve_data_dir(env: dict[str, str], user: str, expected: Path) -> None:
    assert resolve_data_dir(env, user, HOME) == expected


# --- schema --------------------------------------------------------------------------


def test_new_store_is_wal_and_fully_migrated(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "pacer.db"
    with Store(path) as s:
        assert s.schema_version == len(MIGRATIONS)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"workouts", "selection", "profile", "settings", "pairings", "activities"} <= tables
    assert {"samples", "events"} <= tables


def test_migrations_run_in_order_from_an_older_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "pacer.db"
    with Store(path) as s:
        s.put_workout("keep", "warmup: 10min\n", 1.0, max_count=10)
    # A later release appends a migration (as the recorder will): the data survives it.
    extra = (*MIGRATIONS, ("ALTER TABLE samples ADD COLUMN altitude REAL",))
    monkeypatch.setattr("pacer.storage.schema.MIGRATIONS", extra)
    with Store(path) as s:
        assert s.schema_version == len(extra)
        assert s.get_workout("keep") is not None
    db = sqlite3.connect(path)
    cols = [r[1] for r in db.execute("PRAGMA table_info(samples)")]
    assert "altitude" in cols


def test_failed_migration_leaves_the_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "pacer.db"
    Store(path).close()
    broken = (*MIGRATIONS, ("CREATE TABLE half (x INTEGER)", "THIS IS NOT SQL"))
    monkeypatch.setattr("pacer.storage.schema.MIGRATIONS", broken)
    with pytest.raises(StoreError, match="syntax error"):
        Store(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert db.execute("SELECT name FROM sqlite_master WHERE name='half'").fetchone() is None


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pacer.db"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer than this pacer"):
        Store(path)


def test_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "pacer.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=r"pacer\.db"):
        Store(path)


# --- items ---------------------------------------------------------------------------


def test_workouts_and_selection(store: Store) -> None:
    assert store.put_workout("b", "x: 1\n", 10.0, max_count=2) is False
    assert store.put_workout("a", "é\n", 11.0, max_count=2) is False
    assert store.put_workout("a", "é é\n", 12.0, max_count=2) is True
    assert [(w.name, w.bytes, w.updated) for w in store.list_workouts()] == [
        ("a", 6, 12.0),
        ("b", 5, 10.0),
    ]
    with pytest.raises(StoreFull):
        store.put_workout("c", "y", 13.0, max_count=2)
    assert [w.name for w in store.list_workouts()] == ["a", "b"]
    store.select_workout("a")
    assert store.selected_workout() == "a"
    with pytest.raises(StoreError, match="no workout named 'zz'"):
        store.select_workout("zz")
    assert store.selected_workout() == "a"
    assert store.delete_workout("a") is True
    assert store.selected_workout() is None  # the selection goes with the workout
    assert store.delete_workout("a") is False


def test_profile_settings_pairings(store: Store) -> None:
    assert store.get_profile() is None
    store.put_profile("max_hr: 185\n", 5.0)
    store.put_profile("max_hr: 186\n", 6.0)
    profile = store.get_profile()
    assert profile is not None
    assert (profile.source, profile.updated) == ("max_hr: 186\n", 6.0)

    store.update_settings({"haptics.strength": 50, "units.distance": "mi"})
    store.update_settings({"units.distance": None, "display.flip": True})
    assert store.get_settings() == {"display.flip": True, "haptics.strength": 50}

    assert store.pair(Pairing("AA:BB:CC:DD:EE:01", "hr", "Polar H10")) is None
    old = store.pair(Pairing("AA:BB:CC:DD:EE:02", "hr", "Garmin HRM"))
    assert old is not None
    assert old.name == "Polar H10"
    store.pair(Pairing("AA:BB:CC:DD:EE:03", "pod", "Stryd", "steps"))
    store.pair(Pairing("AA:BB:CC:DD:EE:03", "power", "Stryd"))
    assert [p.role for p in store.list_pairings()] == ["hr", "pod", "power"]
    removed = store.forget("AA:BB:CC:DD:EE:03")
    assert sorted(p.role for p in removed) == ["pod", "power"]
    assert [p.address for p in store.list_pairings()] == ["AA:BB:CC:DD:EE:02"]


def test_activity_lifecycle_and_payload(store: Store) -> None:
    aid = store.create_activity(1_700_000_000.0, "tempo")
    store.add_samples(
        aid,
        [
            {"t": 0.0, "hr": 120, "rr": [0.5, 0.49], "speed": 3.1, "cadence": 170.0, "step": 1},
            {"t": 1.0, "hr": 121, "distance": 3.1, "step": 1, "status": "ok"},
        ],
    )
    store.add_events(aid, [EventRow(1.0, "step_start", 1, {"name": "warm"}), EventRow(0.5, "x")])
    info = store.get_activity(aid)
    assert info is not None
    assert info.status is ActivityStatus.RECORDING
    store.end_activity(aid)
    payload = store.activity_payload(aid)
    lines = payload.decode().splitlines()
    assert lines == [
        '{"format":"pacer-activity-jsonl","version":1,"id":1,"started":1700000000.0,'
        '"workout":"tempo","status":"ended"}',
        '{"sample":{"t":0.0,"hr":120,"rr":[0.5,0.49],"speed":3.1,"cadence":170.0,"step":1}}',
        '{"event":{"t":0.5,"type":"x"}}',
        '{"sample":{"t":1.0,"hr":121,"distance":3.1,"step":1,"status":"ok"}}',
        '{"event":{"t":1.0,"type":"step_start","step":1,"data":{"name":"warm"}}}',
    ]
    info = store.get_activity(aid)
    assert info is not None
    assert info.bytes == len(payload)
    assert info.status is ActivityStatus.ENDED
    assert store.activity_payload(aid) == payload  # deterministic: resumable downloads
    assert store.mark_downloaded(aid)
    assert store.list_activities()[0].downloaded is True
    assert store.delete_activity(aid)
    db = sqlite3.connect(store.path)
    assert db.execute("SELECT count(*) FROM samples").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 0
    with pytest.raises(StoreError):
        store.activity_payload(aid)


def test_recover_interrupted(store: Store) -> None:
    a = store.create_activity(1.0, None)
    b = store.create_activity(2.0, "x")
    store.end_activity(b)
    assert store.recover_interrupted() == [a]
    statuses = {i.id: i.status for i in store.list_activities()}
    assert statuses == {a: ActivityStatus.INTERRUPTED, b: ActivityStatus.ENDED}


def test_a_failing_write_changes_nothing(store: Store) -> None:
    store.update_settings({"a": 1})
    with pytest.raises(NotStorable, match="c: nan holds a number that is not finite"):
        store.update_settings({"b": 2, "c": float("nan")})
    assert store.get_settings() == {"a": 1}


@pytest.mark.parametrize("bad", [float("inf"), float("-inf"), float("nan")])
def test_the_store_refuses_non_finite_numbers_with_a_typed_error(store: Store, bad: float) -> None:
    """1e400 in a request is infinity: whatever lets it through, the store writes nothing."""
    aid = store.create_activity(1.0, None)
    before = store.activity_payload(aid)
    with pytest.raises(NotStorable, match=r"alerts\.x"):
        store.update_settings({"alerts.x": bad})
    with pytest.raises(NotStorable, match="event alert_over"):
        store.add_events(aid, [EventRow(1.0, "alert_over", 1, {"value": [1.0, bad]})])
    with pytest.raises(NotStorable, match=r"t=2\.0"):
        store.add_samples(aid, [{"t": 1.0, "hr": 120}, {"t": 2.0, "speed": bad}])
    assert isinstance(NotStorable("x"), StoreError)
    assert store.get_settings() == {}
    assert store.activity_payload(aid) == before


def test_an_unreadable_stored_setting_comes_back_as_text(store: Store) -> None:
    store._db.execute("INSERT INTO settings(key, value) VALUES ('a', 'NaN'), ('b', '{oops')")
    assert store.get_settings() == {"a": "NaN", "b": "{oops"}


# --- power cuts ----------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import sys, time
    from pacer.storage.store import Store
    store = Store(sys.argv[1])
    store.put_workout("w", "old\\n" * 1000, 1.0, max_count=10)
    store.update_settings({"display.contrast": 1})
    # Tiny page cache: the big write below spills uncommitted pages into the WAL file,
    # so the kill happens with half a transaction on disk.
    store._db.execute("PRAGMA cache_size = 1")
    def pause(statement):
        # Called as each statement starts: stop just before the big write commits.
        if statement == "COMMIT":
            print("mid", flush=True)
            time.sleep(60)
    store._db.set_trace_callback(pause)
    big = {f"k{i}": "v" * 2000 for i in range(4000)}
    big["display.contrast"] = 2
    if sys.argv[2] == "settings":
        store.update_settings(big)
    else:
        store.put_workout("w", "new\\n" * 2_000_000, 2.0, max_count=10)
    print("committed", flush=True)
    """
)


def _child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO / "device")}


@pytest.mark.parametrize("what", ["settings", "workout"])
def test_kill_mid_transaction_keeps_previous_state(tmp_path: Path, what: str) -> None:
    path = tmp_path / "pacer.db"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), what],
        stdout=subprocess.PIPE,
        env=_child_env(),
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "mid"
        wal = path.with_name(path.name + "-wal")
        assert wal.stat().st_size > 1_000_000, "the half-done write should be on disk"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    with Store(path) as s:
        assert s.integrity_check() == "ok"
        w = s.get_workout("w")
        assert w is not None
        assert w.source == "old\n" * 1000
        assert s.get_settings() == {"display.contrast": 1}


SOAK_CHILD = textwrap.dedent(
    """
    import sys
    from pacer.storage.store import Store
    store = Store(sys.argv[1])
    texts = ["a\\n" * 30000, "b\\n" * 50000, "c\\n" * 70000]
    i = 0
    print("go", flush=True)
    while True:
        i += 1
        store.put_workout("w", texts[i % 3], float(i), max_count=10)
        store.update_settings({"n": i, "m": i})
    """
)


def _soak(tmp_path: Path, rounds: int) -> None:
    path = tmp_path / "pacer.db"
    texts = {"a\n" * 30000, "b\n" * 50000, "c\n" * 70000}
    for r in range(rounds):
        child = subprocess.Popen(
            [sys.executable, "-c", SOAK_CHILD, str(path)],
            stdout=subprocess.PIPE,
            env=_child_env(),
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "go"
        time.sleep(0.02 + (r * 0.037) % 0.2)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        with Store(path) as s:
            assert s.integrity_check() == "ok"
            w = s.get_workout("w")
            if w is not None:
                assert w.source in texts
            settings = s.get_settings()
            assert settings.get("n") == settings.get("m")  # both or neither


def test_kill_during_write_loop_stays_consistent(tmp_path: Path) -> None:
    _soak(tmp_path, 4)


@pytest.mark.slow
def test_kill_during_write_loop_soak(tmp_path: Path) -> None:
    _soak(tmp_path, 30)
