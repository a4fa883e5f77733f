"""How many corpus files import with no warning (and which warn or fail), against the
corpus profile:

    .venv/bin/python -m tests.data.corpus.measure [-v]
"""

from __future__ import annotations

import sys
from pathlib import Path

from pacer.core.errors import InputErrors
from pacer.formats.workouts import import_workout
from pacer.workout.profile import load_profile

HERE = Path(__file__).resolve().parent
KINDS = ("zwo", "icu", "fit")


def corpus_files() -> list[Path]:
    return sorted(p for kind in KINDS for p in (HERE / kind).iterdir() if p.is_file())


def main() -> None:
    verbose = "-v" in sys.argv
    profile = load_profile((HERE / "profile.yaml").read_bytes(), "profile.yaml")
    clean = warned = failed = 0
    for path in corpus_files():
        name = f"{path.parent.name}/{path.name}"
        try:
            result = import_workout(path.read_bytes(), name, profile=profile)
        except InputErrors as exc:
            failed += 1
            print(f"FAIL {name}: {exc}")
            continue
        if result.warnings:
            warned += 1
            print(f"WARN {name}: {len(result.warnings)}")
            if verbose:
                for w in result.warnings:
                    print(f"     {w}")
        else:
            clean += 1
            print(f"ok   {name}")
    total = clean + warned + failed
    print(f"{total} files: {clean} with 0 warnings, {warned} with warnings, {failed} failed")


if __name__ == "__main__":
    main()
