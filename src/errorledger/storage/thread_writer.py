"""PostgreSQL's writer: one thread takes everything queued and commits it as one batch.

Every statement is a round trip to the server, which the event loop must not wait for, and
COMMIT is durable on the server, so the thread answers each batch as soon as it commits.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections import defaultdict
from typing import Any

from sqlalchemy import Engine

from errorledger.errors import StorageUnavailable
from errorledger.storage.batches import Batches
from errorledger.storage.writes import Item, Submitting, Ticket, admit, resolve

log = logging.getLogger(__name__)


class ThreadWriter(Submitting):
    def __init__(self, engine: Engine, *, max_batch: int, max_queue: int) -> None:
        self._batches = Batches(engine)
        self._max_batch = max_batch
        self._max_queue = max_queue
        self._queue: queue.SimpleQueue[Ticket | None] = queue.SimpleQueue()  # None: stop
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="errorledger-writer", daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        self._batches.close()

    def _submit(self, item: Item) -> asyncio.Future[Any]:
        if self._thread is None:
            raise StorageUnavailable("the writer is not running")
        admit(self._queue.qsize(), self._max_queue)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.put(Ticket(item, loop, future))
        return future

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stopping = True
                    break
                batch.append(nxt)
            _deliver(batch, self._batches.commit([t.item for t in batch]))


def _deliver(batch: list[Ticket], results: list[Any]) -> None:
    """Each ticket's result, resolved on its own loop (several server loops may share one
    writer in tests and benchmarks)."""
    by_loop: dict[asyncio.AbstractEventLoop, tuple[list[Ticket], list[Any]]]
    by_loop = defaultdict(lambda: ([], []))
    for ticket, result in zip(batch, results, strict=True):
        tickets, outcomes = by_loop[ticket.loop]
        tickets.append(ticket)
        outcomes.append(result)
    for loop, (tickets, outcomes) in by_loop.items():
        try:
            loop.call_soon_threadsafe(resolve, tickets, outcomes)
        except RuntimeError:  # that loop has closed; nobody is waiting any more
            log.warning("dropped %d write acknowledgements for a closed loop", len(tickets))
