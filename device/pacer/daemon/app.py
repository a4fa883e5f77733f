"""The daemon: every part of the device in one asyncio loop (``pacer run``).

:func:`run_daemon` shows the first frame, enters the :class:`~pacer.devices.bundle.Hardware`
bundle (BLE sessions, buttons, motor, gauge) and runs one TaskGroup until a stop signal:

==========  ==============================================================================
task        what it does
==========  ==============================================================================
sensors     ``hw.sensors.samples()`` into the engine (and the recorder)
ticker      every second of the clock (:mod:`~pacer.daemon.ticker`: a stall's missed
            seconds are caught up): ``engine.tick`` -> events -> haptics, recorder, screen
display     sends a frame the rate cap held back once the cap allows (:mod:`.screen`)
buttons     presses into the engine, or into the idle menu (pick, start, resume a run)
serial      :class:`~pacer.link.server.SerialServer` with :class:`LinkControl`
watchdog    ``WATCHDOG=1`` every ``WATCHDOG_USEC / 2`` from this loop (a stall stops it)
battery     the fuel gauge every 30 s: level on screen, warn once, save and stop when empty
power       switch off after ``[power] idle_off_min`` idle (:mod:`~pacer.daemon.idle`)
``run()``   any hardware part that needs a task (the haptic player's timeline)
==========  ==============================================================================

Shutdown (SIGTERM, SIGINT or SIGHUP: :mod:`~pacer.daemon.signals`; ``service.shutdown`` or
``service.restart`` over serial; a critical battery; the idle power-off): ``STOPPING=1``, the
tasks are cancelled, the recording is saved as ended, then leaving the hardware bundle stops
the motor and blanks the display. A task that fails takes the TaskGroup down the same way,
the recording saved, and the error reaches the caller (``pacer run`` exits 1 and systemd
restarts it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Coroutine, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from pacer.config.file import Config
from pacer.core.actions import ButtonAction
from pacer.core.errors import InputErrors, PacerError, StoreError
from pacer.core.samples import Sample, SensorRole, SensorStatus
from pacer.daemon.control import LinkControl, StatusHub
from pacer.daemon.home import Home
from pacer.daemon.idle import PowerSaver, flush_store
from pacer.daemon.links import serve_serial, watch_battery
from pacer.daemon.live import LiveRun, find_resume_offer, first_line, open_run
from pacer.daemon.menu import Command, Menu, Resume, ResumeOffer, SaveEnded, Select, Start
from pacer.daemon.options import EXIT_OK, EXIT_RESTART, DaemonOptions
from pacer.daemon.screen import Screen
from pacer.daemon.sdnotify import Notifier, watchdog_loop
from pacer.daemon.signals import stop_on_signals
from pacer.daemon.status import status_json, status_text
from pacer.daemon.syncstate import SyncState
from pacer.daemon.ticker import Ticker
from pacer.devices.battery import BatteryLevel, BatteryReading, BatteryThresholds
from pacer.devices.bundle import Hardware, Runs
from pacer.engine.events import EngineEvent
from pacer.engine.feel import pattern_for_batch
from pacer.engine.policy import policy_with
from pacer.engine.snapshot import Snapshot
from pacer.screens.views import ErrorKind

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pacer.storage.store import Store

log = logging.getLogger(__name__)

#: while the disk is full during a run, the Storage full card comes back this often
STORAGE_FULL_EVERY_S = 60.0


async def run_daemon(
    hw: Hardware, config: Config, store: Store, options: DaemonOptions | None = None
) -> int:
    """Run the device until asked to stop; the exit status (0, or 75 to be restarted)."""
    return await Daemon(hw, config, store, options or DaemonOptions()).run()


class Daemon:
    """The device's state between the tasks: the menu, the workout being run, the screen."""

    def __init__(self, hw: Hardware, config: Config, store: Store, options: DaemonOptions):
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
        self.screen = Screen(hw.display, hw.clock, config.display)
        self.hub = StatusHub()
        self.ticker = Ticker(hw.clock, options.tick_s, self._tick)
        self.menu = Menu()
        self.home = Home(store, self.menu, len(config.buttons.pins))
        self.power = PowerSaver(
            hw.clock,
            hw.power,
            config.power,
            busy=lambda: self.running() is not None or len(self.hub) > 0,
            dim=self.screen.driver.dim,
            switch_off=self._switch_off,
        )
        self.run_: LiveRun | None = None
        self.sync_state = SyncState(
            options.runtime_dir, hw.clock, store, wifi_when_idle=config.power.wifi_when_idle
        )
        self._followers = hw.followers()  # once: a Protocol isinstance check is not free
        limit = config.storage.max_mb * 1024 * 1024
        self._open = partial(
            open_run, store=store, clock=hw.clock, policy=self.policy, limit_bytes=limit
        )
        self.battery: int | None = None
        self.sensors: dict[SensorRole, bool] = {}
        self.exit_status = EXIT_OK
        self._power_off = False
        self._actions: asyncio.Queue[ButtonAction] = asyncio.Queue()
        self._stop = asyncio.Event()
        #: set once every task runs and READY=1 was sent
        self.ready = asyncio.Event()
        self._status_line = ""
        self._storage_full_shown: float | None = None
        self._storage_full_logged: set[int | None] = set()

    # --- lifecycle ----------------------------------------------------------------------

    async def run(self) -> int:
        with stop_on_signals(lambda name: self.request_stop(EXIT_OK, name)):
            self.menu.offer = find_resume_offer(self.store)
            self.home.reload()
            self._show_home()  # the first frame: before BLE (bleak, D-Bus) is even imported
            if self.options.notice is not None:
                self._show_notice(*self.options.notice)
            log.info("first frame up")
            self.sync_state.open()
            try:
                async with self.hw:
                    self.hw.buttons.on_action(self._actions.put_nowait)
                    try:
                        await self._serve()
                    finally:
                        await self._save()
            finally:
                self.sync_state.close()
            if self._power_off and self.hw.power is not None:
                await asyncio.to_thread(flush_store, self.store.path)
                log.info("store flushed: switching off")
                self.hw.power.power_off()
        return self.exit_status

    async def _serve(self) -> None:
        self.power.idle_started()
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
        yield "ticker", self.ticker.run()
        yield "display", self.screen.run()
        yield "buttons", self._buttons()
        yield "watchdog", watchdog_loop(self.notifier, self.options.watchdog_s)
        yield "power", self.power.run()
        if self.hw.serial_port is not None:
            yield "serial", self._serial(self.hw.serial_port)
        if self.hw.gauge is not None:
            every = self.options.battery_every_s
            watch = watch_battery(
                self.hw.gauge, self.hw.clock, self.thresholds, every, self._on_battery
            )
            yield "battery", watch
        parts = {"display": self.hw.display, "haptics": self.hw.haptics}
        parts |= {"buttons": self.hw.buttons, "sensors": self.hw.sensors}
        for name, part in parts.items():
            if isinstance(part, Runs):
                yield f"{name}-run", part.run()

    def request_stop(self, status: int = EXIT_OK, reason: str = "stop") -> None:
        """Save and stop (the signal handlers, ``service.*`` over serial, an empty battery)."""
        if self._stop.is_set():
            return
        self.exit_status = status
        self.notifier.stopping(f"stopping ({reason}): saving")
        log.info("stopping (%s)", reason)
        self._stop.set()

    def _switch_off(self) -> None:
        self._power_off = True
        self.request_stop(EXIT_OK, "idle: switching off")

    async def _save(self) -> None:
        """On the way out: the recording saved as ended, the athlete model let go."""
        run = self.run_
        if run is not None:
            await run.close(ended=True)
            self._log_storage_full(run)
            log.info("recording %s %s (%s)", run.activity_id, run.saved_text(), run.name)
        self.hw.follow(None)
        self.hw.haptics.off()

    # --- the tasks ----------------------------------------------------------------------

    async def _pump_sensors(self) -> None:
        async for sample in self.hw.sensors.samples():
            await self._on_sample(sample)

    async def _buttons(self) -> None:
        while True:
            await self._on_action(await self._actions.get())

    def _serial(self, port: str) -> Coroutine[Any, Any, None]:
        return serve_serial(
            port,
            store=self.store,
            clock=self.hw.clock,
            control=LinkControl(self, self.hub),
            config=self.options.settings_base or self.config,
            service=self,
            on_change=self._store_changed,
            on_request=self.power.serving,
            scanner=self.hw.scanner,
            device_id=self.options.device_id,
        )

    # --- what happens -------------------------------------------------------------------

    async def _tick(self, now: float, last: bool) -> None:
        """One second of the clock, ``now`` its due time; ``last``: not a caught-up one."""
        run = self.run_
        if run is None:
            if last and self.sync_state.store_changed_elsewhere():
                self._store_changed("profile")  # the device's own sync brought workouts in
            if last:
                self._show_home()
        else:
            snap, events = run.tick(now, self.battery)
            if run.storage_full and not run.done:
                self._storage_full(run, now)
            for part in self._followers:
                part.on_tick(snap, events)
            if last or events:
                self.screen.offer(run.frame(snap, events), workout=not run.done)
            await self._settle()
        if not last:
            return
        if len(self.hub):
            self.hub.publish(self.status())
        self._notify_status()

    async def _on_sample(self, sample: Sample) -> None:
        if isinstance(sample, SensorStatus):
            self.sensors[sample.role] = sample.connected
        run = self.run_
        if run is not None and not run.done:
            self._feel(run.feed_sample(sample))
            await self._settle()

    async def _on_action(self, action: ButtonAction) -> None:
        self.screen.driver.activity()
        self.power.touch()
        run = self.run_
        if run is not None and not run.done:
            self._feel(run.feed_action(action, self.hw.clock.monotonic()))
            if action is ButtonAction.NEXT_SCREEN:
                run.face.next_page()
            await self._settle()
            snap = self._refresh(run)
            self.screen.offer(run.frame(snap, []), workout=not run.done)
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
                    await self._or_explain(self.start_workout(name, stored.source), name)
            case Resume(offer=offer):
                await self._or_explain(self.resume_workout(offer), offer.point.workout or "")
            case SaveEnded(offer=offer):
                from pacer.recording.storage import save_as_ended

                save_as_ended(self.store, offer.activity)
                log.info("interrupted recording %s saved as ended", offer.activity)
            case Select(name=name):
                self.store.select_workout(name)
                self.home.reload()
        self._show_home()

    async def _settle(self) -> None:
        """A run the engine just finished: save its recording, let the athlete go."""
        run = self.run_
        if run is not None and run.done and not run.closed:
            await run.close(ended=True)
            self._log_storage_full(run)
            if self.run_ is run:  # not a new workout started while the recording closed
                self.hw.follow(None)
                self.power.run_ended()
                self.sync_state.run_ended()

    def _feel(self, events: list[EngineEvent]) -> None:
        name = pattern_for_batch(events)
        if name is not None:
            self.hw.haptics.play(name)

    def _on_battery(self, reading: BatteryReading, level: BatteryLevel | None) -> None:
        self.battery = round(reading.percent)
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
        now = self.hw.clock.monotonic()
        self._begin(run, run.start(now), now)

    async def resume_workout(self, offer: ResumeOffer) -> None:
        name = offer.point.workout or ""
        stored = self.store.get_workout(name)
        if stored is None:
            raise StoreError(f"workout {name!r} is no longer on the device")
        run = self._open(name, stored.source, resuming=True)
        now = self.hw.clock.monotonic()
        self._begin(run, run.resume(offer, now), now)

    async def stop_workout(self) -> None:
        run = self.run_
        if run is not None and not run.done:
            self._feel(run.feed_action(ButtonAction.STOP, self.hw.clock.monotonic()))
            await self._settle()
            self._refresh(run)  # the reply means done: the next read shows the saved run

    def _storage_full(self, run: LiveRun, now: float) -> None:
        """Say so once in the log, and show the card again every STORAGE_FULL_EVERY_S."""
        shown = self._storage_full_shown
        self._log_storage_full(run)
        if shown is None or now - shown >= STORAGE_FULL_EVERY_S:
            self._storage_full_shown = now
            self._show_notice(ErrorKind.STORAGE_FULL)

    def _log_storage_full(self, run: LiveRun) -> None:
        """Once a run, as soon as the daemon sees it (a tick, a stop or a signal, whichever
        comes first): the disk filled up and the recording stopped there."""
        if run.storage_full and run.activity_id not in self._storage_full_logged:
            self._storage_full_logged.add(run.activity_id)
            log.error("storage full: recording %s %s", run.activity_id, run.saved_text())

    def _begin(self, run: LiveRun, events: list[EngineEvent], now: float) -> None:
        self.run_ = run
        self._storage_full_shown = None
        self.ticker.realign(now + self.options.tick_s)  # the run's seconds from its start
        self.hw.follow(run.workout)
        self._feel(events)
        self.power.run_started()
        self.sync_state.run_started(run.name)
        log.info("workout %r started", run.name)
        self._refresh(run)

    def _refresh(self, run: LiveRun) -> Snapshot:
        """The run's status as of now, not as of its last tick: a host that was told
        "started" or "stopped" reads it so at once (``status.get``, ``STATUS=``)."""
        run.last = snap = run.view(self.battery)
        self._notify_status()
        return snap

    async def _or_explain(self, starting: Awaitable[None], name: str) -> None:
        """Start or resume ``name``; a refusal is a notice on the screen."""
        try:
            await starting
        except (InputErrors, StoreError) as exc:
            log.error("cannot start %r: %s", name, exc)
            self._show_notice(ErrorKind.CANNOT_START, f"{name}: {first_line(exc)}")

    def selection_changed(self, name: str | None) -> None:
        self.home.reload()

    # --- ServiceControl (service.restart / service.shutdown over serial) ----------------

    def restart(self) -> None:
        self.request_stop(EXIT_RESTART, "restart asked over serial")

    def shutdown(self) -> None:
        self.request_stop(EXIT_OK, "shutdown asked over serial")

    # --- the store ----------------------------------------------------------------------

    def _store_changed(self, topic: str) -> None:
        if topic == "profile":
            self.home.profile_changed()
            self.screen.forget()
        if topic in ("workouts", "selection", "profile"):
            self.home.reload()
            if self.run_ is None:  # shown now, not at the next tick
                self._show_home()
            self._notify_status()
        elif topic in ("settings", "pairings"):
            log.info("%s changed: applied at the next start of the daemon", topic)

    # --- the screen ---------------------------------------------------------------------

    def _show_home(self) -> None:
        self.screen.home(self.home.view(self.sensors, self.battery), self.home.units)

    def _show_notice(self, kind: ErrorKind, detail: str | None = None) -> None:
        self.screen.notice(kind, detail, workout=self.running() is not None)

    # --- status -------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """What ``status.get`` answers and subscribers get every second."""
        return status_json(self.run_, self.menu, self.battery, self.sensors)

    def _status_text(self) -> str:
        return status_text(self.run_, self.menu, self.battery, self.sensors, self.hw.sensors)

    def _notify_status(self) -> None:
        line = self._status_text()
        if line != self._status_line:
            self._status_line = line
            self.notifier.status(line)


__all__ = ["EXIT_OK", "EXIT_RESTART", "Daemon", "DaemonOptions", "run_daemon"]
