"""Import logs (seed 003) as they stand now: a projection of the entries that created and
updated them, written in the same transactions as those entries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy import Connection, Row, func, insert, select, update

from errorledger.core.records import ImportLogMessage, ImportLogRecord
from errorledger.storage.tables import import_log_messages, import_logs

_decode_json = msgspec.json.Decoder().decode

_encode_json = msgspec.json.Encoder().encode


def _import_log_from_row(row: Row[Any]) -> ImportLogRecord:
    return ImportLogRecord(
        id=row.id,
        project_id=row.project_id,
        api_reference_id=row.api_reference_id,
        status=row.status,
        created_at=row.created_at,
        error_count=row.error_count,
        warning_count=row.warning_count,
    )


def insert_import_log(conn: Connection, record: ImportLogRecord) -> None:
    conn.execute(
        insert(import_logs).values(
            id=record.id,
            project_id=record.project_id,
            api_reference_id=record.api_reference_id,
            status=record.status,
            created_at=record.created_at,
            updated_at=record.created_at,
            error_count=0,
            warning_count=0,
        )
    )


def get_import_log(
    conn: Connection, *, project_id: str, api_reference_id: str, log_id: str
) -> ImportLogRecord | None:
    row = conn.execute(
        select(import_logs).where(
            import_logs.c.id == log_id,
            import_logs.c.project_id == project_id,
            import_logs.c.api_reference_id == api_reference_id,
        )
    ).first()
    return None if row is None else _import_log_from_row(row)


def update_import_log(
    conn: Connection,
    log_id: str,
    *,
    status: str | None,
    updated_at: int,
    errors: Sequence[ImportLogMessage],
    warnings: Sequence[ImportLogMessage],
) -> None:
    """Set the status (when given) and append messages, counts included."""
    counts = {"error": len(errors), "warning": len(warnings)}
    for severity, messages in (("error", errors), ("warning", warnings)):
        if not messages:
            continue
        start = conn.execute(
            select(func.count())
            .select_from(import_log_messages)
            .where(
                import_log_messages.c.log_id == log_id,
                import_log_messages.c.severity == severity,
            )
        ).scalar_one()
        conn.execute(
            insert(import_log_messages),
            [
                {
                    "log_id": log_id,
                    "severity": severity,
                    "seq": start + offset,
                    "code": m.code,
                    "message": m.message,
                    "path": m.path,
                    "details": None if m.details is None else _encode_json(m.details).decode(),
                }
                for offset, m in enumerate(messages)
            ],
        )
    values: dict[str, Any] = {
        "updated_at": updated_at,
        "error_count": import_logs.c.error_count + counts["error"],
        "warning_count": import_logs.c.warning_count + counts["warning"],
    }
    if status is not None:
        values["status"] = status
    conn.execute(update(import_logs).where(import_logs.c.id == log_id).values(**values))


def list_import_logs(
    conn: Connection, *, project_id: str, api_reference_id: str, offset: int, limit: int
) -> list[ImportLogRecord]:
    rows = conn.execute(
        select(import_logs)
        .where(
            import_logs.c.project_id == project_id,
            import_logs.c.api_reference_id == api_reference_id,
        )
        .order_by(import_logs.c.created_at.desc(), import_logs.c.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [_import_log_from_row(row) for row in rows]


def import_log_messages_of(
    conn: Connection, log_id: str
) -> tuple[list[ImportLogMessage], list[ImportLogMessage]]:
    """The errors and the warnings of an import log, each in the order reported."""
    found: dict[str, list[ImportLogMessage]] = {"error": [], "warning": []}
    rows = conn.execute(
        select(import_log_messages)
        .where(import_log_messages.c.log_id == log_id)
        .order_by(import_log_messages.c.severity, import_log_messages.c.seq)
    )
    for row in rows:
        found[row.severity].append(
            ImportLogMessage(
                code=row.code,
                message=row.message,
                path=row.path,
                details=None if row.details is None else _decode_json(row.details),
            )
        )
    return found["error"], found["warning"]
