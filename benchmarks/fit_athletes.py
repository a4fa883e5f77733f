"""Fit real bodies: how heart rate answers effort in real 1 Hz recordings.

For each recording (``t,hr,speed,cadence,distance,power,rr_ms`` CSVs, as ``pacer replay``
reads them) the script measures, on the file's own data:

* **kinetics**: at each clear effort change (the mean of the minute before against the mean
  from 10 s to 3 min after differs by at least 0.35 m/s and 10 % running, 40 W and 20 %
  riding, both sides steady), HR's answer over the next 3 minutes fitted as
  ``L + A*exp(-s/tau)`` (grid search on tau); rising and falling changes apart. A rank test
  over all changes (per sport and pooled; one-sided, as the physiology says which way:
  falling slower) says whether the data supports two time constants;
* **gain**: HR's fitted move ``L - HR(0)`` over the effort change: bpm per m/s of speed
  (runs) or per W of power (rides);
* **drift**: HR's least-squares slope (bpm/min) over 4-minute windows of constant effort
  (every 20-s mean within 8 % of the window's running, 20 % riding, from 90 s before; not in
  the first 10 minutes);
* **HR noise**: in the same windows, the SD of HR around its line (a slow wander), its
  autocorrelation 10 s apart and the time constant that implies; and the strap's fast noise
  (SD of HR around its centred 5-s mean, the whole file);
* **effort noise**: the wobble of speed (runs) or power (rides) around its centred 9-s mean,
  absolute and relative, by where the speed came from (a pod, the device's own, or derived
  from GPS or distance, as the data's README says).

Each recording's figure is the median over its changes or windows; a recording with none
shows ``nan`` and does not count. Prints one row per recording, then per sport the median,
p10 and p90 over recordings (the figures ``pacer.sim.bodies`` holds). Progress goes to
stderr.

    python benchmarks/fit_athletes.py [DIR]      # DIR: ../shared/real-runs by default

Exits 0 with a message when DIR holds no recordings (they are never copied into the
repository).
"""

from __future__ import annotations

import argparse
import csv
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DIR = REPO.parent / "shared" / "real-runs"

#: time constants tried (s); an answer still best fitted by the last is not a step answer
TAUS = (4, 6, 8, 10, 12, 15, 18, 22, 26, 30, 35, 40, 46, 53, 60, 70, 80, 95, 110, 130, 150, 999)
#: an effort change: the mean of the minute before against the mean from RAMP_S to ANSWER_S
#: after; HR's answer is fitted over ANSWER_S seconds
PRE_S, RAMP_S, ANSWER_S = 60, 10, 180
#: steadiness is judged on means over this many seconds (GPS speed wobbles second to second)
CHUNK_S = 20
#: the least change that counts, per sport: (absolute, relative to the higher level, and how
#: far each 10-s mean may stray from its side's mean, relative to the change)
MIN_CHANGE = {"run": (0.35, 0.10, 0.5), "bike": (40.0, 0.20, 0.5)}
#: HR's answer must move this far, the right way, and the exponential explain this much of it
MIN_ANSWER_BPM, MIN_R2 = 4.0, 0.6
#: constant effort: a STEADY_S window whose 10-s means stay within this share of its mean,
#: from STEADY_LEAD_S before it (HR has answered the last change), not in the first minutes
STEADY_S, STEADY_LEAD_S, SETTLE_S = 300, 120, 600
STEADY_SPREAD = {"run": 0.08, "bike": 0.20}
#: the least speed that counts as running (m/s), the least power that counts as riding (W)
RUNNING_MPS, RIDING_W = 1.8, 40.0
#: centred windows of the strap's fast noise and of the effort's wobble (s)
STRAP_WINDOW_S, WOBBLE_WINDOW_S = 5, 9


@dataclass(frozen=True, slots=True)
class Recording:
    name: str
    sport: str  # "run" or "bike"
    speed_source: str  # "pod", "gps", "derived", "-"
    hr: list[float | None]
    x: list[float | None]  # the effort: speed (runs) or power (rides)


@dataclass(frozen=True, slots=True)
class Fit:
    tau_s: float
    tau_up_s: float
    tau_down_s: float
    rises: int
    falls: int
    gain: float
    drift_bpm_min: float
    windows: int
    resid_sd: float
    resid_r10: float
    wander_tau_s: float
    strap_sd: float
    wobble_sd: float
    wobble_pct: float


# --- reading -------------------------------------------------------------------------------


def _readme_rows(folder: Path) -> dict[str, dict[str, str]]:
    """The data's README table by id (sport, speed column, device, note), when present."""
    readme = folder / "README.md"
    if not readme.exists():
        return {}
    rows: dict[str, dict[str, str]] = {}
    header: list[str] = []
    for line in readme.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == "id":
            header = cells
        elif header and cells and not set(cells[0]) <= {"-"}:
            rows[cells[0]] = dict(zip(header, cells, strict=False))
    return rows


def _speed_source(row: dict[str, str] | None, sport: str) -> str:
    if sport == "bike":
        return "-"
    if row is None:
        return "device"
    text = " ".join((row.get("device", ""), row.get("note", ""))).lower()
    if row.get("speed", "") == "derived":
        return "derived"
    if "stryd" in text or "treadmill" in text:
        return "pod"
    return "device"


def _num(text: str) -> float | None:
    try:
        return float(text) if text.strip() else None
    except ValueError:
        return None


def load(path: Path, row: dict[str, str] | None) -> Recording:
    sport = (row or {}).get("sport") or ("bike" if path.name.startswith("b") else "run")
    by_t: dict[int, tuple[float | None, float | None]] = {}
    with path.open(newline="", encoding="utf-8") as f:
        for rec in csv.DictReader(f):
            t = _num(rec.get("t", ""))
            if t is None:
                continue
            hr = _num(rec.get("hr", ""))
            if hr is not None and not 30 <= hr <= 230:
                hr = None
            x = _num(rec.get("power" if sport == "bike" else "speed", ""))
            by_t[int(t)] = (hr, x)
    end = max(by_t) + 1 if by_t else 0
    hrs: list[float | None] = [None] * end
    xs: list[float | None] = [None] * end
    for t, (hr, x) in by_t.items():
        hrs[t], xs[t] = hr, x
    return Recording(path.stem, sport, _speed_source(row, sport), hrs, xs)


# --- fitting -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """One effort change and HR's answer to it."""

    t: int
    rising: bool
    delta: float  # effort after - before (m/s or W)
    tau_s: float
    amplitude_bpm: float  # where HR settles minus where it started


def _mean(values: list[float | None], lo: int, hi: int, need: float = 0.8) -> float | None:
    """Mean of values[lo:hi] when at least ``need`` of them are present."""
    if lo < 0 or hi > len(values):
        return None
    got = [v for v in values[lo:hi] if v is not None]
    if len(got) < need * (hi - lo) or not got:
        return None
    return statistics.fmean(got)


def _steady(values: list[float | None], lo: int, hi: int, spread: float) -> float | None:
    """The mean over [lo, hi) when every CHUNK_S mean in it lies within ``spread`` of it."""
    mean = _mean(values, lo, hi)
    if mean is None:
        return None
    for a in range(lo, hi - CHUNK_S + 1, CHUNK_S):
        part = _mean(values, a, a + CHUNK_S, 0.5)
        if part is None or abs(part - mean) > spread:
            return None
    return mean


def _exp_fit(ys: list[tuple[int, float]]) -> tuple[float, float, float, float] | None:
    """HR(s) = L + A*exp(-s/tau) by grid search on tau (linear in L, A for each):
    (tau, L, A, R^2) of the best."""
    my = statistics.fmean(y for _, y in ys)
    syy = sum((y - my) ** 2 for _, y in ys)
    if syy <= 0:
        return None
    best: tuple[float, float, float, float] | None = None
    for tau in TAUS:
        es = [math.exp(-s / tau) for s, _ in ys]
        me = statistics.fmean(es)
        see = sum((e - me) ** 2 for e in es)
        if see <= 0:
            continue
        sey = sum((e - me) * (y - my) for e, (_, y) in zip(es, ys, strict=True))
        a = sey / see
        level = my - a * me
        r2 = (sey * sey / see) / syy
        if best is None or r2 > best[3]:
            best = (float(tau), level, a, r2)
    return best


def steps(rec: Recording) -> list[Step]:
    """The effort changes of a recording (a steady minute before, a steady answer window
    after, a change of at least ``MIN_CHANGE``) and HR's exponential answer to each."""
    e, hr = rec.x, rec.hr
    lo_abs, lo_rel, spread_rel = MIN_CHANGE[rec.sport]
    found: list[Step] = []
    t = PRE_S
    last = -ANSWER_S
    while t < len(e) - ANSWER_S:
        before = _mean(e, t - PRE_S, t)
        after = _mean(e, t + RAMP_S, t + ANSWER_S)
        if before is None or after is None or t - last < ANSWER_S:
            t += 1
            continue
        delta = after - before
        if abs(delta) < lo_abs or abs(delta) < lo_rel * max(before, after):
            t += 1
            continue
        # where it happens: the largest step between the 10 s before and the 10 s after,
        # within the minute the windows first saw it
        t = max(
            range(t, min(t + PRE_S + RAMP_S, len(e) - ANSWER_S)),
            key=lambda u: abs((_mean(e, u, u + 10, 0.5) or 0) - (_mean(e, u - 10, u, 0.5) or 0)),
        )
        before, after = _mean(e, t - PRE_S, t), _mean(e, t + RAMP_S, t + ANSWER_S)
        spread = spread_rel * abs((after or 0) - (before or 0))
        calm = (
            before is not None
            and after is not None
            and _steady(e, t - PRE_S, t, spread) is not None
            and _steady(e, t + RAMP_S, t + ANSWER_S, spread) is not None
        )
        ys = [(s, v) for s in range(ANSWER_S) if (v := hr[t + s]) is not None]
        got = _exp_fit(ys) if calm and len(ys) >= 0.8 * ANSWER_S else None
        if got is not None and before is not None and after is not None:
            tau, _level, amp, r2 = got
            rising = after > before
            moved = -amp  # settled level minus the start (L - (L + A))
            ok = r2 >= MIN_R2 and abs(moved) >= MIN_ANSWER_BPM and (moved > 0) == rising
            if ok and tau < TAUS[-1]:
                found.append(Step(t, rising, after - before, tau, moved))
                last = t
        t += ANSWER_S // 4
    return found


def _steady_windows(rec: Recording) -> list[tuple[int, list[tuple[int, float]]]]:
    """Windows of constant effort (well after any change): (start, [(t, hr)])."""
    e, hr = rec.x, rec.hr
    keep = RUNNING_MPS if rec.sport == "run" else RIDING_W
    rel = STEADY_SPREAD[rec.sport]
    out: list[tuple[int, list[tuple[int, float]]]] = []
    t = SETTLE_S
    while t + STEADY_S <= len(e):
        lo = t - STEADY_LEAD_S
        mean = _mean(e, lo, t + STEADY_S, 0.95)
        if mean is None or mean < keep or _steady(e, lo, t + STEADY_S, rel * mean) is None:
            t += 30
            continue
        ys = [(u, v) for u in range(t, t + STEADY_S) if (v := hr[u]) is not None]
        if len(ys) >= 0.9 * STEADY_S:
            out.append((t, ys))
        t += STEADY_S
    return out


def _line(ys: list[tuple[int, float]]) -> tuple[float, list[tuple[int, float]]]:
    """Least-squares slope (per second) and the residuals around the line."""
    mt = statistics.fmean(t for t, _ in ys)
    my = statistics.fmean(y for _, y in ys)
    stt = sum((t - mt) ** 2 for t, _ in ys)
    slope = sum((t - mt) * (y - my) for t, y in ys) / stt
    return slope, [(t, y - my - slope * (t - mt)) for t, y in ys]


def _autocorr(series: list[tuple[int, float]], lag: int) -> float:
    """Autocorrelation at ``lag`` seconds, over the pairs both present."""
    values = dict(series)
    mean = statistics.fmean(values.values())
    var = statistics.fmean((v - mean) ** 2 for v in values.values())
    pairs = [(v - mean) * (values[t + lag] - mean) for t, v in values.items() if t + lag in values]
    if not pairs or var <= 0:
        return 0.0
    return statistics.fmean(pairs) / var


def _wobble(values: list[float | None], window: int, keep: float) -> tuple[float, float]:
    """SD of a signal around its centred mean (where the whole window is present and the
    mean is at least ``keep``), and that SD relative to the mean level."""
    half = window // 2
    diffs: list[float] = []
    levels: list[float] = []
    for t in range(half, len(values) - half):
        win = values[t - half : t + half + 1]
        if any(v is None for v in win):
            continue
        mean = statistics.fmean(v for v in win if v is not None)
        v = values[t]
        if mean < keep or v is None:
            continue
        diffs.append(v - mean)
        levels.append(mean)
    if len(diffs) < 60:
        return math.nan, math.nan
    sd = statistics.pstdev(diffs)
    return sd, 100.0 * sd / statistics.fmean(levels)


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def fit(rec: Recording) -> tuple[Fit, list[Step]]:
    found = steps(rec)
    ups = [s.tau_s for s in found if s.rising]
    downs = [s.tau_s for s in found if not s.rising]
    gains = [s.amplitude_bpm / s.delta for s in found]
    windows = _steady_windows(rec)
    slopes: list[float] = []
    sds: list[float] = []
    r10s: list[float] = []
    for _, ys in windows:
        slope, resid = _line(ys)
        slopes.append(60.0 * slope)
        sds.append(statistics.pstdev(r for _, r in resid))
        r10s.append(_autocorr(resid, 10))
    r10 = _median(r10s)
    strap, _ = _wobble(list(rec.hr), STRAP_WINDOW_S, 0.0)
    keep = RUNNING_MPS if rec.sport == "run" else RIDING_W
    wob, wob_pct = _wobble(rec.x, WOBBLE_WINDOW_S, keep)
    return Fit(
        tau_up_s=_median(ups),
        tau_down_s=_median(downs),
        tau_s=_median(ups + downs),
        rises=len(ups),
        falls=len(downs),
        gain=_median(gains),
        drift_bpm_min=_median(slopes),
        windows=len(windows),
        resid_sd=_median(sds),
        resid_r10=r10,
        wander_tau_s=-10.0 / math.log(r10) if 0 < r10 < 1 else math.nan,
        strap_sd=strap,
        wobble_sd=wob,
        wobble_pct=wob_pct,
    ), found


def rank_z(a: list[float], b: list[float]) -> float:
    """Mann-Whitney U as a z-score (positive: b tends to be larger than a)."""
    if not a or not b:
        return math.nan
    u = sum((y > x) + 0.5 * (y == x) for x in a for y in b)
    n1, n2 = len(a), len(b)
    mu = n1 * n2 / 2
    sigma = math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12)
    return (u - mu) / sigma


# --- reporting -------------------------------------------------------------------------------

#: (label, attribute, format) of every figure, in print order
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("HR time constant, rising (s)", "tau_up_s", "{:.0f}"),
    ("HR time constant, falling (s)", "tau_down_s", "{:.0f}"),
    ("HR time constant, both (s)", "tau_s", "{:.0f}"),
    ("gain (bpm per m/s, rides per W)", "gain", "{:.3g}"),
    ("drift at constant effort (bpm/min)", "drift_bpm_min", "{:.2f}"),
    ("HR wander SD at constant effort (bpm)", "resid_sd", "{:.2f}"),
    ("HR wander autocorrelation at 10 s", "resid_r10", "{:.2f}"),
    ("HR wander time constant (s)", "wander_tau_s", "{:.0f}"),
    ("strap noise SD (bpm)", "strap_sd", "{:.2f}"),
    ("effort wobble SD (m/s, rides W)", "wobble_sd", "{:.3g}"),
    ("effort wobble (% of level)", "wobble_pct", "{:.1f}"),
)


def quantile(values: list[float], q: float) -> float:
    """The q-quantile by linear interpolation between order statistics."""
    v = sorted(values)
    if not v:
        return math.nan
    pos = q * (len(v) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def per_recording_table(fits: list[tuple[Recording, Fit]]) -> list[str]:
    out = [
        "| recording | sport | speed | rises | tau up | falls | tau down | gain | windows "
        "| drift | wander SD | r10 | strap SD | wobble |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for rec, f in fits:
        out.append(
            f"| {rec.name} | {rec.sport} | {rec.speed_source} | {f.rises} | {f.tau_up_s:.0f}"
            f" | {f.falls} | {f.tau_down_s:.0f} | {f.gain:.3g} | {f.windows}"
            f" | {f.drift_bpm_min:.2f} | {f.resid_sd:.2f} | {f.resid_r10:.2f}"
            f" | {f.strap_sd:.2f} | {f.wobble_pct:.1f} % |"
        )
    return out


def ranges_table(fits: list[tuple[Recording, Fit]], found: dict[str, list[Step]]) -> list[str]:
    sports = sorted({rec.sport for rec, _ in fits}, key=lambda s: s != "run")
    out = [
        "Per sport, over the recordings that show the figure (n): median, p10, p90.",
        "",
        "| figure | "
        + " | ".join(f"{s} n | {s} median | {s} p10 | {s} p90" for s in sports)
        + " |",
        "|---|" + "---:|" * (4 * len(sports)),
    ]
    for label, attr, fmt in FIGURES:
        cells = []
        for sport in sports:
            vals = [getattr(f, attr) for rec, f in fits if rec.sport == sport]
            vals = [v for v in vals if not math.isnan(v)]
            cells.append(str(len(vals)))
            cells += [fmt.format(quantile(vals, q)) for q in (0.5, 0.1, 0.9)]
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    out.append("")
    for sport in [*sports, "all"]:
        events = [s for rec, _ in fits if sport in (rec.sport, "all") for s in found[rec.name]]
        ups = [s.tau_s for s in events if s.rising]
        downs = [s.tau_s for s in events if not s.rising]
        out.append(
            f"{sport}: {len(ups)} rises (tau median {_median(ups):.0f} s), {len(downs)} falls "
            f"(median {_median(downs):.0f} s); falling slower than rising: rank z = "
            f"{rank_z(ups, downs):+.1f} (one-sided, z > 1.64: two time constants at 5 %)"
        )
    for source in ("pod", "device", "derived"):
        vals = [
            f.wobble_pct
            for rec, f in fits
            if rec.sport == "run" and rec.speed_source == source and not math.isnan(f.wobble_pct)
        ]
        if vals:
            out.append(
                f"run speed wobble, {source} speed ({len(vals)} recordings): median "
                f"{quantile(vals, 0.5):.1f} %, p10 {quantile(vals, 0.1):.1f} %, "
                f"p90 {quantile(vals, 0.9):.1f} %"
            )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Example: python benchmarks/fit_athletes.py ../shared/real-runs",
    )
    parser.add_argument(
        "dir", nargs="?", type=Path, default=DEFAULT_DIR, help="folder of 1 Hz CSV recordings"
    )
    args = parser.parse_args(argv)
    folder: Path = args.dir
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    if not files:
        print(f"fit_athletes: no recordings in {folder} (skipped)", file=sys.stderr)
        return 0
    rows = _readme_rows(folder)
    fits: list[tuple[Recording, Fit]] = []
    found: dict[str, list[Step]] = {}
    start = time.perf_counter()
    for i, path in enumerate(files, 1):
        rec = load(path, rows.get(path.stem))
        got, found[rec.name] = fit(rec)
        fits.append((rec, got))
        print(
            f"[{i}/{len(files)}] {path.name}: {got.rises} rises, {got.falls} falls, "
            f"{got.windows} steady windows ({time.perf_counter() - start:.0f} s)",
            file=sys.stderr,
        )
    print("\n".join(per_recording_table(fits)))
    print()
    print("\n".join(ranges_table(fits, found)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
