"""Every command that reads a file, fed bad files (issue 14): random bytes, truncated and
bit-flipped real FIT files (../shared/fixtures/fit, also with the CRC fixed up so the decoder
really parses the damage), deep nesting and huge numbers.

Each case must end with exit 2 and a message naming the file (or exit 0 when the bytes
happen to be a valid input), never a traceback (any exception escaping ``main`` fails the
test), within 2 s of CPU time. The bulk runs in-process (``pacer.cli.main``) so it is fast;
the worst cases run in a child process under ``RLIMIT_AS`` = 200 MiB, where its CPU time and
peak memory are measured by the kernel (``wait4``), not by the wall clock.
"""

from __future__ import annotations

import asyncio
import io
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pacer.cli import main
from pacer.core.terminal import escaped, unsafe
from tests.support.hostile import NUMBER_FIELDS
from tests.support.paths import EXAMPLES, FIT_FIXTURES

STEP_UP = str(EXAMPLES / "step-up-run.yaml")
STEP_UP_TEXT = (EXAMPLES / "step-up-run.yaml").read_text()
MAX_CPU_S = 2.0
MAX_MEMORY = 200 << 20

Argv = Callable[[str, Path], list[str]]

#: Every command that reads a file, with the file in each place it can be read from.
WORKOUT_COMMANDS: dict[str, Argv] = {
    "validate": lambda f, out: ["validate", f],
    "validate --profile": lambda f, out: ["validate", STEP_UP, "--profile", f],
    "show": lambda f, out: ["show", f],
    "import": lambda f, out: ["import", f, "-o", str(out / "w.yaml")],
    "export-workout": lambda f, out: ["export-workout", f, "-o", str(out / "w.fit")],
    "sim": lambda f, out: ["sim", f, "--fast", "--quiet", "--view", "none"],
    "sim --profile": lambda f, out: ["sim", STEP_UP, "--profile", f, "--fast", "--quiet"],
    "replay --workout": lambda f, out: ["replay", f, "--workout", f, "--quiet"],
}


def open_workout(out: Path) -> str:
    """A workout of one open step, which never ends on its own: a replay against it runs
    to the end of the recording, however far away that is (issue 20 D4)."""
    path = out / "open.yaml"
    path.write_text("name: open\nsport: run\nsteps:\n  - active: open\n    target: Z2\n")
    return str(path)


ACTIVITY_COMMANDS: dict[str, Argv] = {
    "replay": lambda f, out: ["replay", f, "--workout", STEP_UP, "--quiet"],
    "replay open": lambda f, out: ["replay", f, "--workout", open_workout(out), "--quiet"],
    "export": lambda f, out: ["export", f, "--format", "tcx", "-o", str(out / "a.tcx")],
    "report": lambda f, out: ["report", f],
}
COMMANDS = {**WORKOUT_COMMANDS, **ACTIVITY_COMMANDS}


@dataclass
class Outcome:
    code: int
    err: str
    cpu_s: float
    out: str = ""


def run_cli(argv: list[str]) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    start = time.process_time()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return Outcome(code, err.getvalue(), time.process_time() - start, out.getvalue())


def check(
    name: str, data: bytes, workdir: Path, suffix: str = ".dat", stem: str = "input"
) -> Outcome:
    """Write ``data``, run command ``name`` on it, assert the contract, return the outcome."""
    path = workdir / f"{stem}{suffix}"
    path.write_bytes(data)
    argv = COMMANDS[name](str(path), workdir)
    outcome = run_cli(argv)
    # replay exits 1 when a valid recording is shorter than the workout (documented)
    allowed = {0, 1, 2} if name.startswith("replay") else {0, 2}
    assert outcome.code in allowed, (argv, outcome)
    if outcome.code == 2:
        named = escaped(str(path)) in outcome.err
        assert named, f"{argv}: the message does not name the file: {outcome}"
        assert "Traceback" not in outcome.err
    # issue 20 D10: whatever the file held, nothing a terminal acts on is printed raw
    raw = [ch for ch in outcome.err + outcome.out if unsafe(ch) and ch != "\n"]
    assert not raw, (argv, raw[:5], outcome)
    assert outcome.cpu_s < MAX_CPU_S, (argv, outcome.cpu_s)
    TALLY["cases"] += 1
    if outcome.cpu_s > TALLY["worst_s"]:
        TALLY.update(worst_s=outcome.cpu_s, worst=f"{name} on {len(data)} bytes")
    return outcome


#: In-process cases run, and the slowest (CPU seconds): printed at the end of the module.
TALLY: dict[str, Any] = {"cases": 0, "worst_s": 0.0, "worst": ""}


@pytest.fixture(scope="module", autouse=True)
def _report_tally() -> Iterator[None]:
    yield
    print(
        f"\nin-process: {TALLY['cases']} cases, slowest {TALLY['worst_s']:.3f} s CPU "
        f"({TALLY['worst']})"
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# ------------------------------------------------------------------------- strategies

#: Pieces of the formats pacer reads, glued at random: YAML, TOML-ish, XML (zwo), CSV, JSON.
PIECES = [
    *"[]{}:-,\"'<>/=#\n",
    "  ",
    "- ",
    "steps:",
    "name: x\n",
    "active: ",
    "repeat: ",
    "5min",
    "1e400",
    "-1e400",
    "nan",
    "inf",
    "99999999999999999999999",
    "hr: Z2",
    "max_hr: ",
    "zones:",
    "<workout_file>",
    "<workout>",
    '<SteadyState Duration="',
    'Power="',
    "/>",
    "t,hr,speed\n",
    "time,heart_rate\n",
    "0,",
    "1e308,",
    '{"format": "pacer-activity-jsonl"}\n',
    '{"laps": [',
    '{"records": [{"t": ',
    "\xff",
    "\u2028",
    "\x00",
    '<?xml version="1.0" encoding="shift_jis"?>',
    '<?xml version="1.0" encoding="base64"?>',
    '<?xml version="1.0" encoding="x-nope"?>',
    '<textevent timeoffset="359.99" message="',
    '<IntervalsT Repeat="3" OnDuration="60.000004" OffDuration="100.00001" ',
    "[COURSE HEADER]\n",
    "[COURSE DATA]\n",
    "[COURSE TEXT]\n",
    "MINUTES PERCENT\n",
    "0.00\t50\n",
    '<TrainingCenterDatabase><Workouts><Workout Sport="Running">',
    '<Step xsi:type="Repeat_t"><Repetitions>',
    '<Duration xsi:type="Time_t"><Seconds>',
]

texts = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


def fit_fixtures() -> list[bytes]:
    if not FIT_FIXTURES.is_dir():
        return []
    return [p.read_bytes() for p in sorted(FIT_FIXTURES.glob("*.fit")) if p.stat().st_size < 8000]


def fix_crc(data: bytearray) -> bytes:
    """The file CRC (and the header CRC of a 14-byte header) recomputed, so a damaged body
    gets past the integrity check into the decoder."""
    from garmin_fit_sdk.crc_calculator import CrcCalculator

    if len(data) >= 14 and data[0] == 14:
        data[12:14] = CrcCalculator.calculate_crc(data, 0, 12).to_bytes(2, "little")
    if len(data) >= 16:
        data[-2:] = CrcCalculator.calculate_crc(data, 0, len(data) - 2).to_bytes(2, "little")
    return bytes(data)


@st.composite
def damaged_fit(draw: st.DrawFn) -> bytes:
    files = fit_fixtures()
    if not files:
        return draw(st.binary(max_size=200))
    data = bytearray(draw(st.sampled_from(files)))
    how = draw(st.sampled_from(["truncate", "flip", "flip+crc", "bytes+crc"]))
    if how == "truncate":
        return bytes(data[: draw(st.integers(0, len(data) - 1))])
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data) - 1))
        if how == "bytes+crc":
            data[at] = draw(st.integers(0, 255))
        else:
            data[at] ^= 1 << draw(st.integers(0, 7))
    return fix_crc(data) if how.endswith("+crc") else bytes(data)


def deep(kind: str, n: int) -> bytes:
    return {
        "flow": "[" * n,
        "block": "- " * n + "x",
        "mapping": "a: {" * n,
        "json": '{"laps": ' + "[" * n,
        "xml": "<workout_file>" + "<a>" * n,
    }[kind].encode()


# ------------------------------------------------------------------------------- tests

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@FUZZ
@given(name=st.sampled_from(sorted(COMMANDS)), data=st.binary(max_size=3000))
def test_random_bytes(workdir: Path, name: str, data: bytes) -> None:
    check(name, data, workdir)


@FUZZ
@given(
    name=st.sampled_from(sorted(COMMANDS)),
    text=texts,
    suffix=st.sampled_from([".yaml", ".zwo", ".json", ".csv", ".fit", ".txt"]),
)
def test_format_pieces(workdir: Path, name: str, text: str, suffix: str) -> None:
    check(name, text.encode("utf-8", "surrogatepass"), workdir, suffix)


@FUZZ
@given(name=st.sampled_from(["import", *sorted(ACTIVITY_COMMANDS)]), data=damaged_fit())
def test_damaged_fit_files(workdir: Path, name: str, data: bytes) -> None:
    check(name, data, workdir, ".fit")


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    name=st.sampled_from(sorted(COMMANDS)),
    kind=st.sampled_from(["flow", "block", "mapping", "json", "xml"]),
    n=st.integers(50, 30_000),
)
def test_deep_nesting(workdir: Path, name: str, kind: str, n: int) -> None:
    assert check(name, deep(kind, n), workdir).code == 2


HUGE = [
    "1e400",
    "-1e400",
    "nan",
    "inf",
    "1e308",
    "99999999999999999999999999",
    "-0",
    "1e-400",
    "10000000",
    "1e10",
]


@settings(max_examples=16, deadline=None, suppress_health_check=list(HealthCheck))
@given(number=st.sampled_from(HUGE), where=st.integers(0, 10))
def test_huge_numbers_in_every_format(workdir: Path, number: str, where: int) -> None:
    zwo = (
        "<workout_file><name>x</name><sportType>bike</sportType><workout>"
        f'<SteadyState Duration="{number if where % 3 == 0 else 60}" '
        f'Power="{number if where % 3 == 1 else 0.7}" '
        f'Cadence="{number if where % 3 == 2 else 90}"/></workout></workout_file>'
    )
    check("import", zwo.encode(), workdir, ".zwo")
    yaml = f"name: x\nsteps:\n  - active: {number}min\n    hr: {number}-{number} bpm\n"
    check("validate", yaml.encode(), workdir, ".yaml")
    profile = f"max_hr: {number}\nresting_hr: {number}\n"
    check("validate --profile", profile.encode(), workdir, ".yaml")
    csv = f"t,hr,speed,power\n0,{number},{number},{number}\n{number},150,3,200\n"
    for name in ACTIVITY_COMMANDS:
        check(name, csv.encode(), workdir, ".csv")
    json = '{"laps": [], "records": [{"t": NUM, "hr": NUM}]}'.replace("NUM", number)
    check("report", json.encode(), workdir, ".json")


# -------------------------------------------- the reproductions, one by one


def test_non_utf8_non_fit_activity_is_a_located_error(workdir: Path) -> None:
    for name in ACTIVITY_COMMANDS:
        outcome = check(name, b"t,hr\n\x81\xff\xfe", workdir, ".csv")
        assert outcome.code == 2
        assert "not a FIT file, and not UTF-8 text (byte 5)" in outcome.err


def test_validate_of_100k_brackets(workdir: Path) -> None:
    assert check("validate", b"[" * 100_000, workdir).code == 2


def test_validate_of_60k_brackets_says_where_the_nesting_is_too_deep(workdir: Path) -> None:
    outcome = check("validate", b"[" * 60_000, workdir, ".yaml")
    assert f"{workdir / 'input.yaml'}:1:65: YAML syntax error: nested more than 64" in outcome.err


def test_zwo_duration_1e400(workdir: Path) -> None:
    zwo = (
        b'<workout_file><workout><SteadyState Duration="1e400" Power="0.7"/>'
        b"</workout></workout_file>"
    )
    outcome = check("import", zwo, workdir, ".zwo")
    assert outcome.code == 2
    assert 'Duration="1e400" is not a number' in outcome.err


@pytest.mark.parametrize("enc", ["shift_jis", "utf-32", "utf-7", "gb18030", "x-nope", "base64"])
def test_zwo_in_an_encoding_expat_cannot_use(workdir: Path, enc: str) -> None:
    zwo = (
        f'<?xml version="1.0" encoding="{enc}"?><workout_file><workout>'
        '<SteadyState Duration="60" Power="0.7"/></workout></workout_file>'
    )
    outcome = check("import", zwo.encode(), workdir, ".zwo")
    assert outcome.code == 2
    assert f"encoding {enc} is not supported" in outcome.err


@pytest.mark.parametrize("what", ["10k cues", "1 MB cue", "1 MB description"])
def test_import_of_huge_texts_writes_what_validates(workdir: Path, what: str) -> None:
    big = "word " * 200_000  # 1 MB
    cues = {
        "10k cues": "".join(
            f'<textevent timeoffset="{i % 600}" message="t{i}"/>' for i in range(10_000)
        ),
        "1 MB cue": f'<textevent timeoffset="5" message="{big}"/>',
        "1 MB description": "",
    }[what]
    description = big if what == "1 MB description" else "d"
    zwo = (
        f"<workout_file><description>{description}</description><workout>"
        f'<SteadyState Duration="600" Power="0.7">{cues}</SteadyState></workout></workout_file>'
    )
    src, out = workdir / "huge.zwo", workdir / "huge.yaml"
    src.write_bytes(zwo.encode())  # under the 1 MiB a foreign file may have
    imported = run_cli(["import", str(src), "-o", str(out)])
    assert imported.code == 0, imported.err[-500:]
    assert len(imported.err) < 2000  # warnings quote an excerpt, not the text
    assert run_cli(["validate", str(out)]).code == 0


#: Python's own words, which garmin-fit-sdk's decode errors carry.
LEAKS = ("concatenate", "NoneType", "object has no attribute", "index out of range", "unpack")


def test_fit_decode_errors_do_not_leak_python_text(workdir: Path) -> None:
    files = fit_fixtures()
    if not files:
        pytest.skip("../shared/fixtures/fit not beside the repository")
    seen = set()
    for data, command, step in (
        (max(files, key=len), "report", 97),
        (min(files, key=len), "import", 7),
    ):
        for at in range(14, len(data) - 2, step):
            damaged = bytearray(data)
            damaged[at] ^= 0xFF
            outcome = check(command, fix_crc(damaged), workdir, ".fit")
            seen.add(outcome.code)
            for leak in LEAKS:
                assert leak not in outcome.err, outcome.err
    assert 2 in seen


# ---------------------------------------------------- worst cases in a child process


@dataclass
class ChildOutcome:
    code: int
    err: str
    cpu_s: float
    max_rss: int


def run_child(argv: list[str]) -> ChildOutcome:
    """``pacer ARGV`` in a child process limited to MAX_MEMORY of address space."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MAX_MEMORY, MAX_MEMORY))

    child = subprocess.Popen(
        [sys.executable, "-m", "pacer", *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=limit,
    )
    assert child.stderr is not None
    err = child.stderr.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return ChildOutcome(
        child.returncode, err, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024
    )


def worst_cases(workdir: Path) -> list[tuple[str, Path]]:
    huge = workdir / "huge.yaml"
    with huge.open("wb") as f:  # sparse: 45 MB on stat, nothing on disk
        f.truncate(45 << 20)
    huge_activity = workdir / "huge.fit"
    with huge_activity.open("wb") as f:
        f.truncate(45 << 20)
    brackets = workdir / "brackets.yaml"
    brackets.write_bytes(b"[" * 60_000)
    dashes = workdir / "dashes.yaml"
    dashes.write_bytes(b"- " * 30_000)
    deep_json = workdir / "deep.json"
    deep_json.write_bytes(b'{"laps": ' + b"[" * 1_000_000)
    noise = workdir / "noise.fit"
    header = bytes([14, 0x20, 0, 0, 0xF0, 0xFF, 0x0F, 0, *b".FIT", 0, 0])
    noise.write_bytes(header + os.urandom(1 << 20))  # a FIT header, then 1 MiB of noise
    cases = [(name, huge) for name in WORKOUT_COMMANDS]
    cases += [(name, huge_activity) for name in ACTIVITY_COMMANDS]
    cases += [("validate", brackets), ("show", dashes), ("report", deep_json)]
    cases += [(name, noise) for name in ACTIVITY_COMMANDS]
    return cases


def test_worst_cases_in_a_child_under_200_mib(workdir: Path) -> None:
    figures = []
    for name, path in worst_cases(workdir):
        argv = COMMANDS[name](str(path), workdir)
        outcome = run_child(argv)
        assert outcome.code == 2, (argv, outcome)
        assert str(path) in outcome.err, (argv, outcome)
        assert "Traceback" not in outcome.err, (argv, outcome)
        assert outcome.cpu_s < MAX_CPU_S, (argv, outcome)
        assert outcome.max_rss < MAX_MEMORY, (argv, outcome)
        figures.append((outcome.cpu_s, outcome.max_rss >> 20, name, path.name))
    cpu_s, mib, name, file = max(figures)
    print(f"worst: {cpu_s:.2f} s CPU, {mib} MiB peak ({name} {file}), {len(figures)} cases")


def test_a_closed_pipe_exits_quietly(recording: Path) -> None:
    """``pacer report X | head``: the reader is gone before we write (its end of the pipe is
    closed first, so the case does not depend on timing): exit 141, nothing on stderr."""
    for argv in (["report", str(recording)], ["report", str(recording), "--png", "-"]):
        read_end, write_end = os.pipe()
        os.close(read_end)
        done = subprocess.run(
            [sys.executable, "-m", "pacer", *argv],
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        )
        os.close(write_end)
        err = done.stderr.decode()
        assert done.returncode == 141, err
        assert "Traceback" not in err, err
        assert "BrokenPipe" not in err, err
        if "--png" not in argv:  # with --png - the table goes to stderr
            assert err == "", err


@pytest.fixture(scope="module")
def recording(workdir: Path) -> Path:
    from pacer.formats.activities.jsonfile import encode_json
    from tests.support.sim_recording import recorded_step_up

    path = workdir / "run.json"
    path.write_bytes(encode_json(recorded_step_up()[0]))
    return path


# ---------------------------------------------------------------------- the slow tier


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    name=st.sampled_from(sorted(COMMANDS)),
    data=st.one_of(st.binary(max_size=20_000), texts.map(str.encode), damaged_fit()),
)
def test_fuzz_long(workdir: Path, name: str, data: bytes) -> None:
    check(name, data, workdir)


async def test_device_status_to_a_closed_pipe_exits_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``pacer device status | head``: in-process, stdout a pipe whose reader is gone."""
    from tests.support.serial_rig import device_rig

    read_end, write_end = os.pipe()
    os.close(read_end)
    closed = os.fdopen(write_end, "w", encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", closed)
    try:
        async with device_rig(tmp_path) as rig:
            argv = ["device", "--port", rig.port, "--timeout", "3", "status"]
            assert await asyncio.to_thread(main, argv) == 141
    finally:
        closed.close()  # its fd now points at /dev/null: the last flush goes nowhere


async def test_device_pushes_of_bad_files_are_located_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.serial_rig import device_rig

    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"max_hr: \xff\xfe 190\n")
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as f:
        f.truncate(45 << 20)
    long = tmp_path / "long.yaml"  # issue 20 D2: exit 1 with a traceback
    long.write_text(NUMBER_FIELDS[0].text("1" * 400))
    cases = [
        (["profile", "push", str(bad)], f"{bad}:1:1: not a UTF-8 text file"),
        (["push", str(huge)], f"{huge}:1:1: file too large (47185920 bytes; the limit is 1 MiB)"),
        (["push", str(long)], f"{long}:4:13: number 111111...1111 (400 digits) is out of range"),
    ]
    async with device_rig(tmp_path) as rig:
        for argv, message in cases:
            full = ["device", "--port", rig.port, "--timeout", "3", *argv]
            assert await asyncio.to_thread(main, full) == 2
            assert message in capsys.readouterr().err
