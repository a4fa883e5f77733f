"""The ``ACTIVITY`` argument shared by ``pacer export``, ``report`` and ``replay``: a file
(FIT from any watch, a pacer recording from ``pacer device download``, pacer's JSON or a
CSV) or the id of an activity in this machine's store."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from pacer.recording.model import Activity

HELP = (
    "a FIT file (any watch), a pacer recording (pacer device download), a .json or .csv "
    "export, or the id of an activity in the store"
)


def add_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("activity", metavar="ACTIVITY", help=HELP)
    p.add_argument(
        "--data-dir",
        type=Path,
        help="where the store lives, for an ACTIVITY id (default: $PACER_DATA_DIR, "
        "else the device's or your user data directory)",
    )


def open_activity(spec: str, data_dir: Path | None) -> Activity:
    from pacer.formats.activities.load import ActivityNotFound, load_activity_file

    path = Path(spec)
    if path.exists() or not spec.isdigit():
        return load_activity_file(path)
    from pacer.recording.payload import read_payload
    from pacer.storage.store import DB_NAME, default_data_dir, read_activity_payload

    db = (data_dir or default_data_dir()) / DB_NAME
    if not db.is_file():
        raise ActivityNotFound(f"{spec}: no such file, and no store at {db} to look the id up")
    return read_payload(read_activity_payload(db, int(spec)), f"{db} activity {spec}")
