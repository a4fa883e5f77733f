"""What the OLED shows: pure functions from plain data to 128x64 images; the rate cap.
May import: core..devices.

Nothing here touches a display; :mod:`pacer.screens.driver` decides when a picture is sent and
:mod:`pacer.devices.oled` sends it. Every screen is a function:

=====================  ============================================  ========================
screen                 function                                      input
=====================  ============================================  ========================
workout                :func:`render_workout`                        engine ``Snapshot``
totals (2nd page)      :func:`render_totals`                         engine ``Snapshot``
step change            :func:`render_step_change`                    engine ``Snapshot``
strength               :func:`render_strength`                       engine ``Snapshot``
paused                 :func:`render_paused`                         engine ``Snapshot``
summary                :func:`render_summary`                        :class:`SummaryView`
idle / home            :func:`render_idle`                           :class:`IdleView`
pairing / scan         :func:`render_pairing`                        :class:`PairingView`
errors                 :func:`render_error`                          :class:`ErrorView`
=====================  ============================================  ========================

:func:`render` dispatches on the type of its argument; :class:`Face` picks the screen of a
running workout tick by tick (step-change card, pause, summary, pages).
:mod:`pacer.screens.glyphs` says which of a workout's texts the font cannot draw as written.
"""

from __future__ import annotations

from PIL import Image

from pacer.engine.snapshot import RunState, Snapshot
from pacer.screens.base import HEIGHT, WIDTH
from pacer.screens.face import PAGES, Face, Screen
from pacer.screens.menus import render_error, render_idle, render_pairing, render_summary
from pacer.screens.views import (
    ERROR_TEXT,
    ErrorKind,
    ErrorView,
    FoundSensor,
    IdleView,
    PairingView,
    SummaryView,
    snapshot_summary,
    summary_view,
)
from pacer.screens.workout import (
    render_paused,
    render_step_change,
    render_strength,
    render_totals,
    render_workout,
)
from pacer.workout.profile import Units

View = Snapshot | IdleView | PairingView | SummaryView | ErrorView


def render(view: View, units: Units = Units.METRIC, *, bike: bool = False) -> Image.Image:
    """The screen for ``view``. A snapshot gives the workout screen of its state: paused,
    strength, the end screen (from the snapshot alone: no heart-rate averages; pass a
    :class:`SummaryView` from :func:`summary_view` for the full one) or the main screen.
    """
    match view:
        case Snapshot():
            if view.state is RunState.PAUSED:
                return render_paused(view, units)
            if view.state is RunState.DONE:
                return render_summary(snapshot_summary(view, ""), units)
            if view.strength is not None:
                return render_strength(view, units)
            return render_workout(view, units, bike=bike)
        case IdleView():
            return render_idle(view, units)
        case PairingView():
            return render_pairing(view)
        case SummaryView():
            return render_summary(view, units)
        case ErrorView():
            return render_error(view)
    raise TypeError(f"no screen for {type(view).__name__}")


__all__ = [
    "ERROR_TEXT",
    "HEIGHT",
    "PAGES",
    "WIDTH",
    "ErrorKind",
    "ErrorView",
    "Face",
    "FoundSensor",
    "IdleView",
    "PairingView",
    "Screen",
    "SummaryView",
    "View",
    "render",
    "render_error",
    "render_idle",
    "render_pairing",
    "render_paused",
    "render_step_change",
    "render_strength",
    "render_summary",
    "render_totals",
    "render_workout",
    "snapshot_summary",
    "summary_view",
]
