"""The daemon: every part of the device in one asyncio loop (``pacer run``).

:func:`run_daemon` shows the first frame, enters the :class:`~pacer.devices.bundle.Hardware`
bundle (BLE sessions, buttons, motor) and runs one TaskGroup until SIGTERM or SIGINT:

==========  ==============================================================================
task        what it does
==========  ==============================================================================
sensors     ``hw.sensors.samples()`` into the engine (and the recorder)
ticker      once a second: ``engine.tick`` -> events -> haptics, recorder, screen, status
display     sends a frame the rate cap held back once the cap allows
buttons     presses into the engine, or into the idle menu (pick, start, resume a run)
serial      :class:`~pacer.link.server.SerialServer` with :class:`LinkControl`
watchdog    ``WATCHDOG=1`` every ``WATCHDOG_USEC / 2`` from this loop (a stall stops it)
battery     the fuel gauge every 30 s: level on screen, warn once, save and stop when empty
``run()``   any hardware part that needs a task (the haptic player's timeline)
==========  ==============================================================================

Shutdown (a signal, ``service.shutdown`` or ``service.restart`` over serial, a critical
battery): ``STOPPING=1``, the tasks are cancelled, the recording is saved as ended, then
leaving the hardware bundle stops the motor and blanks the display. A task that fails takes
the TaskGroup down the same way, the recording saved, and the error reaches the caller
(``pacer run`` exits 1 and systemd restarts it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

from pacer.config.file import Config
from pacer.core.actions import ButtonAction
from pacer.core.errors import HardwareError, InputErrors, PacerError, StoreError
from pacer.core.samples import Sample, SensorRole, SensorStatus
from pacer.daemon.control import LinkControl, StatusHub
from pacer.daemon.live import LiveRun, open_run, resolve_stored, stored_profile
from pacer.daemon.menu import Command, Menu, Resume, ResumeOffer, SaveEnded, Select, Start
from pacer.daemon.sdnotify import Notifier, watchdog_loop
from pacer.devices.battery import (
    BatteryGauge,
    BatteryLevel,
    BatteryReading,
    BatteryThresholds,
    BatteryWatch,
)
from pacer.devices.bundle import FollowsRun, Hardware, Runs
from pacer.engine.events import EngineEvent
from pacer.engine.feel import pattern_for_batch
from pacer.engine.policy import policy_with
from pacer.engine.snapshot import RunState
from pacer.screens.views import ErrorKind, ErrorView, IdleView

if TYPE_CHECKING:  # pragma: no cover - typing only
    from PIL.Image import Image

    from pacer.link.service import SensorScanner, SettableClock
    from pacer.screens.driver import DisplayDriver
    from pacer.storage.store import Store
    from pacer.workout.profile import Units
    from pacer.workout.resolve import ResolvedWorkout

log = logging.getLogger(__name__)

#: exit status of a clean stop, and of ``service.restart`` (non-zero: systemd's
#: ``Restart=on-failure`` starts the daemon again)
EXIT_OK = 0
EXIT_RESTART = 75
#: how long a notice (battery low, a refused start) covers the screen
NOTICE_S = 5.0
#: while the disk is full during a run, the Storage full card comes back this often
STORAGE_FULL_EVERY_S = 60.0


@dataclass(frozen=True, slots=True)
class DaemonOptions:
    """What ``pacer run`` decides outside the config file."""

    #: the serial port to serve (None: no serial server)
    serial_port: str | None = None
    #: the fuel gauge (None: no battery monitoring)
    gauge: BatteryGauge | None = None
    battery_every_s: float = 30.0
    #: where STATUS=/READY=1/WATCHDOG=1 go (None: a silent notifier)
    notifier: Notifier | None = None
    #: seconds between watchdog pings (None: systemd asked for none)
    watchdog_s: float | None = None
    #: ``hello``'s device id (None: read from the machine)
    device_id: str | None = None
    #: BLE scanning for ``sensors.scan`` (None: not offered)
    scanner: SensorScanner | None = None
    tick_s: float = 1.0
    #: a card to show at start (``pacer run``: stored settings it could not use)
    notice: tuple[ErrorKind, str] | None = None
    #: the config file's values, under the stored settings: what ``settings.set`` checks a
    #: change against (None: the config the daemon runs with)
    settings_base: Config | None = None


async def run_daemon(
    hw: Hardware, config: Config, store: Store, options: DaemonOptions | None = None
) -> int:
    """Run the device until asked to stop; the exit status (0, or 75 to be restarted)."""
    return await Daemon(hw, config, store, options or DaemonOptions()).run()


@runtime_checkable
class DescribesItself(Protocol):
    """Sensors that can say how they are (BleSensors: "Bluetooth unavailable", "hr
    connected, pod searching"): the idle STATUS= line shows it."""

    def status_line(self) -> str: ...


@dataclass(frozen=True, slots=True)
class _Notice:
    until: float
    image: Image


class Daemon:
    """The device's state between the tasks: the menu, the workout being run, the screen."""

    def __init__(self, hw: Hardware, config: Config, store: Store, options: DaemonOptions):
        from pacer.screens.driver import DisplayDriver

        self.hw = hw
        self.config = config
        self.store = store
        self.options = options
        self.notifier = options.notifier or Notifier(None)
        self.policy = policy_with(config.alerts)
        self.thresholds = BatteryThresholds(
            low_percent=config.battery.warn_percent,
            critical_percent=config.battery.critical_percent,
        )
        self.driver: DisplayDriver = DisplayDriver(hw.display, time.monotonic, config.display)
        self.hub = StatusHub()
        self.menu = Menu()
        self.run_: LiveRun | None = None
        self.battery: int | None = None
        self.sensors: dict[SensorRole, bool] = {}
        self.exit_status = EXIT_OK
        self._units: Units | None = None
        self._described: dict[tuple[str, float], ResolvedWorkout | None] = {}
        self._actions: asyncio.Queue[ButtonAction] = asyncio.Queue()
        self._stop = asyncio.Event()
        #: set once every task runs and READY=1 was sent
        self.ready = asyncio.Event()
        self._frame_waiting = asyncio.Event()
        self._notice: _Notice | None = None
        self._storage_full_shown: float | None = None
        self._status_line = ""

    # --- lifecycle ----------------------------------------------------------------------

    async def run(self) -> int:
        with self._signals():  # from the start: a SIGTERM at any moment is a clean stop
            self.menu.offer = find_resume_offer(self.store)
            self._reload_menu()
            self._show_home()  # the first frame: before BLE (bleak, D-Bus) is even imported
            if self.options.notice is not None:
                self._show_notice(*self.options.notice)
            log.info("first frame up")
            async with self.hw:
                self.hw.buttons.on_action(self._actions.put_nowait)
                try:
                    await self._serve()
                finally:
                    await self._save()
        return self.exit_status

    async def _serve(self) -> None:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(coro, name=name) for name, coro in self._tasks()]
            self.notifier.ready(self._status_text())
            self.ready.set()
            log.info("ready: %s", self._status_text())
            await self._stop.wait()
            for task in tasks:
                task.cancel()

    def _tasks(self) -> Iterator[tuple[str, Coroutine[Any, Any, None]]]:
        yield "sensors", self._pump_sensors()
        yield "ticker", self._ticker()
        yield "display", self._display_loop()
        yield "buttons", self._buttons()
        yield "watchdog", watchdog_loop(self.notifier, self.options.watchdog_s)
        if self.options.serial_port is not None:
            yield "serial", self._serial(self.options.serial_port)
        if self.options.gauge is not None:
            yield "battery", self._battery(self.options.gauge)
        parts = {"display": self.hw.display, "haptics": self.hw.haptics}
        parts |= {"buttons": self.hw.buttons, "sensors": self.hw.sensors}
        for name, part in parts.items():
            if isinstance(part, Runs):
                yield f"{name}-run", part.run()

    @contextlib.contextmanager
    def _signals(self) -> Iterator[None]:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop, EXIT_OK, sig.name)
        try:
            yield
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)

    def request_stop(self, status: int = EXIT_OK, reason: str = "stop") -> None:
        """Save and stop (the signal handlers, ``service.*`` over serial, an empty battery)."""
        if self._stop.is_set():
            return
        self.exit_status = status
        self.notifier.stopping(f"stopping ({reason}): saving")
        log.info("stopping (%s)", reason)
        self._stop.set()

    async def _save(self) -> None:
        """On the way out: the recording saved as ended, the athlete model let go."""
        run = self.run_
        if run is not None:
            await run.close(ended=True)
            log.info("recording %s %s (%s)", run.activity_id, run.saved_text(), run.name)
        self._follow(None)
        self.hw.haptics.off()

    # --- the tasks ----------------------------------------------------------------------

    async def _pump_sensors(self) -> None:
        async for sample in self.hw.sensors.samples():
            await self._on_sample(sample)

    async def _ticker(self) -> None:
        clock, tick = self.hw.clock, self.options.tick_s
        due = clock.monotonic()
        while True:
            await self._tick()
            due += tick
            now = clock.monotonic()
            if now - due > tick:  # a stall: skip the ticks it ate, no burst to catch up
                due += (now - due) // tick * tick
            await clock.sleep(max(0.0, due - now))

    async def _display_loop(self) -> None:
        while True:
            due = self.driver.next_due()
            if due is None:
                self._frame_waiting.clear()
                await self._frame_waiting.wait()
                continue
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            self.driver.tick()

    async def _buttons(self) -> None:
        while True:
            await self._on_action(await self._actions.get())

    async def _serial(self, port: str) -> None:
        from pacer.link.server import SerialServer, read_device_id
        from pacer.link.service import DeviceService

        service = DeviceService(
            self.store,
            cast("SettableClock", self.hw.clock),
            LinkControl(self, self.hub),
            device_id=self.options.device_id or read_device_id(),
            scanner=self.options.scanner,
            service=self,
            on_change=self._store_changed,
            config=self.options.settings_base or self.config,
        )
        server = SerialServer(service, port, baudrate=self.config.serial.baudrate)
        log.info("serial link on %s", port)
        await server.run()

    async def _battery(self, gauge: BatteryGauge) -> None:
        watch = BatteryWatch(self.thresholds)
        failing = False
        while True:
            try:
                reading = await gauge.read()
            except HardwareError as exc:
                if not failing:
                    log.warning("battery: %s", exc)
                failing = True
            else:
                failing = False
                self._on_battery(reading, watch)
            await self.hw.clock.sleep(self.options.battery_every_s)

    # --- what happens -------------------------------------------------------------------

    async def _tick(self) -> None:
        now = self.hw.clock.monotonic()
        run = self.run_
        if run is None:
            self._show_home()
        else:
            snap, events = run.tick(now, self.battery)
            if run.storage_full and not run.done:  # the card again every STORAGE_FULL_EVERY_S
                shown = self._storage_full_shown
                if shown is None:
                    log.error("storage full: recording %s %s", run.activity_id, run.saved_text())
                if shown is None or now - shown >= STORAGE_FULL_EVERY_S:
                    self._storage_full_shown = now
                    self._show_notice(ErrorKind.STORAGE_FULL)
            for part in self._followers():
                part.on_tick(snap, events)
            self._offer(run.frame(snap, events), workout=not run.done)
            await self._settle()
        if len(self.hub):
            self.hub.publish(self.status())
        self._notify_status()

    async def _on_sample(self, sample: Sample) -> None:
        self._note_sensor(sample)
        run = self.run_
        if run is not None and not run.done:
            self._feel(run.feed_sample(sample))
            await self._settle()

    async def _on_action(self, action: ButtonAction) -> None:
        self.driver.activity()
        run = self.run_
        if run is not None and not run.done:
            self._feel(run.feed_action(action, self.hw.clock.monotonic()))
            if action is ButtonAction.NEXT_SCREEN:
                run.face.next_page()
            await self._settle()
            self._offer(run.frame(run.view(self.battery), []), workout=not run.done)
            return
        if run is not None:  # the summary is up: any press goes home
            self.run_ = None
            self._show_home()
            return
        command = self.menu.press(action)
        if command is not None:
            await self._carry_out(command)

    async def _carry_out(self, command: Command) -> None:
        match command:
            case Start(name=name):
                stored = self.store.get_workout(name)
                if stored is not None:
                    await self._start_or_explain(name, stored.source)
            case Resume(offer=offer):
                await self._resume_or_explain(offer)
            case SaveEnded(offer=offer):
                from pacer.recording.storage import save_as_ended

                save_as_ended(self.store, offer.activity)
                log.info("interrupted recording %s saved as ended", offer.activity)
            case Select(name=name):
                self.store.select_workout(name)
                self._reload_menu()
        self._show_home()

    async def _settle(self) -> None:
        """A run the engine just finished: save its recording, let the athlete go."""
        run = self.run_
        if run is not None and run.done:
            await run.close(ended=True)
            if self.run_ is run:  # not a new workout started while the recording closed
                self._follow(None)

    def _feel(self, events: list[EngineEvent]) -> None:
        name = pattern_for_batch(events)
        if name is not None:
            self.hw.haptics.play(name)

    def _note_sensor(self, sample: Sample) -> None:
        if isinstance(sample, SensorStatus):
            self.sensors[sample.role] = sample.connected

    def _on_battery(self, reading: BatteryReading, watch: BatteryWatch) -> None:
        self.battery = round(reading.percent)
        level = watch.update(reading)
        if level is BatteryLevel.LOW:
            log.warning("battery low: %d %%", self.battery)
            self.hw.haptics.play("battery_low")
            self._show_notice(ErrorKind.BATTERY_LOW, f"{self.battery} % left: charge soon")
        elif level is BatteryLevel.CRITICAL:
            log.error("battery empty (%d %%): saving and stopping", self.battery)
            self._show_notice(ErrorKind.BATTERY_EMPTY)
            self.request_stop(EXIT_OK, "battery empty")

    # --- starting workouts (buttons and serial) -----------------------------------------

    def running(self) -> str | None:
        """The workout being run (paused counts); None when idle or on the summary."""
        run = self.run_
        return None if run is None or run.done else run.name

    async def start_workout(self, name: str, source: str) -> None:
        """Start stored workout ``name`` now (InputErrors: it no longer resolves;
        RecordingRefused: no room to record it). The resume offer is dropped."""
        if self.running() is not None:
            raise PacerError(f"{self.running()!r} is running")
        run = self._open(name, source, resuming=False)
        self.menu.offer = None
        self._begin(run, run.start(self.hw.clock.monotonic()))

    async def resume_workout(self, offer: ResumeOffer) -> None:
        name = offer.point.workout or ""
        stored = self.store.get_workout(name)
        if stored is None:
            raise StoreError(f"workout {name!r} is no longer on the device")
        run = self._open(name, stored.source, resuming=True)
        self._begin(run, run.resume(offer, self.hw.clock.monotonic()))

    async def stop_workout(self) -> None:
        run = self.run_
        if run is not None and not run.done:
            self._feel(run.feed_action(ButtonAction.STOP, self.hw.clock.monotonic()))
            await self._settle()

    def _open(self, name: str, source: str, *, resuming: bool) -> LiveRun:
        return open_run(
            name,
            source,
            store=self.store,
            clock=self.hw.clock,
            policy=self.policy,
            limit_bytes=self.config.storage.max_mb * 1024 * 1024,
            resuming=resuming,
        )

    def _begin(self, run: LiveRun, events: list[EngineEvent]) -> None:
        self.run_ = run
        self._storage_full_shown = None
        self._follow(run.workout)
        self._feel(events)
        log.info("workout %r started", run.name)
        self._notify_status()

    async def _start_or_explain(self, name: str, source: str) -> None:
        try:
            await self.start_workout(name, source)
        except (InputErrors, StoreError) as exc:
            log.error("cannot start %r: %s", name, exc)
            self._show_notice(ErrorKind.CANNOT_START, f"{name}: {_first_line(exc)}")

    async def _resume_or_explain(self, offer: ResumeOffer) -> None:
        try:
            await self.resume_workout(offer)
        except (InputErrors, StoreError) as exc:
            log.error("cannot resume recording %s: %s", offer.activity, exc)
            self._show_notice(ErrorKind.CANNOT_START, _first_line(exc))

    def selection_changed(self, name: str | None) -> None:
        self._reload_menu()

    # --- ServiceControl (service.restart / service.shutdown over serial) ----------------

    def restart(self) -> None:
        self.request_stop(EXIT_RESTART, "restart asked over serial")

    def shutdown(self) -> None:
        self.request_stop(EXIT_OK, "shutdown asked over serial")

    # --- the store ----------------------------------------------------------------------

    def _store_changed(self, topic: str) -> None:
        if topic == "profile":
            self._units = None
            self._described.clear()
        if topic in ("workouts", "selection", "profile"):
            self._reload_menu()
        elif topic in ("settings", "pairings"):
            log.info("%s changed: applied at the next start of the daemon", topic)

    def _reload_menu(self) -> None:
        names = tuple(w.name for w in self.store.list_workouts())
        self.menu.update(names, self.store.selected_workout())

    # --- the screen ---------------------------------------------------------------------

    def _offer(self, image: Image, *, workout: bool) -> None:
        notice = self._notice
        if notice is not None:
            if time.monotonic() < notice.until:
                image = notice.image
            else:
                self._notice = None
        self.driver.update(image, workout=workout)
        if self.driver.pending:
            self._frame_waiting.set()

    def _show_home(self) -> None:
        from pacer.screens import render

        self._offer(render(self._home_view(), self.units), workout=False)

    def _show_notice(self, kind: ErrorKind, detail: str | None = None) -> None:
        """A card over whatever is showing, for ``NOTICE_S`` seconds."""
        from pacer.screens import render

        view = ErrorView(kind, detail=detail, hint="")
        self._notice = _Notice(time.monotonic() + NOTICE_S, render(view))
        self._offer(self._notice.image, workout=self.running() is not None)

    @property
    def units(self) -> Units:
        if self._units is None:
            self._units = stored_profile(self.store).units
        return self._units

    def _home_view(self) -> IdleView | ErrorView:
        sensors = tuple(sorted(self.sensors.items()))
        start, following, hold = self._keys()
        offer = self.menu.offer
        if offer is not None:
            p = offer.point
            return IdleView(
                f"Resume {p.workout}",
                step_count=p.step + 1,
                total_s=p.timer,
                sensors=sensors,
                battery_percent=self.battery,
                hint=f"{start}: resume  {hold}: save",
            )
        name = self.menu.selected
        if name is None:
            hint = f"{following}: pick one" if self.menu.names else ""
            return ErrorView(ErrorKind.NO_WORKOUT, hint=hint)
        workout = self._describe(name)
        return IdleView(
            name,
            step_count=0 if workout is None else len(workout.steps),
            total_s=None if workout is None else workout.total_seconds,
            total_m=None if workout is None else workout.total_meters or None,
            sensors=sensors,
            battery_percent=self.battery,
            hint=f"{start}: start  {following}: next"
            if len(self.menu.names) > 1
            else f"{start}: start",
        )

    def _keys(self) -> tuple[str, str, str]:
        """How the screen names the start, lap and stop presses with these buttons."""
        if len(self.config.buttons.pins) == 1:
            return "press", "2x", "hold"
        return "A", "B", "hold A"

    def _describe(self, name: str) -> ResolvedWorkout | None:
        stored = self.store.get_workout(name)
        if stored is None:
            return None
        key = (name, stored.updated)
        if key not in self._described:
            try:
                workout = resolve_stored(name, stored.source, stored_profile(self.store))
            except InputErrors as exc:
                log.error("stored workout %r does not resolve: %s", name, exc)
                workout = None
            self._described[key] = workout
        return self._described[key]

    # --- status -------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """What ``status.get`` answers and subscribers get every second."""
        run = self.run_
        if run is None or run.last is None:
            offer = self.menu.offer
            return {
                "state": RunState.IDLE.value,
                "workout": None,
                "selected": self.menu.selected,
                "resume": None
                if offer is None
                else {
                    "activity": offer.activity,
                    "workout": offer.point.workout,
                    "step": offer.point.step + 1,
                },
                "battery_percent": self.battery,
                "sensors": {str(role): up for role, up in self.sensors.items()},
            }
        from pacer.link.status import status_json

        status = status_json(run.last, run.name)
        status["activity"] = run.activity_id
        status["saved"] = run.done
        if run.storage_full:  # the run goes on; its recording stopped at saved_t
            status["state"] = "storage_full" if not run.done else status["state"]
            status["storage"] = "full"
        return status

    def _status_text(self) -> str:
        run = self.run_
        if run is not None and run.last is not None:
            snap = run.last
            if snap.state is RunState.DONE:
                return f"done: {run.name} {run.saved_text()} (activity {run.activity_id})"
            if run.storage_full:
                return f"storage_full: {run.name}, {run.saved_text()}"
            return (
                f"{snap.state.value}: {run.name}, step {snap.step_number}/{snap.step_count} "
                f"{snap.step_name}"
            )
        if self.menu.offer is not None:
            return f"idle: offering to resume {self.menu.offer.point.workout}"
        if isinstance(self.hw.sensors, DescribesItself):
            sensors = self.hw.sensors.status_line()  # "hr connected, pod searching"
        else:
            sensors = ", ".join(str(r) for r, ok in sorted(self.sensors.items()) if ok) or "none"
        battery = "" if self.battery is None else f", battery {self.battery} %"
        return f"idle: {self.menu.selected or 'no workout'}; sensors: {sensors}{battery}"

    def _notify_status(self) -> None:
        line = self._status_text()
        if line != self._status_line:
            self._status_line = line
            self.notifier.status(line)

    # --- parts that follow the run --------------------------------------------------------

    def _followers(self) -> list[FollowsRun]:
        parts = (self.hw.sensors, self.hw.buttons, self.hw.haptics, self.hw.display)
        return [p for p in parts if isinstance(p, FollowsRun)]

    def _follow(self, workout: ResolvedWorkout | None) -> None:
        for part in self._followers():
            part.follow(workout)


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def find_resume_offer(store: Store) -> ResumeOffer | None:
    """At start-up: the run a crash or power cut interrupted, if its workout is still on the
    device (recordings still 'recording' are marked interrupted on the way)."""
    from pacer.recording.storage import find_interrupted

    try:
        found = find_interrupted(store)
    except (PacerError, ValueError) as exc:
        log.error("an interrupted recording cannot be read: %s", exc)
        return None
    workout = None if found is None else found.point.workout
    if workout is None or store.get_workout(workout) is None:
        return None
    return found


__all__ = ["EXIT_OK", "EXIT_RESTART", "Daemon", "DaemonOptions", "find_resume_offer", "run_daemon"]
