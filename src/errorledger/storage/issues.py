"""Issues read back: keyset pages in three orders, one issue with its latest entry's facts,
its hourly counts, and its status changed by people (counting happens in the batch,
``issue_counts``)."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import Connection, Row, and_, select, tuple_, update

from errorledger.core.records import IssueCursor, IssueFilter, IssueRecord
from errorledger.storage.entries import contains_text
from errorledger.storage.tables import entries, issue_hours, issues

_decode_json = msgspec.json.Decoder().decode
SORTS = {
    "last_seen": issues.c.last_seen,
    "first_seen": issues.c.first_seen,
    "count": issues.c.count,
}
_WITH_FACTS = select(issues, entries.c.facts).outerjoin(
    entries, entries.c.id == issues.c.last_entry_id
)


def _record(row: Row[Any]) -> tuple[IssueRecord, dict[str, str]]:
    issue = IssueRecord(
        id=row.id,
        project_id=row.project_id,
        kind=row.kind,
        source=row.source,
        failure_class=row.failure_class,
        cause=row.cause,
        culprit=row.culprit,
        message=row.message,
        status=row.status,
        count=row._mapping["count"],  # row.count is the tuple method
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        last_entry_id=row.last_entry_id,
        regressed_at=row.regressed_at,
        status_changed_at=row.status_changed_at,
    )
    return issue, _decode_json(row.facts) if row.facts else {}


def search(
    conn: Connection,
    *,
    project_id: str,
    where: IssueFilter,
    after: IssueCursor | None,
    limit: int,
) -> list[tuple[IssueRecord, dict[str, str]]]:
    """A page in ``where.sort`` order, largest first, each with its latest entry's facts.
    Each order has an index that starts with the project (and one with the status, the
    list's usual filter), so a deep page costs what the first does."""
    key = SORTS[where.sort]
    query = _WITH_FACTS.where(issues.c.project_id == project_id)
    for column, wanted in (
        (issues.c.status, where.status),
        (issues.c.kind, where.kind),
        (issues.c.source, where.source),
        (issues.c.failure_class, where.failure_class),
    ):
        if wanted is not None:
            query = query.where(column == wanted)
    if where.text is not None:
        query = query.where(
            contains_text(where.text, issues.c.message, issues.c.culprit, issues.c.cause)
        )
    if after is not None:
        query = query.where(tuple_(key, issues.c.id) < tuple_(after.key, after.id))
    query = query.order_by(key.desc(), issues.c.id.desc()).limit(limit)
    return [_record(row) for row in conn.execute(query)]


def get(
    conn: Connection, *, project_id: str, issue_id: int
) -> tuple[IssueRecord, dict[str, str]] | None:
    row = conn.execute(
        _WITH_FACTS.where(and_(issues.c.id == issue_id, issues.c.project_id == project_id))
    ).first()
    return None if row is None else _record(row)


def hours(conn: Connection, *, issue_id: int, first: int, last: int) -> dict[int, int]:
    """Entries per hour (hours since the epoch), from ``first`` to ``last`` included."""
    rows = conn.execute(
        select(issue_hours.c.hour, issue_hours.c.count).where(
            issue_hours.c.issue_id == issue_id,
            issue_hours.c.hour >= first,
            issue_hours.c.hour <= last,
        )
    )
    return {int(hour): int(count) for hour, count in rows}


def set_status(conn: Connection, *, project_id: str, issue_id: int, status: str, at: int) -> bool:
    """False when the project has no such issue."""
    result = conn.execute(
        update(issues)
        .where(issues.c.id == issue_id, issues.c.project_id == project_id)
        .values(status=status, status_changed_at=at)
    )
    return bool(result.rowcount)
