"""CPU work sized by the request it serves: small work runs inline on the event loop, where
a hop to a thread would cost more than the work (the ingest path's records are a few KiB),
and large work on a worker thread, so that one big body cannot stall every other request.

On the worker the work still needs the GIL, but the interpreter hands it back to the event
loop's thread every switch interval (5 ms), so other requests keep being served.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from anyio import to_thread

T = TypeVar("T")

# At the rates bench/large_bodies.py measures for 1 MiB bodies (150 to 210 µs of CPU a KiB
# to decode, validate, redact and hash), 10 to 15 ms of work: far more than a thread hop
# (0.3 ms), and short enough not to be felt by the requests that wait meanwhile.
LARGE_BYTES = 64 * 1024


async def run_sized(size: int, work: Callable[[], T]) -> T:
    """``work()``, off the event loop when ``size`` (bytes of input) is over LARGE_BYTES."""
    if size <= LARGE_BYTES:
        return work()
    return await to_thread.run_sync(work)
