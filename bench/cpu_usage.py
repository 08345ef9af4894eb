"""Who used the CPUs during a run: the server, wrk, or something else on the machine.

On a small machine a benchmark shares the cores with whatever else runs (a test suite, a
build). The figures are only comparable when "others" stays near zero, so every run reports
it. Linux only (/proc); elsewhere the shares are simply missing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import resource
import time
from pathlib import Path

_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


@dataclasses.dataclass(frozen=True, slots=True)
class CpuSample:
    at: float  # monotonic seconds
    busy_s: float  # CPU-seconds of every CPU that were not idle
    server_s: float  # CPU-seconds of the server process, all its threads
    children_s: float  # CPU-seconds of our finished children (wrk)


@dataclasses.dataclass(frozen=True, slots=True)
class CpuShare:
    """Average cores in use over a run (2.0 = both cores of a 2-core machine)."""

    server: float
    wrk: float
    others: float


def sample(server_pid: int) -> CpuSample | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        return CpuSample(time.monotonic(), _busy_s(), _process_s(server_pid), _children_s())
    return None


def share(before: CpuSample | None, after: CpuSample | None) -> CpuShare | None:
    if before is None or after is None or after.at <= before.at:
        return None
    elapsed = after.at - before.at
    server = (after.server_s - before.server_s) / elapsed
    wrk = (after.children_s - before.children_s) / elapsed
    busy = (after.busy_s - before.busy_s) / elapsed
    # tick rounding can make the rest slightly negative when nothing else ran
    return CpuShare(server, wrk, max(busy - server - wrk, 0.0))


def _busy_s() -> float:
    # cpu  user nice system idle iowait irq softirq steal (guest time is inside user)
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / _TICKS_PER_S


def _process_s(pid: int) -> float:
    # the command name may hold spaces and parentheses: the fields start after the last ")"
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / _TICKS_PER_S


def _children_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
