"""The write path of every family: redact → fingerprint → append (group commit) → entry."""

from __future__ import annotations

import dataclasses
import uuid

import msgspec

from errorledger.core.authn import Principal
from errorledger.core.clock import now_us
from errorledger.core.entries import EntryDraft
from errorledger.core.fingerprint import fingerprint
from errorledger.core.redaction import Redaction, redact, redact_text
from errorledger.storage.records import EntryRecord
from errorledger.storage.writer import GroupCommitWriter, PendingEntry

_encode_json = msgspec.json.Encoder().encode


class Ingestor:
    def __init__(self, writer: GroupCommitWriter, *, redaction: bool) -> None:
        self._writer = writer
        self._redaction = redaction

    async def append(self, principal: Principal, draft: EntryDraft) -> EntryRecord:
        """Store ``draft`` for the caller's project; returns once it is committed."""
        principal.require("ingest")
        record = self._prepare(principal, draft)
        row = {
            field.name: getattr(record, field.name)
            for field in dataclasses.fields(record)
            if field.name not in {"id", "redactions", "content"}
        }
        row["redactions"] = _encode_json(record.redactions).decode()
        row["content"] = _encode_json(record.content).decode()
        row["key_id"] = principal.key_id
        entry_id = await self._writer.append(
            PendingEntry(row, principal.key_id, draft.integration_id)
        )
        return dataclasses.replace(record, id=entry_id)

    def _prepare(self, principal: Principal, draft: EntryDraft) -> EntryRecord:
        received_at = now_us()
        message, url = draft.message, draft.url
        if self._redaction:
            redacted = redact(draft.content)
            message = None if message is None else redact_text(message)
            url = None if url is None else redact_text(url)
        else:
            redacted = Redaction(draft.content, [])
        # PostgreSQL text cannot hold NUL; the JSON content keeps it, escaped.
        message = None if message is None else message.replace("\x00", "\ufffd")
        url = None if url is None else url.replace("\x00", "\ufffd")
        return EntryRecord(
            id=0,
            uid=str(uuid.uuid4()),
            project_id=principal.project_id,
            kind=draft.kind.value,
            source=draft.source,
            received_at=received_at,
            occurred_at=received_at if draft.occurred_at is None else draft.occurred_at,
            status_code=draft.status_code,
            message=message,
            url=url,
            fingerprint=fingerprint(
                kind=draft.kind.value,
                source=draft.source,
                exception_type=draft.exception_type,
                status_code=draft.status_code,
                message=message,
                url=url,
            ),
            protected=redacted.fired,
            redactions=redacted.paths,
            content=redacted.content,
        )
