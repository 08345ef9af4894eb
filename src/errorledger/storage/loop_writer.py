"""SQLite's writer: batches committed on the event loop's thread, made durable by an fsync of
the WAL on a helper thread before any caller is answered.

The transaction runs with ``synchronous=NORMAL``, so COMMIT does not wait for the disk; the
WAL is then fsynced on the helper thread and the futures resolve after that: exactly the
durability of ``synchronous=FULL``. The transaction is CPU work that needs the GIL anyway;
on a thread of its own it had to win the GIL back after every driver call while the
request handlers held it, and each batch took four times its CPU in wall time. The fsync is
the only real wait, and it does not need the GIL. While one fsync runs, what arrives queues
up and becomes the next batch, so under load each fsync carries every request that came in
meanwhile.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from errorledger.errors import StorageUnavailable
from errorledger.files import fsync, fsync_directory
from errorledger.storage.batches import Batches
from errorledger.storage.database import sqlite_path
from errorledger.storage.writes import Item, PendingEntry, Submitting, Ticket, admit, resolve

log = logging.getLogger(__name__)

# SQLite's own automatic checkpoint comes every 1,000 WAL pages; a batch writes a few pages
# per entry it carries.
CHECKPOINT_EVERY_BATCHES = 64
# A batch whose content is larger than this is committed on the helper thread instead of
# the loop: the size at which the request path moves its own work off the loop too
# (core.offload).
LARGE_BATCH_BYTES = 64 * 1024


class LoopWriter(Submitting):
    def __init__(self, engine: Engine, *, max_batch: int, max_queue: int) -> None:
        self._batches = Batches(engine)
        self._max_batch = max_batch
        self._max_queue = max_queue
        database = sqlite_path(engine.url)
        self._wal = database.with_name(database.name + "-wal")
        self._queue: list[Ticket] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._busy = False  # a batch is scheduled, committing or waiting for its fsync
        self._syncer: concurrent.futures.ThreadPoolExecutor | None = None
        self._checkpointer = _Checkpointer(database)

    def start(self) -> None:
        self._syncer = concurrent.futures.ThreadPoolExecutor(
            1, thread_name_prefix="errorledger-fsync"
        )
        fsync_directory(self._wal.parent)  # the WAL's directory entry must survive too

    def close(self) -> None:
        if self._syncer is None:
            return
        self._syncer.shutdown(wait=True)  # an fsync in flight completes
        self._syncer = None
        while self._queue:  # what is still queued is committed here, synchronously
            batch = self._take()
            results = self._batches.commit([t.item for t in batch])
            fsync(self._wal)
            resolve(batch, results)
        self._batches.close()
        self._checkpointer.close()

    def _submit(self, item: Item) -> asyncio.Future[Any]:
        if self._syncer is None:
            raise StorageUnavailable("the writer is not running")
        admit(len(self._queue), self._max_queue)
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._bind(loop)
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.append(Ticket(item, loop, future))
        if not self._busy:
            self._busy = True
            loop.call_soon(self._flush)
        return future

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Serve ``loop`` from now on: allowed once the previous loop is done with us."""
        previous = self._loop
        if previous is not None and not previous.is_closed() and self._busy:
            raise RuntimeError("the SQLite writer is serving another event loop")
        self._loop, self._busy = loop, False

    def _take(self) -> list[Ticket]:
        batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
        return batch

    def _flush(self) -> None:
        """On the loop: commit what is queued and hand it to the fsync thread. A batch
        carrying a large record (a 20,000-message import log) is committed on that thread
        instead, so that its inserts do not stall the loop."""
        if not self._queue or self._syncer is None:
            self._busy = False
            return
        batch = self._take()
        assert self._loop is not None
        if _content_bytes(batch) > LARGE_BATCH_BYTES:
            self._syncer.submit(self._commit_and_sync, self._loop, batch)
            return
        results = self._batches.commit([t.item for t in batch])
        self._syncer.submit(self._sync, self._loop, batch, results)

    def _commit_and_sync(self, loop: asyncio.AbstractEventLoop, batch: list[Ticket]) -> None:
        """On the fsync thread: what ``_flush`` does on the loop for a small batch."""
        self._sync(loop, batch, self._batches.commit([t.item for t in batch]))

    def _sync(
        self, loop: asyncio.AbstractEventLoop, batch: list[Ticket], results: list[Any]
    ) -> None:
        """On the fsync thread: make the batch durable, acknowledge it, then let the loop
        commit the next one. A checkpoint, when due, runs before that next commit, so it
        copies the whole WAL and the next transaction can start it over."""
        try:
            fsync(self._wal)
        except OSError:
            log.exception("fsync of the write-ahead log failed")
            # Committed but maybe not on disk: the client must not take it as stored.
            results = [StorageUnavailable("the write could not be made durable")] * len(batch)
        try:
            loop.call_soon_threadsafe(resolve, batch, results)
            self._checkpointer.after_sync()
            loop.call_soon_threadsafe(self._flush)
        except RuntimeError:  # the loop has closed; nobody is waiting any more
            log.warning("dropped %d write acknowledgements for a closed loop", len(batch))


def _content_bytes(batch: list[Ticket]) -> int:
    return sum(t.item.size for t in batch if isinstance(t.item, PendingEntry))


class _Checkpointer:
    """Copies the WAL into the database file every so many batches, on the fsync thread, so
    the loop never waits for a checkpoint's disk writes (the writer's connection has
    automatic checkpoints turned off)."""

    def __init__(self, database: Path) -> None:
        self._database = database
        self._conn: sqlite3.Connection | None = None
        self._batches = 0

    def after_sync(self) -> None:
        self._batches += 1
        if self._batches < CHECKPOINT_EVERY_BATCHES:
            return
        self._batches = 0
        if self._conn is None:
            self._conn = sqlite3.connect(self._database, check_same_thread=False)
        try:
            # PASSIVE never waits for readers; what it cannot copy now is copied next time.
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            log.warning("WAL checkpoint failed; retried later", exc_info=True)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
