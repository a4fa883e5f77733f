"""The daemon's figures: start-up to the first frame, and its cost during a real-time run.

1. **Start-up to first frame** of ``pacer run --hardware sim`` (the terminal view on a pipe):
   from ``Popen`` to the first line of the first frame on its standard output, median of
   ``--runs`` starts (and READY=1 on a notify socket this script owns, for comparison), next
   to the bare interpreter start and ``import pacer.cli``.
2. **Cost of a real-time workout**: ``pacer run --hardware sim --headless --speed 1``
   running the seed's step-up run started over the serial pty, for ``--seconds`` of real
   time: CPU seconds per minute from ``/proc/PID/stat`` (user + system), peak RSS from
   ``VmHWM`` in ``/proc/PID/status``, and the same CPU figure idle for comparison; both
   split per thread (``/proc/PID/task/TID/stat``, the thread's name from ``comm``), so a
   thread that wakes for nothing shows.

    python benchmarks/bench_daemon.py [--runs 10] [--seconds 60] [--idle 60]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
WORKOUT = REPO / "examples" / "step-up-run.yaml"
TICKS = os.sysconf("SC_CLK_TCK")


def env_with(notify: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "device") + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("WATCHDOG_USEC", None)
    if notify is not None:
        env["NOTIFY_SOCKET"] = notify
    return env


def pacer_run(data: Path, *args: str) -> list[str]:
    command = [sys.executable, "-m", "pacer.cli", "run", "--hardware", "sim"]
    return [*command, "--data-dir", str(data), *args]


def wait_ready(sock: socket.socket, timeout: float = 30.0) -> float:
    """When READY=1 arrived (time.perf_counter())."""
    sock.settimeout(timeout)
    while True:
        if b"READY=1" in sock.recv(4096):
            return time.perf_counter()


def first_frame(tmp: Path) -> tuple[float, float]:
    """Seconds from Popen to the first frame's top line, and to READY=1."""
    path = str(tmp / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        start = time.perf_counter()
        proc = subprocess.Popen(
            pacer_run(tmp / "data"),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env_with(path),
        )
        assert proc.stdout is not None
        frame = float("nan")
        for line in proc.stdout:
            if line.startswith("┌".encode()):
                frame = time.perf_counter() - start
                break
        ready = wait_ready(sock) - start
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    os.unlink(path)
    return frame, ready


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env_with(), stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / TICKS


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds so far of each live thread, by "name/tid" (a thread that ended is gone
    from /proc: its time stays in the process total only)."""
    out: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        label = "main thread" if task.name == str(pid) else f"{name} thread"
        out[f"{label} {task.name}"] = (int(fields[11]) + int(fields[12])) / TICKS
    return out


@dataclass
class Cost:
    """CPU seconds per minute of wall time: the whole process and each thread."""

    total: float
    threads: dict[str, float]

    def lines(self) -> list[str]:
        busy = sorted(self.threads.items(), key=lambda kv: -kv[1])
        return [f"    {name:<28} {value:5.3f} s/min" for name, value in busy]


def cpu_per_minute(pid: int, seconds: float) -> Cost:
    c0, th0, t0 = cpu_seconds(pid), thread_cpu(pid), time.perf_counter()
    time.sleep(seconds)
    c1, th1, t1 = cpu_seconds(pid), thread_cpu(pid), time.perf_counter()
    scale = 60 / (t1 - t0)
    threads = {name: (v - th0.get(name, 0.0)) * scale for name, v in th1.items()}
    return Cost((c1 - c0) * scale, threads)


def workout_cost(tmp: Path, seconds: float, idle_s: float) -> dict[str, Any]:
    sys.path.insert(0, str(REPO / "device"))
    from pacer.link.host import DeviceClient

    path = str(tmp / "notify-run")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        proc = subprocess.Popen(
            pacer_run(tmp / "data-run", "--headless", "--speed", "1"),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env_with(path),
        )
        assert proc.stdout is not None
        port = next(line.split()[-1] for line in proc.stdout if "serial port" in line)
        wait_ready(sock)
        try:
            idle = cpu_per_minute(proc.pid, idle_s)
            with DeviceClient(port, timeout=10) as host:
                host.hello()
                host.workout_put("step-up-run", WORKOUT.read_text())
                host.start("step-up-run")
                running = cpu_per_minute(proc.pid, seconds)
                status = host.status()
            rss = peak_rss_mb(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=20)
    return {"idle": idle, "running": running, "rss": rss, "t": float(status["t"])}


def starts_figures(tmp: Path, runs: int, bare: float, cli: float) -> None:
    first_frame(tmp)  # warm the file cache and the bytecode
    starts = [first_frame(tmp) for _ in range(runs)]
    frames = [f for f, _ in starts]
    readies = [r for _, r in starts]
    print(f"pacer run --hardware sim, {runs} starts:")
    print(
        f"  first frame   median {statistics.median(frames) * 1000:6.0f} ms"
        f"  (min {min(frames) * 1000:.0f}, max {max(frames) * 1000:.0f})"
    )
    print(f"  READY=1       median {statistics.median(readies) * 1000:6.0f} ms")
    print(
        f"  for scale: python -c pass {bare * 1000:.0f} ms, "
        f"import pacer.cli + parser {cli * 1000:.0f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="starts to time (10; 0: skip)")
    parser.add_argument("--seconds", type=float, default=60.0, help="real-time run (60 s)")
    parser.add_argument("--idle", type=float, default=60.0, help="idle sample (60 s)")
    args = parser.parse_args()

    bare = statistics.median(timed([sys.executable, "-c", "pass"]) for _ in range(5))
    cli = statistics.median(
        timed([sys.executable, "-c", "import pacer.cli; pacer.cli.build_parser()"])
        for _ in range(5)
    )
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if args.runs > 0:
            starts_figures(tmp, args.runs, bare, cli)
        cost = workout_cost(tmp, args.seconds, args.idle)
    print(
        f"real-time step-up run over serial, {args.seconds:g} s "
        f"(workout clock at {cost['t']:.0f} s):"
    )
    running, idle = cost["running"], cost["idle"]
    print(
        f"  CPU running   {running.total:.3f} s per minute "
        f"({running.total / 60 * 100:.2f} % of one core), per thread:"
    )
    print("\n".join(running.lines()))
    print(f"  CPU idle      {idle.total:.3f} s per minute ({args.idle:g} s), per thread:")
    print("\n".join(idle.lines()))
    print(f"  peak RSS      {cost['rss']:.1f} MB (VmHWM)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
