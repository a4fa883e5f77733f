"""The recorder's pure half: rows from snapshots, engine events, samples and buttons."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from pacer.core.actions import ButtonAction
from pacer.core.samples import HeartRateSample, SensorRole, SensorStatus
from pacer.engine.events import EngineEvent, EventType
from pacer.engine.snapshot import RunState, Snapshot, TargetStatus
from pacer.recording.model import ActivityEvent, EventKind, Record
from pacer.recording.payload import assemble
from pacer.recording.recorder import Recorder, RecordingInfo, resume_point
from pacer.workout.model import Intensity, Sport
from pacer.workout.resolve import Metric, ResolvedTarget

Z2 = ResolvedTarget(Metric.HR, 140, 150, "Z2 140-150 bpm")


@dataclass
class Clock:
    now: float = 100.0
    epoch: float = 1_700_000_000.0

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.epoch + self.now

    async def sleep(self, seconds: float) -> None:  # pragma: no cover - unused
        self.now += seconds


@dataclass
class Rows:
    created: list[tuple[float, str | None]] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    events: list[ActivityEvent] = field(default_factory=list)
    ended: list[bool] = field(default_factory=list)

    def create(self, started: float, workout: str | None) -> None:
        self.created.append((started, workout))

    def reopen(self, activity: int) -> None:
        self.reopened.append(activity)

    def record(self, row: Record) -> None:
        self.records.append(row)

    def event(self, row: ActivityEvent) -> None:
        self.events.append(row)

    def end(self, *, ended: bool) -> None:
        self.ended.append(ended)


def snap(t: float, step: int, hr: int, state: RunState = RunState.RUNNING) -> Snapshot:
    target = None if step == 0 else Z2
    return Snapshot(
        state=state,
        t=t,
        step_index=step,
        step_count=2,
        step_name="Warm-up" if step == 0 else "Z2",
        intensity=Intensity.WARMUP if step == 0 else Intensity.ACTIVE,
        target=target,
        status=TargetStatus.NONE if target is None else TargetStatus.IN,
        hr=hr,
        speed_mps=3.0,
        cadence=170.0,
        distance_m=3.0 * t,
        step_remaining_s=10.0,
        battery_percent=80,
    )


def run(rows: Rows, clock: Clock, rec: Recorder, seconds: range, step_at: int = 5) -> None:
    for i in seconds:
        rec.on_sample(HeartRateSample(clock.now, 140, rr_s=(0.43, 0.43)))
        rec.on_snapshot(snap(float(i), 0 if i < step_at else 1, 120 + i))
        clock.now += 1.0


def test_one_record_a_second_with_rr_and_step_events() -> None:
    rows, clock = Rows(), Clock()
    rec = Recorder(rows, clock, RecordingInfo(Sport.RUN, workout="Test"))
    rec.start()
    run(rows, clock, rec, range(8))
    rec.on_action(ButtonAction.LAP)
    rec.on_events([EngineEvent(7.0, EventType.ALERT_OVER, 2, {"value": 155})])
    rec.on_sample(SensorStatus(clock.now, SensorRole.HR, connected=False))
    rec.stop()
    assert rows.created == [(clock.epoch + 100.0, "Test")]
    assert [r.t for r in rows.records] == [float(i) for i in range(8)]
    assert [r.hr for r in rows.records] == [120 + i for i in range(8)]
    assert all(r.rr == (0.43, 0.43) for r in rows.records)
    assert [r.target_low for r in rows.records] == [None] * 5 + [140] * 3
    kinds = [e.type for e in rows.events]
    assert kinds[0] == EventKind.START
    assert [e.step for e in rows.events if e.type == EventKind.STEP] == [0, 1]
    assert EventKind.BATTERY in kinds
    alert = next(e for e in rows.events if e.type == EventType.ALERT_OVER)
    assert alert.step == 1  # engine steps are 1-based, rows 0-based
    assert alert.data == {"value": 155, "wt": 7.0}
    assert next(e for e in rows.events if e.type == EventKind.BUTTON).data == {"action": "lap"}
    assert next(e for e in rows.events if e.type == EventKind.SENSOR).data == {
        "role": "hr",
        "connected": False,
    }
    assert kinds[-1] == EventKind.STOP
    assert rows.ended == [True]


def test_no_records_while_paused() -> None:
    rows, clock = Rows(), Clock()
    rec = Recorder(rows, clock, RecordingInfo())
    rec.start()
    rec.on_snapshot(snap(0.0, 0, 120))
    clock.now += 1
    rec.on_snapshot(snap(1.0, 0, 120, RunState.PAUSED))
    clock.now += 1
    rec.on_snapshot(snap(1.0, 0, 120))
    assert [r.t for r in rows.records] == [0.0, 2.0]
    assert [r.timer for r in rows.records] == [0.0, 1.0]


def test_an_interrupted_recording_resumes_in_its_step() -> None:
    rows, clock = Rows(), Clock()
    rec = Recorder(rows, clock, RecordingInfo(workout="Test"))
    rec.start()
    run(rows, clock, rec, range(9))
    # the process dies here: no stop(); the store holds what was written
    activity = assemble(
        activity_id="1",
        started=rows.created[0][0],
        workout="Test",
        ended=False,
        samples=rows.records,
        events=rows.events,
    )
    point = resume_point(activity)
    assert point is not None
    assert (point.step, point.step_elapsed, point.timer, point.last_t) == (1, 3.0, 8.0, 8.0)
    assert point.distance == 24.0
    # 30 s later the daemon is back and resumes
    clock.now += 30
    again = Rows()
    rec2 = Recorder(again, clock, RecordingInfo(workout="Test"))
    rec2.resume(1, point, started=rows.created[0][0])
    rec2.on_snapshot(snap(9.0, 1, 150))
    assert again.reopened == [1]
    gap = again.events[0]
    assert gap.type == EventKind.INTERRUPTED
    assert gap.data == {"since": 9.0}
    assert again.records[0].t == gap.t
    whole = assemble(
        activity_id="1",
        started=rows.created[0][0],
        workout="Test",
        ended=False,
        samples=rows.records + again.records,
        events=rows.events + again.events,
    )
    assert [r.timer for r in whole.records][-2:] == [8.0, 9.0]  # the gap is a pause
    assert [lap.step for lap in whole.laps] == [0, 1]
    assert resume_point(whole) is not None
    assert resume_point(whole).step == 1  # type: ignore[union-attr]


def test_the_engine_resumes_a_cut_off_simulated_run_in_its_step() -> None:
    import asyncio

    from pacer.engine.engine import Engine
    from pacer.recording.recorder import MemoryWriter
    from pacer.sim.recorded import attach_recorder
    from pacer.sim.runner import simulation
    from tests.support.sim_recording import step_up_workout

    workout = step_up_workout()
    runner = simulation(workout, seed=4)
    writer = MemoryWriter()
    recorder = attach_recorder(runner, writer, workout.profile)
    recorder.start()
    asyncio.run(runner.run())
    # cut the recording 25 minutes in (step 2, 5 min into it): what a crash would leave
    writer.records = [r for r in writer.records if r.t < 1500]
    writer.events = [e for e in writer.events if e.t < 1500]
    writer.ended = None
    point = resume_point(writer.activity("7"))
    assert point is not None
    assert (point.step, point.step_elapsed, point.timer) == (1, 299.0, 1499.0)
    assert point.step_distance == pytest.approx(point.distance - writer.records[1199].distance)
    engine = Engine(workout)
    now = 5000.0
    (start,) = engine.restore(
        point.step,
        point.step_elapsed,
        point.timer,
        now,
        distance_m=point.distance,
        step_distance_m=point.step_distance,
    )
    assert (start.type, start.step, start.data["reason"]) == (EventType.STEP_START, 2, "resume")
    snap_ = engine.snapshot()
    assert snap_.step_index == 1
    assert snap_.step_remaining_s == pytest.approx(1200 - 299)
    # it carries on to the next step at the planned workout time, counting down on the way
    events = []
    for second in range(1, 1000):
        events += engine.tick(now + second)
    starts = [e for e in events if e.type == EventType.STEP_START]
    assert starts[0].step == 3
    assert starts[0].t == pytest.approx(2400.0)
    countdowns = [e.data["remaining"] for e in events if e.type == EventType.STEP_COUNTDOWN]
    assert countdowns[:1] == [engine.policy.countdown_s]
    assert engine.summary().steps[0].completion == 1.0  # the warm-up was done before the cut


# --- the writer on a sink whose disk fills up ----------------------------------------------


class FillingSink:
    """A sink with room for ``room`` records; after the first refusal it has ``reserve``
    more (what StoreSink gets back from its reserve). Runs in the writer thread."""

    def __init__(self, room: int, reserve: int) -> None:
        self.room, self.reserve = room, reserve
        self.kept: list[float] = []
        self.ended: list[bool] = []
        self.refusals = 0

    def create_activity(self, started: float, workout: str | None) -> int:
        return 1

    def reopen_activity(self, activity: int) -> None:  # pragma: no cover - unused
        pass

    def add_records(self, activity: int, rows: list[Record]) -> None:
        from pacer.storage.tables import StorageFull

        if len(self.kept) + len(rows) > self.room:
            self.refusals += 1
            self.room += self.reserve
            self.reserve = 0
            raise StorageFull("storage full")
        self.kept.extend(r.t for r in rows)

    def add_events(self, activity: int, rows: list[ActivityEvent]) -> None:
        pass

    def end_activity(self, activity: int, *, ended: bool) -> None:
        self.ended.append(ended)

    def close(self) -> None:
        pass


@pytest.mark.parametrize(("room", "reserve"), [(5, 0), (5, 3), (0, 0), (20, 0)])
def test_a_full_disk_stops_the_writing_not_the_run(room: int, reserve: int) -> None:
    import time

    from pacer.recording.recorder import ThreadedWriter

    sink = FillingSink(room, reserve)
    writer = ThreadedWriter(lambda: sink, flush_s=0.001)
    writer.create(0.0, "w")
    assert writer.wait_created() == 1
    for t in range(12):  # one second at a time, each committed (or refused) before the next
        writer.record(Record(float(t), float(t), hr=130))
        deadline = time.monotonic() + 60  # a safety net only: the loop ends on the commit
        while writer.saved_t != t and not writer.full:
            assert time.monotonic() < deadline
            time.sleep(0.001)
    writer.end(ended=True)
    writer.close()
    assert writer.error is None
    assert sink.ended == [True], "the recording is still ended"
    # the second refused is tried once more in the room the reserve gave back; after that
    # nothing is written, so the reserve is left for ending the recording
    fitted = 12 if room >= 12 else room + (1 if reserve else 0)
    assert sink.kept == [float(t) for t in range(fitted)], "every second that fitted"
    assert writer.full is (fitted < 12)
    assert sink.refusals == (0 if fitted == 12 else 1 if reserve else 2)
    assert writer.saved_t == (fitted - 1 if fitted else None)
