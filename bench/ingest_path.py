"""Where the ingest path's CPU goes: each step in this process, without HTTP or a socket.

bench/ingest.py measures the served figure; this one says what it is made of. Each line is
the main thread's CPU per request (``time.thread_time``, best of the repeats), next to the
baseline measured in the same run: a bare ASGI callable that reads the body and answers 201,
called the same way. The steps:

- the seed 000 body decoded and validated, redacted, digested for the log, triaged
  (classified and grouped);
- the whole ``POST /api/v3/integrations/{id}/logs`` lane with a writer that acknowledges at
  once: authentication, rate limit and everything above, without the database;
- the same lane on the real SQLite writer (the batch runs on the event loop; the WAL's
  fsync on its helper thread is not counted).

The lanes and the baseline run 64 requests at a time, a task each, as uvicorn runs them.

    .venv/bin/python bench/ingest_path.py [--requests 5000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any, TypeVar

import uvloop
from sqlalchemy import Connection

from errorledger.api.integration_log_input import decode_integration_log
from errorledger.app import create_app
from errorledger.core.accounts import Accounts
from errorledger.core.ingest import Ingestor
from errorledger.core.records import Placement
from errorledger.core.redaction import redactor
from errorledger.core.triage.assess import assess
from errorledger.core.triage.catalogue import builtin
from errorledger.core.triage.classify import Classifier
from errorledger.runtime import Runtime
from errorledger.settings import Settings
from errorledger.storage.writes import PendingEntry
from errorledger.tlog.leaf import content_digest

BODY = (Path(__file__).resolve().parent / "seed_body.json").read_bytes().strip()
PATH = "/api/v3/integrations/1/logs"
CONCURRENCY = 64
T = TypeVar("T")
Message = MutableMapping[str, Any]
App = Callable[
    [Message, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]


class InstantWriter:
    """Acknowledges every entry at once with the next id: the lane without the database."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass

    async def append(self, entry: PendingEntry) -> Placement:
        entry_id = next(self._ids)
        return Placement(entry_id, entry_id - 1, b"\0" * 32)

    async def run(self, apply: Callable[[Connection], T]) -> T:
        raise NotImplementedError("the ingest lane only appends")


async def bare_app(scope: Message, receive: Callable[[], Awaitable[Message]], send: Any) -> None:
    while (await receive()).get("more_body", False):
        pass
    await send({"type": "http.response.start", "status": 201, "headers": []})
    await send({"type": "http.response.body", "body": b'{"data":{"id":1}}'})


class Caller:
    """Calls an ASGI app with the benchmark's request and counts the 201s."""

    def __init__(self, authorization: str) -> None:
        headers = [
            (b"content-type", b"application/json"),
            (b"authorization", authorization.encode()),
            (b"content-length", str(len(BODY)).encode()),
        ]
        self.scope = {"type": "http", "method": "POST", "path": PATH, "headers": headers}
        self._message = {"type": "http.request", "body": BODY, "more_body": False}
        self.created = 0
        self.other = 0

    async def _receive(self) -> Message:
        return self._message

    async def _send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            if message["status"] == 201:
                self.created += 1
            else:
                self.other += 1

    async def call(self, app: App) -> None:
        await app(self.scope, self._receive, self._send)


def cpu_per_call(run: Callable[[], object], count: int, repeats: int) -> float:
    """Best main-thread CPU per call, in µs, of ``run`` (which makes ``count`` calls)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.thread_time()
        run()
        best = min(best, (time.thread_time() - start) / count)
    return best * 1e6


async def lane_cpu(app: App, caller: Caller, count: int, repeats: int) -> float:
    """As uvicorn serves them: a task per request, ``CONCURRENCY`` of them at a time."""

    async def once() -> None:
        for _ in range(0, count, CONCURRENCY):
            await asyncio.gather(*(caller.call(app) for _ in range(CONCURRENCY)))

    for _ in range(2):  # warm-up: caches, the first batches, the limiter's window
        await once()
    best = float("inf")
    for _ in range(repeats):
        start = time.thread_time()
        await once()
        best = min(best, (time.thread_time() - start) / count)
    return best * 1e6


def step_figures(count: int, repeats: int) -> dict[str, float]:
    content, _ = decode_integration_log(BODY, max_depth=32)
    classifier = Classifier(builtin())

    def repeat(fn: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            for _ in range(count):
                fn()

        return run

    return {
        "decode and validate": cpu_per_call(
            repeat(lambda: decode_integration_log(BODY, max_depth=32)), count, repeats
        ),
        "redact": cpu_per_call(
            repeat(lambda: redactor(None, emails=False).redact(content)), count, repeats
        ),
        "content digest": cpu_per_call(repeat(lambda: content_digest(content)), count, repeats),
        "triage (classify and group)": cpu_per_call(
            repeat(
                lambda: assess(
                    classifier,
                    kind="integration_log",
                    source="1",
                    content=content,
                    status=content["response_code"],
                    message=content["exception"],
                    url=content["full_url"],
                    exception_type=content["exception_type"],
                )
            ),
            count,
            repeats,
        ),
    }


async def lane_figures(data_dir: str, count: int, repeats: int) -> tuple[dict[str, float], Caller]:
    runtime = Runtime(_settings(data_dir))
    runtime.start()
    try:
        boot = Accounts(runtime.write_engine).bootstrap()
        assert boot is not None
        secret = f"{boot.key.key_id}:{boot.key.secret}".encode()
        caller = Caller("Basic " + base64.b64encode(secret).decode())
        app = create_app(runtime=runtime)
        durable = await lane_cpu(app, caller, count, repeats)
        runtime.ingestor = Ingestor(InstantWriter(), runtime.limiter, runtime.policies)
        instant = await lane_cpu(app, caller, count, repeats)
    finally:
        runtime.close()
    return {
        "lane, writer acknowledging at once": instant,
        "lane, durable SQLite writer": durable,
    }, caller


def _settings(data_dir: str) -> Settings:
    # the defaults, in a fresh directory; the limiter still counts every request, but must
    # not refuse any here
    return Settings(data_dir=Path(data_dir), write_rate_limit="1000000000/second")


async def measure(count: int, repeats: int) -> tuple[float, dict[str, float], Caller]:
    with tempfile.TemporaryDirectory(prefix="errorledger-bench-") as data_dir:
        lanes, caller = await lane_figures(data_dir, count, repeats)
    baseline = await lane_cpu(bare_app, caller, count, repeats)
    return baseline, {**step_figures(count, repeats), **lanes}, caller


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000, help="calls per repeat (5000)")
    parser.add_argument("--repeats", type=int, default=5, help="repeats; the best counts (5)")
    args = parser.parse_args(argv)
    if args.requests < CONCURRENCY or args.repeats < 1:
        parser.error(f"--requests must be at least {CONCURRENCY} and --repeats at least 1")
    count = args.requests - args.requests % CONCURRENCY
    baseline, figures, caller = uvloop.run(measure(count, args.repeats))
    print(f"main-thread CPU per request, best of {args.repeats} x {count} calls:")
    print(f"  {'bare ASGI callable (baseline)':<38}{baseline:8.1f} us   1.0 x")
    for name, micros in figures.items():
        print(f"  {name:<38}{micros:8.1f} us {micros / baseline:5.1f} x")
    if caller.other:
        print(f"bench: {caller.other} requests were not answered 201", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
