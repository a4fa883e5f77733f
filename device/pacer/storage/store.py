"""The on-device store: one SQLite file (stdlib ``sqlite3``) in WAL mode.

Everything a user configures (workouts, the selected workout, the profile, settings, sensor
pairings) and every recorded activity lives here. Rules:

* Every write is one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``): a power cut leaves
  the previous state or the new one, never half a workout. ``synchronous=FULL`` makes a
  committed write durable.
* The schema is versioned and grown only by appending to :data:`MIGRATIONS`
  (:mod:`pacer.storage.schema`); the row types are in :mod:`pacer.storage.tables`.
* A full disk is a :class:`StorageFull` (the serial link answers ``full``), a number JSON
  cannot hold a :class:`NotStorable`; either way the transaction wrote nothing.
* Callers pass timestamps in (wall-clock seconds since the epoch): the store never reads a
  clock, so tests and the simulated device control time.

Where the file lives is decided by :func:`resolve_data_dir`, a pure function of the
environment. The activity payload served over serial (:meth:`Store.activity_payload`) is
written by :mod:`pacer.storage.payload`, the one home of that format.
"""

from __future__ import annotations

import contextlib
import heapq
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from pacer.core.errors import ConfigError, StoreError
from pacer.core.samples import PodCadenceUnit, SensorRole
from pacer.storage import payload as fmt
from pacer.storage import schema
from pacer.storage.schema import (
    DB_NAME,
    DEVICE_DATA_DIR,
    MIGRATIONS,
    SERVICE_USER,
    default_data_dir,
    resolve_data_dir,
)
from pacer.storage.tables import (
    ActivityInfo,
    ActivityStatus,
    EventRow,
    NotStorable,
    Pairing,
    StorageFull,
    StoredText,
    StoreFull,
    WorkoutInfo,
)

#: Bytes set aside beside the database while a recording runs (:meth:`Store.keep_reserve`):
#: when the disk fills up, freeing them lets the recording be closed and marked honestly.
RESERVE_BYTES: Final = 256 * 1024
#: ``ActivityInfo.incomplete`` of a recording the full disk cut short.
STORAGE_FULL: Final = "storage_full"


def _dumps(value: Any, what: str) -> str:
    try:
        return json.dumps(value, allow_nan=False)
    except ValueError:
        raise NotStorable(f"{what}: {value!r} holds a number that is not finite") from None


def _full(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or (
        "database or disk is full" in str(exc)
    )


class Store:
    """The device's SQLite database. Open with ``Store(path)`` or ``Store.open_dir(dir)``;
    close with :meth:`close` or ``with``.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: no implicit transactions; _tx() issues BEGIN/COMMIT itself.
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=5.0)
        try:
            mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode != "wal":
                raise StoreError(f"{self.path}: cannot use WAL mode (got {mode})")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreError(f"{self.path}: {exc}") from exc
        except BaseException:
            self._db.close()
            raise

    @classmethod
    def open_dir(cls, data_dir: Path) -> Store:
        return cls(data_dir / DB_NAME)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- transactions and schema ---------------------------------------------------------

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything inside commits together or not at all. A full
        disk is a :class:`StorageFull`, whatever statement met it."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as exc:
            if _full(exc):
                raise StorageFull(f"storage full: {self.path.parent} has no room left") from exc
            raise

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        schema.migrate(self._db, self.path)

    def data_version(self) -> int:
        """Changes whenever another connection (another process) commits to the database;
        this connection's own writes leave it alone (``PRAGMA data_version``)."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def integrity_check(self) -> str:
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    # --- workouts -------------------------------------------------------------------------

    def list_workouts(self) -> list[WorkoutInfo]:
        rows = self._db.execute(
            "SELECT name, length(CAST(source AS BLOB)), updated, origin, origin_updated "
            "FROM workouts ORDER BY name"
        )
        return [WorkoutInfo(*row) for row in rows]

    def get_workout(self, name: str) -> StoredText | None:
        row = self._db.execute(
            "SELECT name, source, updated FROM workouts WHERE name = ?", (name,)
        ).fetchone()
        return None if row is None else StoredText(*row)

    def put_workout(
        self,
        name: str,
        source: str,
        updated: float,
        *,
        max_count: int,
        origin: str | None = None,
        origin_updated: str | None = None,
    ) -> bool:
        """Insert or replace; True when it replaced one. StoreFull past ``max_count``.
        ``origin``/``origin_updated`` mark a synced workout (None: the athlete's own; a
        replacement without them makes it the athlete's own)."""
        with self._tx() as db:
            exists = db.execute("SELECT 1 FROM workouts WHERE name = ?", (name,)).fetchone()
            if exists is None:
                (count,) = db.execute("SELECT count(*) FROM workouts").fetchone()
                if count >= max_count:
                    raise StoreFull(f"the device holds {count} workouts, the maximum")
            db.execute(
                "INSERT INTO workouts(name, source, updated, origin, origin_updated) "
                "VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET source = excluded.source, "
                "updated = excluded.updated, origin = excluded.origin, "
                "origin_updated = excluded.origin_updated",
                (name, source, updated, origin, origin_updated),
            )
            return exists is not None

    def delete_workout(self, name: str) -> bool:
        """Also clears the selection if it was this workout (foreign key)."""
        with self._tx() as db:
            return db.execute("DELETE FROM workouts WHERE name = ?", (name,)).rowcount > 0

    def selected_workout(self) -> str | None:
        row = self._db.execute("SELECT workout FROM selection WHERE id = 1").fetchone()
        return None if row is None else row[0]

    def select_workout(self, name: str | None) -> None:
        """StoreError if there is no workout by that name."""
        with self._tx() as db:
            if name is not None and (
                db.execute("SELECT 1 FROM workouts WHERE name = ?", (name,)).fetchone() is None
            ):
                raise StoreError(f"no workout named {name!r}")
            db.execute(
                "INSERT INTO selection(id, workout) VALUES (1, ?) "
                "ON CONFLICT(id) DO UPDATE SET workout = excluded.workout",
                (name,),
            )

    # --- profile and settings ------------------------------------------------------------

    def get_profile(self) -> StoredText | None:
        row = self._db.execute("SELECT source, updated FROM profile WHERE id = 1").fetchone()
        return None if row is None else StoredText("profile", row[0], row[1])

    def put_profile(self, source: str, updated: float) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO profile(id, source, updated) VALUES (1, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET source = excluded.source, "
                "updated = excluded.updated",
                (source, updated),
            )

    def get_settings(self) -> dict[str, Any]:
        """The explicitly set values only (defaults live in :mod:`pacer.config.settings`).
        A value that is not JSON (the file was edited by hand) is returned as its text, for
        the settings check to refuse by key."""
        out: dict[str, Any] = {}
        for key, value in self._db.execute("SELECT key, value FROM settings ORDER BY key"):
            try:
                out[key] = json.loads(value, parse_constant=_no_constant)
            except ValueError:
                out[key] = value
        return out

    def update_settings(self, values: Mapping[str, Any]) -> None:
        """Set every key at once; a value of None removes the key (back to its default)."""
        encoded = {k: None if v is None else _dumps(v, k) for k, v in values.items()}
        with self._tx() as db:
            for key, value in encoded.items():
                if value is None:
                    db.execute("DELETE FROM settings WHERE key = ?", (key,))
                else:
                    db.execute(
                        "INSERT INTO settings(key, value) VALUES (?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        (key, value),
                    )

    # --- sensor pairings ------------------------------------------------------------------

    def list_pairings(self, on_bad: Callable[[ConfigError], None] | None = None) -> list[Pairing]:
        """Every pairing; a row that is not one (an older release, a hand edit) is a
        ConfigError naming the store, or, with ``on_bad``, reported there and left out."""
        rows = self._db.execute(
            "SELECT address, role, name, cadence_unit FROM pairings ORDER BY role"
        ).fetchall()
        out = []
        for row in rows:
            try:
                out.append(self._pairing(row))
            except ConfigError as exc:
                if on_bad is None:
                    raise
                on_bad(exc)
        return out

    def _pairing(self, row: tuple[Any, ...]) -> Pairing:
        address, role, name, unit = row
        try:
            return Pairing(address, SensorRole(role), name or "", PodCadenceUnit(unit or "steps"))
        except (ValueError, ConfigError):
            raise ConfigError(
                f"{self.path}: pairing {address} has role {role!r} and cadence {unit!r}; "
                f"roles are {', '.join(r.value for r in SensorRole)}"
            ) from None

    @staticmethod
    def _pairing_row(p: Pairing) -> tuple[str, str, str | None, str | None]:
        unit = p.cadence_unit.value if p.role is SensorRole.POD else None
        return (p.role.value, p.address, p.name or None, unit)

    def pair(self, pairing: Pairing) -> Pairing | None:
        """One sensor per role: returns the pairing this one replaced, if any."""
        with self._tx() as db:
            old = db.execute(
                "SELECT address, role, name, cadence_unit FROM pairings WHERE role = ?",
                (pairing.role.value,),
            ).fetchone()
            db.execute(
                "INSERT OR REPLACE INTO pairings(role, address, name, cadence_unit) "
                "VALUES (?, ?, ?, ?)",
                self._pairing_row(pairing),
            )
            return None if old is None else self._pairing(old)

    def pair_exclusive(self, pairing: Pairing) -> list[Pairing]:
        """One sensor per role *and* one role per address (what the BLE sessions need: one
        connection per device); returns the pairings this one replaced, in one transaction."""
        with self._tx() as db:
            rows = db.execute(
                "SELECT address, role, name, cadence_unit FROM pairings "
                "WHERE role = ? OR address = ? ORDER BY role",
                (pairing.role.value, pairing.address),
            ).fetchall()
            db.execute(
                "DELETE FROM pairings WHERE role = ? OR address = ?",
                (pairing.role.value, pairing.address),
            )
            db.execute(
                "INSERT INTO pairings(role, address, name, cadence_unit) VALUES (?, ?, ?, ?)",
                self._pairing_row(pairing),
            )
            return [self._pairing(row) for row in rows]

    def forget(self, address: str) -> list[Pairing]:
        """Remove every role paired to ``address``; returns what was removed."""
        with self._tx() as db:
            rows = db.execute(
                "SELECT address, role, name, cadence_unit FROM pairings WHERE address = ?",
                (address,),
            ).fetchall()
            db.execute("DELETE FROM pairings WHERE address = ?", (address,))
            return [self._pairing(row) for row in rows]

    # --- activities ----------------------------------------------------------------------

    def create_activity(self, started: float, workout: str | None) -> int:
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO activities(started, workout, status, workout_origin) "
                "VALUES (?, ?, 'recording', (SELECT origin FROM workouts WHERE name = ?))",
                (started, workout, workout),
            )
            assert cur.lastrowid is not None
            return cur.lastrowid

    def add_samples(self, activity: int, samples: Iterable[Mapping[str, Any]]) -> None:
        """Append recorded seconds, each a sample object of the activity format
        (:data:`pacer.storage.payload.SAMPLE_FIELDS`; missing fields are null)."""
        rows = []
        for sample in samples:
            if not fmt.finite(sample):
                raise NotStorable(f"a sample at t={sample.get('t')!r} holds a non-finite number")
            rr = sample.get("rr")
            rows.append(
                (
                    activity,
                    *(
                        _dumps(list(rr), "rr") if k == "rr" and rr else sample.get(k)
                        for k in fmt.SAMPLE_FIELDS
                    ),
                )
            )
        with self._tx() as db:
            db.executemany(
                "INSERT INTO samples(activity, t, hr, rr, speed, cadence, distance, power, "
                "step, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def add_events(self, activity: int, rows: Iterable[EventRow]) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT INTO events(activity, t, type, step, data) VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        activity,
                        e.t,
                        e.type,
                        e.step,
                        _dumps(dict(e.data), f"event {e.type}") if e.data else None,
                    )
                    for e in rows
                ],
            )

    def end_activity(
        self,
        activity: int,
        status: ActivityStatus = ActivityStatus.ENDED,
        *,
        incomplete: str | None = None,
    ) -> None:
        """Close a recording; records the size of its payload for ``activity.list``.
        ``incomplete`` says why it holds less than was run (:data:`STORAGE_FULL`); once
        set it stays."""
        with self._tx() as db:
            if incomplete is not None:
                db.execute(
                    "UPDATE activities SET incomplete = ? WHERE id = ?", (incomplete, activity)
                )
            size = len(self.activity_payload(activity, status_override=status))
            db.execute(
                "UPDATE activities SET status = ?, bytes = ? WHERE id = ?",
                (status.value, size, activity),
            )

    def keep_reserve(self) -> bool:
        """Set :data:`RESERVE_BYTES` aside beside the database (False: no room for them)."""
        reserve = self._reserve_path()
        if reserve.exists():
            return True
        try:
            with reserve.open("wb") as f:
                f.write(b"\0" * RESERVE_BYTES)
                f.flush()
                os.fsync(f.fileno())
        except OSError:
            reserve.unlink(missing_ok=True)
            return False
        return True

    def release_reserve(self) -> bool:
        """Give the reserve back to the file system (the disk is full); True if there was
        one."""
        reserve = self._reserve_path()
        existed = reserve.exists()
        reserve.unlink(missing_ok=True)
        return existed

    def _reserve_path(self) -> Path:
        return self.path.with_name(self.path.name + ".reserve")

    def recover_interrupted(self) -> list[int]:
        """At start-up: every activity still 'recording' was cut off; mark it interrupted."""
        ids = [
            row[0]
            for row in self._db.execute("SELECT id FROM activities WHERE status = 'recording'")
        ]
        for activity in ids:
            self.end_activity(activity, ActivityStatus.INTERRUPTED)
        return ids

    def reopen_activity(self, activity: int) -> None:
        """Resume an interrupted recording: it is 'recording' again (StoreError if there
        is none, or it was ended by the athlete)."""
        with self._tx() as db:
            row = db.execute("SELECT status FROM activities WHERE id = ?", (activity,)).fetchone()
            if row is None:
                raise StoreError(f"no activity {activity}")
            if row[0] == ActivityStatus.ENDED.value:
                raise StoreError(f"activity {activity} was ended; it cannot be resumed")
            db.execute("UPDATE activities SET status = 'recording' WHERE id = ?", (activity,))

    def used_bytes(self) -> int:
        """Bytes of the database in use: pages minus free pages (deleting rows frees pages
        for reuse without shrinking the file)."""
        pages = int(self._db.execute("PRAGMA page_count").fetchone()[0])
        free = int(self._db.execute("PRAGMA freelist_count").fetchone()[0])
        size = int(self._db.execute("PRAGMA page_size").fetchone()[0])
        return (pages - free) * size

    def list_activities(self) -> list[ActivityInfo]:
        rows = self._db.execute(
            "SELECT id, started, workout, status, downloaded, bytes, incomplete, workout_origin "
            "FROM activities "
            "ORDER BY id"
        )
        return [_activity(row) for row in rows]

    def get_activity(self, activity: int) -> ActivityInfo | None:
        row = self._db.execute(
            "SELECT id, started, workout, status, downloaded, bytes, incomplete, workout_origin "
            "FROM activities "
            "WHERE id = ?",
            (activity,),
        ).fetchone()
        return None if row is None else _activity(row)

    def mark_downloaded(self, activity: int) -> bool:
        with self._tx() as db:
            return (
                db.execute(
                    "UPDATE activities SET downloaded = 1 WHERE id = ?", (activity,)
                ).rowcount
                > 0
            )

    def delete_activity(self, activity: int) -> bool:
        """Deletes its samples and events with it (foreign keys, one transaction)."""
        with self._tx() as db:
            return db.execute("DELETE FROM activities WHERE id = ?", (activity,)).rowcount > 0

    def activity_payload(
        self, activity: int, *, status_override: ActivityStatus | None = None
    ) -> bytes:
        """The activity as served by ``activity.get``: UTF-8 JSON lines, deterministic.

        Line 1 is a header (format, version, id, started, workout, status); then one line
        per sample (``{"sample": {...}}``) and per event (``{"event": {...}}``) in time
        order, samples first at equal times. Fields that are null are left out.
        StoreError when there is no such activity.
        """
        return _payload(self._db, activity, status_override)


def read_activity_payload(path: Path, activity: int) -> bytes:
    """:meth:`Store.activity_payload` on a connection of its own, read-only: safe to call
    from a worker thread while the event loop keeps the main connection (WAL lets a reader
    run beside the writer)."""
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        db.execute("BEGIN")  # one snapshot for every query of the export
        return _payload(db, activity, None)
    finally:
        db.close()


def _payload(
    db: sqlite3.Connection, activity: int, status_override: ActivityStatus | None
) -> bytes:
    row = db.execute(
        "SELECT id, started, workout, status, downloaded, bytes, incomplete, workout_origin "
        "FROM activities "
        "WHERE id = ?",
        (activity,),
    ).fetchone()
    if row is None:
        raise StoreError(f"no activity {activity}")
    info = _activity(row)
    status = status_override or info.status
    head = fmt.header(info.id, info.started, info.workout, status.value, info.incomplete)
    samples = db.execute(
        "SELECT t, 0, rowid, hr, rr, speed, cadence, distance, power, step, status "
        "FROM samples WHERE activity = ? ORDER BY t, rowid",
        (activity,),
    )
    events = db.execute(
        "SELECT t, 1, rowid, type, step, data FROM events WHERE activity = ? ORDER BY t, rowid",
        (activity,),
    )
    out = []
    for row in heapq.merge(samples, events, key=lambda r: (r[0], r[1], r[2])):
        if row[1] == 0:
            sample = dict(zip(fmt.SAMPLE_FIELDS, (row[0], *row[3:]), strict=True))
            if sample["rr"] is not None:
                sample["rr"] = json.loads(sample["rr"])
            out.append(fmt.sample_line(sample))
        else:
            t, _, _, type_, step, data = row
            event = {"t": t, "type": type_, "step": step, "data": data and json.loads(data)}
            out.append(fmt.event_line(event))
    return fmt.write(head, out)


def _activity(row: tuple[Any, ...]) -> ActivityInfo:
    id_, started, workout, status, downloaded, size, incomplete, origin = row
    return ActivityInfo(
        id_, started, workout, ActivityStatus(status), bool(downloaded), size, incomplete, origin
    )


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


__all__ = [
    "DB_NAME",
    "DEVICE_DATA_DIR",
    "MIGRATIONS",
    "RESERVE_BYTES",
    "SERVICE_USER",
    "STORAGE_FULL",
    "ActivityInfo",
    "ActivityStatus",
    "EventRow",
    "NotStorable",
    "Pairing",
    "StorageFull",
    "Store",
    "StoreFull",
    "StoredText",
    "WorkoutInfo",
    "default_data_dir",
    "read_activity_payload",
    "resolve_data_dir",
]
