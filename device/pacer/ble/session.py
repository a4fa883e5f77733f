"""BLE sessions: one supervised task per paired sensor, and :class:`BleSensors`.

Each :class:`SensorSession` runs this loop until it is cancelled::

    find (scan, or reuse the BLEDevice) -> connect (one at a time, in fair turns: ConnectGate)
      -> subscribe -> wait for a disconnect or the silence watchdog
      -> clean up (in ``finally``) -> back off with jitter -> again

Nothing a sensor or the Bluetooth stack does ends the loop: ``BleakError``, ``OSError`` (no
D-Bus, no BlueZ), timeouts and even unexpected errors are counted, logged and retried; a
payload that cannot be parsed is counted and dropped. No Bluetooth at all is a state
("Bluetooth unavailable"), not a crash.

Samples are stamped on arrival with the injected clock's ``monotonic()`` and queued for the
engine with connection changes (:class:`pacer.core.samples.SensorStatus`). The watchdog and the
backoff sleep on the same injected clock, so tests drive time by hand.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, TypeVar

from pacer.ble.decode import Decoder, decoder_for
from pacer.ble.gatt import BATTERY_LEVEL, ROLE_SPECS
from pacer.ble.health import HealthCounters, SensorHealth, SensorState
from pacer.ble.pairing import Pairing
from pacer.core.errors import SensorParseError
from pacer.core.samples import Sample, SensorStatus

if TYPE_CHECKING:  # pragma: no cover - typing only
    from bleak import BleakClient
    from bleak.backends.characteristic import BleakGATTCharacteristic
    from bleak.backends.device import BLEDevice

    from pacer.core.clock import Clock
    from pacer.devices.bundle import Sensors

log = logging.getLogger(__name__)


class Radio(Protocol):
    """What a session needs from the Bluetooth stack (:class:`pacer.ble.radio.BleakRadio`)."""

    async def find(self, address: str, within_s: float) -> BLEDevice | None: ...

    async def connect(
        self, device: BLEDevice, on_disconnect: Callable[[], None]
    ) -> BleakClient: ...

    def invalidate(self, address: str) -> None: ...

    async def aclose(self) -> None: ...


class Random(Protocol):
    def random(self) -> float: ...


@dataclass(frozen=True, slots=True)
class SessionSettings:
    #: How long one search for a sensor lasts before backing off.
    find_timeout_s: float = 15.0
    #: No notification for this long while connected: drop the link and reconnect.
    silence_timeout_s: float = 10.0
    #: Backoff: ``min * factor**attempt`` capped at ``max``, then jittered by +-``jitter``.
    backoff_min_s: float = 1.0
    backoff_max_s: float = 30.0
    backoff_factor: float = 2.0
    jitter: float = 0.2
    #: Bound on subscribing (and reading the battery) once connected.
    subscribe_timeout_s: float = 10.0
    #: Bound on the polite disconnect in the cleanup.
    disconnect_timeout_s: float = 5.0
    #: The radio connects one sensor at a time. Once another sensor has waited this long for
    #: it, the connect in progress gives way (an absent sensor that BlueZ still lists takes
    #: 2 x 20 s to fail): it counts as a failure and queues again after its backoff. A present
    #: sensor connects in 1-2 s, so a returning sensor is connected within about
    #: ``radio_wait_s`` + 2 s whatever the others do (docs/sensors.md#reconnecting).
    radio_wait_s: float = 2.5


def backoff_delay(attempt: int, settings: SessionSettings, rng: Random) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based), jitter included."""
    base = min(settings.backoff_max_s, settings.backoff_min_s * settings.backoff_factor**attempt)
    return base * (1 + settings.jitter * (2 * rng.random() - 1))


async def sleep_unless(clock: Clock, seconds: float, event: asyncio.Event) -> bool:
    """Sleep on ``clock`` for ``seconds``, or less if ``event`` is set; True if it is set."""
    if event.is_set():
        return True
    async with asyncio.TaskGroup() as tg:
        sleeper = tg.create_task(clock.sleep(seconds))
        waiter = tg.create_task(event.wait())
        sleeper.add_done_callback(lambda _task: waiter.cancel())
        waiter.add_done_callback(lambda _task: sleeper.cancel())
    return event.is_set()


T = TypeVar("T")


class GaveWay(TimeoutError):
    """A connect abandoned so that a sensor waiting for the radio gets its turn."""


class ConnectGate:
    """One connect at a time over the one radio, in fair turns.

    Turns are first come, first served (``asyncio.Lock``); while anyone waits, the connect in
    progress may last until the longest-waiting sensor has waited ``wait_s`` (on the injected
    clock), then the attempt (its own task, never the caller's) is cancelled and the caller
    gets :class:`GaveWay`. So no sensor waits for the radio much longer than ``wait_s``,
    connects that finish sooner are never cut, and one that has finished is never lost.
    """

    def __init__(self, clock: Clock, wait_s: float) -> None:
        self._clock = clock
        self._wait_s = wait_s
        self._lock = asyncio.Lock()
        self._waiting: dict[object, float] = {}
        self._arrived = asyncio.Event()

    async def connect(
        self,
        attempt: Callable[[], Awaitable[T]],
        release: Callable[[T], Awaitable[None]] | None = None,
    ) -> T:
        """``attempt()`` in its turn at the radio. A connect that succeeds is kept, even
        when its turn ran out in the same moment; one that succeeds after all when the caller
        is cancelled is handed to ``release`` (a client disconnected, not dropped)."""
        token = object()
        self._waiting[token] = self._clock.monotonic()
        self._arrived.set()
        try:
            await self._lock.acquire()
        finally:
            del self._waiting[token]
        try:
            return await self._refereed(attempt, release)
        finally:
            self._lock.release()

    async def _refereed(
        self, attempt: Callable[[], Awaitable[T]], release: Callable[[T], Awaitable[None]] | None
    ) -> T:
        """The attempt runs as its own task, so the referee cancels the attempt and never the
        caller: an attempt that has finished is never cancelled, its result never lost."""
        started = self._clock.monotonic()
        job = asyncio.ensure_future(attempt())
        watch = asyncio.ensure_future(self._until_someone_waited_too_long())
        try:
            await asyncio.wait({job, watch}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:  # the caller is going away (the session is stopped)
            outcome = await _finish(job)
            if outcome is not None and release is not None:
                await release(outcome)
            raise
        finally:
            watch.cancel()
            await asyncio.wait([watch])
        if job.done():
            return job.result()  # connected (or failed) within its turn: kept as it is
        outcome = await _finish(job)  # someone waited too long: cut this connect
        if outcome is not None:
            return outcome  # it connected as it was being cut: keep it
        held = self._clock.monotonic() - started
        raise GaveWay(f"gave the radio to a waiting sensor after {held:.1f} s of connecting")

    async def _until_someone_waited_too_long(self) -> None:
        while True:
            if self._waiting:
                remaining = min(self._waiting.values()) + self._wait_s - self._clock.monotonic()
                if remaining <= 0:
                    return
                await self._clock.sleep(remaining)
                continue
            self._arrived.clear()
            await self._arrived.wait()


async def _finish(job: asyncio.Future[T]) -> T | None:
    """Cancel ``job`` and wait for it: its result if it had one after all, else None (it
    was cancelled, or failed: a failed connect has nothing to keep or release)."""
    if not job.done():
        await asyncio.sleep(0)  # an answer that came in this very turn lands first
    job.cancel()
    await asyncio.wait([job])
    if job.cancelled() or job.exception() is not None:
        return None
    return job.result()


@dataclass
class _Link:
    """One connection: set ``lost`` when it drops; ``closing`` once we are the ones closing it."""

    lost: asyncio.Event = field(default_factory=asyncio.Event)
    closing: bool = False


class _NotFound(Exception):
    """The sensor did not show up in this search."""


class SensorSession:
    """The supervised connection to one paired sensor."""

    def __init__(
        self,
        pairing: Pairing,
        *,
        radio: Radio,
        gate: ConnectGate,
        clock: Clock,
        rng: Random,
        emit: Callable[[Sample], None],
        settings: SessionSettings = SessionSettings(),
        decoder: Decoder | None = None,
    ) -> None:
        self.pairing = pairing
        self._radio = radio
        self._gate = gate
        self._clock = clock
        self._rng = rng
        self._emit = emit
        self._settings = settings
        self._decoder = decoder or decoder_for(pairing.role, cadence_unit=pairing.cadence_unit)
        self._measurement_uuid = ROLE_SPECS[pairing.role].measurement
        self._health = HealthCounters(pairing.role, pairing.address)
        self._link = _Link()
        self._last_rx: float | None = None
        self._connected_at = 0.0
        self._received = 0

    # --- status -------------------------------------------------------------------------

    def health(self) -> SensorHealth:
        return self._health.snapshot(
            counter_resets=self._decoder.counter_resets,
            spikes=self._decoder.spikes,
            looks_like_strides=self._decoder.looks_like_strides,
        )

    @property
    def state(self) -> SensorState:
        return self._health.state

    def _set_state(self, state: SensorState) -> None:
        if state is not self._health.state:
            log.info("%s %s: %s", self.pairing.role.value, self.pairing.address, state.value)
        self._health.state = state

    # --- the supervised loop --------------------------------------------------------------

    async def run(self) -> None:
        """Find, connect, subscribe, wait, clean up, back off: until cancelled."""
        attempt = 0
        try:
            while True:
                received_before = self._received
                try:
                    await self._connect_once()
                except asyncio.CancelledError:
                    raise
                except _NotFound:
                    self._note_failure("not found nearby", unavailable=False)
                except Exception as exc:  # supervised: anything a sensor does is retried
                    self._note_failure_from(exc)
                if self._received > received_before:
                    attempt = 0  # it worked for a while: come back quickly
                self._set_state(
                    SensorState.UNAVAILABLE
                    if self._health.state is SensorState.UNAVAILABLE
                    else SensorState.WAITING
                )
                delay = backoff_delay(attempt, self._settings, self._rng)
                self._health.retry_delay_s = delay
                attempt += 1
                await self._clock.sleep(delay)
        finally:
            self._set_state(SensorState.STOPPED)

    async def _connect_once(self) -> None:
        role, address = self.pairing.role.value, self.pairing.address
        if self._health.state is not SensorState.UNAVAILABLE:
            self._set_state(SensorState.SEARCHING)
        device = await self._radio.find(address, self._settings.find_timeout_s)
        if device is None:
            raise _NotFound
        link = self._link = _Link()

        async def attempt() -> BleakClient:
            self._set_state(SensorState.CONNECTING)
            return await self._radio.connect(device, lambda: self._on_disconnect(link))

        try:
            client = await self._gate.connect(attempt, self._disconnect)
        except BaseException:
            self._radio.invalidate(address)
            raise
        connected = False
        try:
            self._health.connects += 1
            self._health.last_error = ""
            self._last_rx = None
            async with asyncio.timeout(self._settings.subscribe_timeout_s):
                await client.start_notify(self._measurement_uuid, self._on_measurement)
            self._connected_at = self._clock.monotonic()
            self._set_state(SensorState.CONNECTED)
            self._emit(SensorStatus(t=self._connected_at, role=self.pairing.role, connected=True))
            connected = True
            async with asyncio.timeout(self._settings.subscribe_timeout_s):
                await self._start_battery(client)
            reason = await self._wait_until_lost()
            log.info("%s %s: %s", role, address, reason)
        finally:
            link.closing = True
            if connected:
                self._emit(
                    SensorStatus(t=self._clock.monotonic(), role=self.pairing.role, connected=False)
                )
            await self._disconnect(client)

    async def _wait_until_lost(self) -> str:
        """Until the link drops or goes silent; returns why."""
        silence = self._settings.silence_timeout_s
        while True:
            if self._link.lost.is_set():
                self._health.last_error = "disconnected"
                return "disconnected"
            since = self._last_rx if self._last_rx is not None else self._connected_at
            remaining = silence - (self._clock.monotonic() - since)
            if remaining <= 0:
                self._health.silences += 1
                self._health.last_error = f"silent for {silence:g} s"
                return f"no notification for {silence:g} s: reconnecting"
            await sleep_unless(self._clock, remaining, self._link.lost)

    async def _start_battery(self, client: BleakClient) -> None:
        """Read the battery level (and follow it if the sensor notifies it), where offered."""
        char = client.services.get_characteristic(BATTERY_LEVEL)
        if char is None:
            return
        from bleak.exc import BleakError

        try:
            if "read" in char.properties:
                self._on_battery(char, await client.read_gatt_char(char))
            if "notify" in char.properties:
                await client.start_notify(char, self._on_battery)
        except (BleakError, TimeoutError) as exc:
            log.debug("%s: battery level not available: %s", self.pairing.address, exc)

    async def _disconnect(self, client: BleakClient) -> None:
        try:
            async with asyncio.timeout(self._settings.disconnect_timeout_s):
                await client.disconnect()
        except Exception as exc:  # the link, the bus or the adapter may be gone already
            log.debug("%s: disconnect: %s", self.pairing.address, exc)

    def _note_failure_from(self, exc: Exception) -> None:
        from bleak.exc import BleakError

        from pacer.ble.radio import bluetooth_unavailable, describe_error

        expected = isinstance(exc, BleakError | OSError | EOFError | TimeoutError)
        if not expected:
            log.exception("%s %s: unexpected error", self.pairing.role.value, self.pairing.address)
        self._note_failure(describe_error(exc), unavailable=bluetooth_unavailable(exc))

    def _note_failure(self, reason: str, *, unavailable: bool) -> None:
        self._health.failures += 1
        self._health.last_error = reason
        if unavailable:
            self._set_state(SensorState.UNAVAILABLE)
        elif self._health.state is SensorState.UNAVAILABLE:
            self._set_state(SensorState.WAITING)
        log.info("%s %s: %s", self.pairing.role.value, self.pairing.address, reason)

    # --- callbacks from bleak (on the event loop) -----------------------------------------

    def _on_disconnect(self, link: _Link) -> None:
        if not link.closing and not link.lost.is_set():
            self._health.unexpected_disconnects += 1
        link.lost.set()

    def _on_measurement(self, _char: BleakGATTCharacteristic, data: bytearray) -> None:
        t = self._clock.monotonic()
        if self._last_rx is not None:
            self._health.gaps_s.append(t - self._last_rx)
        self._last_rx = t
        self._health.notifications += 1
        try:
            samples = self._decoder.decode(data, t)
        except SensorParseError as exc:
            self._health.parse_errors += 1
            level = logging.WARNING if self._health.parse_errors in (1, 10, 100) else logging.DEBUG
            log.log(level, "%s %s: %s", self.pairing.role.value, self.pairing.address, exc)
            return
        self._received += 1
        for sample in samples:
            self._emit(sample)

    def _on_battery(self, _char: BleakGATTCharacteristic, data: bytearray) -> None:
        t = self._clock.monotonic()
        try:
            sample = self._decoder.battery(data, t)
        except SensorParseError as exc:
            self._health.parse_errors += 1
            log.debug("%s: %s", self.pairing.address, exc)
            return
        self._health.battery_percent = sample.percent
        self._emit(sample)


class BleSensors:
    """Every paired sensor as one stream of samples: the real :class:`pacer.devices.bundle.Sensors`.

    ::

        async with BleSensors(load_pairings(data_dir), clock=clock) as sensors:
            async for sample in sensors.samples():
                engine.feed(sample)

    The sessions run in a TaskGroup owned by the context manager; leaving it cancels them,
    disconnects every sensor and stops scanning. When the engine falls behind, the oldest
    queued samples are dropped (``dropped`` counts them).
    """

    def __init__(
        self,
        pairings: Sequence[Pairing],
        *,
        clock: Clock,
        radio: Radio | None = None,
        rng: Random | None = None,
        settings: SessionSettings = SessionSettings(),
        queue_size: int = 256,
    ) -> None:
        self._clock = clock
        self._radio_given = radio
        self._radio: Radio | None = radio
        self._rng = rng or random.Random()
        self._settings = settings
        self._queue: asyncio.Queue[Sample] = asyncio.Queue(maxsize=queue_size)
        self._pairings = tuple(pairings)
        self._sessions: list[SensorSession] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._group: asyncio.TaskGroup | None = None
        self.dropped = 0

    async def __aenter__(self) -> BleSensors:
        if self._radio is None:
            from pacer.ble.radio import BleakRadio

            self._radio = BleakRadio()
        gate = ConnectGate(self._clock, self._settings.radio_wait_s)
        self._sessions = [
            SensorSession(
                p,
                radio=self._radio,
                gate=gate,
                clock=self._clock,
                rng=self._rng,
                emit=self._put,
                settings=self._settings,
            )
            for p in self._pairings
        ]
        self._group = asyncio.TaskGroup()
        await self._group.__aenter__()
        self._tasks = [
            self._group.create_task(s.run(), name=f"ble-{s.pairing.role.value}")
            for s in self._sessions
        ]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for task in self._tasks:
            task.cancel()
        try:
            if self._group is not None:
                await self._group.__aexit__(exc_type, exc, tb)
        finally:
            self._group = None
            self._tasks = []
            if self._radio is not None:
                await self._radio.aclose()
            if self._radio_given is None:
                self._radio = None

    async def samples(self) -> AsyncIterator[Sample]:
        while True:
            yield await self._queue.get()

    def health(self) -> tuple[SensorHealth, ...]:
        return tuple(s.health() for s in self._sessions)

    @property
    def bluetooth_available(self) -> bool:
        return not any(s.state is SensorState.UNAVAILABLE for s in self._sessions)

    def status_line(self) -> str:
        """ "Bluetooth unavailable", or one ``role state`` pair per sensor."""
        if not self._sessions:
            return "no sensors paired"
        if not self.bluetooth_available:
            return SensorState.UNAVAILABLE.value
        return ", ".join(f"{s.pairing.role.value} {s.state.value}" for s in self._sessions)

    def _put(self, sample: Sample) -> None:
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(sample)


if TYPE_CHECKING:  # pragma: no cover - mypy checks BleSensors against the protocol

    def _is_sensors(sensors: BleSensors) -> Sensors:
        return sensors
