"""The group-commit batch's statements, run on the DB-API cursor (``dbapi``).

Every batch runs these few statements; at the DB-API level a batch is a handful of driver
calls. The SQL is plain and portable: only the parameter marker and the id allocation
differ between SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Collection, Sequence
from typing import Any

from sqlalchemy import Connection

from errorledger.core.records import NewEntry, Placement
from errorledger.storage import dbapi
from errorledger.storage.issue_counts import IssueCounts
from errorledger.storage.sequencing import Sequencer
from errorledger.storage.tables import entries

_INSERT_CHUNK = 1000  # rows per statement: 22 columns stay under every driver's parameter cap
# Where each column's value comes from: the entry, or what storage assigned it.
_FROM_PLACEMENT = {
    "id": "id",
    "leaf_index": "leaf_index",
    "leaf_hash": "leaf_hash",
    "issue_id": "issue_id",
}
_FROM_ENTRY = {"content": "content_json", "redactions": "redactions_json", "facts": "facts_json"}
COLUMNS = tuple(column.name for column in entries.columns)
_VALUES: list[tuple[bool, Callable[[Any], Any]]] = [
    (
        name in _FROM_PLACEMENT,
        operator.attrgetter(_FROM_PLACEMENT.get(name) or _FROM_ENTRY.get(name, name)),
    )
    for name in COLUMNS
]


class BatchStatements:
    """The writer's statements for one database, run on a cursor of the batch's
    transaction."""

    def __init__(self, conn: Connection) -> None:
        self._sqlite = not dbapi.is_postgres(conn)
        self._marker = dbapi.marker(conn)
        self._row = "(" + ", ".join([self._marker] * len(COLUMNS)) + ")"
        self._insert = f"INSERT INTO entries ({', '.join(COLUMNS)}) VALUES "
        self._sequencer = Sequencer(postgres=not self._sqlite)
        self._issues = IssueCounts(self._marker)

    def _markers(self, count: int) -> str:
        return ", ".join([self._marker] * count) if count else "NULL"

    def check(
        self, cursor: Any, key_ids: Collection[str], integration_ids: Collection[int]
    ) -> tuple[set[str], set[tuple[str, int]], int | None]:
        """Which keys are active, which integrations exist (with their project), and, on
        SQLite, the largest entry id: one statement, since each statement is a trip through
        the driver with the GIL held."""
        parts = [
            "SELECT 'k', key_id, NULL FROM api_keys WHERE revoked_at IS NULL"
            f" AND key_id IN ({self._markers(len(key_ids))})"
        ]
        params: list[Any] = list(key_ids)
        if integration_ids:
            parts.append(
                "SELECT 'i', project_id, id FROM integrations"
                f" WHERE id IN ({self._markers(len(integration_ids))})"
            )
            params.extend(integration_ids)
        if self._sqlite:
            parts.append("SELECT 'm', NULL, coalesce(max(id), 0) FROM entries")
        cursor.execute(" UNION ALL ".join(parts), tuple(params))
        keys: set[str] = set()
        integrations: set[tuple[str, int]] = set()
        max_id = None
        for tag, text, number in cursor.fetchall():
            if tag == "k":
                keys.add(text)
            elif tag == "i":
                integrations.add((text, int(number)))
            else:
                max_id = int(number)
        return keys, integrations, max_id

    def allocate_entry_ids(self, cursor: Any, count: int, *, max_id: int | None) -> list[int]:
        """Ids for ``count`` new entries, in order.

        On SQLite the caller holds the database's write lock (``BEGIN IMMEDIATE``) and has
        read the largest id under it, so the ids after it are ours; on PostgreSQL the
        sequence hands out a block.
        """
        if self._sqlite:
            assert max_id is not None
            return list(range(max_id + 1, max_id + 1 + count))
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('entries', 'id')) FROM generate_series(1, %s)",
            (count,),
        )
        return [int(row[0]) for row in cursor.fetchall()]

    def store_entries(
        self, cursor: Any, new: Sequence[NewEntry], *, max_id: int | None
    ) -> list[Placement]:
        """Give each entry its id, its issue and its leaf in its project's log, insert them,
        and return what they were given, in order. ``max_id`` is what ``check`` read
        (SQLite)."""
        if not new:
            return []
        ids = self.allocate_entry_ids(cursor, len(new), max_id=max_id)
        issue_ids = self._issues.count(cursor, new, ids)
        placements = [
            dataclasses.replace(placement, issue_id=issue_id)
            for placement, issue_id in zip(
                self._sequencer.sequence(cursor, list(zip(ids, new, strict=True))),
                issue_ids,
                strict=True,
            )
        ]
        self._insert_rows(cursor, new, placements)
        return placements

    def _insert_rows(
        self, cursor: Any, new: Sequence[NewEntry], placements: Sequence[Placement]
    ) -> None:
        """One multi-row INSERT per chunk, not a statement per row."""
        for start in range(0, len(new), _INSERT_CHUNK):
            end = start + _INSERT_CHUNK
            params: list[Any] = []
            for entry, placement in zip(new[start:end], placements[start:end], strict=True):
                params.extend(get(placement if assigned else entry) for assigned, get in _VALUES)
            count = len(new[start:end])
            cursor.execute(self._insert + ", ".join([self._row] * count), tuple(params))
