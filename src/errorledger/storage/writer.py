"""The single write path: one writer thread per process, group commit.

Request handlers hand the writer a ``PendingEntry`` (or a small write operation) and await a
future. The thread takes everything queued, writes it in one transaction, commits, and only
then resolves the futures, so an acknowledged write has reached the disk. While one batch
commits the next one queues up; under load each fsync carries hundreds of entries. Reads
never go through here and never wait for it.

Preconditions that must hold at commit time are checked inside the batch transaction: the
key must still be active (revocation takes effect at once, even for writes already queued)
and the integration an entry names must exist in the key's project.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

from errorledger.errors import (
    AuthenticationFailed,
    ErrorledgerError,
    NotFound,
    StorageUnavailable,
)
from errorledger.storage.batch import BatchStatements

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class PendingEntry:
    """An entry row ready to insert, with what must still be true when it commits."""

    row: dict[str, Any]
    key_id: str
    integration_id: int | None = None


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


class GroupCommitWriter:
    def __init__(self, engine: Engine, *, max_batch: int) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Ticket | None] = queue.SimpleQueue()  # None: stop
        self._thread: threading.Thread | None = None
        self._conn: Connection | None = None
        self._statements: BatchStatements

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="errorledger-writer", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Finish everything already queued, then stop the thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def append(self, entry: PendingEntry) -> int:
        """Store one entry durably and return its id."""
        return int(await self._submit(entry))

    async def run(self, apply: Callable[[Connection], T]) -> T:
        """Run ``apply`` inside the next batch transaction and return what it returned."""
        result: T = await self._submit(WriteOp(apply))
        return result

    def _submit(self, item: Item) -> asyncio.Future[Any]:
        if self._thread is None:
            raise StorageUnavailable("the writer is not running")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.put(_Ticket(item, loop, future))
        return future

    # the writer thread ------------------------------------------------------------------------

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
            self._deliver(batch, self._commit(batch))

    def _commit(self, batch: list[_Ticket]) -> list[Any]:
        try:
            return self._transaction([ticket.item for ticket in batch])
        except ErrorledgerError as exc:
            if len(batch) == 1:
                return [exc]
        except Exception:
            if len(batch) == 1:
                log.exception("write failed")
                return [StorageUnavailable("the write could not be committed")]
        # One bad item must not fail its neighbours: retry each in a transaction of its own.
        return [self._commit([ticket])[0] for ticket in batch]

    def _connection(self) -> Connection:
        """The writer's connection, kept from batch to batch; a new one after a failure."""
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
                ids = self._statements.insert_entries(cursor, rows, max_id=max_id)
                for (index, _), entry_id in zip(accepted, ids, strict=True):
                    results[index] = entry_id
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

    @staticmethod
    def _deliver(batch: list[_Ticket], results: list[Any]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any]]]
        by_loop = defaultdict(list)
        for ticket, result in zip(batch, results, strict=True):
            by_loop[ticket.loop].append((ticket.future, result))
        for loop, outcomes in by_loop.items():
            try:
                loop.call_soon_threadsafe(_resolve, outcomes)
            except RuntimeError:  # that loop has closed; nobody is waiting any more
                log.warning("dropped %d write acknowledgements for a closed loop", len(outcomes))


def _resolve(outcomes: list[tuple[asyncio.Future[Any], Any]]) -> None:
    for future, result in outcomes:
        if future.cancelled():
            continue
        if isinstance(result, ErrorledgerError):
            future.set_exception(result)
        else:
            future.set_result(result)
