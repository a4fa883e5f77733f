"""The simulated athlete's body: effort in, the true heart rate and the effort signals out.

Effort ``E`` is a fraction of heart-rate reserve: held long enough (and before drift), HR
settles at ``resting + E * (max - resting)``. What a real body adds, with the figures drawn
per athlete from :mod:`pacer.sim.bodies` (fitted on real recordings):

* HR approaches its steady state with one time constant rising and a slower one falling
  (real recordings: about 40 s against 75 s); it is *not* the engine's model, whose one
  time constant serves both ways;
* drift at constant effort (bpm per minute while moving);
* a wander around all that: a slow random walk that forgets with its own time constant
  (about 2 bpm SD, 15-40 s), part of the true HR, not of the strap;
* the strap's own fast noise (a few tenths of a bpm), added when it is measured;
* speed answers effort at the fitted gain (bpm per m/s: at the median 28 bpm per m/s, high Z2
  to Z4 is about 1 m/s faster) and wobbles like a foot pod; power answers at the
  fitted bpm per W and wobbles like pedalling.

Plus what the seed's runner tells: HR runs ~10 bpm high at the start and settles over ~15
minutes. Everything random comes from the ``random.Random`` passed in.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from pacer.sim.bodies import POD_WOBBLE_PCT, RIDE, RUN
from pacer.workout.model import PaceRef
from pacer.workout.profile import Profile

#: below this effort the athlete walks (or stands at the gym)
WALK_EFFORT = 0.25


@dataclass(frozen=True, slots=True)
class Physiology:
    """One athlete's body. The defaults are the real recordings' medians."""

    resting_hr: float = 50.0
    max_hr: float = 185.0
    tau_up_s: float = RUN.tau_up_s.median
    tau_down_s: float = RUN.tau_down_s.median
    #: extra bpm at the start that fades with ``settle_tau_s`` (gone after ~15 min)
    settle_bpm: float = 10.0
    settle_tau_s: float = 300.0
    #: HR's rise per minute of moving at a constant effort
    drift_bpm_per_min: float = RUN.drift_bpm_min.median
    #: the slow wander of the true HR: SD (bpm) and time constant (s)
    wander_sd_bpm: float = RUN.wander_sd_bpm.median
    wander_tau_s: float = RUN.wander_tau_s.median
    #: the strap's fast noise (SD, bpm)
    strap_sd_bpm: float = RUN.strap_sd_bpm.median
    #: steady-state HR per unit of effort: bpm per m/s running, bpm per W riding
    speed_gain_bpm: float = RUN.gain.median
    power_gain_bpm: float = RIDE.gain.median
    #: second-to-second wobble of the foot pod's speed and of the power meter (% of level)
    speed_wobble_pct: float = POD_WOBBLE_PCT.median
    power_wobble_pct: float = RIDE.wobble_pct.median
    #: marathon pace as a speed, and the effort at which it is run
    ref_speed_mps: float = 3.3
    ref_effort: float = 0.62
    #: speed lost per percent of grade, at the same effort
    grade_speed_loss: float = 0.035
    cadence_base_spm: float = 150.0
    cadence_gain_spm: float = 40.0
    ftp_w: float = 200.0
    #: effort held at FTP
    ftp_effort: float = 0.85

    @classmethod
    def from_profile(cls, profile: Profile) -> Physiology:
        """The profile's HR, paces and FTP, with the real recordings' medians (:meth:`drawn`
        draws a body from their ranges)."""
        ref_speed = 3.3
        for ref, per_km in profile.paces:
            if ref is PaceRef.MARATHON:
                ref_speed = 1000.0 / per_km
        reserve = profile.max_hr - profile.resting_hr
        # marathon effort sits near 72 % of max HR, between high Z2 and mid Z3 (the seed)
        ref_effort = (0.72 * profile.max_hr - profile.resting_hr) / reserve
        return cls(
            resting_hr=profile.resting_hr,
            max_hr=profile.max_hr,
            ref_speed_mps=ref_speed,
            ref_effort=ref_effort,
            ftp_w=float(profile.ftp or 200),
        )

    def drawn(self, rng: random.Random, *, ride: bool = False) -> Physiology:
        """This body with kinetics, gains, drift and noise drawn from the fitted ranges (of
        rides for ``ride``). Drift is drawn at least 0: the negative p10 is terrain and
        wander within a 5-minute window, not HR falling for an hour at a constant effort."""
        fit = RIDE if ride else RUN
        return Physiology(
            resting_hr=self.resting_hr,
            max_hr=self.max_hr,
            tau_up_s=fit.tau_up_s.draw(rng),
            tau_down_s=fit.tau_down_s.draw(rng),
            settle_bpm=self.settle_bpm,
            settle_tau_s=self.settle_tau_s,
            drift_bpm_per_min=max(0.0, fit.drift_bpm_min.draw(rng)),
            wander_sd_bpm=fit.wander_sd_bpm.draw(rng),
            wander_tau_s=fit.wander_tau_s.draw(rng),
            strap_sd_bpm=fit.strap_sd_bpm.draw(rng),
            speed_gain_bpm=RUN.gain.draw(rng),
            power_gain_bpm=RIDE.gain.draw(rng),
            speed_wobble_pct=POD_WOBBLE_PCT.draw(rng),
            power_wobble_pct=RIDE.wobble_pct.draw(rng),
            ref_speed_mps=self.ref_speed_mps,
            ref_effort=self.ref_effort,
            grade_speed_loss=self.grade_speed_loss,
            cadence_base_spm=self.cadence_base_spm,
            cadence_gain_spm=self.cadence_gain_spm,
            ftp_w=self.ftp_w,
            ftp_effort=self.ftp_effort,
        )

    @property
    def reserve(self) -> float:
        return self.max_hr - self.resting_hr

    def effort_for_hr(self, bpm: float) -> float:
        return (bpm - self.resting_hr) / self.reserve

    def speed(self, effort: float, grade_pct: float = 0.0) -> float:
        if effort < WALK_EFFORT:
            return 1.4  # walking
        v = self.ref_speed_mps + (effort - self.ref_effort) * self.reserve / self.speed_gain_bpm
        return max(1.0, v * (1 - self.grade_speed_loss * grade_pct))

    def effort_for_speed(self, v: float) -> float:
        return self.ref_effort + (v - self.ref_speed_mps) * self.speed_gain_bpm / self.reserve

    def cadence(self, effort: float) -> float:
        if effort < WALK_EFFORT:
            return 110.0
        return self.cadence_base_spm + self.cadence_gain_spm * effort

    def effort_for_cadence(self, spm: float) -> float:
        return (spm - self.cadence_base_spm) / self.cadence_gain_spm

    def power(self, effort: float) -> float:
        w = self.ftp_w + (effort - self.ftp_effort) * self.reserve / self.power_gain_bpm
        return max(0.0, w)

    def effort_for_power(self, w: float) -> float:
        return self.ftp_effort + (w - self.ftp_w) * self.power_gain_bpm / self.reserve


def wobble_sd(pct: float, level: float) -> float:
    """The SD of white noise that wobbles ``pct`` % of ``level`` around its centred 9-s mean
    (the fitted figure; a 9-s mean keeps 1/9 of the noise's variance)."""
    return pct / 100.0 * level / math.sqrt(8.0 / 9.0)


@dataclass(slots=True)
class Heart:
    """The heart's state, one :meth:`advance` per simulated interval."""

    phys: Physiology
    #: HR after the kinetics, drift and settling (bpm), before the wander
    lagged: float
    #: the drift so far (bpm)
    drift: float = 0.0
    #: the wander now (bpm)
    wander: float = 0.0

    @property
    def bpm(self) -> float:
        """The true heart rate (before the strap's noise)."""
        return min(self.phys.max_hr, self.lagged + self.wander)

    def advance(self, effort: float, dt: float, since_start_s: float, rng: random.Random) -> None:
        p = self.phys
        if dt <= 0:
            return
        if effort >= WALK_EFFORT:
            self.drift += p.drift_bpm_per_min * dt / 60.0
        steady = p.resting_hr + effort * p.reserve + self.drift
        steady += p.settle_bpm * math.exp(-since_start_s / p.settle_tau_s)
        tau = p.tau_up_s if steady > self.lagged else p.tau_down_s
        self.lagged += (steady - self.lagged) * (1 - math.exp(-dt / tau))
        keep = math.exp(-dt / p.wander_tau_s)
        self.wander = keep * self.wander + math.sqrt(1 - keep * keep) * rng.gauss(
            0.0, p.wander_sd_bpm
        )

    def measured(self, rng: random.Random) -> int:
        """What the strap reports: the true HR plus its fast noise, whole bpm."""
        return round(self.bpm + rng.gauss(0.0, self.phys.strap_sd_bpm))


__all__ = ["WALK_EFFORT", "Heart", "Physiology", "wobble_sd"]
