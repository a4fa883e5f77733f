"""The idle screen's content: the resume offer, the selected workout (resolved once per
stored version against the stored profile), the sensors and the battery."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pacer.core.errors import InputErrors
from pacer.daemon.live import resolve_stored, stored_profile
from pacer.daemon.menu import Menu
from pacer.daemon.screen import HomeView, home_view

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pacer.core.samples import SensorRole
    from pacer.storage.store import Store
    from pacer.workout.profile import Units
    from pacer.workout.resolve import ResolvedWorkout

log = logging.getLogger(__name__)


class Home:
    """Builds the idle screen's view from the store and the menu; ``buttons`` is how many
    buttons the device has (the hint names the presses accordingly)."""

    def __init__(self, store: Store, menu: Menu, buttons: int) -> None:
        self.store = store
        self.menu = menu
        self.buttons = buttons
        self._units: Units | None = None
        #: resolved once per stored workout: the idle screen asks every second
        self._described: dict[str, ResolvedWorkout | None] = {}

    def view(self, sensors: dict[SensorRole, bool], battery: int | None) -> HomeView:
        selected = self.menu.selected
        described = None if selected is None or self.menu.offer else self.describe(selected)
        return home_view(self.menu, sensors, battery, described, self.keys())

    @property
    def units(self) -> Units:
        if self._units is None:
            self._units = stored_profile(self.store).units
        return self._units

    def profile_changed(self) -> None:
        self._units = None
        self._described.clear()

    def reload(self) -> None:
        """The workouts or the selection changed in the store."""
        self._described.clear()
        names = tuple(w.name for w in self.store.list_workouts())
        self.menu.update(names, self.store.selected_workout())

    def keys(self) -> tuple[str, str, str]:
        """How the screen names the start, lap and stop presses with these buttons."""
        if self.buttons == 1:
            return "press", "2x", "hold"
        return "A", "B", "hold A"

    def describe(self, name: str) -> ResolvedWorkout | None:
        """Workout ``name`` resolved (None: gone, or no longer resolves), cached until
        :meth:`reload` or :meth:`profile_changed`."""
        if name not in self._described:
            stored = self.store.get_workout(name)
            workout = None
            if stored is not None:
                try:
                    workout = resolve_stored(name, stored.source, stored_profile(self.store))
                except InputErrors as exc:
                    log.error("stored workout %r does not resolve: %s", name, exc)
            self._described[name] = workout
        return self._described[name]


__all__ = ["Home"]
