"""FIT workout files built in the tests with garmin-fit-sdk's Encoder, field by field.

These write raw FIT values (bpm + 100, W + 1000, mm/s, ms, cm) the way Garmin Connect
does, independently of pacer's exporter, so that the importer is tested against FIT as
specified rather than against pacer's own writer.

``python -m tests.support.fitfiles`` rewrites ``examples/import/step-up-run.fit``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CREATED = datetime(2024, 3, 1, 6, 30, tzinfo=UTC)
STEP_UP_FIT = Path(__file__).resolve().parents[2] / "examples" / "import" / "step-up-run.fit"


def fit_workout(
    steps: list[dict[str, Any]],
    *,
    workout: dict[str, Any] | None = None,
    file_type: str = "workout",
    developer: list[str] | None = None,
) -> bytes:
    """A FIT file: file_id, the workout message (if given), one workout_step per dict
    (message_index added in order unless the dict has one). ``developer`` names uint8
    developer fields (as an app such as Stages Link declares them); a step gives their
    values as ``developer_fields: {index in the list: value}``."""
    from garmin_fit_sdk import Encoder, Profile

    nums = Profile["mesg_num"]
    app = {"mesg_num": nums["DEVELOPER_DATA_ID"], "developer_data_index": 0}
    app["application_id"] = list(range(16))
    fields = [
        {
            "mesg_num": nums["FIELD_DESCRIPTION"],
            "developer_data_index": 0,
            "field_definition_number": i,
            "fit_base_type_id": 2,  # uint8
            "field_name": name,
        }
        for i, name in enumerate(developer or [])
    ]
    enc = Encoder(
        {
            i: {"developer_data_id_mesg": app, "field_description_mesg": f}
            for i, f in enumerate(fields)
        }
    )
    enc.write_mesg(
        {
            "mesg_num": nums["FILE_ID"],
            "type": file_type,
            "manufacturer": "development",
            "product": 0,
            "serial_number": 1234,
            "time_created": CREATED,
        }
    )
    if fields:
        enc.write_mesg(app)
        for f in fields:
            enc.write_mesg(f)
    if workout is not None:
        enc.write_mesg({"mesg_num": nums["WORKOUT"], "num_valid_steps": len(steps), **workout})
    for i, step in enumerate(steps):
        enc.write_mesg({"mesg_num": nums["WORKOUT_STEP"], "message_index": i, **step})
    return enc.close()


def step_up_run_fit() -> bytes:
    """The seed's 1:20 step-up run as a FIT workout: high Z2 and mid Z3 as custom bpm
    ranges (bpm + 100) for the 185 bpm max HR of examples/profile.yaml, Z4 as HR zone 4."""
    minute = 60_000
    return fit_workout(
        [
            {
                "intensity": "warmup",
                "duration_type": "time",
                "duration_value": 20 * minute,
                "target_type": "open",
                "notes": "Super easy, good form. Ignore HR",
            },
            {
                "intensity": "active",
                "duration_type": "time",
                "duration_value": 20 * minute,
                "target_type": "heart_rate",
                "target_value": 0,
                "custom_target_value_low": 100 + 124,
                "custom_target_value_high": 100 + 130,
                "notes": "Ease in. Quick light strides",
            },
            {
                "intensity": "active",
                "duration_type": "time",
                "duration_value": 20 * minute,
                "target_type": "heart_rate",
                "target_value": 0,
                "custom_target_value_low": 100 + 136,
                "custom_target_value_high": 100 + 142,
                "notes": "Ease in. Turnover, not stride",
            },
            {
                "intensity": "active",
                "duration_type": "time",
                "duration_value": 10 * minute,
                "target_type": "heart_rate",
                "target_value": 4,
                "notes": "Close hard. Breathe deep",
            },
            {
                "intensity": "cooldown",
                "duration_type": "time",
                "duration_value": 10 * minute,
                "target_type": "open",
                "notes": "Jog home",
            },
        ],
        workout={"wkt_name": "Step-up run 1:20", "sport": "running"},
    )


if __name__ == "__main__":
    STEP_UP_FIT.write_bytes(step_up_run_fit())
    print(f"wrote {STEP_UP_FIT}")
