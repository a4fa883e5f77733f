"""Where the store lives and its schema: the SQL of every migration, in order.

The schema is versioned by ``PRAGMA user_version`` and grown only by appending to
:data:`MIGRATIONS`; each migration runs in its own transaction together with the version
bump (:func:`migrate`). A database newer than the code is refused rather than misread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Final

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
    (
        # Why an activity holds less than was run: "storage_full" (the disk filled up and
        # the recording kept what fitted). NULL: nothing is missing.
        "ALTER TABLE activities ADD COLUMN incomplete TEXT",
    ),
    (
        # Where a synced workout came from ("intervals.icu/event/12345") and the upstream
        # "updated" stamp it was made from; NULL for the athlete's own workouts. An activity
        # keeps its workout's origin as it was when the run started (the event it ran).
        "ALTER TABLE workouts ADD COLUMN origin TEXT",
        "ALTER TABLE workouts ADD COLUMN origin_updated TEXT",
        "ALTER TABLE activities ADD COLUMN workout_origin TEXT",
    ),
)


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Run every migration ``db`` has not had yet, each in its own transaction."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > len(MIGRATIONS):
        raise StoreError(
            f"{path}: schema version {version} is newer than this pacer "
            f"understands ({len(MIGRATIONS)}); update pacer"
        )
    for number in range(version + 1, len(MIGRATIONS) + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[number - 1]:
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
