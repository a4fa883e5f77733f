"""Write the FIT shapes of tests/data/shapes (run from the repository's root):

    .venv/bin/python -m tests.data.shapes.make_fit

* ``bryton.fit``: a Bryton-style workout whose time steps have no ``duration_value`` (they
  end on lap);
* ``stages.fit``: a Stages Link-style workout keeping its heart-rate target, cadence range
  and RPE in developer fields, and one field pacer has no place for.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.fitfiles import fit_workout

HERE = Path(__file__).resolve().parent
MIN = 60_000


def bryton() -> bytes:
    return fit_workout(
        [
            {"duration_type": "time", "intensity": "warmup", "target_type": "open"},
            {
                "duration_type": "time",
                "duration_value": 20 * MIN,
                "intensity": "active",
                "target_type": "heart_rate",
                "target_value": 0,
                "custom_target_value_low": 240,
                "custom_target_value_high": 250,
            },
            {"duration_type": "time", "intensity": "cooldown", "target_type": "open"},
        ],
        workout={"wkt_name": "Bryton tempo", "sport": "running"},
    )


def stages() -> bytes:
    names = ["hr_target_low", "hr_target_high", "CadenceLow", "CadenceHigh", "rpe", "wind_kph"]
    return fit_workout(
        [
            {"duration_type": "time", "duration_value": 10 * MIN, "intensity": "warmup"},
            {
                "duration_type": "time",
                "duration_value": 15 * MIN,
                "intensity": "active",
                "target_type": "open",
                "developer_fields": {0: 101, 1: 149, 2: 85, 3: 100, 4: 6, 5: 12},
            },
            {"duration_type": "time", "duration_value": 5 * MIN, "intensity": "cooldown"},
        ],
        workout={"wkt_name": "Stages endurance", "sport": "cycling"},
        developer=names,
    )


def main() -> None:
    (HERE / "bryton.fit").write_bytes(bryton())
    (HERE / "stages.fit").write_bytes(stages())


if __name__ == "__main__":
    main()
