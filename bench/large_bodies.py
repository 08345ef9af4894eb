"""What a large body costs the write path, step by step, and so where work leaves the loop.

A record under ``core.offload.LARGE_BYTES`` (64 KiB) is decoded, validated, redacted and
hashed on the event loop, where a thread hop would cost more than the work; a larger one
on a worker thread. This prints each step's CPU for two 1 MiB bodies (an import log of
20,000 messages, and an import error whose details hold 29,000 rows), per KiB and at the
64 KiB line, next to a thread hop measured in the same run:

    .venv/bin/python bench/large_bodies.py [--repeats 3]

tests/test_large_bodies.py checks the outcome on a served process: while such a body is
stored, no other request waits more than a quarter of its time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import msgspec
from anyio import to_thread

from errorledger.api.body import parse_json
from errorledger.api.import_errors import parse_event
from errorledger.api.import_logs import parse_report
from errorledger.core.offload import LARGE_BYTES
from errorledger.core.redaction import redactor
from errorledger.tlog.leaf import content_digest

KIB = 1024


def import_log_body() -> bytes:
    errors = [{"code": "E", "message": f"Row {i}", "path": f"/{i}"} for i in range(20_000)]
    return json.dumps({"status": "Failed", "errors": errors}, separators=(",", ":")).encode()


def import_error_body() -> bytes:
    details = {"rows": [{"row": i, "value": "x" * 10} for i in range(29_000)]}
    return json.dumps({"error": "bad rows", "details": details}, separators=(",", ":")).encode()


def best_cpu(work: Callable[[Any], Any], setup: Callable[[], Any], repeats: int) -> float:
    """The least thread CPU time of ``repeats`` calls of ``work(setup())``, in seconds;
    ``setup`` (a fresh copy of what the step changes in place) is not counted."""
    best = float("inf")
    for _ in range(repeats):
        argument = setup()
        started = time.thread_time()
        work(argument)
        best = min(best, time.thread_time() - started)
    return best


Step = tuple[Callable[[Any], Any], Callable[[], Any]]


def steps(raw: bytes, parse: Callable[[Any], Any]) -> dict[str, Step]:
    """Each step as (work, setup)."""
    parsed = parse(parse_json(raw, max_depth=32))
    content = parsed.content() if hasattr(parsed, "content") else parsed

    def fresh() -> Any:
        return parse_json(raw, max_depth=32)

    return {
        "decode JSON, depth check": (lambda _: parse_json(raw, max_depth=32), lambda: None),
        "validate": (parse, fresh),
        "redact": (
            redactor(None, emails=False).redact,
            lambda: msgspec.json.decode(msgspec.json.encode(content)),
        ),
        "content digest": (content_digest, lambda: content),
        "encode for storage": (msgspec.json.encode, lambda: content),
    }


def thread_hop_us(count: int = 2000) -> float:
    async def hops() -> float:
        started = time.perf_counter()
        for _ in range(count):
            await to_thread.run_sync(lambda: None)
        return (time.perf_counter() - started) / count * 1e6

    return asyncio.run(hops())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()
    bodies = {
        "import log, 20,000 messages": (
            import_log_body(),
            lambda b: parse_report(b, creating=True),
        ),
        "import error, 29,000 rows": (import_error_body(), parse_event),
    }
    print(f"a thread hop (anyio.to_thread): {thread_hop_us():.0f} µs wall")
    for name, (raw, parse) in bodies.items():
        kib = len(raw) / KIB
        print(f"\n{name}: {kib:.0f} KiB")
        total = 0.0
        for step, (work, setup) in steps(raw, parse).items():
            cpu = best_cpu(work, setup, options.repeats)
            total += cpu
            print(f"  {step:30} {cpu * 1e3:8.1f} ms  {cpu / kib * 1e6:6.1f} µs/KiB")
        at_line = total / kib * (LARGE_BYTES / KIB)
        print(f"  {'the path before the writer':30} {total * 1e3:8.1f} ms")
        print(f"  at the {LARGE_BYTES // KIB} KiB line: {at_line * 1e3:.1f} ms on the loop at most")


if __name__ == "__main__":
    main()
