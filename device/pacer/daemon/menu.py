"""The idle screen's choices (pure): which workout a press starts, and an interrupted run.

Outside a workout the buttons drive a :class:`Menu`:

* START_PAUSE starts the selected workout; LAP (and SKIP) selects the next workout stored
  on the device, in name order, wrapping around.
* When the device restarted in the middle of a run (a power cut, a crash), the menu first
  offers that run: START_PAUSE resumes it in the step it was in, STOP (a long press) saves
  it as ended. Either way the offer is gone and the menu is back to the workouts.

:meth:`Menu.press` returns a :class:`Command` for the daemon to carry out; the menu itself
never touches the store.
"""

from __future__ import annotations

from dataclasses import dataclass

from pacer.core.actions import ButtonAction
from pacer.recording.storage import InterruptedRun

#: An interrupted recording that can be continued: its id in the store, its wall-clock
#: start, and where it was cut off (:func:`pacer.recording.storage.find_interrupted`).
ResumeOffer = InterruptedRun


@dataclass(frozen=True, slots=True)
class Start:
    name: str


@dataclass(frozen=True, slots=True)
class Resume:
    offer: ResumeOffer


@dataclass(frozen=True, slots=True)
class SaveEnded:
    offer: ResumeOffer


@dataclass(frozen=True, slots=True)
class Select:
    name: str


Command = Start | Resume | SaveEnded | Select


class Menu:
    """The workouts on the device (``names``), the selected one and a resume offer."""

    def __init__(
        self,
        names: tuple[str, ...] = (),
        selected: str | None = None,
        offer: ResumeOffer | None = None,
    ) -> None:
        self.names = names
        self.selected = selected
        self.offer = offer

    def update(self, names: tuple[str, ...], selected: str | None) -> None:
        """The store changed (a workout sent, deleted or selected over serial)."""
        self.names = names
        self.selected = selected if selected in names else None

    def press(self, action: ButtonAction) -> Command | None:
        """What ``action`` asks for on the idle screen (None: nothing)."""
        if self.offer is not None:
            offer = self.offer
            if action is ButtonAction.START_PAUSE:
                self.offer = None
                return Resume(offer)
            if action is ButtonAction.STOP:
                self.offer = None
                return SaveEnded(offer)
            return None
        if action is ButtonAction.START_PAUSE and self.selected is not None:
            return Start(self.selected)
        if action in (ButtonAction.LAP, ButtonAction.SKIP) and self.names:
            return Select(self._next())
        return None

    def _next(self) -> str:
        if self.selected not in self.names:
            return self.names[0]
        i = self.names.index(self.selected)
        return self.names[(i + 1) % len(self.names)]


__all__ = ["Command", "Menu", "Resume", "ResumeOffer", "SaveEnded", "Select", "Start"]
