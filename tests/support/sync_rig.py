"""For the e2e sync tests and the sync benchmark: ``pacer sync`` as a process against the
loopback services (:mod:`tests.support.fake_services`), a device store seeded with runs, and
the planned week."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pacer.storage.store import Store
from pacer.storage.tables import EventRow
from tests.support.fake_services import API_KEY, FakeServices
from tests.support.paths import REPO

#: A short run: 2 minutes, a minute at 70 % of max HR and one at Z2.
SHORT_DOC: dict[str, Any] = {
    "steps": [
        {"duration": 60, "warmup": True, "hr": {"value": 70, "units": "%hr"}, "text": "Easy"},
        {"duration": 60, "hr": {"value": 2, "units": "hr_zone"}},
    ]
}
WEEK_DOC: dict[str, Any] = {
    "steps": [
        {"duration": 600, "warmup": True, "hr": {"value": 70, "units": "%hr"}},
        {
            "reps": 5,
            "steps": [
                {
                    "distance": 1000,
                    "pace": {"value": 98, "units": "%pace"},
                    "text": "Relax 30^Arms",
                },
                {"duration": 90, "intensity": "recovery", "hr": {"value": 1, "units": "hr_zone"}},
            ],
        },
        {
            "duration": 600,
            "cooldown": True,
            "ramp": True,
            "hr": {"start": 75, "end": 65, "units": "%hr"},
        },
    ]
}


def plan_week(fake: FakeServices, today: date, days: int = 7, first_id: int = 500) -> None:
    """One planned run a day from today, as intervals.icu lists them."""
    for i in range(days):
        fake.add_event(
            first_id + i, (today + timedelta(days=i)).isoformat(), f"Run day {i + 1}", WEEK_DOC
        )


def seed_runs(
    data_dir: Path, count: int, *, seconds: int = 1800, origin_event: int | None = None
) -> list[int]:
    """``count`` finished runs in the device's store (before its daemon starts), each
    ``seconds`` long at 1 Hz; with ``origin_event`` they ran that synced workout."""
    data_dir.mkdir(parents=True, exist_ok=True)
    ids = []
    with Store.open_dir(data_dir) as store:
        workout = None
        if origin_event is not None:
            workout = f"planned-{origin_event}"
            store.put_workout(
                workout,
                "name: Planned\nsteps:\n  - active: 30m\n",
                1.0,
                max_count=100,
                origin=f"intervals.icu/event/{origin_event}",
                origin_updated="u",
            )
        for n in range(count):
            started = 1_777_000_000.0 + n * 86_400
            a = store.create_activity(started, workout)
            store.add_samples(
                a,
                [
                    {
                        "t": float(t),
                        "hr": 130 + t % 20,
                        "speed": 3.2,
                        "distance": 3.2 * t,
                        "cadence": 172,
                    }
                    for t in range(1, seconds + 1)
                ],
            )
            store.add_events(
                a,
                [
                    EventRow(0.0, "start", 0, {"sport": "run", "units": "metric"}),
                    EventRow(float(seconds), "stop"),
                ],
            )
            store.end_activity(a)
            ids.append(a)
    return ids


def sync_env(fake: FakeServices, tmp: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(REPO / "device"),
        PACER_ICU_API_KEY=API_KEY,
        PACER_ICU_URL=fake.url,
        PACER_STRAVA_URL=fake.url,
        PACER_DATA_DIR=str(tmp / "laptop-data"),
        PACER_CONFIG_DIR=str(tmp / "laptop-config"),
        **extra,
    )
    return env


def pacer_sync(*args: str) -> list[str]:
    return [sys.executable, "-m", "pacer.cli", "sync", *args]


def run_sync(
    env: dict[str, str], *args: str, timeout: float = 120, input_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        pacer_sync(*args),
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        input=input_text,
    )


__all__ = ["SHORT_DOC", "WEEK_DOC", "pacer_sync", "plan_week", "run_sync", "seed_runs", "sync_env"]
