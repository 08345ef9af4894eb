"""What a request hands the writer, and the writer's contract.

Request handlers hand the writer a ``PendingEntry`` (or a small ``WriteOp``) and await its
result. The writer takes everything queued, writes it in one transaction (``Batches``) and
answers each only once that transaction is durable (``LoopWriter`` on SQLite,
``ThreadWriter`` on PostgreSQL; ``writer.create_writer`` picks). Reads never go through here.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection

from errorledger.core.records import NewEntry, Placement
from errorledger.errors import ErrorledgerError, Overloaded

T = TypeVar("T")


@dataclasses.dataclass(slots=True)  # not frozen: see records.py
class PendingEntry:
    """An entry to store, with what must still be true when it commits: its key active,
    and the integration it names (if any) in its project.

    ``effect`` runs in the same transaction, after the insert, with the entry's placement:
    the projections some families keep (an import log's current state) change with the
    entry that records the change, or not at all. A domain error it raises fails this entry
    only.
    """

    entry: NewEntry
    integration_id: int | None = None
    effect: Callable[[Connection, Placement], None] | None = None

    @property
    def size(self) -> int:
        return len(self.entry.content_json)


@dataclasses.dataclass(frozen=True, slots=True)
class WriteOp:
    """Any other write that must be durable before the caller answers."""

    apply: Callable[[Connection], Any]


Item = PendingEntry | WriteOp


class Writer(Protocol):
    def start(self) -> None: ...

    def close(self) -> None:
        """Finish everything already queued, then stop."""

    async def append(self, entry: PendingEntry) -> Placement:
        """Store one entry durably; its id and leaf."""

    async def run(self, apply: Callable[[Connection], T]) -> T:
        """Run ``apply`` inside a batch transaction; its result once that is durable."""


@dataclasses.dataclass(slots=True)
class Ticket:
    """A queued item and the future its caller awaits, on the caller's loop."""

    item: Item
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


class Submitting:
    """``append`` and ``run`` on top of a ``_submit`` that returns the ticket's future."""

    async def append(self, entry: PendingEntry) -> Placement:
        placement: Placement = await self._submit(entry)
        return placement

    async def run(self, apply: Callable[[Connection], T]) -> T:
        result: T = await self._submit(WriteOp(apply))
        return result

    def _submit(self, item: Item) -> asyncio.Future[Any]:
        raise NotImplementedError


def admit(waiting: int, limit: int) -> None:
    """``Overloaded`` when ``waiting`` writes already wait for a writer that holds at most
    ``limit`` (``ERRORLEDGER_WRITE_QUEUE_MAX``): under a load the writer cannot take, a
    request is answered at once instead of waiting behind an ever longer queue."""
    if waiting >= limit:
        raise Overloaded()


def resolve(batch: list[Ticket], results: list[Any]) -> None:
    """On the tickets' loop: each future gets its result, or its domain error."""
    for ticket, result in zip(batch, results, strict=True):
        future = ticket.future
        if future.cancelled():
            continue
        if isinstance(result, ErrorledgerError):
            future.set_exception(result)
        else:
            future.set_result(result)
