"""FIT workout conventions shared by the FIT importer and exporter (pure; no SDK import).

Raw values of the ``workout_step`` message fields, per the FIT profile:

* ``duration_value``: milliseconds (``time``), centimetres (``distance``), heart rate
  (``hr_less_than``/``hr_greater_than``: 0-100 is % of max HR, above 100 is bpm + 100),
  the message index to go back to (``repeat_until_steps_cmplt``), a count (``reps``).
* ``target_value``: a zone number (0 means "custom": see the next two fields), or the
  number of times a repeat runs.
* ``custom_target_value_low``/``_high``: heart rate as above; power 0-1000 is % of FTP and
  above 1000 is W + 1000; speed in mm/s; cadence per minute (rpm on a bike, steps per
  minute running).
"""

from __future__ import annotations

from pacer.workout.model import Intensity, PaceUnit, Sport

HR_BPM_OFFSET = 100
POWER_W_OFFSET = 1000
MS_PER_S = 1000
CM_PER_M = 100
MM_PER_M = 1000

#: file_id.type of a workout file
FILE_TYPE_WORKOUT = "workout"
#: file_id.manufacturer for software that is not a registered manufacturer
MANUFACTURER_DEVELOPMENT = "development"

SPORT_TO_FIT: dict[Sport, str] = {
    Sport.RUN: "running",
    Sport.BIKE: "cycling",
    Sport.STRENGTH: "training",
}
FIT_TO_SPORT: dict[str, Sport] = {
    "running": Sport.RUN,
    "walking": Sport.RUN,
    "cycling": Sport.BIKE,
    "e_biking": Sport.BIKE,
    "training": Sport.STRENGTH,
    "fitness_equipment": Sport.STRENGTH,
}

INTENSITY_TO_FIT: dict[Intensity, str] = {
    Intensity.WARMUP: "warmup",
    Intensity.ACTIVE: "active",
    Intensity.REST: "rest",
    Intensity.RECOVERY: "recovery",
    Intensity.COOLDOWN: "cooldown",
}
FIT_TO_INTENSITY: dict[str, Intensity] = {
    **{v: k for k, v in INTENSITY_TO_FIT.items()},
    "interval": Intensity.ACTIVE,
    "other": Intensity.ACTIVE,
}


def speed_mm_s(pace_s: float, unit: PaceUnit) -> int:
    """A pace in seconds per ``unit`` as FIT speed (mm/s)."""
    return round(unit.meters * MM_PER_M / pace_s)


def pace_from_mm_s(speed: int, unit: PaceUnit) -> int:
    """The whole-second pace per ``unit`` that FIT speed ``speed`` (mm/s) stands for.

    Picks, among the nearest whole seconds, one that encodes back to exactly ``speed``, so
    a pace written by :func:`speed_mm_s` reads back unchanged.
    """
    exact = unit.meters * MM_PER_M / speed
    guess = round(exact)
    for s in (guess, guess - 1, guess + 1):
        if s > 0 and speed_mm_s(s, unit) == speed:
            return s
    return guess


__all__ = [
    "CM_PER_M",
    "FIT_TO_INTENSITY",
    "FIT_TO_SPORT",
    "HR_BPM_OFFSET",
    "INTENSITY_TO_FIT",
    "MS_PER_S",
    "POWER_W_OFFSET",
    "SPORT_TO_FIT",
    "pace_from_mm_s",
    "speed_mm_s",
]
