"""What the daemon shows: the idle screen, a workout's frames, notices over them, all
through the :class:`~pacer.screens.driver.DisplayDriver` on the injected clock.

The idle screen is drawn only when what it shows changed (the selection, a sensor, the
battery, a notice coming or going): a 1 Hz tick on an unchanged idle screen costs a
comparison of two small dataclasses, not a render. A notice (battery low, a refused start)
covers the screen for :data:`NOTICE_S` seconds of the clock. :meth:`Screen.run` is the
display task: it sends a frame the rate cap held back once the cap allows, and otherwise
sleeps until a frame is held back.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pacer.config.file import DisplayConfig
from pacer.core.clock import Clock
from pacer.core.samples import SensorRole
from pacer.screens.driver import DisplayDriver
from pacer.screens.views import ErrorKind, ErrorView, IdleView

if TYPE_CHECKING:  # pragma: no cover - typing only
    from PIL.Image import Image

    from pacer.daemon.menu import Menu
    from pacer.devices.bundle import Display
    from pacer.workout.profile import Units
    from pacer.workout.resolve import ResolvedWorkout

#: how long a notice (battery low, a refused start) covers the screen, seconds of the clock
NOTICE_S = 5.0

HomeView = IdleView | ErrorView


@dataclass(frozen=True, slots=True)
class _Notice:
    until: float
    image: Image


class Screen:
    """The panel as the daemon sees it: offer frames, show the home view, put up notices."""

    def __init__(self, display: Display, clock: Clock, config: DisplayConfig) -> None:
        self.clock = clock
        self.driver = DisplayDriver(display, clock.monotonic, config)
        self._notice: _Notice | None = None
        self._home: HomeView | None = None
        self._frame_waiting = asyncio.Event()

    def offer(self, image: Image, *, workout: bool) -> None:
        """A frame (a notice still up covers it)."""
        self._home = None
        self._offer(image, workout=workout)

    def home(self, view: HomeView, units: Units) -> None:
        """The idle screen showing ``view``: rendered only if it changed (or a notice ended)."""
        notice = self._notice
        if view == self._home and (notice is None or self.clock.monotonic() < notice.until):
            self.driver.tick()  # dimming still follows the clock
            return
        from pacer.screens import render

        self._offer(render(view, units), workout=False)
        self._home = view

    def forget(self) -> None:
        """Draw the idle screen afresh next time (the profile's units changed)."""
        self._home = None

    def notice(self, kind: ErrorKind, detail: str | None, *, workout: bool) -> None:
        """A card over whatever is showing, for :data:`NOTICE_S` seconds."""
        from pacer.screens import render

        view = ErrorView(kind, detail=detail, hint="")
        self._notice = _Notice(self.clock.monotonic() + NOTICE_S, render(view))
        self._home = None
        self._offer(self._notice.image, workout=workout)

    def _offer(self, image: Image, *, workout: bool) -> None:
        notice = self._notice
        if notice is not None:
            if self.clock.monotonic() < notice.until:
                image = notice.image
            else:
                self._notice = None
        self.driver.update(image, workout=workout)
        if self.driver.pending:
            self._frame_waiting.set()

    async def run(self) -> None:
        """The display task: a held-back frame goes out when the rate cap allows."""
        while True:
            due = self.driver.next_due()
            if due is None:
                self._frame_waiting.clear()
                await self._frame_waiting.wait()
                continue
            await self.clock.sleep(max(0.0, due - self.clock.monotonic()))
            self.driver.tick()


def home_view(
    menu: Menu,
    sensors: dict[SensorRole, bool],
    battery: int | None,
    describe: ResolvedWorkout | None,
    keys: tuple[str, str, str],
) -> HomeView:
    """The idle screen: the resume offer, the selected workout (``describe``: it resolved),
    or "no workout"; ``keys`` name the start, next and stop presses."""
    sensor_items = tuple(sorted(sensors.items()))
    start, following, hold = keys
    offer = menu.offer
    if offer is not None:
        p = offer.point
        return IdleView(
            f"Resume {p.workout}",
            step_count=p.step + 1,
            total_s=p.timer,
            sensors=sensor_items,
            battery_percent=battery,
            hint=f"{start}: resume  {hold}: save",
        )
    name = menu.selected
    if name is None:
        hint = f"{following}: pick one" if menu.names else ""
        return ErrorView(ErrorKind.NO_WORKOUT, hint=hint)
    workout = describe
    return IdleView(
        name,
        step_count=0 if workout is None else len(workout.steps),
        total_s=None if workout is None else workout.total_seconds,
        total_m=None if workout is None else workout.total_meters or None,
        sensors=sensor_items,
        battery_percent=battery,
        hint=f"{start}: start  {following}: next" if len(menu.names) > 1 else f"{start}: start",
    )


__all__ = ["NOTICE_S", "HomeView", "Screen", "home_view"]
