"""The recorder on the real SQLite store: the writer thread, reopening, the storage bound."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pacer.core.errors import StoreError
from pacer.engine.snapshot import TargetStatus
from pacer.recording.model import ActivityEvent, EventKind, Record
from pacer.recording.payload import PAYLOAD_FORMAT, read_payload, sample_json, sample_record
from pacer.recording.recorder import RecordingRefused, ThreadedWriter
from pacer.recording.storage import StoreSink, ensure_room, load_stored
from pacer.storage.payload import ACTIVITY_FORMAT, parse
from pacer.storage.store import ActivityStatus, Store
from tests.support.sim_recording import recorded_step_up


def test_writer_thread_stores_the_recording_and_it_reads_back(tmp_path: Path) -> None:
    db = tmp_path / "pacer.db"
    activity, _ = recorded_step_up()
    writer = ThreadedWriter(lambda: StoreSink(db), flush_s=0.05)
    writer.create(activity.start, activity.workout)
    for r in activity.records:
        writer.record(r)
    for e in activity.events:
        writer.event(e)
    writer.end(ended=True)
    writer.close()
    assert writer.error is None
    assert writer.activity_id == 1
    with Store(db) as store:
        (info,) = store.list_activities()
        assert info.status is ActivityStatus.ENDED
        back = load_stored(store, 1)
    assert [r.hr for r in back.records] == [r.hr for r in activity.records]
    assert [r.rr for r in back.records] == [r.rr for r in activity.records]
    assert [r.status for r in back.records] == [r.status for r in activity.records]
    assert back.laps == activity.laps
    assert [r.target_low for r in back.records] == [r.target_low for r in activity.records]
    assert back.workout == activity.workout
    assert back.units == activity.units


def test_writer_commits_while_running_not_only_at_close(tmp_path: Path) -> None:
    db = tmp_path / "pacer.db"
    writer = ThreadedWriter(lambda: StoreSink(db), flush_s=0.05)
    writer.create(0.0, "x")
    assert writer.wait_created() == 1
    writer.record(Record(0.0, 0.0, hr=120))
    writer.event(ActivityEvent(0.0, EventKind.START, None, {}))
    deadline = threading.Event()
    with Store(db) as reader:
        for _ in range(100):
            if b'"hr":120' in reader.activity_payload(1):
                break
            deadline.wait(0.02)
        else:
            pytest.fail("the sample was not committed within 2 s")
    writer.close()


def test_a_failing_store_does_not_raise_into_the_caller(tmp_path: Path) -> None:
    (tmp_path / "pacer.db").mkdir()  # a directory where the database should be
    writer = ThreadedWriter(lambda: StoreSink(tmp_path / "pacer.db"), flush_s=0.05)
    writer.create(0.0, None)
    writer.record(Record(0.0, 0.0))
    writer.close()
    assert isinstance(writer.error, StoreError)


def test_reopen_only_what_was_not_ended(tmp_path: Path) -> None:
    with Store(tmp_path / "pacer.db") as store:
        a = store.create_activity(0.0, None)
        b = store.create_activity(1.0, None)
        store.end_activity(a)
        assert store.recover_interrupted() == [b]
        store.reopen_activity(b)
        assert store.get_activity(b).status is ActivityStatus.RECORDING  # type: ignore[union-attr]
        with pytest.raises(StoreError, match="was ended"):
            store.reopen_activity(a)
        with pytest.raises(StoreError, match="no activity 9"):
            store.reopen_activity(9)


def fill(store: Store, n: int, seconds: int) -> list[int]:

    ids = []
    for i in range(n):
        a = store.create_activity(float(i), f"run {i}")
        store.add_samples(a, [{"t": float(t), "hr": 140, "speed": 3.0} for t in range(seconds)])
        store.end_activity(a)
        ids.append(a)
    return ids


def test_room_is_made_only_from_downloaded_runs(tmp_path: Path) -> None:
    with Store(tmp_path / "pacer.db") as store:
        ids = fill(store, 4, 3000)
        used = store.used_bytes()
        assert ensure_room(store, used + 1) == []  # under the limit: nothing to do
        store.mark_downloaded(ids[0])
        store.mark_downloaded(ids[2])
        deleted = ensure_room(store, used * 85 // 100)
        assert deleted == [ids[0]]  # one downloaded run freed enough
        assert store.used_bytes() < used * 85 // 100
        with pytest.raises(RecordingRefused, match=r"2 run\(s\) not downloaded yet"):
            ensure_room(store, 1)
        # the refusal deleted every downloaded run first, never the others
        assert [a.id for a in store.list_activities()] == [ids[1], ids[3]]


def test_start_up_finds_the_interrupted_run_and_can_save_it_as_ended(tmp_path: Path) -> None:
    from pacer.recording.storage import find_interrupted, save_as_ended

    db = tmp_path / "pacer.db"
    activity, _ = recorded_step_up()
    writer = ThreadedWriter(lambda: StoreSink(db), flush_s=0.05)
    writer.create(activity.start, activity.workout)
    for r in activity.records[:1500]:
        writer.record(r)
    for e in activity.events:
        if e.t < 1500:
            writer.event(e)
    writer.close()  # no end(): the process died mid-run
    with Store(db) as store:
        found = find_interrupted(store)
        assert found is not None
        assert (found.activity, found.started) == (1, activity.start)
        assert (found.point.step, found.point.timer) == (1, 1499.0)
        save_as_ended(store, found.activity)
        assert find_interrupted(store) is None
        assert store.get_activity(1).status is ActivityStatus.ENDED  # type: ignore[union-attr]


def test_cli_reads_store_ids_and_downloaded_recordings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pacer.cli import main

    db = tmp_path / "pacer.db"
    activity, _ = recorded_step_up()
    writer = ThreadedWriter(lambda: StoreSink(db))
    writer.create(activity.start, activity.workout)
    for r in activity.records:
        writer.record(r)
    for e in activity.events:
        writer.event(e)
    writer.end(ended=True)
    writer.close()
    out = tmp_path / "1.fit"
    assert main(["export", "1", "--data-dir", str(tmp_path), "-o", str(out)]) == 0
    assert out.read_bytes()[8:12] == b".FIT"
    # what 'pacer device download' saves is the store's payload: report reads it
    with Store(db) as store:
        (tmp_path / "run.jsonl").write_bytes(store.activity_payload(1))
    capsys.readouterr()
    assert main(["report", str(tmp_path / "run.jsonl")]) == 0
    assert "Z4 148-167 bpm" in capsys.readouterr().out
    assert main(["report", "7", "--data-dir", str(tmp_path)]) == 2
    assert "no activity 7" in capsys.readouterr().err


# --- one per-second shape, one activity format ---------------------------------------------

_opt_float = st.one_of(st.none(), st.floats(0, 1e4, allow_nan=False))
RECORDS = st.builds(
    lambda t, hr, rr, speed, cadence, distance, power, step, status: Record(
        t=float(t),
        timer=float(t),
        hr=hr,
        rr=tuple(rr),
        speed=speed,
        cadence=cadence,
        distance=distance,
        power=power,
        step=step,
        status=status,
    ),
    st.integers(0, 10_000),
    st.one_of(st.none(), st.integers(30, 230)),
    st.lists(st.floats(0.2, 2.0, allow_nan=False), max_size=3),
    _opt_float,
    _opt_float,
    _opt_float,
    st.one_of(st.none(), st.integers(0, 2000)),
    st.one_of(st.none(), st.integers(0, 50)),
    st.sampled_from(list(TargetStatus)),
)
SAMPLE_FIELDS_OF_RECORD = ("t", "hr", "rr", "speed", "cadence", "distance", "power", "step")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(RECORDS, max_size=20, unique_by=lambda r: r.t))
def test_a_record_through_the_store_and_the_format_comes_back_the_same(
    tmp_path_factory: pytest.TempPathFactory, records: list[Record]
) -> None:
    """The recorder's sink writes Records, the store keeps the format's sample objects and
    writes the JSON lines, the reader parses them back into Records: every caller agrees."""
    db = tmp_path_factory.mktemp("r") / "pacer.db"
    sink = StoreSink(db)
    try:
        aid = sink.create_activity(1_700_000_000.0, "w")
        sink.add_records(aid, records)
        sink.end_activity(aid, ended=True)
        data = sink.store.activity_payload(aid)
    finally:
        sink.close()
    head, lines, _ = parse(data)
    assert head["format"] == PAYLOAD_FORMAT == ACTIVITY_FORMAT
    assert [sample_record(s) for _, s in lines] == [
        sample_record(sample_json(r)) for r in sorted(records, key=lambda r: r.t)
    ]
    back = read_payload(data).records
    ordered = sorted(records, key=lambda r: r.t)
    for field in SAMPLE_FIELDS_OF_RECORD:
        assert [getattr(r, field) for r in back] == [getattr(r, field) for r in ordered], field
    assert [r.status for r in back] == [r.status for r in ordered]
    assert all(sample_record(sample_json(r)) == replace(r, timer=r.t) for r in records)


def test_the_format_has_one_home() -> None:
    from pacer.recording import payload as reader
    from pacer.storage import payload as fmt

    assert reader.PayloadError is fmt.PayloadError
    assert reader.PAYLOAD_FORMAT is fmt.ACTIVITY_FORMAT
    assert set(sample_json(Record(0.0, 0.0))) == set(fmt.SAMPLE_FIELDS)
