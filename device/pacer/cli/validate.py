"""``pacer validate``: check workout and profile files, every error with its position."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pacer.workout.model import Workout
    from pacer.workout.profile import Profile
    from pacer.workout.resolve import ResolvedWorkout

EPILOG = """\
Each file is checked whole: syntax, unknown keys (with a suggestion), durations and
targets, ranges with min > max, implausible values, repeats nested too deep, and zones the
athlete profile does not define. Every problem is printed as FILE:LINE:COL: message, so
editors can jump to it. A folder stands for the .yaml/.yml files inside it, recursively.

What is allowed but unusual (power above 400 % FTP, a workout over 8 hours, text the
device's screen cannot draw as written: CJK, most emoji, right-to-left scripts) is printed
as a warning; targets that need a value the profile lacks (ftp, lthr, a reference pace) as
a note saying what to add. Neither changes the exit status. A folder's entries that are
not regular files (a FIFO, a socket) are skipped with a note.

The profile is --profile, else a profile.yaml beside the workout, else the built-in
default (5 zones of max HR 190). A file without 'steps' that looks like a profile is
validated as one.

examples:
  pacer validate examples/
  pacer validate my-tempo.yaml --profile me.yaml

exit status: 0 when every file is valid, 2 when any file has an error.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "validate",
        help="check workout and profile files (a folder: every one in it)",
        description="Check workout files and athlete profiles; print a summary line per "
        "valid file and every error as FILE:LINE:COL: message.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE", type=Path)
    p.add_argument("--profile", type=Path, help="athlete profile (YAML) to resolve targets")
    p.set_defaults(handler=run)


def read_bytes(path: Path) -> bytes:
    """A workout, profile or importable file, its size checked before reading."""
    from pacer.core.errors import InputErrors, Location, WorkoutError
    from pacer.core.files import FileTooLarge, read_limited
    from pacer.formats.workouts.common import MAX_IMPORT_BYTES

    try:
        return read_limited(path, MAX_IMPORT_BYTES)
    except FileTooLarge as exc:
        raise InputErrors([WorkoutError(exc.reason, Location(str(path), 1, 1))]) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InputErrors(
            [WorkoutError(f"cannot read: {reason}", Location(str(path), 1, 1))]
        ) from None


def profile_for(workout: Path, explicit: Path | None) -> Profile | None:
    """--profile, else a profile.yaml beside the workout, else None (built-in defaults)."""
    from pacer.workout.profile import load_profile

    path = explicit
    if path is None:
        beside = workout.parent / "profile.yaml"
        path = beside if beside.is_file() and beside != workout else None
    if path is None:
        return None
    return load_profile(read_bytes(path), str(path))


def load_resolved(
    path: Path, explicit_profile: Path | None, *, as_written: bool = False
) -> tuple[Workout, ResolvedWorkout]:
    """A workout file checked and resolved against its profile (see :func:`profile_for`;
    built-in defaults when there is none). A target needing a value the profile lacks is an
    error naming it, unless ``as_written`` (for showing: see
    :func:`pacer.workout.resolve.resolve_step`)."""
    from pacer.workout.fileformat import load_workout
    from pacer.workout.profile import Profile
    from pacer.workout.resolve import require_profile_values, resolve

    profile = profile_for(path, explicit_profile) or Profile()
    workout = load_workout(read_bytes(path), str(path), profile=profile)
    if not as_written:
        require_profile_values(workout, profile, str(path))
    return workout, resolve(workout, profile, as_written=as_written)


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; a folder as the .yaml/.yml files inside it, recursively, in order.
    In a folder only regular files are read: anything else named ``*.yaml`` (a FIFO, which
    would block the read forever, a socket, a device) is skipped with a note on stderr."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            for p in sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")):
                if p.is_file():
                    out.append(p)
                elif not p.is_dir():
                    print(f"{shown(p)}: note: skipped, {_not_regular(p)}", file=sys.stderr)
        else:
            out.append(path)
    return out


def _not_regular(path: Path) -> str:
    import stat

    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    kinds = {stat.S_ISFIFO: "a FIFO", stat.S_ISSOCK: "a socket", stat.S_ISCHR: "a device"}
    kinds |= {stat.S_ISBLK: "a device", stat.S_ISLNK: "a broken link"}
    kind = next((name for test, name in kinds.items() if test(mode)), "not a file")
    return f"not a regular file ({kind})"


def shown(text: object) -> str:
    """A file name or message as printed: :func:`pacer.core.terminal.escaped`."""
    from pacer.core.terminal import escaped

    return escaped(str(text))


def remarks(path: Path, workout: Workout, profile: Profile) -> list[str]:
    """Warnings (allowed but unusual) and the note of what the profile lacks, one per line."""
    from pacer.screens.glyphs import text_warnings
    from pacer.workout.fileformat import workout_warnings
    from pacer.workout.resolve import missing_profile_values

    warnings = [*workout_warnings(workout), *text_warnings(workout)]
    lines = [f"{shown(path)}: warning: {shown(w)}" for w in warnings]
    missing = missing_profile_values(workout, profile)
    if missing:
        lines.append(
            f"{shown(path)}: note: targets that need {', '.join(missing)} are shown as written; "
            f"add {', '.join(missing)} to the athlete profile to see them in numbers and run it"
        )
    return lines


def looks_like_profile(data: bytes) -> bool:
    import yaml

    from pacer.workout.yamlnodes import MAX_FILE_BYTES, NestingLimitedLoader

    if len(data) > MAX_FILE_BYTES:
        return False  # load_workout says it is too large, without composing it first
    try:
        node = yaml.compose(data, Loader=NestingLimitedLoader)
    except (yaml.YAMLError, RecursionError):  # load_workout says what and where
        return False
    if not isinstance(node, yaml.MappingNode):
        return False
    keys = {k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    return "steps" not in keys and bool(keys & {"max_hr", "resting_hr", "lthr", "zones", "ftp"})


def check_file(path: Path, profile_path: Path | None) -> tuple[str, list[str]]:
    """The summary line of a valid file and its remarks; raises InputErrors otherwise."""
    from pacer.workout.describe import summary
    from pacer.workout.fileformat import load_workout
    from pacer.workout.profile import Profile, load_profile

    data = read_bytes(path)
    if looks_like_profile(data):
        profile = load_profile(data, str(path))
        zones = " ".join(f"Z{z.name} {z.low}-{z.high}" for z in profile.zones())
        return f"profile '{profile.name}', {profile.zone_model.value} zones: {zones}", []
    found = profile_for(path, profile_path)
    workout = load_workout(data, str(path), profile=found)
    return summary(workout), remarks(path, workout, found or Profile())


def run(args: argparse.Namespace) -> int:
    from pacer.core.errors import InputErrors

    failed = False
    for path in expand_paths(args.files):
        try:
            line, notes = check_file(path, args.profile)
        except InputErrors as exc:
            failed = True
            for err in exc.errors:
                print(shown(err), file=sys.stderr)
        else:
            print(f"{shown(path)}: ok: {shown(line)}")
            for note in notes:
                print(note)
    return 2 if failed else 0
