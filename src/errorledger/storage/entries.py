"""Entries: reading them back, newest first, by id or uid, and storing them outside the
server's writer (the CLI and tests; the server stores through ``writer``).

Lists are keyset pages ordered by (occurred_at, id), so page 10,000 costs what page 1 does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, Connection, Row, func, or_, select, tuple_

from errorledger.core.records import (
    EntryCursor,
    EntryFilter,
    EntryRecord,
    Finding,
    NewEntry,
    Placement,
)
from errorledger.storage import dbapi
from errorledger.storage.batch import BatchStatements
from errorledger.storage.tables import entries

_decode_json = msgspec.json.Decoder().decode


def insert(conn: Connection, new: Sequence[NewEntry]) -> list[Placement]:
    """Store ``new`` in the caller's transaction, appended to their projects' logs."""
    statements = BatchStatements(conn)
    cursor = dbapi.cursor(conn)
    _, _, max_id = statements.check(cursor, [], [])
    return statements.store_entries(cursor, new, max_id=max_id)


def _record(row: Row[Any]) -> EntryRecord:
    return EntryRecord(
        id=row.id,
        uid=row.uid,
        project_id=row.project_id,
        kind=row.kind,
        source=row.source,
        received_at=row.received_at,
        occurred_at=row.occurred_at,
        status_code=row.status_code,
        message=row.message,
        url=row.url,
        fingerprint=row.fingerprint,
        leaf_index=row.leaf_index,
        leaf_hash=bytes(row.leaf_hash),
        content_sha256=row.content_sha256,
        protected=bool(row.protected),
        redactions=_findings(row.redactions),
        content=_decode_json(row.content),
        failure_class=row.failure_class,
        cause=row.cause,
        facts=_decode_json(row.facts),
        issue_id=row.issue_id,
    )


def _findings(text: str) -> list[Finding]:
    """The stored report. Entries stored before reports named rules (migration 0004) hold
    bare pointers: their rule is "unrecorded"."""
    return [
        Finding(item, "unrecorded", 1)
        if isinstance(item, str)
        else Finding(item["pointer"], item["rule"], item["count"])
        for item in _decode_json(text)
    ]


def get(
    conn: Connection, *, project_id: str, kind: str | None, entry_id: int, source: str | None
) -> EntryRecord | None:
    query = select(entries).where(entries.c.id == entry_id, entries.c.project_id == project_id)
    if kind is not None:
        query = query.where(entries.c.kind == kind)
    if source is not None:
        query = query.where(entries.c.source == source)
    row = conn.execute(query).first()
    return None if row is None else _record(row)


def get_by_uid(
    conn: Connection, *, project_id: str, kind: str, uid: str, source: str
) -> EntryRecord | None:
    row = conn.execute(
        select(entries).where(
            entries.c.uid == uid,
            entries.c.project_id == project_id,
            entries.c.kind == kind,
            entries.c.source == source,
        )
    ).first()
    return None if row is None else _record(row)


def count(conn: Connection, *, project_id: str | None = None) -> int:
    query = select(func.count()).select_from(entries)
    if project_id is not None:
        query = query.where(entries.c.project_id == project_id)
    return int(conn.execute(query).scalar_one())


def search(
    conn: Connection,
    *,
    project_id: str,
    where: EntryFilter,
    after: EntryCursor | None,
    limit: int,
) -> list[EntryRecord]:
    """Every kind, newest first by (occurred_at, id), filtered; keyset-paginated."""
    query = select(entries).where(entries.c.project_id == project_id)
    if where.kinds is not None:
        query = query.where(entries.c.kind.in_(list(where.kinds)))
    if where.source is not None:
        query = query.where(entries.c.source == where.source)
    if where.since is not None:
        query = query.where(entries.c.occurred_at >= where.since)
    if where.until is not None:
        query = query.where(entries.c.occurred_at < where.until)
    if where.status_code is not None:
        query = query.where(entries.c.status_code == where.status_code)
    if where.issue_id is not None:
        query = query.where(entries.c.issue_id == where.issue_id)
    if where.failure_class is not None:
        query = query.where(entries.c.failure_class == where.failure_class)
    if where.text is not None:
        query = query.where(contains_text(where.text, entries.c.message, entries.c.url))
    if after is not None:
        query = query.where(
            tuple_(entries.c.occurred_at, entries.c.id) < tuple_(after.occurred_at, after.id)
        )
    query = query.order_by(entries.c.occurred_at.desc(), entries.c.id.desc()).limit(limit)
    return [_record(row) for row in conn.execute(query)]


def contains_text(text: str, *columns: ColumnElement[Any]) -> ColumnElement[bool]:
    """One of ``columns`` holds ``text``, in any case, its ``%`` and ``_`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))
