"""One sync, start to end, against any :class:`~pacer.sync.port.SyncDevice`:

1. *Zones in* (unless ``profile=False``): intervals.icu's FTP, LTHR, max HR and threshold
   pace replace the device profile's where they differ; each change is printed.
2. *Workouts in*: the planned workouts of the next ``days`` days, converted from
   ``workout_doc`` (:mod:`pacer.formats.workouts.icu_doc`) and put on the device as
   :func:`pacer.sync.plan.plan_workouts` decides; today's is selected.
3. *Runs out*: each finished run not yet sent goes to intervals.icu as FIT, paired with the
   planned event it ran, with its external id; to Strava too when asked. The ledger
   (:mod:`pacer.sync.ledger`) records every try before it is made.

A workout that cannot be converted, or a run a service refuses for good, is reported and
skipped; the sync goes on and ends non-zero. Losing the network or the login stops the sync
at once (the ledger keeps what is left for the next one). ``dry_run`` changes nothing
anywhere and prints what would happen. Time and sleep are injected.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from pacer.core.errors import HardwareError, PacerError
from pacer.sync.http import AuthError, OfflineError, ServiceError, SyncError
from pacer.sync.icu import IcuClient, PlannedEvent
from pacer.sync.ledger import Entry, Ledger, State
from pacer.sync.plan import event_id_of, plan_profile, plan_workouts
from pacer.sync.port import DeviceActivity, SyncDevice, SyncStopped, external_id
from pacer.sync.strava import MAX_POLLS, POLL_S, StravaClient, UploadState
from pacer.workout.profile import Profile

ICU: str = "intervals.icu"
STRAVA: str = "strava"


@dataclass(frozen=True, slots=True)
class Options:
    days: int = 7
    dry_run: bool = False
    profile: bool = True
    strava: bool = False
    retry_failed: bool = False


@dataclass
class Report:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    selected: str | None = None
    profile_changes: list[str] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _fit_name(activity: DeviceActivity) -> str:
    return f"{external_id(activity)}.fit"


def _title(activity: DeviceActivity) -> str:
    return activity.workout_name or "pacer run"


class Syncer:
    def __init__(
        self,
        device: SyncDevice,
        icu: IcuClient,
        ledger: Ledger,
        *,
        strava: StravaClient | None = None,
        out: Callable[[str], None] = print,
        today: date | None = None,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.device = device
        self.icu = icu
        self.ledger = ledger
        self.strava = strava
        self.out = out
        self.today = today or date.today()
        self.wall = wall
        self.sleep = sleep
        self._fit: dict[int, bytes] = {}

    def run(self, options: Options) -> Report:
        report = Report()
        profile = self.device.profile()
        if options.profile:
            profile = self.zones_in(profile, options, report)
        self.workouts_in(profile, options, report)
        self.runs_out(options, report)
        return report

    # --- zones in ------------------------------------------------------------------------

    def zones_in(self, profile: Profile, options: Options, report: Report) -> Profile:
        change = plan_profile(profile, self.icu.thresholds())
        for skipped in change.skipped:
            self.out(f"profile: intervals.icu's {skipped} left out")
        if not change.changes:
            self.out("profile: up to date")
            return profile
        verb = "would change" if options.dry_run else "changed"
        self.out(f"profile: {verb} {', '.join(change.changes)}")
        report.profile_changes = list(change.changes)
        if options.dry_run:
            return profile
        self.device.set_profile(change.profile)
        return change.profile

    # --- workouts in ---------------------------------------------------------------------

    def _yaml(self, event: PlannedEvent, profile: Profile) -> str:
        from pacer.formats.workouts.icu_doc import import_workout_doc, sport_of
        from pacer.workout.fileformat import dump_workout

        if event.doc is None:
            raise SyncError("it has no structured steps (workout_doc) in intervals.icu")
        result = import_workout_doc(
            event.doc,
            f"event {event.id}",
            name=event.name,
            sport=sport_of(event.type),
            profile=profile,
        )
        header = [f"# Synced from intervals.icu event {event.id} ({event.day}) by pacer sync."]
        header += [f"# {w}" for w in result.warnings]
        return "\n".join(header) + "\n" + dump_workout(result.workout)

    def workouts_in(self, profile: Profile, options: Options, report: Report) -> None:
        last = self.today + timedelta(days=options.days - 1)
        events = self.icu.events(self.today, last)
        plan = plan_workouts(events, self.device.workouts(), self.today, options.days)
        self.out(
            f"workouts: {len(events)} planned from {self.today} to {last}; "
            f"{len(plan.put)} to put, {len(plan.remove)} to remove, "
            f"{len(plan.unchanged)} unchanged, {len(plan.own)} of your own left alone"
        )
        report.unchanged = len(plan.unchanged)
        would = "would " if options.dry_run else ""
        for put in plan.put:
            event = put.event
            try:
                text = self._yaml(event, profile)
                if not options.dry_run:
                    self.device.put_workout(
                        put.name,
                        text,
                        origin=event.origin,
                        origin_updated=event.updated or "",
                    )
            except (HardwareError, SyncStopped):
                raise  # the device is gone, or asks to stop here: nothing more this time
            except PacerError as exc:  # this workout: not convertible, or refused
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                report.problems.append(f"event {event.id} '{event.name}': {first}")
                self.out(f"  ! {put.name}: not put on the device: {first}")
                continue
            (report.replaced if put.replaces else report.added).append(put.name)
            if options.dry_run:
                verb = "would replace" if put.replaces else "would add"
            else:
                verb = "replaced" if put.replaces else "added"
            self.out(f"  + {verb} {put.name} (event {event.id}, {event.name})")
        for name in plan.remove:
            try:
                if not options.dry_run:
                    self.device.remove_workout(name)
            except (HardwareError, SyncStopped):
                raise
            except PacerError as exc:  # e.g. it is running now
                report.problems.append(f"{name}: not removed: {exc}")
                self.out(f"  ! {name}: not removed: {exc}")
                continue
            report.removed.append(name)
            self.out(f"  - {would}remove{'' if would else 'd'} {name} (gone from the plan)")
        if plan.select is not None and plan.select in report.added + report.replaced + list(
            plan.unchanged
        ):
            if not options.dry_run:
                self.device.select_workout(plan.select)
            report.selected = plan.select
            self.out(f"  * {would}select{'' if would else 'ed'} {plan.select} for today")

    # --- runs out ------------------------------------------------------------------------

    def _fit_of(self, activity: DeviceActivity) -> bytes:
        if activity.id not in self._fit:
            self._fit[activity.id] = self.device.activity_fit(activity.id)
        return self._fit[activity.id]

    def runs_out(self, options: Options, report: Report) -> None:
        services = [ICU] + ([STRAVA] if options.strava and self.strava is not None else [])
        if options.retry_failed and not options.dry_run:
            again = self.ledger.retry_failed(self.wall())
            if again:
                self.out(f"runs: {again} failed upload(s) to try again")
        activities = sorted(self.device.activities(), key=lambda a: a.started)
        todo: list[tuple[DeviceActivity, str, Entry | None]] = []
        for activity in activities:
            for service in services:
                entry = self.ledger.get(external_id(activity), service)
                if entry is None or entry.state in (State.PENDING, State.PROCESSING):
                    todo.append((activity, service, entry))
        failed = sum(
            1
            for a in activities
            for s in services
            if (e := self.ledger.get(external_id(a), s)) and e.state is State.FAILED
        )
        self.out(
            f"runs: {len(activities)} on the device, {len(todo)} upload(s) to do"
            + (f", {failed} failed before (--retry-failed)" if failed else "")
        )
        if options.dry_run:
            for activity, service, _ in todo:
                paired = event_id_of(activity.workout_origin)
                pairing = f", paired with event {paired}" if paired else ""
                self.out(f"  would send {external_id(activity)} to {service}{pairing}")
            return
        polls: list[tuple[DeviceActivity, str]] = []
        for n, (activity, service, entry) in enumerate(todo, 1):
            ext = external_id(activity)
            if entry is None:
                entry = self.ledger.add(
                    ext,
                    service,
                    activity=activity.id,
                    started=activity.started.timestamp(),
                    workout=activity.workout_name,
                    paired_event=event_id_of(activity.workout_origin),
                    now=self.wall(),
                )
            prefix = f"  [{n}/{len(todo)}] {ext} -> {service}"
            if service == STRAVA and entry.state is State.PROCESSING and entry.upload_id:
                polls.append((activity, entry.upload_id))
                self.out(f"{prefix}: still processing at Strava, polling")
                continue
            self.send(activity, service, entry, prefix, report, polls)
        if polls:
            self.poll_strava(polls, report)

    def _guarded(self, ext: str, service: str, report: Report, action: Callable[[], None]) -> None:
        try:
            action()
        except (AuthError, OfflineError) as exc:
            self.ledger.error(ext, service, str(exc), self.wall(), final=False)
            raise
        except ServiceError as exc:
            final = 400 <= exc.status < 500 and exc.status != 429
            self.ledger.error(ext, service, str(exc), self.wall(), final=final)
            report.problems.append(f"{ext} -> {service}: {exc}")
            self.out(f"  ! {ext} -> {service}: {exc}")
            if not final:
                raise

    def send(
        self,
        activity: DeviceActivity,
        service: str,
        entry: Entry,
        prefix: str,
        report: Report,
        polls: list[tuple[DeviceActivity, str]],
    ) -> None:
        ext = entry.external_id
        fit = self._fit_of(activity)
        self.ledger.begin(ext, service, self.wall())

        def to_icu() -> None:
            uploaded = self.icu.upload(
                fit,
                _fit_name(activity),
                name=_title(activity),
                external_id=ext,
                paired_event_id=entry.paired_event,
            )
            self.ledger.sent(ext, service, uploaded.remote_id, self.wall())
            self._count(report, service, uploaded.duplicate)
            paired = f", paired with event {entry.paired_event}" if entry.paired_event else ""
            dup = " (already there)" if uploaded.duplicate else ""
            self.out(f"{prefix}: sent as {uploaded.remote_id or '?'}{dup}{paired}")

        def to_strava() -> None:
            assert self.strava is not None
            state = self.strava.create_upload(
                fit, _fit_name(activity), name=_title(activity), external_id=ext
            )
            self.ledger.processing(ext, service, state.upload_id, self.wall())
            if state.done:
                self._strava_done(activity, state, report)
            else:
                polls.append((activity, state.upload_id))
                self.out(f"{prefix}: uploaded, Strava is processing it")

        self._guarded(ext, service, report, to_icu if service == ICU else to_strava)

    def _count(self, report: Report, service: str, duplicate: bool) -> None:
        report.sent[service] = report.sent.get(service, 0) + 1
        report.duplicates += int(duplicate)

    def _strava_done(self, activity: DeviceActivity, state: UploadState, report: Report) -> None:
        ext = external_id(activity)
        if state.activity_id is not None:
            self.ledger.sent(ext, STRAVA, state.activity_id, self.wall())
            self._count(report, STRAVA, state.duplicate)
            dup = " (already there)" if state.duplicate else ""
            self.out(f"  {ext} -> strava: activity {state.activity_id}{dup}")
        else:
            message = f"Strava refused the file: {state.error}"
            self.ledger.error(ext, STRAVA, message, self.wall(), final=True)
            report.problems.append(f"{ext} -> strava: {message}")
            self.out(f"  ! {ext} -> strava: {message}")

    def poll_strava(self, polls: list[tuple[DeviceActivity, str]], report: Report) -> None:
        """Round-robin, a second apart: every open upload once per round."""
        waiting = list(polls)
        for _ in range(MAX_POLLS):
            if not waiting:
                return
            self.sleep(POLL_S)
            still: list[tuple[DeviceActivity, str]] = []
            for activity, upload_id in waiting:
                ext = external_id(activity)
                box: list[UploadState] = []

                def poll(upload_id: str = upload_id, box: list[UploadState] = box) -> None:
                    assert self.strava is not None
                    box.append(self.strava.poll(upload_id))

                self._guarded(ext, STRAVA, report, poll)
                if not box:
                    continue
                if box[0].done:
                    self._strava_done(activity, box[0], report)
                else:
                    still.append((activity, upload_id))
            waiting = still
        for activity, _ in waiting:
            ext = external_id(activity)
            self.ledger.error(
                ext,
                STRAVA,
                "still processing at Strava; the next sync looks again",
                self.wall(),
                final=False,
            )
            self.out(f"  {ext} -> strava: still processing; the next sync looks again")


__all__ = ["ICU", "STRAVA", "Options", "Report", "Syncer"]
