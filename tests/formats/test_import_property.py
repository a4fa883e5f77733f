"""A property (issue 22): for every file ``pacer import`` accepts, the YAML it writes
passes ``pacer validate``. Generated Zwift, ERG/MRC and intervals.icu inputs, with the
awkward numbers real files carry (fractions of a second, 0 % FTP, texts on a step's edge,
long texts, many of them)."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pacer.cli import main
from pacer.core.errors import InputErrors
from pacer.formats.workouts import import_workout

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=260)
#: what XML 1.0 allows in an attribute (no C0 controls but tab and newline)
XML_TEXT = st.text(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn")),
        st.sampled_from("\t\n"),
    ),
    max_size=260,
)
SECONDS = st.one_of(
    st.integers(1, 4000).map(float),
    st.floats(0.5, 4000, allow_nan=False),
    st.sampled_from([60.000004, 100.00001, 29.99999]),
)
POWER = st.one_of(st.floats(0, 3, allow_nan=False), st.sampled_from([0.0, 0.005, 1.0]))


@st.composite
def zwo(draw: st.DrawFn) -> bytes:
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(
            st.sampled_from(
                ["Warmup", "SteadyState", "IntervalsT", "Ramp", "FreeRide", "MaxEffort", "Cooldown"]
            )
        )
        texts = "".join(
            f"<textevent timeoffset={quoteattr(repr(draw(st.floats(0, 5000, allow_nan=False))))} "
            f"message={quoteattr(draw(XML_TEXT))}/>"
            for _ in range(draw(st.integers(0, 4)))
        )
        if kind == "IntervalsT":
            attrs = (
                f'Repeat="{draw(st.integers(1, 12))}" OnDuration="{draw(SECONDS)}" '
                f'OffDuration="{draw(SECONDS)}" OnPower="{draw(POWER)}" OffPower="{draw(POWER)}"'
            )
        elif kind == "SteadyState":
            attrs = f'Duration="{draw(SECONDS)}" Power="{draw(POWER)}"'
        else:
            attrs = f'Duration="{draw(SECONDS)}" PowerLow="{draw(POWER)}" PowerHigh="{draw(POWER)}"'
        parts.append(f"<{kind} {attrs}>{texts}</{kind}>")
    loose = "".join(
        f'<textevent timeoffset="{draw(st.floats(0, 20000, allow_nan=False))}" '
        f"message={quoteattr(draw(XML_TEXT))}/>"
        for _ in range(draw(st.integers(0, 3)))
    )
    sport = draw(st.sampled_from(["bike", "run"]))
    body = f"<workout_file><sportType>{sport}</sportType><workout>{''.join(parts)}{loose}"
    return (body + "</workout></workout_file>").encode()


@st.composite
def erg(draw: st.DrawFn) -> bytes:
    unit = draw(st.sampled_from(["MINUTES WATTS", "MINUTES PERCENT", "MINUTES/PERCENT"]))
    t = 0.0
    points = []
    for _ in range(draw(st.integers(2, 14))):
        points.append(f"{t:.2f}\t{draw(st.integers(0, 400))}")
        t += draw(st.sampled_from([0.0, 0.25, 1.0, 2.5, 5.0, 0.01]))
    cues = "\n".join(
        f"{draw(st.integers(0, int(t * 60) + 30))}\t{' '.join(draw(TEXT).split()) or 'x'}\t10"
        for _ in range(draw(st.integers(0, 4)))
    )
    text = (
        f"[COURSE HEADER]\nVERSION = 2\nFTP = 250\n{unit}\n[END COURSE HEADER]\n"
        f"[COURSE DATA]\n" + "\n".join(points) + "\n[END COURSE DATA]\n"
        f"[COURSE TEXT]\n{cues}\n[END COURSE TEXT]\n"
    )
    return text.encode()


ICU_STEP = st.sampled_from(
    ["10m", "30s", "1h2m", "5'", '30"', "1km", "400mtr", "2mi", "90s", "15m55s"]
)
ICU_TARGET = st.sampled_from(
    [
        "Z2 HR",
        "75% HR",
        "ramp 50-75%",
        "90%",
        "250w",
        "5:00/km Pace",
        "Z3 Pace",
        "80% Pace",
        "90rpm",
        "",
        "0%",
        "freeride",
    ]
)


@st.composite
def icu(draw: st.DrawFn) -> bytes:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 5))):
        if draw(st.booleans()):
            lines.append(f"{draw(st.integers(2, 8))}x")
        for _ in range(draw(st.integers(1, 3))):
            words = " ".join(draw(TEXT).split())[:40].lstrip("-0123456789")
            lines.append(f"- {words} {draw(ICU_STEP)} {draw(ICU_TARGET)}".replace("  ", " "))
        lines.append("")
    return "\n".join(lines).encode()


def _accepted_files_validate(data: bytes, name: str) -> None:
    try:
        import_workout(data, name)
    except InputErrors:
        return  # refused with a located error: nothing is written, nothing to validate
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / name, Path(tmp) / "out.yaml"
        src.write_bytes(data)
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            imported = main(["import", str(src), "-o", str(out)])
            valid = main(["validate", str(out)]) if imported == 0 else None
        assert (imported, valid) == (0, 0), err.getvalue()[-2000:]


PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(zwo())
def test_every_accepted_zwift_file_writes_a_valid_workout(data: bytes) -> None:
    _accepted_files_validate(data, "w.zwo")


@PROPERTY
@given(erg())
def test_every_accepted_erg_or_mrc_file_writes_a_valid_workout(data: bytes) -> None:
    _accepted_files_validate(data, "w.erg")


@PROPERTY
@given(icu())
def test_every_accepted_intervals_icu_text_writes_a_valid_workout(data: bytes) -> None:
    _accepted_files_validate(data, "w.txt")
