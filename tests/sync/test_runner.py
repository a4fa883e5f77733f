"""A whole sync against the loopback services and a device in memory: workouts in (added,
replaced, removed, selected, the athlete's own untouched), zones in, runs out (paired,
once, duplicates as success, resumed after a failure), Strava (token rotation, polling,
duplicate), and the dry run that changes nothing. Sleeps are recorded, never slept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from pacer.storage.credentials import CredentialStore, StravaCredentials
from pacer.sync.http import AuthError, ServiceError
from pacer.sync.icu import IcuClient
from pacer.sync.ledger import Ledger, State
from pacer.sync.port import external_id
from pacer.sync.runner import ICU, STRAVA, Options, Report, Syncer
from pacer.sync.strava import StravaClient
from tests.support.fake_services import (
    API_KEY,
    STRAVA_CLIENT_ID,
    STRAVA_SECRET,
    FakeServices,
    fake_services,
)
from tests.support.memory_device import MemoryDevice

TODAY = date(2026, 5, 9)
DOC = {
    "steps": [
        {"duration": 600, "warmup": True, "hr": {"value": 70, "units": "%hr"}},
        {
            "reps": 3,
            "steps": [
                {"distance": 1000, "pace": {"value": 95, "units": "%pace"}, "text": "Go"},
                {"duration": 120, "intensity": "recovery", "hr": {"value": 1, "units": "hr_zone"}},
            ],
        },
        {"duration": 300, "cooldown": True},
    ]
}
OWN = "name: Mine\nsteps:\n  - active: 20m\n"


@pytest.fixture
def fake() -> Iterator[FakeServices]:
    with fake_services() as services:
        services.athlete = {
            "sportSettings": [
                {"types": ["Ride"], "ftp": 260, "lthr": 160, "max_hr": 180},
                {"types": ["Run"], "ftp": 0, "lthr": 170, "max_hr": 190, "threshold_pace": 4.0},
            ]
        }
        services.add_event(11, "2026-05-09", "Threshold intervals", DOC)
        services.add_event(12, "2026-05-11", "Cruise", DOC)
        services.add_event(13, "2026-05-20", "Too far", DOC)
        yield services


class World:
    def __init__(self, fake: FakeServices, tmp: Path) -> None:
        self.fake = fake
        self.sleeps: list[float] = []
        self.out: list[str] = []
        self.device = MemoryDevice()
        self.device.own("step-up-run", OWN)
        self.ledger = Ledger.open_dir(tmp)
        self.creds = CredentialStore(tmp / "cfg", env={})
        self.wall = 1_778_310_000.0
        fake.clock = lambda: self.wall

    def sync(self, **options: object) -> Report:
        icu = IcuClient(API_KEY, "0", self.fake.url, sleep=self.sleeps.append)
        strava = StravaClient(
            self.creds, self.fake.url, sleep=self.sleeps.append, wall=lambda: self.wall
        )
        syncer = Syncer(
            self.device,
            icu,
            self.ledger,
            strava=strava,
            out=self.out.append,
            today=TODAY,
            wall=lambda: self.wall,
            sleep=self.sleeps.append,
        )
        try:
            return syncer.run(Options(**options))  # type: ignore[arg-type]
        finally:
            icu.close()
            strava.close()


@pytest.fixture
def world(fake: FakeServices, tmp_path: Path) -> Iterator[World]:
    w = World(fake, tmp_path)
    yield w
    w.ledger.close()


def test_workouts_and_zones_in_then_a_run_out_paired_once(world: World) -> None:
    report = world.sync()
    device = world.device
    assert report.ok, report.problems
    assert report.added == ["2026-05-09-threshold-intervals", "2026-05-11-cruise"]
    assert device.selected == "2026-05-09-threshold-intervals"
    assert device.texts["step-up-run"] == OWN  # the athlete's own: untouched
    synced = device.workouts_["2026-05-09-threshold-intervals"]
    assert synced.origin == "intervals.icu/event/11"
    assert synced.origin_updated == "2026-05-01T10:00:00.000+00:00"
    assert "# Synced from intervals.icu event 11" in device.texts[synced.name]
    # zones in: run settings for HR and pace, ride settings for FTP
    assert report.profile_changes == [
        "ftp none -> 260",
        "lthr none -> 170",
        "threshold pace none -> 4:10/km",
    ]
    assert device.profile().lthr == 170
    assert any(line.startswith("profile: changed ftp none -> 260") for line in world.out)

    run = device.add_run(synced.name)
    free = device.add_run(None, started=1_778_320_000.0)
    report = world.sync()
    assert report.sent == {ICU: 2}
    by_external = {a.external_id: a for a in world.fake.activities.values()}
    assert by_external[external_id(run)].paired_event_id == 11
    assert by_external[external_id(free)].paired_event_id is None
    assert by_external[external_id(run)].name == synced.name
    entries = {e.external_id: e for e in world.ledger.entries()}
    assert entries[external_id(run)].state is State.SENT
    assert entries[external_id(run)].remote_id == by_external[external_id(run)].id

    # a second sync does nothing: no upload, no download, no workout written
    requests_before = len(world.fake.log)
    reads = list(device.fits_read)
    report = world.sync()
    assert (report.added, report.replaced, report.removed, report.sent) == ([], [], [], {})
    assert report.unchanged == 2
    assert device.fits_read == reads
    assert [r.method for r in world.fake.log[requests_before:]] == ["GET", "GET"]


def test_changed_upstream_is_replaced_and_deleted_upstream_removed(world: World) -> None:
    world.sync()
    world.fake.events[11]["updated"] = "2026-05-02T08:00:00.000+00:00"
    world.fake.events[11]["workout_doc"] = {"steps": [{"duration": 900}]}
    del world.fake.events[12]
    report = world.sync()
    assert report.replaced == ["2026-05-09-threshold-intervals"]
    assert report.removed == ["2026-05-11-cruise"]
    assert "active: 15m" in world.device.texts["2026-05-09-threshold-intervals"]
    assert set(world.device.workouts_) == {"step-up-run", "2026-05-09-threshold-intervals"}


@pytest.mark.parametrize("status", [200, 409])
def test_a_duplicate_answer_is_success(world: World, status: int) -> None:
    world.fake.duplicate_status = status
    run = world.device.add_run()
    world.sync(profile=False)
    world.ledger.close()
    world.ledger = Ledger.open_dir(world.ledger.path.parent / "fresh")  # a new laptop
    report = world.sync(profile=False)
    assert report.ok
    assert report.duplicates == 1
    assert len(world.fake.activities) == 1
    (entry,) = world.ledger.entries()
    assert entry.state is State.SENT
    assert entry.external_id == external_id(run)
    if status == 200:
        assert entry.remote_id == next(iter(world.fake.activities))


def test_a_server_down_mid_way_stops_and_the_next_sync_resumes(world: World) -> None:
    first, second = world.device.add_run(), world.device.add_run(started=1_778_400_000.0)
    world.fake.fail_next("500", "/api/v1/athlete/0/activities")  # retried: fine
    for _ in range(5):  # the second upload: refused on every try
        world.fake.fail_next("500", "/api/v1/athlete/0/activities", retry_after="1")
    world.fake.faults.rotate(-1)  # the first upload's single 500 stays first
    with pytest.raises(ServiceError, match="still refused"):
        world.sync(profile=False)
    entries = {e.external_id: e for e in world.ledger.entries()}
    # the first took a 500 and then 4 more: the sync stopped on it, the second waits
    assert entries[external_id(first)].state is State.PENDING
    assert "still refused" in (entries[external_id(first)].last_error or "")
    assert external_id(second) not in entries
    report = world.sync(profile=False)
    assert report.sent == {ICU: 2}
    assert len(world.fake.activities) == 2
    assert all(e.state is State.SENT for e in world.ledger.entries())


def test_a_refused_file_is_failed_and_the_others_go_on(world: World) -> None:
    world.device.add_run()
    world.device.add_run(started=1_778_400_000.0)
    world.fake.fail_next("422", "/api/v1/athlete/0/activities")
    report = world.sync(profile=False)
    assert not report.ok
    states = sorted(e.state.value for e in world.ledger.entries())
    assert states == ["failed", "sent"]
    assert world.sync(profile=False).sent == {}  # failed stays failed...
    assert world.sync(profile=False, retry_failed=True).sent == {ICU: 1}  # ...until asked


def test_401_stops_the_sync_with_log_in_again_and_loses_nothing(world: World) -> None:
    world.device.add_run()
    world.fake.fail_next("401", "/api/v1/athlete/0/activities")
    with pytest.raises(AuthError, match="log in again"):
        world.sync(profile=False)
    (entry,) = world.ledger.entries()
    assert entry.state is State.PENDING
    assert world.sync(profile=False).sent == {ICU: 1}


def test_strava_rotated_tokens_polling_and_a_duplicate(world: World) -> None:
    world.creds.save_strava(
        StravaCredentials(STRAVA_CLIENT_ID, STRAVA_SECRET, "old", world.fake.strava_refresh, 0.0)
    )
    world.fake.strava_polls = 2
    run = world.device.add_run()
    report = world.sync(profile=False, strava=True)
    assert report.sent == {ICU: 1, STRAVA: 1}
    assert world.fake.refreshes == 1
    stored = world.creds.strava()
    assert stored is not None
    assert stored.refresh_token == world.fake.strava_refresh == "strava-refresh-2"
    assert [s for s in world.sleeps if s == 1.0] == [1.0, 1.0]  # polled twice, a second apart
    entry = world.ledger.get(external_id(run), STRAVA)
    assert entry is not None
    assert entry.state is State.SENT
    made = next(iter(world.fake.strava_activities.values()))
    assert entry.remote_id == str(made)

    # the same run again from a fresh ledger: Strava says duplicate, naming the activity
    world.ledger.close()
    world.ledger = Ledger.open_dir(world.ledger.path.parent / "fresh")
    world.wall += 7 * 3600  # the access token expired meanwhile: a second rotation
    report = world.sync(profile=False, strava=True)
    assert report.ok
    entry = world.ledger.get(external_id(run), STRAVA)
    assert entry is not None
    assert entry.remote_id == str(made)
    assert world.fake.refreshes == 2
    assert len(world.fake.strava_activities) == 1


def test_a_dry_run_changes_nothing(world: World) -> None:
    world.device.add_run()
    report = world.sync(dry_run=True)
    assert report.added == ["2026-05-09-threshold-intervals", "2026-05-11-cruise"]
    assert set(world.device.workouts_) == {"step-up-run"}
    assert world.device.profile_text is None
    assert world.ledger.entries() == []
    assert world.fake.uploads() == []
    assert any(line.startswith("  would send pacer-") for line in world.out)
    assert any("would add 2026-05-09-threshold-intervals" in line for line in world.out)


def test_a_workout_that_cannot_be_converted_is_reported_and_the_rest_goes_on(world: World) -> None:
    world.fake.events[12]["workout_doc"] = {"steps": [{"power": {"value": 50, "units": "%ftp"}}]}
    report = world.sync(profile=False)
    assert report.added == ["2026-05-09-threshold-intervals"]
    assert not report.ok
    assert "event 12 'Cruise'" in report.problems[0]
    assert "no duration" in report.problems[0]
