"""Which screen to show during a workout, from the snapshot and events of each tick (pure).

``Face`` is the small state machine between the engine and the display: it keeps the step
change card up for a few seconds after a step starts, then the banner of a timed cue (the
engine's ``cue`` event, its text wrapped and paged, a few seconds a page), shows the strength
view during strength steps, the pause and summary screens, and cycles pages on the
next-screen button. It returns
an image; whether the image reaches the panel is the :class:`pacer.screens.driver.DisplayDriver`'s
business.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from PIL import Image

from pacer.engine.events import EngineEvent, EventType
from pacer.engine.snapshot import RunState, Snapshot
from pacer.screens.menus import render_summary
from pacer.screens.views import SummaryView, snapshot_summary
from pacer.screens.workout import (
    CUE_PAGE_S,
    cue_pages,
    render_cue,
    render_paused,
    render_step_change,
    render_strength,
    render_totals,
    render_workout,
)
from pacer.workout.profile import Units


class Screen(StrEnum):
    WORKOUT = "workout"
    TOTALS = "totals"
    STEP_CHANGE = "step_change"
    CUE = "cue"
    STRENGTH = "strength"
    PAUSED = "paused"
    SUMMARY = "summary"
    IDLE = "idle"
    PAIRING = "pairing"
    ERROR = "error"


#: the pages the next-screen button cycles through while a workout runs
PAGES = (Screen.WORKOUT, Screen.TOTALS)
#: the engine's event for a step's timed cue (``EventType.CUE``), its text in ``data["text"]``
CUE_EVENT = "cue"


class Face:
    """Chooses and renders the workout's screens. Feed it every tick with :meth:`update`.

    ``step_change_s`` is how long (workout seconds) the step card stays after a step starts.
    """

    def __init__(
        self,
        units: Units,
        *,
        workout_name: str = "",
        bike: bool = False,
        step_change_s: float = 4.0,
        saved: bool = True,
    ) -> None:
        self.units = units
        self.bike = bike
        self.step_change_s = step_change_s
        self.saved = saved
        self.workout_name = workout_name
        #: the end screen: set it from the engine's summary (:func:`summary_view`); without
        #: it the end screen has the last snapshot's time and distance only
        self.final: SummaryView | None = None
        self.page = 0
        self.screen = Screen.WORKOUT
        self._card_until: float | None = None
        self._card_step: int | None = None
        #: the cue banner: its text, when it starts (after a step card) and ends
        self._cue: str | None = None
        self._cue_from = 0.0
        self._cue_until = 0.0

    def next_page(self) -> None:
        self.page = (self.page + 1) % len(PAGES)

    def choose(self, snap: Snapshot, events: Iterable[EngineEvent] = ()) -> Screen:
        """Update the state from this tick and say which screen it shows."""
        for ev in events:
            if ev.type is EventType.STEP_START:
                self._card_until = snap.t + self.step_change_s
                self._card_step = ev.step
            elif ev.type == CUE_EVENT and isinstance(ev.data.get("text"), str):
                self._cue = str(ev.data["text"])
                card = self._card_until if self._card_step == ev.step else None
                self._cue_from = max(snap.t, card or snap.t)
                self._cue_until = self._cue_from + CUE_PAGE_S * len(cue_pages(self._cue))
        if snap.state is RunState.DONE:
            return Screen.SUMMARY
        if snap.state is RunState.PAUSED:
            return Screen.PAUSED
        if (
            self._card_until is not None
            and snap.t < self._card_until
            and self._card_step == snap.step_number
        ):
            return Screen.STEP_CHANGE
        self._card_until = None
        if self._cue is not None and self._cue_from <= snap.t < self._cue_until:
            return Screen.CUE
        if self._cue is not None and snap.t >= self._cue_until:
            self._cue = None
        if snap.strength is not None:
            return Screen.STRENGTH
        return PAGES[self.page]

    def update(self, snap: Snapshot, events: Iterable[EngineEvent] = ()) -> Image.Image:
        self.screen = self.choose(snap, events)
        return self.draw(self.screen, snap)

    def draw(self, screen: Screen, snap: Snapshot) -> Image.Image:
        match screen:
            case Screen.SUMMARY:
                view = self.final or snapshot_summary(snap, self.workout_name, saved=self.saved)
                return render_summary(view, self.units)
            case Screen.PAUSED:
                return render_paused(snap, self.units)
            case Screen.STEP_CHANGE:
                return render_step_change(snap, self.units, bike=self.bike)
            case Screen.CUE:
                page = int((snap.t - self._cue_from) // CUE_PAGE_S)
                return render_cue(snap, self._cue or "", page)
            case Screen.STRENGTH:
                return render_strength(snap, self.units)
            case Screen.TOTALS:
                return render_totals(snap, self.units)
            case _:
                return render_workout(snap, self.units, bike=self.bike)
