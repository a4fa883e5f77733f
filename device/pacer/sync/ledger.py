"""The ledger: what was sent where (SQLite, ``sync.db`` in the user's data directory).

One row per run and service, keyed by the run's external id (``pacer-20260509-073500-12``,
see :func:`pacer.sync.port.external_id`), with its state:

* ``pending``: to send (``attempts`` counts the tries begun, ``last_error`` says why the
  last one did not finish);
* ``processing``: Strava took the file and is making the activity (``upload_id`` is kept,
  so the next sync polls that upload instead of sending the file again);
* ``sent``: the service has it (``remote_id``, which for a duplicate answer is the
  activity that was already there);
* ``failed``: the service refused this file for good (a 4xx other than auth or rate);
  ``pacer sync --retry-failed`` tries those again.

A try is recorded (committed) before the request goes out: a sync killed at any point
leaves a row that the next sync resumes; the services de-duplicate the resent file (same
``external_id``, same bytes) and their duplicate answer counts as success, so a run is
never sent twice over.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

from pacer.core.errors import StoreError

LEDGER_NAME: Final = "sync.db"
MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    (
        """CREATE TABLE uploads (
            external_id TEXT NOT NULL,
            service TEXT NOT NULL,
            activity INTEGER NOT NULL,
            started REAL NOT NULL,
            workout TEXT,
            paired_event INTEGER,
            state TEXT NOT NULL
                CHECK (state IN ('pending', 'processing', 'sent', 'failed')),
            remote_id TEXT,
            upload_id TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            updated REAL NOT NULL,
            PRIMARY KEY (external_id, service)
        )""",
    ),
)


class State(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Entry:
    external_id: str
    service: str
    activity: int
    started: float
    workout: str | None
    paired_event: int | None
    state: State
    remote_id: str | None
    upload_id: str | None
    attempts: int
    last_error: str | None
    updated: float


_COLUMNS: Final = (
    "external_id, service, activity, started, workout, paired_event, state, remote_id, "
    "upload_id, attempts, last_error, updated"
)


class Ledger:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(path, isolation_level=None, timeout=10.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._migrate()
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the sync ledger ({exc})") from None

    @classmethod
    def open_dir(cls, data_dir: Path) -> Ledger:
        return cls(data_dir / LEDGER_NAME)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: ledger version {version} is newer than this pacer; update pacer"
            )
        for number in range(version + 1, len(MIGRATIONS) + 1):
            with self._tx() as db:
                for statement in MIGRATIONS[number - 1]:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # --- reads ---------------------------------------------------------------------------

    def get(self, external_id: str, service: str) -> Entry | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM uploads WHERE external_id = ? AND service = ?",
            (external_id, service),
        ).fetchone()
        return None if row is None else _entry(row)

    def entries(self) -> list[Entry]:
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM uploads ORDER BY started, service")
        return [_entry(row) for row in rows]

    # --- writes (each one transaction) -------------------------------------------------

    def add(
        self,
        external_id: str,
        service: str,
        *,
        activity: int,
        started: float,
        workout: str | None,
        paired_event: int | None,
        now: float,
    ) -> Entry:
        """The row for this run and service, made ``pending`` if there was none."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO uploads(external_id, service, activity, started, workout, "
                "paired_event, state, updated) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?) "
                "ON CONFLICT(external_id, service) DO NOTHING",
                (external_id, service, activity, started, workout, paired_event, now),
            )
        entry = self.get(external_id, service)
        assert entry is not None
        return entry

    def _set(self, external_id: str, service: str, sql: str, args: tuple[object, ...]) -> None:
        with self._tx() as db:
            db.execute(
                f"UPDATE uploads SET {sql} WHERE external_id = ? AND service = ?",
                (*args, external_id, service),
            )

    def begin(self, external_id: str, service: str, now: float) -> None:
        """A try starts: counted before the request leaves."""
        self._set(
            external_id, service, "attempts = attempts + 1, state = 'pending', updated = ?", (now,)
        )

    def processing(self, external_id: str, service: str, upload_id: str, now: float) -> None:
        self._set(
            external_id,
            service,
            "state = 'processing', upload_id = ?, updated = ?",
            (upload_id, now),
        )

    def sent(self, external_id: str, service: str, remote_id: str | None, now: float) -> None:
        self._set(
            external_id,
            service,
            "state = 'sent', remote_id = ?, last_error = NULL, updated = ?",
            (remote_id, now),
        )

    def error(
        self, external_id: str, service: str, message: str, now: float, *, final: bool
    ) -> None:
        """A try that did not finish: ``final`` marks it failed for good, else it stays
        to resume (pending, or processing with its upload id)."""
        state = "'failed'" if final else "state"
        self._set(
            external_id,
            service,
            f"state = {state}, last_error = ?, updated = ?",
            (message, now),
        )

    def retry_failed(self, now: float) -> int:
        with self._tx() as db:
            return db.execute(
                "UPDATE uploads SET state = 'pending', upload_id = NULL, updated = ? "
                "WHERE state = 'failed'",
                (now,),
            ).rowcount


def _entry(row: tuple[object, ...]) -> Entry:
    values = list(row)
    values[6] = State(str(values[6]))
    return Entry(*values)  # type: ignore[arg-type]


__all__ = ["LEDGER_NAME", "Entry", "Ledger", "State"]
