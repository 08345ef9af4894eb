"""The group-commit batch's statements, run on the DB-API cursor.

Every batch runs these few statements. Through SQLAlchemy's Core each one cost more Python
than the rows it carried (cache keys, expanding IN parameters, result objects), and the
writer thread has to hold the GIL for all of it, which the request handlers then wait for.
At the DB-API level a batch is a handful of driver calls. The SQL is plain and portable:
only the parameter marker and the id allocation differ between SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Connection

from errorledger.storage.sequencing import Sequencer
from errorledger.storage.tables import entries

ENTRY_COLUMNS = tuple(column.name for column in entries.columns)
_INSERT_CHUNK = 1000  # rows per statement: 18 columns stay under every driver's parameter cap


class BatchStatements:
    """The writer's statements for one database; ``cursor`` gives the cursor to run them on."""

    def __init__(self, conn: Connection) -> None:
        self._sqlite = conn.dialect.name == "sqlite"
        self._marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        self._row = "(" + ", ".join([self._marker] * len(ENTRY_COLUMNS)) + ")"
        self._insert = f"INSERT INTO entries ({', '.join(ENTRY_COLUMNS)}) VALUES "
        self._sequencer = Sequencer(postgres=not self._sqlite)

    @staticmethod
    def cursor(conn: Connection) -> Any:
        """A DB-API cursor inside ``conn``'s current transaction."""
        return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]

    def _markers(self, count: int) -> str:
        return ", ".join([self._marker] * count) if count else "NULL"

    def check(
        self, cursor: Any, key_ids: Collection[str], integration_ids: Collection[int]
    ) -> tuple[set[str], set[tuple[str, int]], int | None]:
        """Which keys are active, which integrations exist (with their project), and, on
        SQLite, the largest entry id: one statement, since each statement costs the writer
        a wait for the GIL."""
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
        self, cursor: Any, rows: Sequence[dict[str, Any]], *, max_id: int | None
    ) -> None:
        """Give each row (``content`` and ``redactions`` already JSON text,
        ``content_sha256`` set) its ``id``, its leaf in its project's log, and insert it.
        ``max_id`` is what ``check`` read (SQLite only)."""
        if not rows:
            return
        ids = self.allocate_entry_ids(cursor, len(rows), max_id=max_id)
        for row, entry_id in zip(rows, ids, strict=True):
            row["id"] = entry_id
        self._sequencer.sequence(cursor, rows)
        self._insert_rows(cursor, rows)

    def _insert_rows(self, cursor: Any, rows: Sequence[dict[str, Any]]) -> None:
        """One multi-row INSERT per chunk, not a statement per row: each statement is a
        trip through the driver."""
        others = ENTRY_COLUMNS[1:]
        for start in range(0, len(rows), _INSERT_CHUNK):
            chunk = rows[start : start + _INSERT_CHUNK]
            params: list[Any] = []
            for row in chunk:
                params.append(row["id"])
                params.extend([row[name] for name in others])
            cursor.execute(self._insert + ", ".join([self._row] * len(chunk)), tuple(params))
