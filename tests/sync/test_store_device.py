"""StoreDevice: the SyncDevice port on the device's own store checks what the serial link's
handlers check, keeps each synced workout's origin, hands out ended runs only, as the same
FIT as ``pacer export``, and writes the profile sync brings in."""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pacer.cli import main
from pacer.core.errors import InputErrors, StoreError
from pacer.recording.storage import StoreSink
from pacer.storage.store import Store, StoreFull
from pacer.sync.port import SyncDevice
from pacer.sync.store_device import StoreDevice
from pacer.workout.profile import Profile, load_profile
from tests.support.paths import EXAMPLES
from tests.support.sim_recording import recorded_step_up

RUN = (EXAMPLES / "step-up-run.yaml").read_text()
PROFILE = (EXAMPLES / "profile.yaml").read_text()
ORIGIN = "intervals.icu/event/4711"


class Clock:
    def monotonic(self) -> float:
        return 0.0

    def wall(self) -> float:
        return 1.78e9

    async def sleep(self, seconds: float) -> None:  # pragma: no cover - not used
        pass


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open_dir(tmp_path / "data")
    s.put_workout("own", RUN, 1.7e9, max_count=100)
    return s


def test_workouts_in_with_their_origin_the_athletes_own_untouched(store: Store) -> None:
    device: SyncDevice = StoreDevice(store, clock=Clock())
    device.put_workout("2026-05-09-tempo", RUN, origin=ORIGIN, origin_updated="2026-05-01T08")
    by_name = {w.name: w for w in device.workouts()}
    assert by_name["own"].origin is None
    assert by_name["2026-05-09-tempo"].origin == ORIGIN
    assert by_name["2026-05-09-tempo"].origin_updated == "2026-05-01T08"
    stored = store.get_workout("2026-05-09-tempo")
    assert stored is not None
    assert (stored.source, stored.updated) == (RUN, 1.78e9)
    device.select_workout("2026-05-09-tempo")
    assert store.selected_workout() == "2026-05-09-tempo"
    device.remove_workout("2026-05-09-tempo")
    assert [w.name for w in device.workouts()] == ["own"]
    assert store.selected_workout() is None


def test_refused_as_the_link_refuses_and_nothing_changes(store: Store) -> None:
    running = "own"
    device = StoreDevice(store, clock=Clock(), running=lambda: running)
    before = store.list_workouts()
    broken = "name: x\nsport: run\nsteps:\n  - active: 20 parsecs\n"
    with pytest.raises(InputErrors) as err:
        device.put_workout("bad", broken, origin=ORIGIN, origin_updated="1")
    assert str(err.value).startswith("bad:4:")
    with pytest.raises(StoreError, match="bad workout name"):
        device.put_workout("../etc", RUN, origin=ORIGIN, origin_updated="1")
    with pytest.raises(StoreError, match="'own' is running"):
        device.put_workout("own", RUN, origin=ORIGIN, origin_updated="1")
    with pytest.raises(StoreError, match="'own' is running"):
        device.remove_workout("own")
    with pytest.raises(StoreError, match="no workout named 'gone'"):
        device.remove_workout("gone")
    with pytest.raises(StoreError, match="no workout named"):
        device.select_workout("gone")
    small = StoreDevice(store, clock=Clock(), limits=device.limits.__class__(max_workouts=1))
    with pytest.raises(StoreFull):
        small.put_workout("another", RUN, origin=ORIGIN, origin_updated="1")
    assert store.list_workouts() == before


def test_a_workout_needing_a_profile_value_is_refused_until_the_profile_has_it(
    store: Store,
) -> None:
    device = StoreDevice(store, clock=Clock())
    ftp = "name: FTP\nsport: bike\nsteps:\n  - active: 10m\n    target: 90% FTP\n"
    with pytest.raises(InputErrors, match="needs ftp in the athlete profile"):
        device.put_workout("sweet-spot", ftp, origin=ORIGIN, origin_updated="1")
    assert store.get_workout("sweet-spot") is None
    profile = load_profile(PROFILE, "profile.yaml")
    assert profile.ftp == 250
    device.set_profile(profile)
    device.put_workout("sweet-spot", ftp, origin=ORIGIN, origin_updated="1")
    assert store.get_workout("sweet-spot") is not None


def test_profile_round_trip(store: Store) -> None:
    device = StoreDevice(store, clock=Clock())
    assert device.profile() == Profile(), "the default one when none is stored"
    profile = load_profile(PROFILE, "profile.yaml")
    device.set_profile(profile)
    assert device.profile() == profile
    stored = store.get_profile()
    assert stored is not None
    assert stored.updated == 1.78e9
    store.put_profile("max_hr: lots\n", 1.0)
    with pytest.raises(StoreError, match="stored profile does not load"):
        device.profile()


def test_ended_runs_only_as_the_same_fit_as_pacer_export(store: Store, tmp_path: Path) -> None:
    activity, _ = recorded_step_up()
    sink = StoreSink(store.path)
    ended = sink.create_activity(activity.start, "own")
    sink.add_records(ended, list(activity.records))
    sink.add_events(ended, list(activity.events))
    sink.end_activity(ended, ended=True)
    interrupted = sink.create_activity(activity.start + 9000, "own")
    sink.end_activity(interrupted, ended=False)
    recording = sink.create_activity(activity.start + 9999, None)
    sink.close()
    assert {a.id for a in store.list_activities()} == {ended, interrupted, recording}

    device = StoreDevice(store, clock=Clock())
    (only,) = device.activities()
    assert only.id == ended
    assert only.started == datetime.fromtimestamp(activity.start, UTC)
    assert only.workout_name == "own"
    fit = device.activity_fit(ended)
    out = tmp_path / "export.fit"
    with contextlib.redirect_stderr(io.StringIO()):
        argv = ["export", str(ended), "--data-dir", str(store.path.parent), "-o", str(out)]
        assert main(argv) == 0
    assert fit == out.read_bytes()
    with pytest.raises(StoreError, match="no activity 99"):
        device.activity_fit(99)
