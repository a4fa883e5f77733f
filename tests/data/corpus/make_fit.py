"""Writes the corpus's FIT workout files with garmin-fit-sdk's Encoder (raw FIT values:
bpm + 100, W + 1000, % FTP 0-1000, mm/s, ms, cm), covering every duration and target type
of the FIT profile's ``workout_step``.

    .venv/bin/python -m tests.data.corpus.make_fit
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.fitfiles import fit_workout

HERE = Path(__file__).resolve().parent / "fit"
MIN = 60_000


def t(seconds: int, **kw: Any) -> dict[str, Any]:
    return {"duration_type": "time", "duration_value": seconds * 1000, **kw}


def custom(seconds: int, kind: str, low: int, high: int, **kw: Any) -> dict[str, Any]:
    """A timed step with a custom target range (raw FIT values)."""
    return t(
        seconds,
        target_type=kind,
        target_value=0,
        custom_target_value_low=low,
        custom_target_value_high=high,
        **kw,
    )


FILES: dict[str, tuple[str, str, list[dict[str, Any]]]] = {
    "01-time-hr": (
        "Corpus FIT heart rate",
        "running",
        [
            t(600, intensity="warmup", target_type="heart_rate", target_value=1),
            custom(1200, "heart_rate", 245, 255),
            custom(300, "heart_rate", 80, 85),
        ],
    ),
    "02-distance-speed": (
        "Corpus FIT distance",
        "running",
        [
            {
                "duration_type": "distance",
                "duration_value": 200_000,
                "target_type": "speed",
                "target_value": 0,
                "custom_target_value_low": 3333,
                "custom_target_value_high": 3704,
            },
            {
                "duration_type": "distance",
                "duration_value": 40_000,
                "intensity": "recovery",
                "target_type": "open",
            },
        ],
    ),
    "03-open-cadence": (
        "Corpus FIT open",
        "running",
        [
            {"duration_type": "open", "intensity": "warmup", "target_type": "open"},
            custom(600, "cadence", 170, 180),
        ],
    ),
    "04-hr-conditions": (
        "Corpus FIT conditions",
        "running",
        [
            t(180, target_type="heart_rate", target_value=4),
            {
                "duration_type": "hr_less_than",
                "duration_value": 220,
                "intensity": "recovery",
                "target_type": "open",
            },
            {"duration_type": "hr_greater_than", "duration_value": 260, "target_type": "open"},
        ],
    ),
    "05-repeat": (
        "Corpus FIT repeat",
        "running",
        [
            t(600, intensity="warmup", target_type="open"),
            t(120, target_type="heart_rate", target_value=5),
            t(60, intensity="recovery", target_type="heart_rate", target_value=1),
            {"duration_type": "repeat_until_steps_cmplt", "duration_value": 1, "target_value": 5},
            t(600, intensity="cooldown", target_type="open"),
        ],
    ),
    "06-power": (
        "Corpus FIT power",
        "cycling",
        [
            custom(600, "power", 1150, 1180, intensity="warmup"),
            custom(1200, "power", 88, 94),
            t(300, intensity="recovery", target_type="power", target_value=2),
        ],
    ),
    "07-reps": (
        "Corpus FIT strength",
        "training",
        [
            {
                "duration_type": "reps",
                "duration_value": 10,
                "wkt_step_name": "Goblet squat",
                "exercise_weight": 16,
                "target_type": "open",
            },
            t(90, intensity="rest", target_type="open"),
        ],
    ),
    "08-power-kinds": (
        "Corpus FIT power kinds",
        "cycling",
        [
            custom(300, "power_3s", 1200, 1220),
            custom(300, "power_lap", 1200, 1220),
            t(300, target_type="grade", target_value=0),
            t(300, target_type="resistance", target_value=0),
        ],
    ),
    "09-other-durations": (
        "Corpus FIT other durations",
        "cycling",
        [
            {"duration_type": "calories", "duration_value": 200, "target_type": "open"},
            {"duration_type": "power_less_than", "duration_value": 1150, "target_type": "open"},
            t(60, target_type="open"),
            {"duration_type": "repeat_until_time", "duration_value": 2, "target_value": 600_000},
        ],
    ),
    "10-names-notes": (
        "Corpus FIT names",
        "running",
        [
            t(
                1200,
                wkt_step_name="Tempo",
                notes="Even effort, relaxed arms",
                target_type="heart_rate",
                target_value=3,
            ),
        ],
    ),
    "11-lap-targets": (
        "Corpus FIT lap targets",
        "running",
        [
            custom(600, "heart_rate_lap", 250, 260),
            custom(600, "speed_lap", 3333, 3704),
        ],
    ),
    "12-sprint": (
        "Corpus FIT sprint",
        "cycling",
        [
            custom(600, "power", 60, 60, intensity="warmup"),
            custom(10, "power", 350, 350),
            custom(290, "power", 50, 50, intensity="recovery"),
        ],
    ),
    "13-more-durations": (
        "Corpus FIT more durations",
        "cycling",
        [
            *(
                {"duration_type": kind, "duration_value": value, "target_type": "open"}
                for kind, value in (
                    ("power_greater_than", 1200),
                    ("training_peaks_tss", 50),
                    ("power_3s_less_than", 1150),
                    ("power_3s_greater_than", 1300),
                    ("power_10s_less_than", 1150),
                    ("power_10s_greater_than", 1300),
                    ("power_30s_less_than", 1150),
                    ("power_30s_greater_than", 1300),
                    ("power_lap_less_than", 1150),
                    ("power_lap_greater_than", 1300),
                )
            ),
            {"duration_type": "repetition_time", "duration_value": 60_000, "target_type": "open"},
            {"duration_type": "time_only", "duration_value": 120_000, "target_type": "open"},
            *(
                {"duration_type": f"repeat_until_{kind}", "duration_value": 0, "target_value": 1}
                for kind in (
                    "distance",
                    "calories",
                    "hr_less_than",
                    "hr_greater_than",
                    "power_less_than",
                    "power_greater_than",
                    "power_last_lap_less_than",
                    "max_power_last_lap_less_than",
                    "training_peaks_tss",
                )
            ),
        ],
    ),
    "14-more-targets": (
        "Corpus FIT more targets",
        "cycling",
        [
            custom(300, "power_10s", 1200, 1220),
            custom(300, "power_30s", 1200, 1220),
            t(300, target_type="swim_stroke", target_value=0),
            t(300, target_type="speed", target_value=2),
            t(300, target_type="cadence", target_value=3),
            t(300, target_type="heart_rate", target_value=2),
            custom(
                300,
                "power",
                1250,
                1270,
                secondary_target_type="cadence",
                secondary_target_value=0,
                secondary_custom_target_value_low=85,
                secondary_custom_target_value_high=95,
            ),
        ],
    ),
}


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for stem, (name, sport, steps) in FILES.items():
        data = fit_workout(steps, workout={"wkt_name": name, "sport": sport})
        (HERE / f"{stem}.fit").write_bytes(data)
    print(f"wrote {len(FILES)} files to {HERE}")


if __name__ == "__main__":
    main()
