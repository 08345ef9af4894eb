"""One wrk run with bench/post.lua, and the figures read back from its report."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from servers import BenchError

BENCH_DIR = Path(__file__).resolve().parent
LUA_SCRIPT = BENCH_DIR / "post.lua"
BODY_FILE = BENCH_DIR / "seed_body.json"
# wrk leaves a response slower than its --timeout out of the latency histogram (it counts
# a "timeout" instead), which would hide the worst of errorledger's tail: keep it long.
TIMEOUT = "30s"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Load:
    threads: int
    connections: int


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class WrkRun:
    """One wrk run, as wrk and bench/post.lua count it."""

    requests_per_s: float
    p50_ms: float
    p99_ms: float
    completed: int  # responses received, any status
    sent: int  # requests started; those in flight when wrk stops never complete
    created: int  # 201 responses
    other_status: int  # every response that was not a 201
    non_2xx: int  # wrk's own "Non-2xx or 3xx responses"
    socket_errors: int  # connect + read + write + timeout


def find_wrk() -> str:
    """wrk's path; exits with what to install when it is missing."""
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("bench: wrk is not installed; install it with: apt-get install wrk")
    return wrk


def version(wrk: str) -> str:
    # `wrk -v` prints its version, then the usage, and exits 1
    result = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    match = re.search(r"wrk (\S+)", result.stdout + result.stderr)
    return match[1] if match else "unknown"


def run(wrk: str, url: str, *, seconds: int, load: Load, authorization: str) -> WrkRun:
    argv = [
        wrk,
        f"--threads={load.threads}",
        f"--connections={load.connections}",
        f"--duration={seconds}s",
        f"--timeout={TIMEOUT}",
        "--latency",
        f"--script={LUA_SCRIPT}",
        url,
    ]
    env = os.environ | {"BENCH_BODY_FILE": str(BODY_FILE), "BENCH_AUTHORIZATION": authorization}
    result = subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if result.returncode != 0:
        raise BenchError(f"wrk failed with status {result.returncode} on {url}:\n{result.stderr}")
    return parse(result.stdout)


_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_PERCENTILE = re.compile(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_COMPLETED = re.compile(r"^\s*(\d+) requests in ", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_COUNTS = re.compile(r"^BENCH_COUNTS sent=(\d+) created=(\d+) other=(\d+)$", re.MULTILINE)
_MS_PER_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse(output: str) -> WrkRun:
    """The figures of one run, from wrk's --latency report and bench/post.lua's counts."""
    latency = {m[1]: float(m[2]) * _MS_PER_UNIT[m[3]] for m in _PERCENTILE.finditer(output)}
    if set(latency) != {"50", "99"}:
        raise BenchError(f"no 50% and 99% latency lines in wrk's report:\n{output}")
    counts = _required(_COUNTS, output)
    # wrk prints these two lines only when there is something to count
    non_2xx = _NON_2XX.search(output)
    socket_errors = _SOCKET_ERRORS.search(output)
    return WrkRun(
        requests_per_s=float(_required(_RATE, output)[1]),
        p50_ms=latency["50"],
        p99_ms=latency["99"],
        completed=int(_required(_COMPLETED, output)[1]),
        sent=int(counts[1]),
        created=int(counts[2]),
        other_status=int(counts[3]),
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(map(int, socket_errors.groups())) if socket_errors else 0,
    )


def _required(pattern: re.Pattern[str], output: str) -> re.Match[str]:
    match = pattern.search(output)
    if match is None:
        raise BenchError(f"no match for {pattern.pattern!r} in wrk's report:\n{output}")
    return match
