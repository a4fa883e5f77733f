"""``pacer sim``'s options for the device's face, kept light: argparse and nothing else at
import time, so ``pacer --help`` stays fast. The work is done by :mod:`pacer.sim.view`.

Wiring, in ``pacer/cli/sim.py``::

    sim_face.add_arguments(parser)        # in register()
    ATTACH.append(sim_face.attach_cli)    # the observers of a simulated run
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pacer.engine.events import EngineEvent
    from pacer.sim.view import SimFace
    from pacer.workout.profile import Profile


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from pacer.core.argtypes import positive_int

    """``--view``, ``--gif``, ``--gif-frames``, ``--frames``, ``--haptics``."""
    g = parser.add_argument_group("the device's face")
    g.add_argument(
        "--view",
        choices=("terminal", "none"),
        default="none",
        help="show the OLED screen live in the terminal (half blocks, 130x35 characters)",
    )
    g.add_argument("--gif", metavar="FILE", help="record the screen as an animated GIF")
    g.add_argument(
        "--gif-frames",
        type=positive_int,
        default=600,
        metavar="N",
        help="most frames in the GIF; a longer run is thinned evenly (default 600)",
    )
    g.add_argument("--frames", metavar="DIR", help="write every frame the panel gets as a PNG")
    g.add_argument(
        "--haptics", action="store_true", help="print each vibration pattern as it fires"
    )


def attach_cli(
    args: argparse.Namespace,
    runner: Any,
    profile: Profile,
    stack: contextlib.ExitStack[Any],
    *,
    choose: Callable[[list[EngineEvent]], str | None] | None = None,
) -> SimFace | None:
    """Subscribe what the options ask for to a simulated run: the face (closed, and the GIF
    written, when ``stack`` closes) and, with ``--haptics``, a line per pattern as it fires
    (``choose``: the engine's ``pattern_for_batch`` unless told otherwise).
    """
    from pacer.sim import view as sim_view

    if args.haptics:
        if choose is None:
            from pacer.engine.feel import pattern_for_batch

            choose = pattern_for_batch
        sim_view.attach_haptics(runner, choose)
    if args.view == "none" and not args.gif and not args.frames:
        return None
    workout = getattr(getattr(runner, "engine", None), "workout", None)
    sport = getattr(getattr(workout, "sport", None), "value", "run")
    face = sim_view.attach(
        runner,
        view=args.view,
        gif=args.gif,
        frames=args.frames,
        units=profile.units,
        workout_name=getattr(workout, "name", ""),
        bike=sport == "bike",
        gif_max_frames=args.gif_frames,
    )
    stack.callback(face.close)
    return face
