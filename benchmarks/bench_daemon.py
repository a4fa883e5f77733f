"""The daemon's figures: start-up to the first frame, and its cost during a real-time run.

1. **Start-up to first frame** of ``pacer run --hardware sim`` (the terminal view on a pipe):
   from ``Popen`` to the first line of the first frame on its standard output, median of
   ``--runs`` starts (and READY=1 on a notify socket this script owns, for comparison), next
   to the bare interpreter start and ``import pacer.cli``.
2. **Cost of a real-time workout**: ``pacer run --hardware sim --headless --speed 1``
   running the seed's step-up run started over the serial pty, for ``--seconds`` of real
   time: CPU seconds per minute from ``/proc/PID/stat`` (user + system), peak RSS from
   ``VmHWM`` in ``/proc/PID/status``, and the same CPU figure idle for comparison.

    python benchmarks/bench_daemon.py [--runs 10] [--seconds 60]
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
from pathlib import Path

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


def cpu_per_minute(pid: int, seconds: float) -> float:
    c0, t0 = cpu_seconds(pid), time.perf_counter()
    time.sleep(seconds)
    return (cpu_seconds(pid) - c0) / (time.perf_counter() - t0) * 60


def workout_cost(tmp: Path, seconds: float, idle_s: float) -> dict[str, float]:
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="starts to time (10)")
    parser.add_argument("--seconds", type=float, default=60.0, help="real-time run (60 s)")
    parser.add_argument("--idle", type=float, default=20.0, help="idle sample (20 s)")
    args = parser.parse_args()

    bare = statistics.median(timed([sys.executable, "-c", "pass"]) for _ in range(5))
    cli = statistics.median(
        timed([sys.executable, "-c", "import pacer.cli; pacer.cli.build_parser()"])
        for _ in range(5)
    )
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        first_frame(tmp)  # warm the file cache and the bytecode
        starts = [first_frame(tmp) for _ in range(args.runs)]
        frames = [f for f, _ in starts]
        readies = [r for _, r in starts]
        print(f"pacer run --hardware sim, {args.runs} starts:")
        print(
            f"  first frame   median {statistics.median(frames) * 1000:6.0f} ms"
            f"  (min {min(frames) * 1000:.0f}, max {max(frames) * 1000:.0f})"
        )
        print(f"  READY=1       median {statistics.median(readies) * 1000:6.0f} ms")
        print(
            f"  for scale: python -c pass {bare * 1000:.0f} ms, "
            f"import pacer.cli + parser {cli * 1000:.0f} ms"
        )

        cost = workout_cost(tmp, args.seconds, args.idle)
    print(
        f"real-time step-up run over serial, {args.seconds:g} s "
        f"(workout clock at {cost['t']:.0f} s):"
    )
    print(
        f"  CPU           {cost['running']:.2f} s per minute "
        f"({cost['running'] / 60 * 100:.1f} % of one core); idle {cost['idle']:.2f} s/min"
    )
    print(f"  peak RSS      {cost['rss']:.1f} MB (VmHWM)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
