"""Import workouts from other tools into the native model (pure, apart from the FIT decoder).

:func:`import_workout` detects the kind by content, not by file name:

* a FIT file (``.FIT`` in its header): Garmin workout files, :mod:`pacer.formats.workouts.fit`;
* XML whose root is ``<workout_file>``: Zwift ``.zwo``, :mod:`pacer.formats.workouts.zwo`;
* anything else: intervals.icu plain text, :mod:`pacer.formats.workouts.icu`.

It returns an :class:`ImportResult`: the workout and a warning for everything the native
model cannot hold exactly, each naming its step and where it was in the source. Malformed
input raises :class:`pacer.core.errors.InputErrors` with every problem located.
"""

from __future__ import annotations

from pacer.formats.workouts.common import ImportKind, ImportResult, ImportWarning
from pacer.workout.model import PaceUnit, Sport
from pacer.workout.profile import Profile

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def detect_kind(data: bytes) -> ImportKind:
    """FIT by its header's data type, Zwift by an XML start, else intervals.icu text."""
    if len(data) >= 12 and data[8:12] == b".FIT":
        return ImportKind.FIT
    head = data[:1024]
    for bom in _BOMS:
        head = head.removeprefix(bom)
    if head.lstrip().startswith(b"<"):
        return ImportKind.ZWO
    return ImportKind.ICU


def import_workout(
    data: bytes,
    source: str = "<input>",
    *,
    profile: Profile | None = None,
    pace_unit: PaceUnit | None = None,
    sport: Sport | None = None,
) -> ImportResult:
    """Convert a foreign workout file to a native :class:`~pacer.workout.model.Workout`.

    ``profile`` lets targets that only mean something against an athlete (a percentage of
    threshold pace, an HR condition in % of max HR) become native targets; ``pace_unit``
    is the unit for paces read from speeds (default: the profile's units, else km);
    ``sport`` is the sport of a text that does not say it (intervals.icu text: otherwise
    guessed, with a warning that names ``--sport``). FIT and Zwift files say their sport.
    """
    kind = detect_kind(data)
    if kind is ImportKind.FIT:
        from pacer.formats.workouts.fit import import_fit

        return import_fit(data, source, profile=profile, pace_unit=pace_unit)
    if kind is ImportKind.ZWO:
        from pacer.formats.workouts.zwo import import_zwo

        return import_zwo(data, source, profile=profile, pace_unit=pace_unit)
    from pacer.formats.workouts.icu import import_icu

    return import_icu(data, source, profile=profile, pace_unit=pace_unit, sport=sport)


__all__ = ["ImportKind", "ImportResult", "ImportWarning", "detect_kind", "import_workout"]
