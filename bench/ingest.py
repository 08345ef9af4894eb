"""Ingest throughput: errorledger's durable ingest against a bare ASGI app, under one wrk.

Two servers run side by side on 127.0.0.1, one process each:

(a) bench/bare_asgi.py, a raw ASGI callable that reads the body and answers 201, served by
    uvicorn with the options errorledger uses: what the server stack alone costs;
(b) ``errorledger serve`` on SQLite in a fresh temporary data dir, ingesting the seed's
    example log (bench/seed_body.json): each 201 is sent after its row is committed;
(r) bench/reference_app.py, the yardstick the foundation issue names: a Starlette + msgspec
    endpoint with a group-commit SQLite writer and nothing else, so b/a can be read
    against what the bare minimum of durable ingest reaches here (r/a).

The same wrk (bench/post.lua: same body, same headers) drives each for the same duration,
alternately, each measured run after a short warm-up. The report gives req/s, p50 and p99
of each and the ratio b/a. Then errorledger is stopped and the rows in its database are
counted against the 201s: every acknowledged write must be there, and nothing more than
what wrk sent.

    .venv/bin/python bench/ingest.py [--duration 10] [--connections 64] [--threads 1]
                                     [--warmup 2] [--rounds 2] [--json]

docs/benchmarks.md says how to read the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.util
import json
import os
import platform
import signal
import sqlite3
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cpu_usage
import servers
import wrk_runner
from servers import BenchError
from wrk_runner import Load, WrkRun

INGEST_PATH = "/api/v3/integrations/1/logs"  # the integration the first start creates
# The bar: errorledger against the minimal reference stack measured in the same run.
BAR_B_OVER_R = 0.5
# More than this many cores used by other processes during a run makes its figures suspect.
NOISY_OTHERS = 0.25


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    duration: int
    warmup: int
    rounds: int
    load: Load
    as_json: bool


@dataclasses.dataclass(frozen=True, slots=True)
class Measured:
    wrk: WrkRun
    cpu: cpu_usage.CpuShare | None


@dataclasses.dataclass(slots=True)
class Target:
    """A server under test and every wrk run against it."""

    name: str
    url: str
    authorization: str
    server: servers.Server
    warmups: list[WrkRun] = dataclasses.field(default_factory=list)
    runs: list[Measured] = dataclasses.field(default_factory=list)

    def median(self) -> dict[str, float]:
        return {
            "requests_per_s": statistics.median(r.wrk.requests_per_s for r in self.runs),
            "p50_ms": statistics.median(r.wrk.p50_ms for r in self.runs),
            "p99_ms": statistics.median(r.wrk.p99_ms for r in self.runs),
        }

    def best(self) -> WrkRun:
        return max((r.wrk for r in self.runs), key=lambda run: run.requests_per_s)

    def every_wrk_run(self) -> list[WrkRun]:
        return [*self.warmups, *(r.wrk for r in self.runs)]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RowCheck:
    """The rows errorledger stored, against what wrk saw (warm-ups included)."""

    rows: int
    created: int
    sent: int
    completed: int
    non_2xx: int
    other_status: int
    socket_errors: int

    @property
    def cut_off(self) -> int:
        """Requests wrk stopped waiting for at the end of a run: sent, maybe stored, their
        201 never read."""
        return self.sent - self.completed

    @property
    def ok(self) -> bool:
        # A 201 promises a committed row, so rows >= 201s; a row for a request wrk never
        # sent would be a duplicate, so rows <= 201s + requests cut off.
        return (
            self.non_2xx == 0
            and self.other_status == 0
            and self.created <= self.rows <= self.created + self.cut_off
        )


# options -------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        description="errorledger's durable ingest (b) and the reference (r) against a bare"
        " ASGI app (a), under wrk."
    )
    parser.add_argument("--duration", type=_at_least(1), default=10, help="seconds per run (10)")
    parser.add_argument("--connections", type=_at_least(1), default=64, help="wrk connections")
    parser.add_argument("--threads", type=_at_least(1), default=1, help="wrk threads (1)")
    parser.add_argument(
        "--warmup", type=_at_least(0), default=2, help="seconds of wrk before each run (2)"
    )
    parser.add_argument("--rounds", type=_at_least(1), default=2, help="runs of each target (2)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON, last")
    args = parser.parse_args(argv)
    if args.connections < args.threads:
        parser.error("--connections must be at least --threads (each wrk thread needs one)")
    return Options(
        duration=args.duration,
        warmup=args.warmup,
        rounds=args.rounds,
        load=Load(threads=args.threads, connections=args.connections),
        as_json=args.json,
    )


def _at_least(minimum: int) -> Callable[[str], int]:
    # wrk takes whole seconds and whole counts only
    def parse(raw: str) -> int:
        value = int(raw)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {raw}")
        return value

    return parse


def require_server_stack() -> None:
    # Without these uvicorn falls back to asyncio and h11 for both servers, and the figures
    # would say nothing about the stack errorledger is deployed on.
    missing = [name for name in ("uvloop", "httptools") if importlib.util.find_spec(name) is None]
    if missing:
        sys.exit(f"bench: {' and '.join(missing)} missing; run: pip install -e '.[dev]'")


# the benchmark -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Targets:
    bare: Target
    ingest: Target
    reference: Target


def run_benchmark(wrk: str, options: Options) -> tuple[Targets, RowCheck]:
    with (
        tempfile.TemporaryDirectory(prefix="errorledger-bench-") as tmp,
        servers.serve_bare(Path(tmp)) as bare_server,
        servers.serve_errorledger(Path(tmp)) as server,
        servers.serve_reference(Path(tmp)) as reference_server,
    ):
        # The same Authorization header to every target: the same bytes on the wire.
        authorization = servers.basic_authorization(server.log)
        targets = Targets(
            bare=Target("bare ASGI", f"{bare_server.base_url}/", authorization, bare_server),
            ingest=Target("errorledger", server.base_url + INGEST_PATH, authorization, server),
            reference=Target(
                "reference",
                reference_server.base_url + INGEST_PATH,
                authorization,
                reference_server,
            ),
        )
        run_rounds(wrk, targets, options)
        # Count only once the server has stopped: a graceful stop commits what is queued.
        servers.stop(server)
        check = row_check(count_rows(Path(tmp) / "data" / "errorledger.db"), targets.ingest)
    return targets, check


def run_rounds(wrk: str, targets: Targets, options: Options) -> None:
    forward = (targets.bare, targets.ingest, targets.reference)
    for index in range(options.rounds):
        # a b r, then r b a: drift on the machine (other load, the databases growing)
        # then weighs on every target alike
        for target in forward if index % 2 == 0 else forward[::-1]:
            measure(wrk, target, options, f"{index + 1}/{options.rounds}")


def measure(wrk: str, target: Target, options: Options, label: str) -> None:
    if options.warmup:
        target.warmups.append(_wrk(wrk, target, options.warmup, options.load))
    pid = target.server.process.pid
    before = cpu_usage.sample(pid)
    run = _wrk(wrk, target, options.duration, options.load)
    measured = Measured(run, cpu_usage.share(before, cpu_usage.sample(pid)))
    if target.server.process.poll() is not None:
        raise BenchError(
            f"{target.name} exited during a run:\n{servers.log_tail(target.server.log)}"
        )
    target.runs.append(measured)
    progress(f"round {label}  {target.name:<12} {_run_line(measured)}")


def _wrk(wrk: str, target: Target, seconds: int, load: Load) -> WrkRun:
    return wrk_runner.run(
        wrk, target.url, seconds=seconds, load=load, authorization=target.authorization
    )


def count_rows(database: Path) -> int:
    if not database.exists():
        raise BenchError(f"no database at {database}")
    with contextlib.closing(sqlite3.connect(database)) as conn:
        (rows,) = conn.execute("SELECT count(*) FROM entries").fetchone()
    return int(rows)


def row_check(rows: int, ingest: Target) -> RowCheck:
    runs = ingest.every_wrk_run()
    return RowCheck(
        rows=rows,
        created=sum(run.created for run in runs),
        sent=sum(run.sent for run in runs),
        completed=sum(run.completed for run in runs),
        non_2xx=sum(run.non_2xx for run in runs),
        other_status=sum(run.other_status for run in runs),
        socket_errors=sum(run.socket_errors for run in runs),
    )


# the report ----------------------------------------------------------------------------------


def progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _run_line(measured: Measured) -> str:
    run, cpu = measured.wrk, measured.cpu
    line = f"{run.requests_per_s:8.0f} req/s  p50 {run.p50_ms:7.2f} ms  p99 {run.p99_ms:7.2f} ms"
    if cpu is not None:
        line += f"  cores: server {cpu.server:.2f} wrk {cpu.wrk:.2f} others {cpu.others:.2f}"
    return line


def ratios(target: Target, baseline: Target) -> tuple[float, float]:
    """target/baseline in req/s: of the medians, and of the best runs."""
    median = target.median()["requests_per_s"] / baseline.median()["requests_per_s"]
    best = target.best().requests_per_s / baseline.best().requests_per_s
    return median, best


def text_report(targets: Targets, check: RowCheck, rounds: int) -> str:
    bare, ingest, reference = targets.bare, targets.ingest, targets.reference
    ratio, best_ratio = ratios(ingest, bare)
    reference_ratio, reference_best = ratios(reference, bare)
    over_reference, over_reference_best = ratios(ingest, reference)
    lines = [
        "",
        f"median of {rounds} run(s) each, and the best run's req/s:",
        f"{'':<16}{'req/s':>9}{'best':>9}{'p50 ms':>9}{'p99 ms':>9}",
        _figures_line("(a) bare ASGI", bare),
        _figures_line("(b) errorledger", ingest),
        _figures_line("(r) reference", reference),
        "",
        f"ratio b/r (req/s): {over_reference:.3f} (best runs: {over_reference_best:.3f});"
        f" bar {BAR_B_OVER_R}: {_met(over_reference, BAR_B_OVER_R)}",
        f"ratio b/a (req/s): {ratio:.3f} (best runs: {best_ratio:.3f});"
        f" r/a: {reference_ratio:.3f} (best runs: {reference_best:.3f})",
        *_noise_lines(targets),
        "",
        *_check_lines(check),
    ]
    return "\n".join(lines)


def _figures_line(name: str, target: Target) -> str:
    median = target.median()
    return (
        f"{name:<16}{median['requests_per_s']:>9.0f}{target.best().requests_per_s:>9.0f}"
        f"{median['p50_ms']:>9.2f}{median['p99_ms']:>9.2f}"
    )


def _met(ratio: float, goal: float) -> str:
    return "met" if ratio >= goal else "NOT met"


def _noise_lines(targets: Targets) -> list[str]:
    runs = (*targets.bare.runs, *targets.ingest.runs, *targets.reference.runs)
    others = [r.cpu.others for r in runs if r.cpu is not None]
    if not others or max(others) <= NOISY_OTHERS:
        return []
    return [
        f"warning: other processes used up to {max(others):.2f} cores during a run;"
        " these figures are noisy, run again on a quiet machine"
    ]


def _check_lines(check: RowCheck) -> list[str]:
    stored_unacknowledged = check.rows - check.created
    return [
        f"checks on (b), warm-ups included: {'OK' if check.ok else 'FAILED'}",
        f"  non-2xx responses: {check.non_2xx}; other than 201: {check.other_status};"
        f" socket errors: {check.socket_errors}",
        f"  rows stored {check.rows} = 201s received {check.created}"
        f" + {stored_unacknowledged} of the {check.cut_off} requests wrk stopped waiting for"
        f" at the end of its runs (requests sent: {check.sent})",
    ]


def json_report(
    targets: Targets, check: RowCheck, options: Options, wrk_version: str
) -> dict[str, Any]:
    ratio, best_ratio = ratios(targets.ingest, targets.bare)
    reference_ratio, reference_best = ratios(targets.reference, targets.bare)
    over_reference, over_reference_best = ratios(targets.ingest, targets.reference)
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "cpu_model": _cpu_model(),
            "python": platform.python_version(),
            "system": platform.platform(),
            "wrk": wrk_version,
        },
        "settings": {
            "duration_s": options.duration,
            "warmup_s": options.warmup,
            "rounds": options.rounds,
            **dataclasses.asdict(options.load),
        },
        "bare_asgi": _target_json(targets.bare),
        "errorledger": _target_json(targets.ingest),
        "reference": _target_json(targets.reference),
        "ratio": {
            "median": ratio,
            "best": best_ratio,
            "reference_median": reference_ratio,
            "reference_best": reference_best,
            "over_reference_median": over_reference,
            "over_reference_best": over_reference_best,
            "bar_over_reference": BAR_B_OVER_R,
        },
        "checks": {**dataclasses.asdict(check), "cut_off": check.cut_off, "ok": check.ok},
    }


def _target_json(target: Target) -> dict[str, Any]:
    return {
        "median": target.median(),
        "best": dataclasses.asdict(target.best()),
        "runs": [dataclasses.asdict(run) for run in target.runs],
        "warmups": [dataclasses.asdict(run) for run in target.warmups],
    }


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor() or "unknown"


# main ----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    wrk = wrk_runner.find_wrk()
    require_server_stack()
    # The servers run in sessions of their own, so a SIGTERM to the benchmark alone would
    # leave them running; as SystemExit it unwinds through the code that stops them.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    version = wrk_runner.version(wrk)
    progress(
        f"ingest benchmark: wrk {version}, {options.load.threads} thread(s),"
        f" {options.load.connections} connections, {options.duration} s per run after a"
        f" {options.warmup} s warm-up, {options.rounds} round(s); {os.cpu_count()} CPUs"
    )
    try:
        targets, check = run_benchmark(wrk, options)
    except BenchError as exc:
        progress(f"bench: {exc}")
        return 1
    except KeyboardInterrupt:  # the servers are stopped by now; a traceback would say nothing
        progress("bench: interrupted")
        return 130
    report = text_report(targets, check, options.rounds)
    if options.as_json:
        # the human report on stderr, so that stdout is one JSON object (for jq, for the docs)
        progress(report)
        print(json.dumps(json_report(targets, check, options, version), indent=2))
    else:
        print(report)
    return 0 if check.ok else 1


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    sys.exit(main())
