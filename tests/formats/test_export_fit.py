"""Exporting FIT workout files: the messages as a watch reads them (decoded with the SDK
itself, not with pacer's importer), custom ranges, and native -> FIT -> native round trips."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pacer.core.errors import InputErrors
from pacer.formats.workouts import import_workout
from pacer.formats.workouts.common import clean_text
from pacer.formats.workouts.fit_export import encode_fit_workout, workout_messages
from pacer.workout.fileformat import LONG_WORKOUT_SECONDS, MAX_STEPS, dump_workout, load_workout
from pacer.workout.model import (
    CadenceRange,
    CadenceTargetUnit,
    Comparison,
    ConditionDuration,
    DistanceDuration,
    DistanceUnit,
    HrBasis,
    HrPercent,
    HrRange,
    HrZone,
    Intensity,
    Item,
    OpenDuration,
    PaceRange,
    PaceUnit,
    PowerPercent,
    PowerRange,
    Repeat,
    Sport,
    Step,
    Target,
    TimeDuration,
    Workout,
    expand,
)
from pacer.workout.profile import load_profile
from pacer.workout.resolve import resolve
from tests.support.paths import EXAMPLES

PROFILE = load_profile((EXAMPLES / "profile.yaml").read_text(), "profile.yaml")
CREATED = datetime(2024, 3, 1, 6, 30, tzinfo=UTC)
EXAMPLE_FILES = sorted(p for p in EXAMPLES.glob("*.yaml") if p.name != "profile.yaml")


def decode(data: bytes) -> dict[str, list[dict[str, Any]]]:
    from garmin_fit_sdk import Decoder, Stream

    assert Decoder(Stream.from_byte_array(bytearray(data))).check_integrity()
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read(
        expand_sub_fields=False, convert_datetimes_to_dates=False
    )
    assert errors == []
    return {k: [dict(m) for m in v] for k, v in messages.items()}


def example(name: str) -> Workout:
    path = EXAMPLES / name
    return load_workout(path.read_text(), str(path), profile=PROFILE)


# --- the file a watch reads -------------------------------------------------------------


def test_sweet_spot_file_structure() -> None:
    export = encode_fit_workout(example("bike-sweet-spot.yaml"), created=CREATED)
    msgs = decode(export.data)
    (file_id,) = msgs["file_id_mesgs"]
    assert file_id["type"] == "workout"
    assert file_id["manufacturer"] == "development"
    assert file_id["time_created"] == int(CREATED.timestamp()) - 631065600  # FIT epoch 1989-12-31
    (workout,) = msgs["workout_mesgs"]
    assert workout["wkt_name"] == "Sweet spot 3x10"
    assert workout["sport"] == "cycling"
    steps = msgs["workout_step_mesgs"]
    assert workout["num_valid_steps"] == len(steps) == 5
    assert [s["message_index"] for s in steps] == [0, 1, 2, 3, 4]
    warm, work, rec, repeat, cool = steps
    assert warm["duration_type"] == "time"
    assert warm["duration_value"] == 15 * 60_000
    assert (warm["target_type"], warm["custom_target_value_low"]) == ("power", 50)
    assert warm["custom_target_value_high"] == 65  # % FTP: up to 1000
    assert work["intensity"] == "active"
    assert work["secondary_target_type"] == "cadence"
    assert (
        work["secondary_custom_target_value_low"],
        work["secondary_custom_target_value_high"],
    ) == (
        85,
        95,
    )
    assert work["notes"] == "Smooth, seated"
    assert rec["intensity"] == "recovery"
    assert (rec["custom_target_value_low"], rec["custom_target_value_high"]) == (1120, 1150)
    assert repeat["duration_type"] == "repeat_until_steps_cmplt"
    assert repeat["duration_value"] == 1  # back to the first repeated step
    assert repeat["target_value"] == 3
    assert cool["intensity"] == "cooldown"
    assert export.warnings == []


def test_sub_zones_and_relative_paces_become_custom_ranges_from_the_profile() -> None:
    export = encode_fit_workout(example("step-up-run-pace.yaml"), PROFILE, created=CREATED)
    steps = decode(export.data)["workout_step_mesgs"]
    easy = steps[1]
    # MP+5..MP+10 s/mi at a 7:00/mi marathon pace: 7:05-7:10/mi = 3.7426-3.7867 m/s
    assert easy["target_type"] == "speed"
    assert (easy["custom_target_value_low"], easy["custom_target_value_high"]) == (3743, 3787)
    # the secondary "Z2 high": 124-130 bpm for a 185 max HR, written as bpm + 100
    assert easy["secondary_target_type"] == "heart_rate"
    assert easy["secondary_custom_target_value_low"] == 224
    assert easy["secondary_custom_target_value_high"] == 230
    texts = [str(w) for w in export.warnings]
    assert "step 2: MP+5s..MP+10s/mi written as the range 7:05-7:10/mi" in texts[0]
    assert "step 2: Z2 high written as the range 124-130 bpm" in texts[1]


def test_whole_zones_stay_zones() -> None:
    steps = decode(encode_fit_workout(example("step-up-run.yaml"), PROFILE, created=CREATED).data)
    z4 = steps["workout_step_mesgs"][3]
    assert (z4["target_type"], z4["target_value"]) == ("heart_rate", 4)
    assert "custom_target_value_low" not in z4


def test_hr_condition_is_bpm_plus_100_and_its_cap_is_dropped_with_a_warning() -> None:
    w = Workout(
        "Recover",
        (Step(Intensity.RECOVERY, ConditionDuration(Comparison.BELOW, 120, 180)),),
    )
    export = encode_fit_workout(w, created=CREATED)
    (step,) = decode(export.data)["workout_step_mesgs"]
    assert (step["duration_type"], step["duration_value"]) == ("hr_less_than", 220)
    assert [str(x) for x in export.warnings] == [
        "step 1: 'until HR < 120 bpm, max 3m': FIT has no time cap on a heart-rate condition; "
        "the cap is left out"
    ]


def test_targets_that_need_a_profile_without_one_are_errors_naming_steps() -> None:
    with pytest.raises(InputErrors) as err:
        encode_fit_workout(example("step-up-run.yaml"), None, created=CREATED)
    assert [str(e) for e in err.value.errors] == [
        "step 2: Z2 high needs an athlete profile (--profile) to become a FIT range",
        "step 3: Z3 mid needs an athlete profile (--profile) to become a FIT range",
    ]


def test_strength_steps_cannot_be_exported() -> None:
    with pytest.raises(InputErrors, match="step 2: strength steps"):
        encode_fit_workout(example("plyo-step-ups.yaml"), PROFILE, created=CREATED)


def test_nested_repeats_point_back_by_message_index() -> None:
    a = Step(Intensity.ACTIVE, TimeDuration(60))
    b = Step(Intensity.RECOVERY, TimeDuration(30))
    w = Workout(
        "Nest", (Step(Intensity.WARMUP, TimeDuration(600)), Repeat(2, (Repeat(3, (a, b)), a)))
    )
    steps = workout_messages(w, created=CREATED).steps
    kinds = [(s["message_index"], s["duration_type"], s.get("duration_value")) for s in steps]
    assert kinds == [
        (0, "time", 600_000),
        (1, "time", 60_000),
        (2, "time", 30_000),
        (3, "repeat_until_steps_cmplt", 1),
        (4, "time", 60_000),
        (5, "repeat_until_steps_cmplt", 1),
    ]
    assert [steps[3]["target_value"], steps[5]["target_value"]] == [3, 2]


# --- round trips ------------------------------------------------------------------------


def fit_expressible(w: Workout) -> bool:
    """True when every target and duration has a FIT form of its own (no profile needed)."""

    def target_ok(t: Target | None) -> bool:
        match t:
            case None | HrRange() | PaceRange() | CadenceRange() | PowerRange():
                return True
            case HrZone(zone, pos):
                return pos is None and zone.isdigit()
            case HrPercent(low, high, basis):
                return basis is HrBasis.MAX and low.is_integer() and high.is_integer()
            case PowerPercent(low, high):
                return low.is_integer() and high.is_integer()
        return False  # relative paces

    def ok(items: tuple[Item, ...]) -> bool:
        for item in items:
            if isinstance(item, Repeat):
                if not ok(item.items):
                    return False
            elif (
                item.strength is not None
                or len(item.secondary) > 1
                or not all(target_ok(t) for t in (item.target, *item.secondary))
                or (isinstance(item.duration, ConditionDuration) and item.duration.cap_seconds)
            ):
                return False
        return True

    return ok(w.items)


def projection(w: Workout) -> list[tuple[object, ...]]:
    """What the athlete runs: intensity, duration, concrete ranges, note."""
    out = []
    for s in resolve(w, PROFILE).steps:
        targets = [s.target, *s.secondary]
        ranges = [
            None if t is None else (t.metric, round(t.low, 4), round(t.high, 4)) for t in targets
        ]
        out.append((s.intensity, s.duration, ranges, s.note, s.repeats))
    return out


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_examples_round_trip_through_fit(path: Path) -> None:
    native = load_workout(path.read_text(), str(path), profile=PROFILE)
    if native.sport is Sport.STRENGTH:
        with pytest.raises(InputErrors, match="strength steps"):
            encode_fit_workout(native, PROFILE, created=CREATED)
        return
    export = encode_fit_workout(native, PROFILE, created=CREATED)
    back = import_workout(export.data, path.name, profile=PROFILE)
    assert back.warnings == []
    if fit_expressible(native):
        assert back.workout == native
        assert export.warnings == []
    else:
        # sub-zones and relative paces came back as the ranges they stood for
        assert export.warnings
        assert projection(back.workout) == projection(native)
    # either way the result is a valid native file
    assert load_workout(dump_workout(back.workout), "back.yaml", profile=PROFILE) == back.workout


def test_at_least_one_example_is_exactly_expressible() -> None:
    assert any(fit_expressible(example(p.name)) for p in EXAMPLE_FILES)


# --- a property: every workout FIT can express comes back unchanged ---------------------

_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC 0123456789.,'", min_size=1, max_size=40)
clean_words = _words.map(lambda t: clean_text(t) or "x")


def durations() -> st.SearchStrategy[object]:
    return st.one_of(
        st.integers(1, 4 * 3600).map(TimeDuration),
        st.integers(1, 999).map(lambda m: DistanceDuration(float(m), DistanceUnit.M)),
        st.integers(1, 100).map(lambda k: DistanceDuration(float(k), DistanceUnit.KM)),
        st.integers(1, 104).map(lambda q: DistanceDuration(q / 4, DistanceUnit.MI)),
        st.just(OpenDuration()),
        st.builds(ConditionDuration, st.sampled_from(Comparison), st.integers(30, 240)),
    )


def ordered(lo: int, hi: int) -> st.SearchStrategy[tuple[int, int]]:
    """Ranges with two distinct ends: a single value is written as the band pacer judges
    (test_a_single_value_is_written_as_the_band_pacer_judges), so it does not come back."""
    pairs = st.tuples(st.integers(lo, hi), st.integers(lo, hi)).filter(lambda r: r[0] != r[1])
    return pairs.map(sorted).map(tuple)  # type: ignore[arg-type]


def targets(sport: Sport, unit: PaceUnit) -> st.SearchStrategy[Target]:
    # paces FIT's mm/s tells apart to the second: up to 15 min/km or 20 min/mi
    pace = (120, 900) if unit is PaceUnit.KM else (200, 1200)
    cadence = CadenceTargetUnit.RPM if sport is Sport.BIKE else CadenceTargetUnit.SPM
    lo_c = 20 if sport is Sport.BIKE else 100
    return st.one_of(
        st.integers(1, 5).map(lambda z: HrZone(str(z))),
        ordered(30, 240).map(lambda r: HrRange(*r)),
        ordered(30, 100).map(lambda r: HrPercent(float(r[0]), float(r[1]), HrBasis.MAX)),
        ordered(*pace).map(lambda r: PaceRange(r[0], r[1], unit)),
        ordered(lo_c, 200).map(lambda r: CadenceRange(r[0], r[1], cadence)),
        ordered(1, 2500).map(lambda r: PowerRange(*r)),
        ordered(10, 250).map(lambda r: PowerPercent(float(r[0]), float(r[1]))),
    )


@st.composite
def fit_workouts(draw: st.DrawFn) -> tuple[Workout, PaceUnit]:
    sport = draw(st.sampled_from([Sport.RUN, Sport.BIKE]))
    unit = draw(st.sampled_from(PaceUnit))

    def step() -> Step:
        return Step(
            draw(st.sampled_from(Intensity)),
            draw(durations()),  # type: ignore[arg-type]
            draw(st.none() | targets(sport, unit)),
            tuple(draw(st.lists(targets(sport, unit), max_size=1))),
            draw(st.none() | clean_words),
            draw(st.none() | clean_words),
        )

    def items(depth: int) -> tuple[Item, ...]:
        out: list[Item] = []
        for _ in range(draw(st.integers(1, 3))):
            if depth < 3 and draw(st.booleans()):
                out.append(Repeat(draw(st.integers(1, 5)), items(depth + 1)))
            else:
                out.append(step())
        return tuple(out)

    body = items(0)
    assume(len(expand(body)) <= MAX_STEPS)  # the native loader's limit
    seconds = sum(
        f.step.duration.seconds for f in expand(body) if isinstance(f.step.duration, TimeDuration)
    )
    assume(seconds <= LONG_WORKOUT_SECONDS)  # longer ones import with a warning
    name = draw(clean_words)
    description = draw(st.none() | clean_words)
    return Workout(name, body, sport, description), unit


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fit_workouts())
def test_every_fit_expressible_workout_round_trips_unchanged(
    case: tuple[Workout, PaceUnit],
) -> None:
    native, unit = case
    assert fit_expressible(native)
    export = encode_fit_workout(native, created=CREATED)
    assert export.warnings == []
    back = import_workout(export.data, "prop.fit", pace_unit=unit)
    assert back.warnings == []
    assert back.workout == native


def test_a_ramp_is_written_as_the_range_covering_both_ends_with_a_warning() -> None:
    text = (
        "name: Ramps\nsport: bike\nsteps:\n"
        "  - warmup: 10m\n    target: ramp 50% FTP to 75% FTP\n"
        "    cues: [{at: 60s, text: settle in}]\n"
        "  - cooldown: 10m\n    target: ramp 130 bpm to 110 bpm\n"
    )
    export = encode_fit_workout(load_workout(text), created=CREATED)
    steps = decode(export.data)["workout_step_mesgs"]
    assert [
        (s["target_type"], s["custom_target_value_low"], s["custom_target_value_high"])
        for s in steps
    ] == [("power", 47, 78), ("heart_rate", 207, 233)]  # each end +/- its tolerance
    assert [str(w) for w in export.warnings] == [
        "step 1: FIT has no ramp target: ramp 50% FTP to 75% FTP written as one range covering "
        "both ends, which the watch holds for the whole step",
        "step 1: FIT workout steps hold no timed texts; 1 left out",
        "step 2: FIT has no ramp target: ramp 130 bpm to 110 bpm written as one range covering "
        "both ends, which the watch holds for the whole step",
        "FIT has no single-value target: 4 single values written as the band pacer judges "
        "(+/-3 bpm, 3% of watts or FTP points, 3 rpm/spm, 5 s/mi of pace; the profile's "
        "tolerances)",
    ]


def test_a_single_value_is_written_as_the_band_pacer_judges() -> None:
    text = (
        "name: Singles\nsport: bike\nsteps:\n"
        "  - active: 5m\n    target: 39% FTP\n    also: 80 rpm\n"
        "  - active: 5m\n    target: 250 W\n"
        "  - active: 5m\n    target: 150 bpm\n"
        "  - active: 5m\n    target: 88-94% FTP\n"
    )
    profile = load_profile("name: p\nftp: 250\ntolerances: {power: 2, cadence: 5}\n", "p.yaml")
    for prof, pct, rpm, watts in (
        (None, (36, 42), (77, 83), (242, 258)),  # the default tolerances
        (profile, (37, 41), (75, 85), (245, 255)),  # the profile's
    ):
        export = encode_fit_workout(load_workout(text), prof, created=CREATED)
        steps = decode(export.data)["workout_step_mesgs"]
        custom = [(s["custom_target_value_low"], s["custom_target_value_high"]) for s in steps]
        assert custom[0] == pct
        first = steps[0]
        secondary = (
            first["secondary_custom_target_value_low"],
            first["secondary_custom_target_value_high"],
        )
        assert secondary == rpm
        assert custom[1] == (watts[0] + 1000, watts[1] + 1000)
        assert custom[2] == (147 + 100, 153 + 100)
        assert custom[3] == (88, 94)  # a range stays the range written
        said = [str(w) for w in export.warnings]
        assert len(said) == 1
        assert said[0].startswith("FIT has no single-value target: 4 single values written as")


def test_text_longer_than_fit_holds_is_cut_at_a_character_boundary() -> None:
    long = " ".join(["Zone 2 é"] * 40)  # 359 characters, 399 bytes of UTF-8
    euros = "€" * 100  # a note's 100 characters (at most 120), 300 bytes
    text = (
        f"name: Long\nsport: run\ndescription: '{long}'\nsteps:\n"
        f"  - active: 5m\n    note: '{euros}'\n"
    )
    export = encode_fit_workout(load_workout(text), created=CREATED)
    decoded = decode(export.data)
    description = decoded["workout_mesgs"][0]["wkt_description"]
    note = decoded["workout_step_mesgs"][0]["notes"]
    assert long.startswith(description)
    assert len(description.encode("utf-8")) in (253, 254)
    assert note == "€" * 84  # 252 bytes: the 85th euro would need 255
    assert [str(w) for w in export.warnings] == [
        "step 1: the note cut to its first 84 of 100 characters (a FIT text holds 254 bytes)",
        f"the description cut to its first {len(description)} of {len(long)} characters "
        "(a FIT text holds 254 bytes)",
    ]
