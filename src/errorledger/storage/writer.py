"""The single write path of a process: group commit, with the 2xx sent only once durable.

Request handlers hand the writer a ``PendingEntry`` (or a small write operation) and await a
future. The writer takes everything queued, writes it in one transaction and resolves the
futures only once that transaction is durable. Reads never go through here.

Preconditions that must hold at commit time are checked inside the batch transaction: the
key must still be active (revocation takes effect at once, even for writes already queued)
and the integration an entry names must exist in the key's project.

Two schedules, one batch (``Batches``):

- ``LoopWriter`` (SQLite): the transaction runs on the event loop's own thread, with
  ``synchronous=NORMAL`` so COMMIT does not wait for the disk; the WAL is then fsynced on a
  helper thread and the futures resolve after that. The transaction is CPU work that needs
  the GIL anyway; on a thread of its own it had to win the GIL back after every driver call
  while the request handlers held it, and each batch took four times its CPU in wall time.
  The fsync is the only real wait, and it does not need the GIL.
- ``ThreadWriter`` (PostgreSQL): a thread runs the transactions, because there every
  statement is a round trip to the server, and the event loop must not wait for those.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import logging
import os
import queue
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Engine

from errorledger.errors import (
    AuthenticationFailed,
    ErrorledgerError,
    NotFound,
    StorageUnavailable,
    Unstorable,
)
from errorledger.storage.batch import BatchStatements
from errorledger.storage.database import is_data_error, is_sqlite, sqlite_path

T = TypeVar("T")
log = logging.getLogger(__name__)

# SQLite's own automatic checkpoint comes every 1,000 WAL pages; a batch writes a few pages
# per entry it carries.
CHECKPOINT_EVERY_BATCHES = 64
# A batch whose content is larger than this is committed off the event loop (LoopWriter):
# the size at which the request path moves its own work off the loop too (core.offload).
LARGE_BATCH_BYTES = 64 * 1024


@dataclasses.dataclass(frozen=True, slots=True)
class PendingEntry:
    """An entry row ready to insert, with what must still be true when it commits.

    ``effect`` runs in the same transaction, after the insert, with the new entry's id: the
    projections some families keep (an import log's current state) change with the entry
    that records the change, or not at all. A domain error it raises fails this entry only.
    """

    row: dict[str, Any]
    key_id: str
    integration_id: int | None = None
    effect: Callable[[Connection, int], None] | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class WriteOp:
    """Any other write that must be durable before the caller answers."""

    apply: Callable[[Connection], Any]


Item = PendingEntry | WriteOp


@dataclasses.dataclass(slots=True)
class _Ticket:
    item: Item
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


class Writer(Protocol):
    def start(self) -> None: ...

    def close(self) -> None:
        """Finish everything already queued, then stop."""

    async def append(self, entry: PendingEntry) -> int:
        """Store one entry durably and return its id."""

    async def run(self, apply: Callable[[Connection], T]) -> T:
        """Run ``apply`` inside a batch transaction; its result once that is durable."""


def create_writer(engine: Engine, *, max_batch: int) -> Writer:
    if is_sqlite(engine.url):
        return LoopWriter(engine, max_batch=max_batch)
    return ThreadWriter(engine, max_batch=max_batch)


class Batches:
    """Runs batches of items in transactions on one kept connection; each item gets its
    result or its error, and one bad item cannot fail its neighbours."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self._statements: BatchStatements

    def commit(self, items: list[Item]) -> list[Any]:
        try:
            return self._transaction(items)
        except ErrorledgerError as exc:
            if len(items) == 1:
                return [exc]
        except Exception as exc:
            if len(items) == 1:
                if is_data_error(exc):
                    # Validation should have refused it: worth a line, not a retry.
                    log.warning("a write held a value the database refused: %s", exc)
                    return [Unstorable("body")]
                log.exception("write failed")
                return [StorageUnavailable("the write could not be committed")]
        # Retry each in a transaction of its own.
        return [self.commit([item])[0] for item in items]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> Connection:
        """The kept connection; a new one after a failure."""
        if self._conn is None:
            self._conn = self._engine.connect()
            self._statements = BatchStatements(self._conn)
        return self._conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.invalidate()
                self._conn.close()
            self._conn = None

    def _transaction(self, items: list[Item]) -> list[Any]:
        results: list[Any] = [None] * len(items)
        conn = self._connection()
        try:
            with conn.begin():
                cursor = self._statements.cursor(conn)
                accepted, max_id = self._check_preconditions(cursor, items, results)
                rows = [entry.row for _, entry in accepted]
                self._statements.store_entries(cursor, rows, max_id=max_id)
                for index, entry in accepted:
                    if entry.effect is not None:
                        entry.effect(conn, entry.row["id"])
                    results[index] = entry.row["id"]
                for index, item in enumerate(items):
                    if isinstance(item, WriteOp):
                        results[index] = item.apply(conn)
        except ErrorledgerError:
            raise
        except Exception:
            self._drop_connection()  # it may be broken; the next batch reconnects
            raise
        return results

    def _check_preconditions(
        self, cursor: Any, items: list[Item], results: list[Any]
    ) -> tuple[list[tuple[int, PendingEntry]], int | None]:
        """The entries that may be inserted, with their indices (rejected ones get their
        error in ``results``), and what ``BatchStatements.check`` read of the entry ids."""
        pending = [(i, item) for i, item in enumerate(items) if isinstance(item, PendingEntry)]
        if not pending:
            return [], None
        active, present, max_id = self._statements.check(
            cursor,
            {item.key_id for _, item in pending},
            {item.integration_id for _, item in pending if item.integration_id is not None},
        )
        accepted = []
        for index, item in pending:
            if item.key_id not in active:
                results[index] = AuthenticationFailed("The key was revoked.")
            elif item.integration_id is not None and (
                (item.row["project_id"], item.integration_id) not in present
            ):
                results[index] = NotFound("Integration")
            else:
                accepted.append((index, item))
        return accepted, max_id


class _Submitting:
    """``append`` and ``run`` on top of a ``_submit`` that returns the ticket's future."""

    async def append(self, entry: PendingEntry) -> int:
        return int(await self._submit(entry))

    async def run(self, apply: Callable[[Connection], T]) -> T:
        result: T = await self._submit(WriteOp(apply))
        return result

    def _submit(self, item: Item) -> asyncio.Future[Any]:
        raise NotImplementedError


class LoopWriter(_Submitting):
    """SQLite: batches committed on the event loop's thread, made durable by an fsync of the
    WAL on a helper thread. While one fsync runs, what arrives queues up and becomes the
    next batch, so under load each fsync carries every request that came in meanwhile."""

    def __init__(self, engine: Engine, *, max_batch: int) -> None:
        self._batches = Batches(engine)
        self._max_batch = max_batch
        database = sqlite_path(engine.url)
        self._wal = database.with_name(database.name + "-wal")
        self._queue: list[_Ticket] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._busy = False  # a batch is scheduled, committing or waiting for its fsync
        self._syncer: concurrent.futures.ThreadPoolExecutor | None = None
        self._checkpointer = _Checkpointer(database)

    def start(self) -> None:
        self._syncer = concurrent.futures.ThreadPoolExecutor(
            1, thread_name_prefix="errorledger-fsync"
        )
        _fsync_directory(self._wal.parent)  # the WAL's directory entry must survive too

    def close(self) -> None:
        if self._syncer is None:
            return
        self._syncer.shutdown(wait=True)  # an fsync in flight completes
        self._syncer = None
        while self._queue:  # what is still queued is committed here, synchronously
            batch = self._take()
            results = self._batches.commit([t.item for t in batch])
            _fsync(self._wal)
            _resolve(batch, results)
        self._batches.close()
        self._checkpointer.close()

    def _submit(self, item: Item) -> asyncio.Future[Any]:
        if self._syncer is None:
            raise StorageUnavailable("the writer is not running")
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._bind(loop)
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.append(_Ticket(item, loop, future))
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

    def _take(self) -> list[_Ticket]:
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

    def _commit_and_sync(self, loop: asyncio.AbstractEventLoop, batch: list[_Ticket]) -> None:
        """On the fsync thread: what ``_flush`` does on the loop for a small batch."""
        self._sync(loop, batch, self._batches.commit([t.item for t in batch]))

    def _sync(
        self, loop: asyncio.AbstractEventLoop, batch: list[_Ticket], results: list[Any]
    ) -> None:
        """On the fsync thread: make the batch durable, acknowledge it, then let the loop
        commit the next one. A checkpoint, when due, runs before that next commit, so it
        copies the whole WAL and the next transaction can start it over."""
        try:
            _fsync(self._wal)
        except OSError:
            log.exception("fsync of the write-ahead log failed")
            # Committed but maybe not on disk: the client must not take it as stored.
            results = [StorageUnavailable("the write could not be made durable")] * len(batch)
        try:
            loop.call_soon_threadsafe(_resolve, batch, results)
            self._checkpointer.after_sync()
            loop.call_soon_threadsafe(self._flush)
        except RuntimeError:  # the loop has closed; nobody is waiting any more
            log.warning("dropped %d write acknowledgements for a closed loop", len(batch))


class ThreadWriter(_Submitting):
    """PostgreSQL: one thread takes everything queued and commits it as one batch."""

    def __init__(self, engine: Engine, *, max_batch: int) -> None:
        self._batches = Batches(engine)
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Ticket | None] = queue.SimpleQueue()  # None: stop
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
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.put(_Ticket(item, loop, future))
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
            self._deliver(batch, self._batches.commit([t.item for t in batch]))

    @staticmethod
    def _deliver(batch: list[_Ticket], results: list[Any]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, tuple[list[_Ticket], list[Any]]]
        by_loop = defaultdict(lambda: ([], []))
        for ticket, result in zip(batch, results, strict=True):
            tickets, outcomes = by_loop[ticket.loop]
            tickets.append(ticket)
            outcomes.append(result)
        for loop, (tickets, outcomes) in by_loop.items():
            try:
                loop.call_soon_threadsafe(_resolve, tickets, outcomes)
            except RuntimeError:  # that loop has closed; nobody is waiting any more
                log.warning("dropped %d write acknowledgements for a closed loop", len(tickets))


def _content_bytes(batch: list[_Ticket]) -> int:
    return sum(len(t.item.row["content"]) for t in batch if isinstance(t.item, PendingEntry))


def _resolve(batch: list[_Ticket], results: list[Any]) -> None:
    for ticket, result in zip(batch, results, strict=True):
        future = ticket.future
        if future.cancelled():
            continue
        if isinstance(result, ErrorledgerError):
            future.set_exception(result)
        else:
            future.set_result(result)


def _fsync(path: Path) -> None:
    # fsync flushes the file, whichever descriptor wrote it: SQLite's own stay untouched.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system can sync a directory
        _fsync(path)


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
