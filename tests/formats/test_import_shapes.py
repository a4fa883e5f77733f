"""The shapes of issue 22 a coach's library holds (tests/data/shapes: ERG, MRC with
[COURSE TEXT], a TCX workout, Zwift IntervalsT with block texts, ``Power="0"``): each
imported, validated, shown, simulated and exported back to FIT through the CLI, the FIT
decoded by garmin-fit-sdk; then what each must keep. Also the rest of issue 22's rows:
intervals.icu inline repeats and % of threshold pace without a profile (strides.txt), a
Zwift run workout by race paces (run-paces.zwo), a Bryton FIT whose time steps have no
duration (bryton.fit) and a Stages Link FIT with targets in developer fields (stages.fit),
both written by tests/data/shapes/make_fit.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pacer.cli import main
from pacer.formats.workouts import ImportKind, detect_kind, import_workout
from pacer.workout.model import (
    Comparison,
    ConditionDuration,
    Cue,
    HrBasis,
    HrPercent,
    HrRange,
    HrZone,
    Intensity,
    OpenDuration,
    PaceRange,
    PaceUnit,
    PowerPercent,
    PowerRange,
    Ramp,
    Repeat,
    Sport,
    Step,
    TimeDuration,
    Workout,
    expand,
)
from pacer.workout.profile import load_profile
from tests.support.paths import EXAMPLES, REPO

SHAPES = REPO / "tests" / "data" / "shapes"
PROFILE_PATH = str(EXAMPLES / "profile.yaml")
PROFILE = load_profile((EXAMPLES / "profile.yaml").read_text(), "profile.yaml")
FILES = sorted(
    p for p in SHAPES.iterdir() if p.suffix in (".erg", ".mrc", ".tcx", ".zwo", ".txt", ".fit")
)


def decode_fit(data: bytes) -> dict[str, list[dict[str, Any]]]:
    from garmin_fit_sdk import Decoder, Stream

    assert Decoder(Stream.from_byte_array(bytearray(data))).check_integrity()
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    return {k: [dict(m) for m in v] for k, v in messages.items()}


def shape(name: str) -> Workout:
    path = SHAPES / name
    return import_workout(path.read_bytes(), path.name, profile=PROFILE).workout


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_each_shape_imports_validates_shows_simulates_and_exports(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "w.yaml"
    fit = tmp_path / "w.fit"
    profile = ["--profile", PROFILE_PATH]
    assert main(["import", str(path), "-o", str(out), *profile]) == 0
    assert main(["validate", str(out), *profile]) == 0
    assert f"{out}: ok: " in capsys.readouterr().out
    assert main(["show", str(out), *profile]) == 0
    assert main(["sim", str(out), "--fast", "--quiet", *profile]) == 0
    assert "100% of the workout done" in capsys.readouterr().out
    assert main(["export-workout", str(out), "-o", str(fit), *profile]) == 0
    msgs = decode_fit(fit.read_bytes())
    steps = import_workout(path.read_bytes(), path.name, profile=PROFILE).workout
    flat_items = sum(1 for _ in _walk(steps.items))
    assert len(msgs["workout_step_mesgs"]) == flat_items


def _walk(items: tuple[Any, ...]) -> list[Any]:
    """Steps and repeat markers, as FIT writes them (a repeat is a step of its own)."""
    out: list[Any] = []
    for item in items:
        out.extend([*_walk(item.items), item] if isinstance(item, Repeat) else [item])
    return out


def test_kinds_are_detected_by_content() -> None:
    kinds = {p.name: detect_kind(p.read_bytes()) for p in FILES}
    assert kinds == {
        "blocks.zwo": ImportKind.ZWO,
        "bryton.fit": ImportKind.FIT,
        "over-unders.erg": ImportKind.ERG,
        "power-zero.zwo": ImportKind.ZWO,
        "run-paces.zwo": ImportKind.ZWO,
        "stages.fit": ImportKind.FIT,
        "strides.txt": ImportKind.ICU,
        "sweetspot.mrc": ImportKind.ERG,
        "tempo.tcx": ImportKind.TCX,
    }
    mrc = SHAPES / "sweetspot.mrc"
    assert import_workout(mrc.read_bytes(), mrc.name).kind is ImportKind.MRC


# --- ERG and MRC -------------------------------------------------------------------------


def test_erg_points_become_ramps_steps_and_a_rest() -> None:
    path = SHAPES / "over-unders.erg"
    result = import_workout(path.read_bytes(), path.name)
    w = result.workout
    assert (w.name, w.sport, w.description) == (
        "over-unders",
        Sport.BIKE,
        "Over-unders at 250 W FTP",
    )

    def watts(a: int) -> PowerRange:
        return PowerRange(a, a)

    assert w.items == (
        # 100 -> 150 -> 200 is one slope: one ramp, not two
        Step(Intensity.ACTIVE, TimeDuration(600), Ramp(watts(100), watts(200))),
        Step(Intensity.ACTIVE, TimeDuration(180), watts(240)),
        Step(Intensity.ACTIVE, TimeDuration(60), watts(265)),
        Step(Intensity.ACTIVE, TimeDuration(180), watts(125)),
        Step(Intensity.REST, TimeDuration(60)),
        Step(Intensity.ACTIVE, TimeDuration(420), Ramp(watts(180), watts(100))),
    )
    assert [(x.step, x.message) for x in result.warnings] == [
        (5, "0 W: a rest step with no target")
    ]


def test_mrc_course_text_becomes_timed_cues_in_their_steps() -> None:
    path = SHAPES / "sweetspot.mrc"
    result = import_workout(path.read_bytes(), path.name)
    w = result.workout
    assert w.items == (
        Step(
            Intensity.ACTIVE,
            TimeDuration(600),
            Ramp(PowerPercent(50, 50), PowerPercent(75, 75)),
            cues=(Cue("Easy spin to start", at_s=0.0),),
        ),
        Step(
            Intensity.ACTIVE,
            TimeDuration(600),
            PowerPercent(90, 90),
            cues=(Cue("Sweet spot: settle in", at_s=0.0), Cue("Halfway there", at_s=300.0)),
        ),
        Step(
            Intensity.ACTIVE,
            TimeDuration(300),
            PowerPercent(55, 55),
            cues=(Cue("Spin it out", at_s=120.0),),
        ),
    )
    assert [str(x) for x in result.warnings] == [
        "sweetspot.mrc:22:1: warning: course text 'After the end' at 2000 s comes after the "
        "workout's end (25:00); left out"
    ]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("[COURSE HEADER]\nMINUTES WATTS\n[END COURSE HEADER]\n", "no [COURSE DATA] section"),
        (
            "[COURSE HEADER]\nMINUTES WATTS\n[END COURSE HEADER]\n[COURSE DATA]\n0 100\nfive 200\n",
            "w.erg:6:1: 'five 200' is not 'MINUTES POWER' in numbers",
        ),
        (
            "[COURSE HEADER]\nMINUTES WATTS\n[END COURSE HEADER]\n[COURSE DATA]\n5 100\n1 200\n",
            "w.erg:6:1: minute 1 goes back in time",
        ),
        (
            "[COURSE HEADER]\nDISTANCE GRADE\n[END COURSE HEADER]\n[COURSE DATA]\n0 1\n1 2\n",
            "a course by distance and grade is no workout",
        ),
    ],
)
def test_a_malformed_erg_names_its_line(
    body: str, error: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "w.erg"
    src.write_text(body)
    assert main(["import", str(src), "-o", str(tmp_path / "o.yaml")]) == 2
    assert error in capsys.readouterr().err
    assert not (tmp_path / "o.yaml").exists()


# --- TCX ---------------------------------------------------------------------------------


def test_tcx_workout_steps_repeats_zones_ranges_and_ends() -> None:
    path = SHAPES / "tempo.tcx"
    result = import_workout(path.read_bytes(), path.name, pace_unit=PaceUnit.KM)
    w = result.workout
    assert (w.name, w.sport) == ("Tempo TCX", Sport.RUN)
    assert w.description == "Three kilometres at tempo, recover to 130 bpm between."
    (warm, reps, steady, cadence, zone, cool) = w.items
    assert warm == Step(Intensity.ACTIVE, TimeDuration(600), HrZone("2"), name="Warm up")
    assert isinstance(reps, Repeat)
    assert reps.count == 3
    fast, recover = reps.items
    assert isinstance(fast, Step)
    assert fast.target == PaceRange(250, 270, PaceUnit.KM)
    assert isinstance(recover, Step)
    assert recover.duration == ConditionDuration(Comparison.BELOW, 130)
    assert recover.intensity is Intensity.REST
    assert isinstance(steady, Step)
    assert steady.target == HrRange(140, 155)
    assert isinstance(cadence, Step)
    assert cadence.target is None
    assert [t.low for t in cadence.secondary] == [170]
    assert isinstance(zone, Step)
    assert zone.target is None
    assert isinstance(cool, Step)
    assert cool.duration == OpenDuration()
    assert cool.target == HrPercent(60, 70, HrBasis.MAX)
    assert [(x.step, x.message) for x in result.warnings] == [
        (
            6,
            "a speed zone cannot be represented (speed zones live on the watch); "
            "the step has no target",
        )
    ]


def test_a_tcx_activity_is_not_a_workout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "ride.tcx"
    src.write_text(
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        "<Activities/></TrainingCenterDatabase>"
    )
    assert main(["import", str(src)]) == 2
    assert f"{src}:1:1: this TCX file holds an activity: no <Workouts><Workout>" in (
        capsys.readouterr().err
    )


# --- Zwift block texts and Power="0" -----------------------------------------------------


def fired(w: Workout) -> list[tuple[float, str]]:
    """Every cue with the second of the workout it fires at (time steps only)."""
    out: list[tuple[float, str]] = []
    clock = 0.0
    for flat in expand(w.items):
        step = flat.step
        assert isinstance(step.duration, TimeDuration)
        out.extend((clock + (c.at_s or 0.0), c.text) for c in step.cues)
        clock += step.duration.seconds
    return out


def test_intervalst_texts_fire_once_at_the_second_zwift_shows_them() -> None:
    w = shape("blocks.zwo")
    block = 300  # after the 5-minute warm-up; the block's period is 60 + 100 s
    assert fired(w) == [
        (block + 10, "First of four"),
        (block + 170, "Second: keep the rhythm"),
        (block + 300, "Recover"),
        # 319.6 s is 159.6 s into the second repetition: rounding would put it on the rest's
        # end (1:40), so it stays one second inside
        (block + 319, "On the edge of the rest"),
        (block + 360, "Last one"),
    ]
    # each repetition shows other texts (the fourth none), so the block is written out
    assert not any(isinstance(i, Repeat) for i in w.items)
    assert len(expand(w.items)) == 2 + 2 * 4


def test_a_repeat_without_texts_after_the_first_stays_a_repeat() -> None:
    data = (
        b'<workout_file><workout><IntervalsT Repeat="5" OnDuration="30" OffDuration="30" '
        b'OnPower="1.2" OffPower="0.5"><textevent timeoffset="5" message="Go"/>'
        b"</IntervalsT></workout></workout_file>"
    )
    w = import_workout(data, "r.zwo").workout
    first_on, _first_off, rest = w.items
    assert isinstance(first_on, Step)
    assert first_on.cues == (Cue("Go", at_s=5.0),)
    assert isinstance(rest, Repeat)
    assert rest.count == 4
    assert fired(w) == [(5.0, "Go")]


def test_power_zero_is_a_rest_step_with_a_warning() -> None:
    path = SHAPES / "power-zero.zwo"
    result = import_workout(path.read_bytes(), path.name)
    _easy, rest, hard = result.workout.items
    assert rest == Step(Intensity.REST, TimeDuration(180))
    assert isinstance(hard, Step)
    assert hard.target == PowerPercent(90, 90)
    assert [(x.step, x.message) for x in result.warnings] == [
        (2, "0% FTP: a rest step with no target")
    ]


def test_zwift_catalogue_ids_pass_without_a_word() -> None:
    data = (
        b"<workout_file><uniqueId>42</uniqueId><legacyIdHash>ab</legacyIdHash>"
        b"<categoryOverride>x</categoryOverride><workout>"
        b'<SteadyState Duration="60" Power="0.6"/></workout></workout_file>'
    )
    assert import_workout(data, "c.zwo").warnings == []
