"""Instructions per request of the ingest lane, counted by valgrind: repeatable to the
last few percent on a noisy machine, where timings (bench/ingest_path.py) move by ±20%.

Each figure runs this script under ``valgrind --tool=callgrind`` twice, with 0 and with N
requests after the same warm-up, and divides the difference by N, so start-up and
warm-up cancel out. The requests go through the whole app as bench/ingest_path.py sends
them (64 tasks at a time, as uvicorn runs them):

- bare: a raw ASGI callable that reads the body and answers 201 (the baseline);
- lane: ``POST /api/v3/integrations/{id}/logs`` with a writer that acknowledges at once
  (the request path without the database);
- durable: the same on the real SQLite writer (every thread's instructions count).

    .venv/bin/python bench/lane_instructions.py [--requests 1024] [--modes bare,lane,durable]
                                                [--json]

Compare two commits by running it in each: the ratios lane/bare and durable/bare are the
figures to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import uvloop

import ingest_path
from errorledger.app import create_app
from errorledger.core.accounts import Accounts
from errorledger.core.ingest import Ingestor
from errorledger.runtime import Runtime

MODES = ("bare", "lane", "durable")
WARMUP = 256
_COLLECTED = re.compile(rb"Collected\s*:\s*(\d+)")


async def drive(mode: str, count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="errorledger-bench-") as data_dir:
        runtime = Runtime(ingest_path._settings(data_dir))
        runtime.start()
        try:
            boot = Accounts(runtime.write_engine).bootstrap()
            assert boot is not None
            secret = f"{boot.key.key_id}:{boot.key.secret}".encode()
            caller = ingest_path.Caller("Basic " + base64.b64encode(secret).decode())
            app = create_app(runtime=runtime) if mode != "bare" else ingest_path.bare_app
            if mode == "lane":
                runtime.ingestor = Ingestor(
                    ingest_path.InstantWriter(), runtime.limiter, runtime.policies
                )
            for total in (WARMUP, count):
                for _ in range(0, total, ingest_path.CONCURRENCY):
                    await asyncio.gather(
                        *(caller.call(app) for _ in range(ingest_path.CONCURRENCY))
                    )
        finally:
            runtime.close()
    if caller.other:
        raise SystemExit(f"{caller.other} requests were not answered 201")


def instructions(mode: str, count: int) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--inner",
        mode,
        "--requests",
        str(count),
    ]
    done = subprocess.run(command, capture_output=True, check=False)
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(done.stderr.decode(errors="replace")[-2000:])
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1024)
    parser.add_argument("--inner", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--modes", default=",".join(MODES), help="which of bare,lane,durable")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    count = options.requests - options.requests % ingest_path.CONCURRENCY
    if options.inner:
        uvloop.run(drive(options.inner, count))
        return
    modes = [mode for mode in MODES if mode in options.modes.split(",")]
    per_request = {
        mode: (instructions(mode, count) - instructions(mode, 0)) / count for mode in modes
    }
    if options.json:
        print(json.dumps(per_request))
        return
    print(f"instructions per request (valgrind, {count} requests after {WARMUP} warm-up):")
    for mode, figure in per_request.items():
        ratio = f"   {figure / per_request['bare']:5.2f} x bare" if "bare" in per_request else ""
        print(f"  {mode:8} {figure:12,.0f}{ratio}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
