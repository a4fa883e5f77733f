"""A recorded activity as the engine would have lived it: one :class:`Tick` per second of
recorded time, with the sensor samples and button presses of that second (pure).

What real files demand:

* Smart recording writes a record every few seconds; a sensor does not go quiet in between.
  A record's values are held for the seconds up to the next record, at most ``hold_s``
  (beyond that the data really has a hole, and the engine should see its sensor go silent).
* Missing heart rate is no heart-rate sample (a strap that stopped talking).
* Cadence is steps per minute in the model already (the FIT reader doubled per-leg cadence).
* Pauses (timer stop/start, pacer's paused/resumed, a cut-off) become start/pause presses, and
  no samples arrive while paused.
* RR intervals arrive once, with the record that carried them.
* Sensor connection changes a pacer recording logged are replayed as they happened.
* A gap with no data (a file with a record at 0 s and the next a week later) is one event,
  not a loop over its seconds: once nothing has arrived for ``quiet_s`` (long enough for the
  engine to see its sensors go silent), the feed jumps to the next second where something
  happens (a record, a lap end, a sensor event, a pause, the end). The engine fires the step
  ends, countdowns and cues in between at their own times, so time is proportional to the
  rows, not to the seconds.
* The last record's second is run to its end (its distance carried on at its speed): pacer
  records no second after the one that ended the workout, so a distance step's last metres
  arrive there; a timer stopped on that second (a FIT file's end) is the end, not a pause.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, replace

from pacer.core.actions import ButtonAction
from pacer.core.samples import (
    BikeSample,
    HeartRateSample,
    Sample,
    SensorRole,
    SensorStatus,
    StrideSample,
)
from pacer.recording.model import (
    Activity,
    ActivityEvent,
    EventKind,
    Record,
    merged_pauses,
    pause_intervals,
)
from pacer.workout.model import Sport

#: Hold a record's values across a gap up to this long (smart recording writes every 1-10 s).
HOLD_S = 10.0
#: Seconds of no data ticked one by one before the feed jumps to the next thing that happens
#: (well beyond the engine's sensor timeout, so a lost sensor is seen at its own second).
QUIET_S = 60.0


@dataclass(frozen=True, slots=True)
class Tick:
    """Second ``t`` (seconds since the start, the engine's monotonic clock)."""

    t: float
    samples: tuple[Sample, ...] = ()
    #: presses before this second's samples (start, resume) ...
    actions: tuple[ButtonAction, ...] = ()
    #: ... and after them (a pause: the record written as the timer stopped still counts)
    late_actions: tuple[ButtonAction, ...] = ()
    #: a recorded lap ended here (a lap press, if the engine's step waits for one)
    lap: bool = False


def _samples(record: Record, t: float, sport: Sport, *, fresh: bool) -> list[Sample]:
    out: list[Sample] = []
    if record.hr is not None:
        out.append(HeartRateSample(t, record.hr, rr_s=record.rr if fresh else ()))
    if sport is Sport.RUN:
        if record.speed is not None or record.cadence is not None:
            out.append(
                StrideSample(
                    t,
                    speed_mps=record.speed or 0.0,
                    cadence_spm=record.cadence or 0.0,
                    distance_m=record.distance,
                )
            )
        if record.power is not None:
            out.append(BikeSample(t, power_w=record.power))
    elif any(x is not None for x in (record.cadence, record.speed, record.power)):
        out.append(
            BikeSample(
                t,
                cadence_rpm=record.cadence,
                speed_mps=record.speed,
                power_w=record.power,
                distance_m=record.distance,
            )
        )
    return out


def _run_on(record: Record, t: float) -> Record:
    """``record`` at ``t``, its distance carried on at its speed."""
    if record.distance is None or record.speed is None:
        return record
    return replace(record, distance=record.distance + record.speed * (t - record.t))


def replay_feed(
    activity: Activity, *, hold_s: float = HOLD_S, quiet_s: float = QUIET_S
) -> Iterator[Tick]:
    """Second by second from the start to the end of the activity, skipping the seconds of
    a pause and of a gap with no data (after ``quiet_s`` of it). The first tick carries the
    start press."""
    records = activity.records
    # sorted and disjoint, so the replay finds the one at ``t`` by walking forward
    pauses = merged_pauses(pause_intervals(activity.events))
    p_i = 0  # the first pause not over yet (seconds only grow, so this only moves on)
    sensor_events = sorted(
        (e for e in activity.events if e.type == EventKind.SENSOR and "connected" in e.data),
        key=lambda e: e.t,
    )
    lap_ends = sorted({math.floor(lap.end) for lap in activity.laps[:-1]})
    lap_set = set(lap_ends)
    end = math.ceil(activity.duration)
    i = 0  # the next record not yet reached
    current: Record | None = None
    s_i = 0
    paused = False
    lap_skipped = False  # a lap end inside a skipped pause: told on the tick after it
    second = 0
    while second <= end:
        t = float(second)
        actions: list[ButtonAction] = []
        late: list[ButtonAction] = []
        if second == 0:
            actions.append(ButtonAction.START_PAUSE)
        # a timer stopped on the last second (a FIT file's end) ends the run, it is no pause
        while p_i < len(pauses) and pauses[p_i][1] <= t:
            p_i += 1
        within = p_i < len(pauses) and pauses[p_i][0] <= t
        in_pause = within and (second < end or paused)
        pausing = in_pause and not paused
        if in_pause != paused:
            (late if pausing else actions).append(ButtonAction.START_PAUSE)
            paused = in_pause
        samples: list[Sample] = []
        while s_i < len(sensor_events) and sensor_events[s_i].t <= t:
            e = sensor_events[s_i]
            samples.append(
                SensorStatus(t, SensorRole(str(e.data["role"])), bool(e.data["connected"]))
            )
            s_i += 1
        fresh = False
        while i < len(records) and records[i].t <= t:
            current = records[i]
            fresh = True
            i += 1
        quiet_since = 0.0  # when the last data ran out (its hold over)
        if current is not None:
            gap_to_next = (records[i].t - current.t) if i < len(records) else 1.0
            quiet_since = current.t + min(max(gap_to_next, 1.0), hold_s)
        if current is not None and (not paused or pausing):
            if t < quiet_since:
                samples.extend(_samples(current, t, activity.sport, fresh=fresh))
            elif second == end and i == len(records) and t - current.t <= 1.0:
                # the last record's second run to its end: the metres that end a distance
                # step there (pacer records no second after the one that ended the workout)
                samples.extend(_samples(_run_on(current, t), t, activity.sport, fresh=False))
        lap = second in lap_set or lap_skipped
        yield Tick(t, tuple(samples), tuple(actions), tuple(late), lap=lap)
        # A pause holds the engine still: nothing is judged or timed until it ends, so the
        # seconds inside it are skipped (a file paused for days replays as fast as a short
        # one); what they held (sensor events, the record before the resume) still arrives.
        nxt = second + 1
        if paused and p_i < len(pauses):
            resume = pauses[p_i][1]
            nxt = max(nxt, end if math.isinf(resume) else min(end, math.floor(resume) - 1))
        elif not paused and t >= quiet_since + quiet_s:
            nxt = max(
                nxt,
                _next_happening(second, end, records, i, sensor_events, s_i, pauses[p_i : p_i + 1]),
            )
            nxt = min(nxt, _after(lap_ends, second, nxt))
        lap_skipped = nxt > second + 1 and _after(lap_ends, second, nxt) < nxt
        second = nxt


def _after(seconds: list[int], second: int, default: int) -> int:
    """The first of the sorted ``seconds`` after ``second``, else ``default``."""
    k = bisect_right(seconds, second)
    return seconds[k] if k < len(seconds) else default


def _next_happening(
    second: int,
    end: int,
    records: tuple[Record, ...],
    i: int,
    sensor_events: list[ActivityEvent],
    s_i: int,
    pauses: list[tuple[float, float]],
) -> int:
    """The next second after ``second`` with something in it: the next record, sensor
    event or pause (``i``, ``s_i``, the first of ``pauses`` not over), else the end."""
    out = end
    if i < len(records):
        out = min(out, math.ceil(records[i].t))
    if s_i < len(sensor_events):
        out = min(out, math.ceil(sensor_events[s_i].t))
    if pauses and pauses[0][0] > second:
        out = min(out, math.ceil(pauses[0][0]))
    return max(out, second + 1)


__all__ = ["HOLD_S", "QUIET_S", "Tick", "replay_feed"]
