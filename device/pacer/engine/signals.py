"""Signal conditioning: what the engine believes the sensors said (pure, no events).

Everything that reads a sensor reads it through :class:`Conditioning`:

* **Artefacts first.** A heart-rate reading is checked before anything smooths it: out of the
  plausible range, without skin contact, disagreeing with its own RR intervals, or a jump of
  more than ``artefact_jump_bpm`` per second that does not persist for
  ``artefact_persist_n`` readings is dropped and counted (:attr:`Conditioning.dropped_hr`),
  never averaged in. The first readings of a run or after a gap are believed only once
  ``artefact_persist_n`` of them agree (a spike as the strap comes back is no reference).
  A strap's 220-bpm spike, alone or paired, never reaches the judge.
* **Smoothing.** Each metric's moving average over its rule's ``smoothing_s`` (status and
  alerts use it), plus a short ``effort_smoothing_s`` average of speed, cadence and power for
  the effort model.
* **Trend.** The heart-rate slope (least squares over ``predict_window_s``) exists only after
  ``trend_min_samples`` consecutive good readings: a gap of more than ``gap_s`` restarts it,
  so no slope is ever fitted across a dropout.
* **Liveness and distance.** Which sensors are lost, and the distance run (a foot pod's
  counter, else speed integrated over short gaps).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from pacer.core.samples import SensorRole
from pacer.engine.policy import AlertPolicy, least_squares_slope
from pacer.workout.resolve import Metric

#: Heart-rate readings outside this range are strap noise, not a heart.
HR_PLAUSIBLE = (25, 250)
#: A jump in a foot pod's cumulative distance larger than this is a counter reset.
MAX_DISTANCE_STEP_M = 100.0
#: Integrating speed across a gap longer than this would invent distance.
MAX_SPEED_GAP_S = 5.0

#: Which signals each sensor feeds (a lost sensor blanks them).
ROLE_SIGNALS: dict[SensorRole, tuple[Metric, ...]] = {
    SensorRole.HR: (Metric.HR,),
    SensorRole.POD: (Metric.SPEED, Metric.CADENCE),
    SensorRole.CADENCE: (Metric.CADENCE, Metric.SPEED),
    SensorRole.POWER: (Metric.POWER,),
}
#: The effort inputs (they answer effort at once; heart rate follows).
EFFORT_METRICS = (Metric.SPEED, Metric.CADENCE, Metric.POWER)


@dataclass(slots=True)
class Signal:
    """One metric: the latest reading and its moving average over ``window`` seconds."""

    window: float
    raw: float | None = None
    points: deque[tuple[float, float]] = field(default_factory=deque)
    total: float = 0.0

    def update(self, t: float, x: float) -> None:
        self.raw = x
        self.points.append((t, x))
        self.total += x
        while len(self.points) > 1 and t - self.points[0][0] >= self.window:
            self.total -= self.points.popleft()[1]

    @property
    def value(self) -> float | None:
        return self.total / len(self.points) if self.points else None

    def restart(self) -> None:
        """Forget the average (a new step), keep the latest reading."""
        self.points.clear()
        self.total = 0.0

    def reset(self) -> None:
        self.restart()
        self.raw = None


@dataclass(slots=True)
class Sensor:
    seen: bool = False
    lost: bool = False
    last_valid: float | None = None
    lost_at: float | None = None
    #: the last reading came without skin contact
    no_contact: bool = False
    #: ``sensor_lost`` was emitted for the current loss (so ``sensor_back`` will be)
    announced: bool = False


@dataclass(slots=True)
class HrGate:
    """Artefact rejection of heart-rate readings (see the module docstring)."""

    policy: AlertPolicy
    last: tuple[float, float] | None = None
    suspects: list[tuple[float, float]] = field(default_factory=list)
    dropped: int = 0
    #: time of the previous reading, believed or not
    prev_t: float | None = None

    def offer(self, t: float, bpm: float, rr_s: Sequence[float]) -> list[tuple[float, float]]:
        """The readings to believe now: none, this one, or a held-back jump that persisted."""
        p = self.policy
        if rr_s:
            rr_bpm = 60.0 * len(rr_s) / max(sum(rr_s), 1e-6)
            if abs(rr_bpm - bpm) > p.rr_disagree_bpm:
                self.dropped += 1
                return []
        last, prev_t, self.prev_t = self.last, self.prev_t, t
        allowed = p.artefact_jump_bpm * max(1.0, t - (prev_t if prev_t is not None else t))
        fresh = last is None or t - last[0] > p.gap_s
        if not fresh and last is not None and abs(bpm - last[1]) <= allowed:
            self.dropped += len(self.suspects)
            self.suspects.clear()
            self.last = (t, bpm)
            return [(t, bpm)]
        # a jump, or the first readings after a gap: believed once enough of them agree
        if self.suspects and abs(bpm - self.suspects[-1][1]) <= allowed:
            self.suspects.append((t, bpm))
        else:
            self.dropped += len(self.suspects)
            self.suspects = [(t, bpm)]
        if len(self.suspects) < p.artefact_persist_n:
            return []
        believed, self.suspects = self.suspects, []
        self.last = believed[-1]
        return believed

    def reset(self) -> None:
        self.dropped += len(self.suspects)
        self.suspects.clear()
        self.last = self.prev_t = None


class Conditioning:
    """The engine's view of its sensors: smoothed values, HR trend, liveness, distance."""

    def __init__(self, policy: AlertPolicy) -> None:
        p = self.policy = policy
        self.signals = {m: Signal(p.rules(m).smoothing_s) for m in Metric}
        self.quick = {m: Signal(p.effort_smoothing_s) for m in EFFORT_METRICS}
        self.sensors = {role: Sensor() for role in SensorRole}
        self.gate = HrGate(p)
        self.hr_points: deque[tuple[float, float]] = deque()
        #: bpm per minute, None until ``trend_min_samples`` consecutive good readings
        self.hr_slope: float | None = None
        #: the slope of the last ``forecast_window_s`` only (the forecast's: a turn shows
        #: sooner), bpm per minute
        self.hr_slope_short: float | None = None
        self.cadence_hist: deque[tuple[float, float]] = deque()
        self.distance_m = 0.0
        self.pod_distance: float | None = None
        self.speed_t: float | None = None
        #: the foot pod's walking/running flag (None: no pod, or it does not say)
        self.running: bool | None = None

    @property
    def dropped_hr(self) -> int:
        """Heart-rate readings rejected as artefacts so far."""
        return self.gate.dropped

    def value(self, metric: Metric) -> float | None:
        return self.signals[metric].value

    def restart_step(self) -> None:
        for metric, signal in self.signals.items():
            if self.policy.rules(metric).per_step:
                signal.restart()

    # --- readings ------------------------------------------------------------------------

    def heart_rate(
        self, ts: float, bpm: float, contact: bool | None, rr_s: Sequence[float]
    ) -> tuple[bool, list[tuple[float, float]]]:
        """(a live reading?, the readings believed); artefacts are dropped and counted."""
        if contact is False or not HR_PLAUSIBLE[0] <= bpm <= HR_PLAUSIBLE[1]:
            self.sensors[SensorRole.HR].no_contact = contact is False
            if contact is not False:
                self.gate.dropped += 1
            return False, []
        believed = self.gate.offer(ts, float(bpm), rr_s)
        hr, pts = self.signals[Metric.HR], self.hr_points
        for t, x in believed:
            hr.update(t, x)
            if pts and t - pts[-1][0] > self.policy.gap_s:
                pts.clear()  # no slope across a gap
            pts.append((t, x))
            while pts and t - pts[0][0] > self.policy.predict_window_s:
                pts.popleft()
        return True, believed

    def stride(self, ts: float, speed: float, distance: float | None, running: bool) -> float:
        """A speed reading; returns the distance credited (only while ``running``)."""
        self.signals[Metric.SPEED].update(ts, speed)
        self.quick[Metric.SPEED].update(ts, speed)
        if distance is not None:
            last, self.pod_distance = self.pod_distance, distance
            delta = 0.0 if last is None else distance - last
            if not 0 <= delta <= MAX_DISTANCE_STEP_M:
                delta = 0.0  # the pod's counter wrapped or reset
        else:
            gap = 0.0 if self.speed_t is None else ts - self.speed_t
            delta = speed * gap if 0 < gap <= MAX_SPEED_GAP_S else 0.0
        self.speed_t = ts
        if not running:
            return 0.0
        self.distance_m += delta
        return delta

    def cadence(self, ts: float, cadence: float) -> None:
        sig = self.signals[Metric.CADENCE]
        sig.update(ts, cadence)
        self.quick[Metric.CADENCE].update(ts, cadence)
        assert sig.value is not None
        self.cadence_hist.append((ts, sig.value))
        while self.cadence_hist and ts - self.cadence_hist[0][0] > self.policy.cadence_window_s:
            self.cadence_hist.popleft()

    def power(self, ts: float, watts: float) -> None:
        self.signals[Metric.POWER].update(ts, watts)
        self.quick[Metric.POWER].update(ts, watts)

    def cadence_change(self) -> float | None:
        """Smoothed cadence now minus a window ago; None without a full window of data."""
        h = self.cadence_hist
        if len(h) < 2 or h[-1][0] - h[0][0] < 0.8 * self.policy.cadence_window_s:
            return None
        return h[-1][1] - h[0][1]

    def update_trend(self) -> None:
        """The HR slope of the current run of consecutive good readings (once a tick)."""
        pts = self.hr_points
        enough = len(pts) >= self.policy.trend_min_samples and pts[-1][0] - pts[0][0] >= 5
        slope = least_squares_slope(pts) if enough else None
        self.hr_slope = None if slope is None else slope * 60.0
        short = None
        if slope is not None:
            since = pts[-1][0] - self.policy.forecast_window_s
            recent = [p for p in pts if p[0] > since]
            short = least_squares_slope(recent) if len(recent) >= 5 else None
        self.hr_slope_short = None if short is None else short * 60.0

    # --- liveness ------------------------------------------------------------------------

    def valid(self, role: SensorRole, ts: float) -> tuple[float | None] | None:
        """A live reading from ``role``; ``(away_s,)`` when a lost and announced sensor is
        back (the engine emits ``sensor_back``)."""
        s = self.sensors[role]
        s.seen, s.last_valid, s.no_contact = True, ts, False
        if not s.lost:
            return None
        s.lost = False
        if not s.announced:
            return None
        s.announced = False
        return (None if s.lost_at is None else round(ts - s.lost_at, 1),)

    def lose(self, role: SensorRole, ts: float) -> bool:
        """Mark ``role`` lost and blank what it fed; False when it already was (or never
        came)."""
        s = self.sensors[role]
        if not s.seen or s.lost:
            return False
        s.lost, s.lost_at = True, ts
        for metric in ROLE_SIGNALS[role]:
            self.signals[metric].reset()
            if metric in self.quick:
                self.quick[metric].reset()
        if role is SensorRole.HR:
            self.hr_points.clear()
            self.hr_slope = self.hr_slope_short = None
            self.gate.reset()
        if role in (SensorRole.POD, SensorRole.CADENCE):
            self.cadence_hist.clear()
            self.speed_t = None
        return True

    def stale(self, now: float) -> list[tuple[SensorRole, str]]:
        """Sensors with no valid reading for ``sensor_timeout_s``, with the reason."""
        out = []
        for role, s in self.sensors.items():
            old = s.last_valid is not None and now - s.last_valid > self.policy.sensor_timeout_s
            if s.seen and not s.lost and old:
                out.append((role, "no_contact" if s.no_contact else "no_data"))
        return out


__all__ = [
    "EFFORT_METRICS",
    "HR_PLAUSIBLE",
    "MAX_DISTANCE_STEP_M",
    "MAX_SPEED_GAP_S",
    "ROLE_SIGNALS",
    "Conditioning",
    "HrGate",
    "Sensor",
    "Signal",
]
