"""Issues 13 and 15 end to end through the command line: cues in ``pacer sim`` and
``pacer replay`` ``--events``, a ZWO ramp imported and ridden, ``show`` with no FTP, a
recording shorter than the workout, the new athletes, and the cue banner in a GIF. Every file
is written here, for the test."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageSequence

from pacer.cli import main
from tests.support.paths import EXAMPLES

STEP_UP = str(EXAMPLES / "step-up-run.yaml")

CUED_RUN = """\
name: Cued run
sport: run
steps:
  - warmup: 2m
  - active: 5m
    target: Z2
    cues:
      - {at: 30s, text: settle in}
      - {at: 4m, text: "one minute left, stay relaxed and keep the turnover quick"}
  - cooldown: 1km
    cues: [{at: 500m, text: half way home}]
"""

RAMP_ZWO = """\
<workout_file>
  <name>Ramp test</name>
  <sportType>bike</sportType>
  <workout>
    <SteadyState Duration="300" Power="0.5"/>
    <Ramp Duration="600" PowerLow="0.6" PowerHigh="0.9"/>
    <SteadyState Duration="180" Power="0.5"/>
  </workout>
</workout_file>
"""
RIDER = "name: Rider\nmax_hr: 185\nftp: 250\n"
RAMP_START, RAMP_S, RIDE_S = 300, 600, 1080


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def events_of(path: Path, kind: str | None = None) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return [r for r in rows if kind is None or r["type"] == kind]


# --- 1. cues: pacer sim --events, and the replay of its recording ----------------------------


def test_cues_fire_on_their_second_in_sim_and_in_the_replay_of_its_recording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workout = tmp_path / "cued.yaml"
    workout.write_text(CUED_RUN)
    events, record = tmp_path / "sim.jsonl", tmp_path / "run.json"
    code, out, _ = run_cli(
        capsys, "sim", str(workout), "--events", str(events), "--record", str(record)
    )
    assert code == 0
    cues = events_of(events, "cue")
    assert cues[:2] == [
        {"t": 150.0, "type": "cue", "step": 2, "text": "settle in", "at_s": 30.0},
        {
            "t": 360.0,
            "type": "cue",
            "step": 2,
            "text": "one minute left, stay relaxed and keep the turnover quick",
            "at_s": 240.0,
        },
    ]
    # the distance cue: once, in the cool-down, on its metre
    (home,) = cues[2:]
    assert (home["step"], home["text"], home["at_m"]) == (3, "half way home", 500.0)
    cooldown = next(e for e in events_of(events, "step_start") if e["step"] == 3)
    done = events_of(events, "workout_done")[0]
    assert cooldown["t"] < home["t"] < done["t"]
    assert "2:30  2/3  cue: settle in" in out
    # the recording replayed, as pacer's JSON and as the FIT and CSV it exports to
    for fmt in ("json", "fit", "csv"):
        activity = record
        if fmt != "json":
            activity = tmp_path / f"run.{fmt}"
            assert main(["export", str(record), "-f", fmt, "-o", str(activity)]) == 0
        replayed = tmp_path / f"replay-{fmt}.jsonl"
        code, out, err = run_cli(
            capsys, "replay", str(activity), "-w", str(workout), "--events", str(replayed)
        )
        assert code == 0, (fmt, err)  # the cool-down's last metres, in its last second
        assert "warning" not in err
        got = events_of(replayed, "cue")
        assert [(c["step"], c["text"]) for c in got] == [(c["step"], c["text"]) for c in cues]
        assert [c["t"] for c in got[:2]] == [150.0, 360.0], fmt
        assert abs(got[2]["t"] - home["t"]) <= 2, fmt  # distance from the recorded metres
        assert "6:00  2/3  cue: one minute left" in out


CAFE_ZWO = (
    b"<workout_file>\n  <name>Caf\xe9 sprints</name>\n  <sportType>bike</sportType>\n"
    b"  <workout>\n"
    b'    <Warmup Duration="300" PowerLow="0.4" PowerHigh="0.7">\n'
    b'      <textevent timeoffset="60" message="settle in \x96 easy"/>\n'
    b"    </Warmup>\n"
    b'    <SteadyState Duration="15" Power="3.0"/>\n'
    b'    <SteadyState Duration="300" Power="0.5">\n'
    b'      <textevent timeoffset="240" message="one minute left"/>\n'
    b"    </SteadyState>\n  </workout>\n</workout_file>\n"
)  # Windows-1252 bytes (an e acute, an en dash), no encoding declared


def test_an_imported_zwos_text_events_fire_as_cues_in_sim(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    zwo, workout, profile = tmp_path / "cafe.zwo", tmp_path / "cafe.yaml", tmp_path / "p.yaml"
    zwo.write_bytes(CAFE_ZWO)
    profile.write_text(RIDER)
    code, _, err = run_cli(capsys, "import", str(zwo), "-o", str(workout))
    assert code == 0
    assert "read as Windows-1252" in err
    assert err.endswith("3 steps, 1 warning\n")
    text = workout.read_text()
    assert 'name: "Caf\u00e9 sprints"' in text
    assert "target: ramp 40% FTP to 70% FTP" in text
    assert "target: 300% FTP" in text  # a sprint, not refused
    events = tmp_path / "cafe.jsonl"
    code, _, err = run_cli(
        capsys, "sim", str(workout), "--profile", str(profile), "--quiet", "--events", str(events)
    )
    assert code == 0, err
    assert [(c["t"], c["step"], c["text"]) for c in events_of(events, "cue")] == [
        (60.0, 1, "settle in \u2013 easy"),
        (300.0 + 15.0 + 240.0, 3, "one minute left"),
    ]


# --- 2. a ZWO ramp imported, and rides that follow it or hold its start ----------------------


def follow(t: int) -> int:
    if RAMP_START <= t < RAMP_START + RAMP_S:
        return round(150 + 75 * (t - RAMP_START) / RAMP_S)
    return 125


def hold(t: int) -> int:
    return 150 if RAMP_START <= t < RAMP_START + RAMP_S else 125


def write_ride(path: Path, power: Callable[[int], int]) -> Path:
    """A ride at 1 Hz with power per second, as a CSV from another tool or a FIT file."""
    if path.suffix == ".csv":
        rows = [f"{t},130,90,{power(t)}" for t in range(RIDE_S + 1)]
        path.write_text("t,hr,cadence,power\n" + "\n".join(rows) + "\n")
        return path
    from pacer.formats.activities.fit import encode_activity
    from pacer.recording.model import Activity, ActivityEvent, EventKind, Lap, Record
    from pacer.workout.model import Intensity, Sport

    records = tuple(
        Record(t=t, timer=t, hr=130, cadence=90, speed=8.0, distance=8.0 * t, power=power(t))
        for t in range(RIDE_S + 1)
    )
    activity = Activity(
        id="ride",
        start=1_750_000_000.0,
        sport=Sport.BIKE,
        laps=(Lap(0, "Ride", Intensity.ACTIVE, 0.0, RIDE_S + 1.0),),
        records=records,
        events=(ActivityEvent(0.0, EventKind.START, 0, {"sport": "bike"}),),
        device="test bike computer",
    )
    path.write_bytes(encode_activity(activity))
    return path


@pytest.fixture
def ramp_workout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    zwo = tmp_path / "ramp.zwo"
    zwo.write_text(RAMP_ZWO)
    profile = tmp_path / "rider.yaml"
    profile.write_text(RIDER)
    workout = tmp_path / "ramp.yaml"
    code, _, err = run_cli(capsys, "import", str(zwo), "-o", str(workout))
    assert code == 0
    assert "wrote" in err
    assert "0 warnings" in err
    text = workout.read_text()
    assert "target: ramp 60% FTP to 90% FTP" in text
    assert "sport: bike" in text
    return workout, profile


def replay_ride(
    ramp_workout: tuple[Path, Path], ride: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[str, str, list[dict[str, Any]]]:
    """``pacer replay RIDE`` against the imported ramp: stdout, stderr and the events."""
    workout, profile = ramp_workout
    events = ride.with_suffix(".jsonl")
    code, out, err = run_cli(
        capsys, "replay", str(ride), "-w", str(workout), "--profile", str(profile),
        "--events", str(events),
    )  # fmt: skip
    assert code == 0, err
    return out, err, events_of(events)


@pytest.mark.parametrize("suffix", [".csv", ".fit"])
def test_a_ride_that_follows_the_imported_ramp_gets_no_alert(
    suffix: str,
    ramp_workout: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out, err, rows = replay_ride(ramp_workout, write_ride(tmp_path / f"f{suffix}", follow), capsys)
    assert err == ""  # a ride against a ride: no sport warning, the CSV's included
    assert [r["type"] for r in rows if r["type"].startswith("alert")] == []
    assert "5:00  2/3  ramp 60% FTP to 90% FTP: 10m, ramp 60% FTP 150 W to 90% FTP 225 W" in out
    assert rows[-1]["type"] == "workout_done"


@pytest.mark.parametrize("suffix", [".csv", ".fit"])
def test_holding_the_ramps_starting_power_is_alerted_under_as_the_ramp_leaves_it(
    suffix: str,
    ramp_workout: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pacer.cli.validate import load_resolved
    from pacer.engine.policy import AlertPolicy

    workout, profile = ramp_workout
    _, _, rows = replay_ride(ramp_workout, write_ride(tmp_path / f"h{suffix}", hold), capsys)
    alerts = [r for r in rows if r["type"].startswith("alert")]
    assert alerts, "150 W against a ramp to 225 W falls under it"
    assert {r["type"] for r in alerts} == {"alert_under"}
    assert all(r["step"] == 2 and r["value"] == 150 for r in alerts)
    # judged against the band of that second: no alert until the ramp's floor has passed
    # 150 W (and the under dwell has run), and the rising floor named in each alert
    _, resolved = load_resolved(workout, profile)
    target = resolved.steps[1].target
    assert target is not None
    assert target.end_low is not None
    crossed = RAMP_START + RAMP_S * (150 - target.low) / (target.end_low - target.low)
    dwell = AlertPolicy().power.under_dwell_s
    assert all(r["t"] >= crossed + dwell for r in alerts)
    assert all(RAMP_START <= r["t"] < RAMP_START + RAMP_S for r in alerts)
    assert any(r["t"] >= RAMP_START + RAMP_S / 2 for r in alerts)  # the second half too
    lows = [r["low"] for r in alerts]
    assert lows == sorted(lows)
    assert lows[0] > 150


def test_the_simulated_rider_follows_the_imported_ramp(
    ramp_workout: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pacer.formats.activities.load import load_activity_file

    workout, profile = ramp_workout
    record = tmp_path / "ride.json"
    code, _, err = run_cli(
        capsys, "sim", str(workout), "--profile", str(profile), "--quiet", "--record", str(record)
    )
    assert code == 0, err
    ramp = [r for r in load_activity_file(record).records if r.step == 1]
    assert len(ramp) == RAMP_S
    # past the ease-in, the engine judges the rider inside the band of each second, the band
    # moving up (before the fix the rider held the ramp's start: 0 % in target)
    # (judged on half-minute means: a real power meter wobbles ~14 % second to second, the
    # fitted body's, and the engine's 10-s mean still wobbles about the band's half-width)
    settled = ramp[120:]
    blocks = [settled[i : i + 30] for i in range(0, len(settled) - 29, 30)]
    inside = [
        b
        for b in blocks
        if b[15].target_low <= sum(r.power or 0 for r in b) / 30 <= b[15].target_high  # type: ignore[operator]
    ]
    assert len(inside) >= 0.9 * len(blocks)
    assert settled[-1].target_low > settled[0].target_high  # type: ignore[operator]
    assert sum(r.power or 0 for r in ramp[-60:]) / 60 > 210


# --- 3. show with the built-in profile --------------------------------------------------------


def test_show_with_the_built_in_profile_prints_targets_as_written_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no profile.yaml beside the workout, none given
    bike = tmp_path / "ss.yaml"
    bike.write_text(
        "name: Singles\nsport: bike\nsteps:\n  - active: 10m\n    target: 88% FTP\n"
        "  - active: 5m\n    target: 150 bpm\n"
    )
    code, out, _ = run_cli(capsys, "show", str(bike))
    assert code == 0
    assert "profile 'default'" in out.splitlines()[0]
    rows = [line.split() for line in out.splitlines() if re.match(r"^\d\s", line)]
    assert rows[0][:3] == ["1", "88%", "FTP"]
    assert "88% FTP" in out
    assert "150 bpm" in out
    assert re.search(r"\b(\d+)-\1\b", out) is None
    assert "88-88" not in out
    assert "150-150" not in out
    assert " W" not in out
    assert f"{bike}: note: targets that need ftp are shown as written; add ftp" in out
    # a pace in an imperial profile without the reference paces: as written, a note
    run = tmp_path / "run.yaml"
    run.write_text(
        "name: Paces\nsteps:\n  - active: 10m\n    target: 7:00/mi\n"
        "  - active: 5m\n    target: MP+10s/mi\n"
    )
    imperial = tmp_path / "me.yaml"
    imperial.write_text("name: Me\nmax_hr: 185\nunits: imperial\n")
    code, out, _ = run_cli(capsys, "show", str(run), "--profile", str(imperial))
    assert code == 0
    rows = [line for line in out.splitlines() if re.match(r"^\d\s", line)]
    assert rows[0].split()[1] == "7:00/mi"
    assert rows[0].count("7:00/mi") == 2
    assert "MP+10s/mi" in rows[1]
    assert "7:00-7:00" not in out
    assert ".." not in out
    assert "add paces.marathon" in out


# --- 4. a recording shorter than the workout ---------------------------------------------------


def test_a_recording_shorter_than_the_workout_exits_1_and_says_so_even_quiet(
    ramp_workout: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workout, profile = ramp_workout
    ride = tmp_path / "short.csv"
    rows = [f"{t},130,90,{follow(t)}" for t in range(601)]
    ride.write_text("t,hr,cadence,power\n" + "\n".join(rows) + "\n")
    for quiet in (("--quiet",), ()):
        code, out, err = run_cli(
            capsys, "replay", str(ride), "-w", str(workout), "--profile", str(profile), *quiet
        )
        assert code == 1
        assert "(ended early)" in out
        assert err == (
            "pacer: the recording ended at 10:01, in step 2/3, before the workout did "
            "(18:00 planned): the summary covers what was recorded (exit status 1)\n"
        )


# --- 5. the new athletes from the command line -------------------------------------------------


def test_hot_start_and_artefacts_athletes_run_from_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["sim", "--help"])
    help_text = capsys.readouterr().out
    assert "hot-start    warms up too hard" in help_text
    assert "artefacts    disciplined, with a strap that spikes" in help_text
    with pytest.raises(SystemExit):
        main(["run", "--help"])  # the device's --hardware sim offers the same athletes
    words = " ".join(capsys.readouterr().out.split())  # however argparse wraps it
    assert "fader, dropout, strength, hot-start, artefacts" in words
    hot = tmp_path / "hot.jsonl"
    code, out, _ = run_cli(
        capsys, "sim", STEP_UP, "--athlete", "hot-start", "--events", str(hot)
    )  # fmt: skip
    assert code == 0
    assert "athlete hot-start, seed 1" in out.splitlines()[0]
    # too hot into the first step: the overshoot is alerted at the step change (issue 13)
    first = next(e for e in events_of(hot, "step_start") if e["step"] == 2)
    overs = [e for e in events_of(hot, "alert_over") if e["step"] == 2]
    assert overs
    assert overs[0]["t"] - first["t"] <= 15
    spiky = tmp_path / "artefacts.jsonl"
    record = tmp_path / "artefacts.json"
    code, out, _ = run_cli(
        capsys, "sim", STEP_UP, "--athlete", "artefacts", "--events", str(spiky),
        "--record", str(record),
    )  # fmt: skip
    assert code == 0
    rows = events_of(spiky)
    assert {"sensor_lost", "sensor_back"} <= {r["type"] for r in rows}  # it did drop out
    # the 200-230 bpm spikes are never believed: not recorded, and no over alert reports one
    # (a believed spike lifts the 5-s mean 15+ bpm; the body's own wander over the top of a
    # 6-bpm band is a few bpm)
    from pacer.formats.activities.load import load_activity_file

    assert max(r.hr or 0 for r in load_activity_file(record).records) < 190
    assert all(r["value"] < r["high"] + 5 for r in rows if r["type"] == "alert_over")


# --- 6. the cue banner in a GIF ----------------------------------------------------------------

GIF_WORKOUT = """\
name: Ramp with cues
sport: bike
steps:
  - warmup: 3m
  - active: 10m
    target: ramp 60% FTP to 90% FTP
    cues:
      - {at: 2m, text: "Stay seated and keep the cadence high as the ramp climbs"}
      - {at: 9m, text: one minute left}
  - cooldown: 2m
"""


def changed(a: Path, b: Path) -> float:
    """The fraction of the panel's pixels that differ between two frames."""
    with Image.open(a) as x, Image.open(b) as y:
        diff = ImageChops.logical_xor(x.convert("1"), y.convert("1"))
        return diff.histogram()[255] / (diff.width * diff.height)


def test_a_gif_of_a_workout_with_cues_and_a_ramp_keeps_the_cue_banner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workout = tmp_path / "w.yaml"
    workout.write_text(GIF_WORKOUT)
    profile = tmp_path / "rider.yaml"
    profile.write_text(RIDER)
    gif, frames = tmp_path / "run.gif", tmp_path / "frames"
    code, _, err = run_cli(
        capsys, "sim", str(workout), "--profile", str(profile), "--view", "none", "--quiet",
        "--gif", str(gif), "--gif-frames", "20", "--frames", str(frames),
    )  # fmt: skip
    assert code == 0, err
    pngs = {p.name.split("-", 1)[1]: p for p in sorted(frames.glob("*.png"))}

    def at(h_m_s: str) -> Path:
        return pngs[f"{h_m_s}.png"]

    # the first cue at 3:00 + 2:00: the banner stands a few seconds (no frame is sent while
    # it does), between two workout screens that differ less from each other than from it
    before, banner, after = at("0h04m59s"), at("0h05m00s"), at("0h05m04s")
    assert "0h05m01s" not in pngs
    assert changed(before, banner) > 0.2
    assert changed(banner, after) > 0.2
    assert changed(before, after) < changed(before, banner) / 3
    # the GIF, thinned to 20 frames over 15 minutes, keeps the banner's first frame
    with Image.open(gif) as im:
        shown = [
            f.convert("L").resize((128, 64)).point(lambda v: 255 if v > 100 else 0).tobytes()
            for f in ImageSequence.Iterator(im)
        ]
    assert 2 <= len(shown) <= 21
    with Image.open(at("0h05m00s")) as first_banner:
        want = first_banner.convert("L").point(lambda v: 255 if v > 100 else 0).tobytes()
    assert want in shown
