"""One batch of writes in one transaction, on one kept connection.

Preconditions that must hold at commit time are checked inside the transaction: the key
must still be active (revocation takes effect at once, even for writes already queued) and
the integration an entry names must exist in the key's project. Each item gets its result
or its error, and one bad item cannot fail its neighbours.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from sqlalchemy import Connection, Engine

from errorledger.errors import (
    AuthenticationFailed,
    ErrorledgerError,
    NotFound,
    StorageUnavailable,
    Unstorable,
)
from errorledger.storage import dbapi
from errorledger.storage.batch import BatchStatements
from errorledger.storage.database import is_data_error
from errorledger.storage.writes import Item, PendingEntry, WriteOp

log = logging.getLogger(__name__)


class Batches:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self._statements: BatchStatements

    def commit(self, items: list[Item]) -> list[Any]:
        """Each item's result (a placement, an operation's value) or its domain error."""
        try:
            return self._transaction(items)
        except ErrorledgerError as exc:
            if len(items) == 1:
                return [exc]
        except Exception as exc:
            if len(items) == 1:
                return [_failure(exc)]
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
                cursor = dbapi.cursor(conn)
                accepted, max_id = self._check_preconditions(cursor, items, results)
                placements = self._statements.store_entries(
                    cursor, [pending.entry for _, pending in accepted], max_id=max_id
                )
                for (index, pending), placement in zip(accepted, placements, strict=True):
                    if pending.effect is not None:
                        pending.effect(conn, placement)
                    results[index] = placement
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
            {item.entry.key_id for _, item in pending},
            {item.integration_id for _, item in pending if item.integration_id is not None},
        )
        accepted = []
        for index, item in pending:
            if item.entry.key_id not in active:
                results[index] = AuthenticationFailed("The key was revoked.")
            elif item.integration_id is not None and (
                (item.entry.project_id, item.integration_id) not in present
            ):
                results[index] = NotFound("Integration")
            else:
                accepted.append((index, item))
        return accepted, max_id


def _failure(exc: Exception) -> ErrorledgerError:
    """What one write that failed on its own is answered: a 400 when the database refused a
    value (validation should have: worth a line, not a retry), else a 503."""
    if is_data_error(exc):
        log.warning("a write held a value the database refused: %s", exc)
        return Unstorable("body")
    log.error("write failed", exc_info=exc)
    return StorageUnavailable("the write could not be committed")
