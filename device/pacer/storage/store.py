"""The on-device store: one SQLite file (stdlib ``sqlite3``) in WAL mode.

Everything a user configures (workouts, the selected workout, the profile, settings, sensor
pairings) and every recorded activity lives here. Rules:

* Every write is one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``): a power cut leaves
  the previous state or the new one, never half a workout. ``synchronous=FULL`` makes a
  committed write durable.
* The schema is versioned by ``PRAGMA user_version`` and grown only by appending to
  :data:`MIGRATIONS`; each migration runs in its own transaction together with the version
  bump. A database newer than the code is refused rather than misread.
* Callers pass timestamps in (wall-clock seconds since the epoch): the store never reads a
  clock, so tests and the simulated device control time.

Where the file lives is decided by :func:`resolve_data_dir`, a pure function of the
environment. The activity payload served over serial (:meth:`Store.activity_payload`) is
described in ``docs/protocol.md``.
"""

from __future__ import annotations

import contextlib
import heapq
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from pacer.core.errors import StoreError

DB_NAME: Final = "pacer.db"
#: The service user the device's systemd unit runs as.
SERVICE_USER: Final = "pacer"
DEVICE_DATA_DIR: Final = Path("/var/lib/pacer")


def resolve_data_dir(env: Mapping[str, str], user: str, home: Path) -> Path:
    """Where pacer keeps its data, from the environment alone (no file system access).

    In order: ``PACER_DATA_DIR``; systemd's ``STATE_DIRECTORY`` (set by ``StateDirectory=``
    in the unit; the first entry); ``/var/lib/pacer`` for the ``pacer`` service user;
    ``$XDG_DATA_HOME/pacer`` when that is an absolute path; ``~/.local/share/pacer``.
    """
    explicit = env.get("PACER_DATA_DIR")
    if explicit:
        return Path(explicit)
    state = env.get("STATE_DIRECTORY")
    if state:
        return Path(state.split(":")[0])
    if user == SERVICE_USER:
        return DEVICE_DATA_DIR
    xdg = env.get("XDG_DATA_HOME")
    if xdg and Path(xdg).is_absolute():  # the XDG spec: ignore relative paths
        return Path(xdg) / "pacer"
    return home / ".local" / "share" / "pacer"


def default_data_dir() -> Path:
    """:func:`resolve_data_dir` for this process."""
    import getpass
    import os

    return resolve_data_dir(os.environ, getpass.getuser(), Path.home())


#: Schema migrations, applied in order; ``user_version`` is how many have run. Only append.
MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    (
        """CREATE TABLE workouts (
            name TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            updated REAL NOT NULL
        )""",
        """CREATE TABLE selection (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            workout TEXT REFERENCES workouts(name) ON DELETE SET NULL
        )""",
        """CREATE TABLE profile (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            source TEXT NOT NULL,
            updated REAL NOT NULL
        )""",
        """CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
        """CREATE TABLE pairings (
            role TEXT PRIMARY KEY,
            address TEXT NOT NULL,
            name TEXT,
            cadence_unit TEXT
        )""",
        """CREATE TABLE activities (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started REAL NOT NULL,
            workout TEXT,
            status TEXT NOT NULL CHECK (status IN ('recording', 'interrupted', 'ended')),
            downloaded INTEGER NOT NULL DEFAULT 0,
            bytes INTEGER NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE samples (
            activity INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
            t REAL NOT NULL,
            hr INTEGER,
            rr TEXT,
            speed REAL,
            cadence REAL,
            distance REAL,
            power INTEGER,
            step INTEGER,
            status TEXT
        )""",
        "CREATE INDEX samples_by_activity ON samples(activity, t)",
        """CREATE TABLE events (
            activity INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
            t REAL NOT NULL,
            type TEXT NOT NULL,
            step INTEGER,
            data TEXT
        )""",
        "CREATE INDEX events_by_activity ON events(activity, t)",
    ),
)


class StoreFull(StoreError):
    """The store already holds the maximum number of items of that kind."""


class ActivityStatus(StrEnum):
    RECORDING = "recording"
    #: Was recording when the device stopped (power cut, crash); found at the next start.
    INTERRUPTED = "interrupted"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class WorkoutInfo:
    name: str
    bytes: int
    updated: float


@dataclass(frozen=True, slots=True)
class StoredText:
    """A workout or the profile: the source text exactly as the host sent it."""

    name: str
    source: str
    updated: float


@dataclass(frozen=True, slots=True)
class Pairing:
    address: str
    role: str
    name: str | None = None
    #: For a foot pod: "steps" or "strides" per minute; None for the profile's default.
    cadence_unit: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "role": self.role,
            "name": self.name,
            "cadence_unit": self.cadence_unit,
        }


@dataclass(frozen=True, slots=True)
class ActivityInfo:
    id: int
    started: float
    workout: str | None
    status: ActivityStatus
    downloaded: bool
    bytes: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "started": self.started,
            "workout": self.workout,
            "status": self.status.value,
            "downloaded": self.downloaded,
            "bytes": self.bytes,
        }


@dataclass(frozen=True, slots=True)
class SampleRow:
    """One recorded second. ``rr``: RR intervals in seconds received during it."""

    t: float
    hr: int | None = None
    rr: tuple[float, ...] = ()
    speed: float | None = None
    cadence: float | None = None
    distance: float | None = None
    power: int | None = None
    step: int | None = None
    status: str | None = None


@dataclass(frozen=True, slots=True)
class EventRow:
    t: float
    type: str
    step: int | None = None
    data: Mapping[str, Any] | None = None


ACTIVITY_FORMAT: Final = "pacer-activity-jsonl"
ACTIVITY_FORMAT_VERSION: Final = 1


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
        """One write transaction: everything inside commits together or not at all."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        version = self.schema_version
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: schema version {version} is newer than this pacer "
                f"understands ({len(MIGRATIONS)}); update pacer"
            )
        for number in range(version + 1, len(MIGRATIONS) + 1):
            with self._tx() as db:
                for statement in MIGRATIONS[number - 1]:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    def integrity_check(self) -> str:
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    # --- workouts -------------------------------------------------------------------------

    def list_workouts(self) -> list[WorkoutInfo]:
        rows = self._db.execute(
            "SELECT name, length(CAST(source AS BLOB)), updated FROM workouts ORDER BY name"
        )
        return [WorkoutInfo(name, size, updated) for name, size, updated in rows]

    def get_workout(self, name: str) -> StoredText | None:
        row = self._db.execute(
            "SELECT name, source, updated FROM workouts WHERE name = ?", (name,)
        ).fetchone()
        return None if row is None else StoredText(*row)

    def put_workout(self, name: str, source: str, updated: float, *, max_count: int) -> bool:
        """Insert or replace; True when it replaced one. StoreFull past ``max_count``."""
        with self._tx() as db:
            exists = db.execute("SELECT 1 FROM workouts WHERE name = ?", (name,)).fetchone()
            if exists is None:
                (count,) = db.execute("SELECT count(*) FROM workouts").fetchone()
                if count >= max_count:
                    raise StoreFull(f"the device holds {count} workouts, the maximum")
            db.execute(
                "INSERT INTO workouts(name, source, updated) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET source = excluded.source, "
                "updated = excluded.updated",
                (name, source, updated),
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
        """The explicitly set values only (defaults live in :mod:`pacer.config.settings`)."""
        return {
            key: json.loads(value)
            for key, value in self._db.execute("SELECT key, value FROM settings ORDER BY key")
        }

    def update_settings(self, values: Mapping[str, Any]) -> None:
        """Set every key at once; a value of None removes the key (back to its default)."""
        encoded = {
            k: None if v is None else json.dumps(v, allow_nan=False) for k, v in values.items()
        }
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

    def list_pairings(self) -> list[Pairing]:
        rows = self._db.execute(
            "SELECT address, role, name, cadence_unit FROM pairings ORDER BY role"
        )
        return [Pairing(*row) for row in rows]

    def pair(self, pairing: Pairing) -> Pairing | None:
        """One sensor per role: returns the pairing this one replaced, if any."""
        with self._tx() as db:
            old = db.execute(
                "SELECT address, role, name, cadence_unit FROM pairings WHERE role = ?",
                (pairing.role,),
            ).fetchone()
            db.execute(
                "INSERT OR REPLACE INTO pairings(role, address, name, cadence_unit) "
                "VALUES (?, ?, ?, ?)",
                (pairing.role, pairing.address, pairing.name, pairing.cadence_unit),
            )
            return None if old is None else Pairing(*old)

    def pair_exclusive(self, pairing: Pairing) -> list[Pairing]:
        """One sensor per role *and* one role per address (what the BLE sessions need: one
        connection per device); returns the pairings this one replaced, in one transaction."""
        with self._tx() as db:
            rows = db.execute(
                "SELECT address, role, name, cadence_unit FROM pairings "
                "WHERE role = ? OR address = ? ORDER BY role",
                (pairing.role, pairing.address),
            ).fetchall()
            db.execute(
                "DELETE FROM pairings WHERE role = ? OR address = ?",
                (pairing.role, pairing.address),
            )
            db.execute(
                "INSERT INTO pairings(role, address, name, cadence_unit) VALUES (?, ?, ?, ?)",
                (pairing.role, pairing.address, pairing.name, pairing.cadence_unit),
            )
            return [Pairing(*row) for row in rows]

    def forget(self, address: str) -> list[Pairing]:
        """Remove every role paired to ``address``; returns what was removed."""
        with self._tx() as db:
            rows = db.execute(
                "SELECT address, role, name, cadence_unit FROM pairings WHERE address = ?",
                (address,),
            ).fetchall()
            db.execute("DELETE FROM pairings WHERE address = ?", (address,))
            return [Pairing(*row) for row in rows]

    # --- activities ----------------------------------------------------------------------

    def create_activity(self, started: float, workout: str | None) -> int:
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO activities(started, workout, status) VALUES (?, ?, 'recording')",
                (started, workout),
            )
            assert cur.lastrowid is not None
            return cur.lastrowid

    def add_samples(self, activity: int, rows: Iterable[SampleRow]) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT INTO samples(activity, t, hr, rr, speed, cadence, distance, power, "
                "step, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        activity,
                        r.t,
                        r.hr,
                        json.dumps(list(r.rr)) if r.rr else None,
                        r.speed,
                        r.cadence,
                        r.distance,
                        r.power,
                        r.step,
                        r.status,
                    )
                    for r in rows
                ],
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
                        json.dumps(dict(e.data), allow_nan=False) if e.data else None,
                    )
                    for e in rows
                ],
            )

    def end_activity(self, activity: int, status: ActivityStatus = ActivityStatus.ENDED) -> None:
        """Close a recording; records the size of its payload for ``activity.list``."""
        with self._tx() as db:
            size = len(self.activity_payload(activity, status_override=status))
            db.execute(
                "UPDATE activities SET status = ?, bytes = ? WHERE id = ?",
                (status.value, size, activity),
            )

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
            "SELECT id, started, workout, status, downloaded, bytes FROM activities ORDER BY id"
        )
        return [_activity(row) for row in rows]

    def get_activity(self, activity: int) -> ActivityInfo | None:
        row = self._db.execute(
            "SELECT id, started, workout, status, downloaded, bytes FROM activities WHERE id = ?",
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
        "SELECT id, started, workout, status, downloaded, bytes FROM activities WHERE id = ?",
        (activity,),
    ).fetchone()
    if row is None:
        raise StoreError(f"no activity {activity}")
    info = _activity(row)
    status = status_override or info.status
    header = {
        "format": ACTIVITY_FORMAT,
        "version": ACTIVITY_FORMAT_VERSION,
        "id": info.id,
        "started": info.started,
        "workout": info.workout,
        "status": status.value,
    }
    samples = db.execute(
        "SELECT t, 0, rowid, hr, rr, speed, cadence, distance, power, step, status "
        "FROM samples WHERE activity = ? ORDER BY t, rowid",
        (activity,),
    )
    events = db.execute(
        "SELECT t, 1, rowid, type, step, data FROM events WHERE activity = ? ORDER BY t, rowid",
        (activity,),
    )
    out = [_json_line(header)]
    for row in heapq.merge(samples, events, key=lambda r: (r[0], r[1], r[2])):
        if row[1] == 0:
            t, _, _, hr, rr, speed, cadence, distance, power, step, st = row
            sample = {
                "t": t,
                "hr": hr,
                "rr": None if rr is None else json.loads(rr),
                "speed": speed,
                "cadence": cadence,
                "distance": distance,
                "power": power,
                "step": step,
                "status": st,
            }
            out.append(_json_line({"sample": _drop_none(sample)}))
        else:
            t, _, _, type_, step, data = row
            event = {
                "t": t,
                "type": type_,
                "step": step,
                "data": None if data is None else json.loads(data),
            }
            out.append(_json_line({"event": _drop_none(event)}))
    return b"".join(out)


def _activity(row: tuple[Any, ...]) -> ActivityInfo:
    id_, started, workout, status, downloaded, size = row
    return ActivityInfo(id_, started, workout, ActivityStatus(status), bool(downloaded), size)


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _json_line(obj: Mapping[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
