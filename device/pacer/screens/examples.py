"""Fixed example states of every screen: the golden-image tests, the docs' pictures and a
quick look at the screens all come from here.

``python -m pacer.screens.examples OUT_DIR [--scale 3]`` writes one PNG per example.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PIL import Image

from pacer.core.samples import SensorRole
from pacer.engine.snapshot import RunState, Snapshot, StrengthView, TargetStatus, Trend
from pacer.screens.menus import render_error, render_idle, render_pairing, render_summary
from pacer.screens.views import (
    ErrorKind,
    ErrorView,
    FoundSensor,
    IdleView,
    PairingView,
    SummaryView,
)
from pacer.screens.workout import (
    render_cue,
    render_paused,
    render_step_change,
    render_strength,
    render_totals,
    render_workout,
)
from pacer.workout.model import Intensity
from pacer.workout.profile import Units
from pacer.workout.resolve import Metric, ResolvedTarget

RUN_SENSORS = ((SensorRole.HR, True), (SensorRole.POD, True))
#: the step-up run's targets for the README's profile (examples/profile.yaml: max HR 185,
#: imperial), in which the run examples are drawn (tests check both against that file)
README_UNITS = Units.IMPERIAL
Z2_HIGH = ResolvedTarget(Metric.HR, 124, 130, "Z2 high 124-130 bpm")
Z3_MID = ResolvedTarget(Metric.HR, 136, 142, "Z3 mid 136-142 bpm")
#: 50 % to 75 % FTP for an FTP of 250, single values widened by the default 3 % FTP
WARMUP_RAMP = ResolvedTarget(
    Metric.POWER, 117.5, 132.5, "ramp 50% FTP 125 W to 75% FTP 188 W", 180.5, 195.5, single=True
)
#: 7:05-7:15 per mile as speeds (m/s), as the resolver keeps pace targets
MP_PACE = ResolvedTarget(Metric.SPEED, 1609.344 / 435, 1609.344 / 425, "MP+5s..MP+15s/mi")
SWEET_SPOT = ResolvedTarget(Metric.POWER, 220, 235, "88-94% FTP 220-235 W")


def step_up_z2(**changes: object) -> Snapshot:
    """Step 2 of the 1:20 step-up run, 7:26 in, heart rate in the target and rising."""
    base = Snapshot(
        state=RunState.RUNNING,
        t=1200 + 446,
        step_index=1,
        step_count=5,
        step_name="Z2 high",
        intensity=Intensity.ACTIVE,
        target=Z2_HIGH,
        note="Ease in. Quick light strides",
        status=TargetStatus.IN,
        hr=128,
        hr_trend=Trend.RISING,
        hr_slope=1.5,
        speed_mps=3.21,
        smooth_speed_mps=3.2,
        cadence=172,
        distance_m=5230,
        step_elapsed_s=446,
        step_remaining_s=754,
        total_remaining_s=754 + 2400,
        next_step_name="Z3 mid",
        next_target=Z3_MID,
        sensors=RUN_SENSORS,
        battery_percent=78,
    )
    return _replace(base, changes)


def _replace(snap: Snapshot, changes: dict[str, object]) -> Snapshot:
    return replace(snap, **changes)  # type: ignore[arg-type]


def step_change_z3() -> Snapshot:
    return step_up_z2(
        t=2400,
        step_index=2,
        step_name="Z3 mid",
        target=Z3_MID,
        note="Ease in. Turnover, not stride",
        status=TargetStatus.UNDER,
        hr=133,
        step_elapsed_s=0,
        step_remaining_s=1200,
        total_remaining_s=2400,
        next_step_name="Z4",
        next_target=None,
    )


def strength(resting: bool) -> Snapshot:
    view = StrengthView(
        exercise="Forward step-up",
        set_index=1,
        sets=3,
        reps="6-8 / leg, L first",
        resting=resting,
        rest_remaining_s=104 if resting else None,
        load="Dumbbells 2x10 kg",
    )
    return Snapshot(
        state=RunState.RUNNING,
        t=95,
        step_index=0,
        step_count=4,
        step_name="Forward step-up",
        intensity=Intensity.ACTIVE,
        strength=view,
        next_step_name="Same-side lateral",
        sensors=((SensorRole.HR, True),),
        battery_percent=64,
    )


def _workout_over() -> Image.Image:
    snap = step_up_z2(status=TargetStatus.OVER, hr=134, hr_trend=Trend.RISING)
    return render_workout(snap, README_UNITS)


def _workout_ramp() -> Image.Image:
    """A cycling warm-up ramping from 50 % to 75 % FTP, 6 minutes into its 10."""
    snap = bike_sweet_spot(
        t=360,
        step_index=0,
        step_name="Warm-up",
        intensity=Intensity.WARMUP,
        target=WARMUP_RAMP,
        target_low=WARMUP_RAMP.bounds_at(0.6)[0],  # the engine's band 6 minutes into 10
        target_high=WARMUP_RAMP.bounds_at(0.6)[1],
        target_trend=1,
        status=TargetStatus.IN,
        hr=128,
        hr_trend=Trend.RISING,
        cadence=90,
        power_w=168,
        step_elapsed_s=360,
        step_remaining_s=240,
    )
    return render_workout(snap, Units.METRIC, bike=True)


#: a coach's cue longer than one screen line: the banner wraps it, never cuts it
LONG_CUE = "Last two minutes: stay tall, quick light steps, and let the breathing go deep but even"


def _workout_pace_imperial() -> Image.Image:
    snap = step_up_z2(
        step_index=3,
        step_name="MP+5..15s",
        target=MP_PACE,
        status=TargetStatus.IN,
        smooth_speed_mps=1609.344 / 431,
        speed_mps=1609.344 / 428,
        hr=152,
        step_remaining_m=2140,
        step_remaining_s=None,
    )
    return render_workout(snap, Units.IMPERIAL)


def _workout_warmup() -> Image.Image:
    snap = step_up_z2(
        t=312,
        step_index=0,
        step_name="Warm-up",
        intensity=Intensity.WARMUP,
        target=None,
        status=TargetStatus.NONE,
        note="Super easy, good form. Ignore HR",
        hr=118,
        hr_trend=Trend.STEADY,
        step_elapsed_s=312,
        step_remaining_s=888,
        sensors=((SensorRole.HR, True), (SensorRole.POD, False)),
        speed_mps=None,
        cadence=None,
    )
    return render_workout(snap, Units.METRIC)


def _bike_power() -> Image.Image:
    return render_workout(bike_sweet_spot(), Units.METRIC, bike=True)


def bike_sweet_spot(**changes: object) -> Snapshot:
    """Step 2 of the sweet-spot ride, under its power target."""
    base = Snapshot(
        state=RunState.RUNNING,
        t=1500,
        step_index=1,
        step_count=8,
        step_name="Sweet spot",
        intensity=Intensity.ACTIVE,
        target=SWEET_SPOT,
        status=TargetStatus.UNDER,
        hr=151,
        hr_trend=Trend.STEADY,
        speed_mps=9.1,
        cadence=88,
        power_w=212,
        step_elapsed_s=600 - 292,
        step_remaining_s=292,
        sensors=((SensorRole.HR, True), (SensorRole.CADENCE, True), (SensorRole.POWER, True)),
        battery_percent=12,
    )
    return _replace(base, changes)


def _summary() -> Image.Image:
    view = SummaryView(
        name="Step-up run 1:20",
        elapsed_s=4800,
        distance_m=15_320,
        avg_hr=146,
        max_hr=171,
        in_target=0.86,
        steps_done=5,
        steps=5,
    )
    return render_summary(view, Units.METRIC)


def _idle() -> Image.Image:
    view = IdleView(
        workout_name="Step-up run 1:20",
        step_count=5,
        total_s=4800,
        sensors=RUN_SENSORS,
        battery_percent=92,
    )
    return render_idle(view, Units.METRIC)


def _pairing() -> Image.Image:
    view = PairingView(
        found=(
            FoundSensor(SensorRole.HR, "Polar H10 A1B2C3D4", -58, paired=True),
            FoundSensor(SensorRole.POD, "Stryd 1234", -71),
            FoundSensor(SensorRole.HR, "HRM-Pro:123456", -88),
        ),
        scanning=True,
        frame=1,
    )
    return render_pairing(view)


#: name -> a function drawing the example (the golden PNG of ``tests/golden/NAME.png``)
EXAMPLES: dict[str, Callable[[], Image.Image]] = {
    "workout": lambda: render_workout(step_up_z2(), README_UNITS),
    "workout_over": _workout_over,
    "workout_cue": lambda: render_workout(
        step_up_z2(status=TargetStatus.OVER, hr=133, cue="ease_turnover"), README_UNITS
    ),
    "workout_ramp": _workout_ramp,
    "cue_banner": lambda: render_cue(step_up_z2(), LONG_CUE),
    "cue_banner_page_2": lambda: render_cue(step_up_z2(), LONG_CUE * 2, 1),
    "workout_pace_imperial": _workout_pace_imperial,
    "workout_warmup": _workout_warmup,
    "workout_bike_power": _bike_power,
    "totals": lambda: render_totals(step_up_z2(), README_UNITS),
    "step_change": lambda: render_step_change(step_change_z3(), README_UNITS),
    "strength": lambda: render_strength(strength(resting=False), Units.METRIC),
    "step_change_strength": lambda: render_step_change(strength(resting=False), Units.METRIC),
    "strength_rest": lambda: render_strength(strength(resting=True), Units.METRIC),
    "paused": lambda: render_paused(step_up_z2(state=RunState.PAUSED), README_UNITS),
    "summary": _summary,
    "idle": _idle,
    "pairing": _pairing,
    "pairing_empty": lambda: render_pairing(PairingView(frame=0)),
    "error_no_hr_strap": lambda: render_error(ErrorView(ErrorKind.NO_HR_STRAP)),
    "error_storage_full": lambda: render_error(ErrorView(ErrorKind.STORAGE_FULL)),
    "error_bluetooth": lambda: render_error(ErrorView(ErrorKind.BLUETOOTH_UNAVAILABLE)),
}


def oled_look(image: Image.Image, scale: int = 3, *, border: int = 2) -> Image.Image:
    """The one-bit image enlarged, light-blue on near-black like a lit OLED, with a bezel."""
    big = image.convert("L").resize(
        (image.width * scale, image.height * scale), Image.Resampling.NEAREST
    )
    lit = Image.new("RGB", big.size, (200, 235, 255))
    dark = Image.new("RGB", big.size, (8, 10, 14))
    face = Image.composite(lit, dark, big)
    out = Image.new("RGB", (face.width + 2 * border, face.height + 2 * border), (40, 40, 44))
    out.paste(face, (border, border))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pacer.screens.examples",
        description="Write every example screen as a PNG (one-bit 128x64, or enlarged).",
    )
    parser.add_argument("out", type=Path, help="directory to write NAME.png into")
    parser.add_argument("--scale", type=int, default=1, help="enlarge, OLED colours (1: raw)")
    parser.add_argument("names", nargs="*", help="only these examples (default: all)")
    args = parser.parse_intermixed_args(argv)
    unknown = [n for n in args.names if n not in EXAMPLES]
    if unknown:
        parser.error(f"no example {', '.join(unknown)} (there are: {', '.join(EXAMPLES)})")
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.names or EXAMPLES:
        image = EXAMPLES[name]()
        if args.scale > 1:
            image = oled_look(image, args.scale)
        image.save(args.out / f"{name}.png")
        print(args.out / f"{name}.png")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
