"""The write path of every family: redact → fingerprint → append (group commit) → entry."""

from __future__ import annotations

import random
import uuid
from typing import Any

import msgspec

from errorledger.core.authn import Principal
from errorledger.core.clock import now_us
from errorledger.core.entries import EntryDraft
from errorledger.core.fingerprint import fingerprint
from errorledger.core.redaction import Redaction, redact, redact_text
from errorledger.storage.records import EntryRecord
from errorledger.storage.writer import GroupCommitWriter, PendingEntry

_encode_json = msgspec.json.Encoder().encode
# Entry uids name records, they guard nothing (keys do): a seeded PRNG gives unique v4
# UUIDs without a system call per request.
_uid_bits = random.Random().getrandbits  # noqa: S311


def new_uid() -> str:
    return str(uuid.UUID(int=_uid_bits(128), version=4))


def _clean_text(text: str | None, *, redacting: bool) -> str | None:
    if text is None:
        return None
    if redacting:
        text = redact_text(text)
    return text.replace("\x00", "\ufffd")  # PostgreSQL text cannot hold NUL; content keeps it


class Ingestor:
    def __init__(self, writer: GroupCommitWriter, *, redaction: bool) -> None:
        self._writer = writer
        self._redaction = redaction

    async def append(self, principal: Principal, draft: EntryDraft) -> EntryRecord:
        """Store ``draft`` for the caller's project; returns once it is committed."""
        principal.require("ingest")
        received_at = now_us()
        redacted = redact(draft.content) if self._redaction else Redaction(draft.content, [])
        message = _clean_text(draft.message, redacting=self._redaction)
        url = _clean_text(draft.url, redacting=self._redaction)
        row: dict[str, Any] = {
            "uid": new_uid(),
            "project_id": principal.project_id,
            "kind": draft.kind.value,
            "source": draft.source,
            "received_at": received_at,
            "occurred_at": received_at if draft.occurred_at is None else draft.occurred_at,
            "status_code": draft.status_code,
            "message": message,
            "url": url,
            "fingerprint": fingerprint(
                kind=draft.kind.value,
                source=draft.source,
                exception_type=draft.exception_type,
                status_code=draft.status_code,
                message=message,
                url=url,
            ),
            "protected": redacted.fired,
            "redactions": _encode_json(redacted.paths).decode(),
            "content": _encode_json(redacted.content).decode(),
            "key_id": principal.key_id,
        }
        entry_id = await self._writer.append(
            PendingEntry(row, principal.key_id, draft.integration_id)
        )
        return EntryRecord(
            id=entry_id,
            uid=row["uid"],
            project_id=principal.project_id,
            kind=row["kind"],
            source=draft.source,
            received_at=received_at,
            occurred_at=row["occurred_at"],
            status_code=draft.status_code,
            message=message,
            url=url,
            fingerprint=row["fingerprint"],
            protected=redacted.fired,
            redactions=redacted.paths,
            content=redacted.content,
        )
