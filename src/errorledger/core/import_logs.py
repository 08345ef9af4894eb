"""Import logs (seed 003): an import's status, errors and warnings as it runs.

Every report, the first and each update, is an entry like any other (searchable, in the
transparency log); the log's current state is kept beside the entries, in the transaction
that stores the report that changed it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Connection

from errorledger.core.authn import Principal
from errorledger.core.entries import EntryDraft, EntryKind
from errorledger.core.ingest import Ingestor
from errorledger.core.query import EntryQuery
from errorledger.core.records import EntryRecord, ImportLogMessage, ImportLogRecord
from errorledger.errors import NotFound
from errorledger.storage import import_logs as stored_import_logs

MAX_OFFSET = 2**62


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ImportReport:
    """What an importer reports: a status (None: unchanged) and new errors and warnings;
    ``size``, the bytes of the request that carried it (``EntryDraft.size``)."""

    status: str | None
    errors: list[ImportLogMessage]
    warnings: list[ImportLogMessage]
    size: int = 0

    def content(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "errors": [_message_content(m) for m in self.errors],
            "warnings": [_message_content(m) for m in self.warnings],
        }


def _message_content(message: ImportLogMessage) -> dict[str, Any]:
    # Not dataclasses.asdict: it deep-copies, five times the cost on a report of 20,000 messages.
    return {
        "code": message.code,
        "message": message.message,
        "path": message.path,
        "details": message.details,
    }


@dataclasses.dataclass(frozen=True, slots=True)
class ImportLogDetail:
    log: ImportLogRecord
    errors: list[ImportLogMessage]
    warnings: list[ImportLogMessage]


def _messages(stored: list[dict[str, Any]]) -> list[ImportLogMessage]:
    """The messages as stored in the entry: redacted like the rest of its content."""
    return [ImportLogMessage(**m) for m in stored]


class ImportLogs:
    def __init__(self, ingestor: Ingestor, query: EntryQuery) -> None:
        self._ingestor = ingestor
        self._query = query

    async def create(
        self, principal: Principal, *, api_reference_id: str, report: ImportReport
    ) -> ImportLogRecord:
        created: list[ImportLogRecord] = []

        def project(conn: Connection, entry: EntryRecord) -> None:
            record = ImportLogRecord(
                id=entry.uid,
                project_id=entry.project_id,
                api_reference_id=api_reference_id,
                status=entry.content["status"],
                created_at=entry.received_at,
                error_count=0,
                warning_count=0,
            )
            stored_import_logs.insert_import_log(conn, record)
            _append(conn, record.id, entry, status=None)
            created.append(
                dataclasses.replace(
                    record,
                    error_count=len(entry.content["errors"]),
                    warning_count=len(entry.content["warnings"]),
                )
            )

        await self._ingestor.append(
            principal, _draft(EntryKind.IMPORT_LOG, api_reference_id, report), effect=project
        )
        return created[0]

    async def update(
        self, principal: Principal, *, api_reference_id: str, log_id: str, report: ImportReport
    ) -> ImportLogRecord:
        updated: list[ImportLogRecord] = []

        def project(conn: Connection, entry: EntryRecord) -> None:
            found = _require_log(conn, entry.project_id, api_reference_id, log_id)
            _append(conn, log_id, entry, status=report.status)
            updated.append(
                dataclasses.replace(
                    found,
                    status=report.status or found.status,
                    error_count=found.error_count + len(report.errors),
                    warning_count=found.warning_count + len(report.warnings),
                )
            )

        draft = _draft(EntryKind.IMPORT_LOG_UPDATE, api_reference_id, report, log_id=log_id)
        await self._ingestor.append(principal, draft, effect=project)
        return updated[0]

    async def page(
        self, principal: Principal, *, api_reference_id: str, page: int, page_size: int
    ) -> list[ImportLogRecord]:
        """Page ``page`` (1-based), newest first. An API reference exists from its first log:
        before that it is not found."""

        def read(conn: Connection) -> list[ImportLogRecord]:
            def logs(offset: int, limit: int) -> list[ImportLogRecord]:
                if offset > MAX_OFFSET:
                    return []  # further than any log can reach, and than an OFFSET can say
                return stored_import_logs.list_import_logs(
                    conn,
                    project_id=principal.project_id,
                    api_reference_id=api_reference_id,
                    offset=offset,
                    limit=limit,
                )

            found = logs((page - 1) * page_size, page_size)
            # An empty page past the end of an existing reference is just empty.
            if not found and (page == 1 or not logs(0, 1)):
                raise NotFound("API reference")
            return found

        return await self._query.read(principal, read)

    async def get(
        self, principal: Principal, *, api_reference_id: str, log_id: str
    ) -> ImportLogDetail:
        def read(conn: Connection) -> ImportLogDetail:
            log = _require_log(conn, principal.project_id, api_reference_id, log_id)
            errors, warnings = stored_import_logs.import_log_messages_of(conn, log_id)
            return ImportLogDetail(log, errors, warnings)

        return await self._query.read(principal, read)


def _draft(
    kind: EntryKind, api_reference_id: str, report: ImportReport, *, log_id: str | None = None
) -> EntryDraft:
    content = report.content()
    if log_id is not None:
        content["log_id"] = log_id
    reported = report.errors or report.warnings
    return EntryDraft(
        kind=kind,
        source=api_reference_id,
        content=content,
        message=reported[0].message if reported else None,
        size=report.size,
    )


def _append(conn: Connection, log_id: str, entry: EntryRecord, *, status: str | None) -> None:
    stored_import_logs.update_import_log(
        conn,
        log_id,
        status=status,
        updated_at=entry.received_at,
        errors=_messages(entry.content["errors"]),
        warnings=_messages(entry.content["warnings"]),
    )


def _require_log(
    conn: Connection, project_id: str, api_reference_id: str, log_id: str
) -> ImportLogRecord:
    found = stored_import_logs.get_import_log(
        conn, project_id=project_id, api_reference_id=api_reference_id, log_id=log_id
    )
    if found is None:
        raise NotFound("Import log")
    return found
