"""The read path: pages and single entries of the caller's project, off the event loop."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import TypeVar

from anyio import to_thread
from sqlalchemy import Connection, Engine

from errorledger.core.authn import Principal
from errorledger.core.cursor import decode_cursor, split_page
from errorledger.core.entries import EntryKind
from errorledger.core.ratelimit import RateLimiter
from errorledger.core.records import EntryCursor, EntryFilter, EntryRecord
from errorledger.errors import AuthenticationFailed, ErrorledgerError, NotFound, Unstorable
from errorledger.storage import accounts as stored_accounts
from errorledger.storage import entries as stored_entries
from errorledger.storage.database import is_data_error

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class Page:
    entries: list[EntryRecord]
    next_cursor: str | None


class EntryQuery:
    def __init__(self, engine: Engine, limiter: RateLimiter) -> None:
        self._engine = engine
        self._limiter = limiter

    async def page(
        self,
        principal: Principal,
        *,
        kind: EntryKind,
        source: str | None,
        cursor: str | None,
        page_size: int,
        integration_id: int | None = None,
    ) -> Page:
        """A newest-first page. With ``integration_id`` that integration must be the caller's."""
        principal.require("read")
        after = None if cursor is None else decode_cursor(cursor)

        def read(conn: Connection) -> list[EntryRecord]:
            if integration_id is not None:
                _require_integration(conn, principal, integration_id)
            return stored_entries.search(
                conn,
                project_id=principal.project_id,
                where=EntryFilter(kinds=[kind.value], source=source),
                after=after,
                limit=page_size + 1,
            )

        return page_of(await self._read(principal, read), page_size)

    async def search(
        self, principal: Principal, *, where: EntryFilter, cursor: str | None, page_size: int
    ) -> Page:
        """A newest-first page of every kind in the caller's project, filtered."""
        principal.require("read")
        after = None if cursor is None else decode_cursor(cursor)
        rows = await self._read(
            principal,
            lambda conn: stored_entries.search(
                conn,
                project_id=principal.project_id,
                where=where,
                after=after,
                limit=page_size + 1,
            ),
        )
        return page_of(rows, page_size)

    async def get(
        self,
        principal: Principal,
        *,
        kind: EntryKind | None,
        entry_id: int,
        source: str | None,
        integration_id: int | None = None,
    ) -> EntryRecord:
        """One entry of the caller's project; of ``kind`` (and ``source``) when given."""
        principal.require("read")

        def read(conn: Connection) -> EntryRecord | None:
            if integration_id is not None:
                _require_integration(conn, principal, integration_id)
            return stored_entries.get(
                conn,
                project_id=principal.project_id,
                kind=None if kind is None else kind.value,
                entry_id=entry_id,
                source=source,
            )

        entry = await self._read(principal, read)
        if entry is None:
            raise NotFound("Log")
        return entry

    async def get_by_uid(
        self, principal: Principal, *, kind: EntryKind, uid: str, source: str
    ) -> EntryRecord:
        principal.require("read")
        entry = await self._read(
            principal,
            lambda conn: stored_entries.get_by_uid(
                conn, project_id=principal.project_id, kind=kind.value, uid=uid, source=source
            ),
        )
        if entry is None:
            raise NotFound("Record")
        return entry

    async def read(self, principal: Principal, read: Callable[[Connection], T]) -> T:
        """Any other read of the caller's project, in the same guarded transaction."""
        principal.require("read")
        return await self._read(principal, read)

    async def _read(self, principal: Principal, read: Callable[[Connection], T]) -> T:
        """Run ``read`` in one read transaction on a worker thread, after checking that the
        caller's key is still active in that same transaction."""
        await self._limiter.hit(principal.key_id, "read")

        def run() -> T:
            with self._engine.connect() as conn:
                if not stored_accounts.active_key_ids(conn, [principal.key_id]):
                    raise AuthenticationFailed("The key was revoked.")
                return read(conn)

        try:
            return await to_thread.run_sync(run)
        except ErrorledgerError:
            raise
        except Exception as exc:
            if is_data_error(exc):  # a parameter validation let through
                log.warning("a read held a value the database refused: %s", exc)
                raise Unstorable("query") from None
            raise


def page_of(rows: list[EntryRecord], page_size: int) -> Page:
    """``rows`` holds up to ``page_size + 1``: one more means there is a next page."""
    return Page(*split_page(rows, page_size, lambda last: EntryCursor(last.occurred_at, last.id)))


def _require_integration(conn: Connection, principal: Principal, integration_id: int) -> None:
    found = stored_accounts.get_integration(
        conn, project_id=principal.project_id, integration_id=integration_id
    )
    if found is None:
        raise NotFound("Integration")
