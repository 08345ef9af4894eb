"""The write path of every family: redact → fingerprint → append (group commit) → entry."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import msgspec
from sqlalchemy import Connection

from errorledger.core.authn import Principal
from errorledger.core.clock import now_us
from errorledger.core.entries import EntryDraft
from errorledger.core.fingerprint import fingerprint
from errorledger.core.offload import run_sized
from errorledger.core.ratelimit import RateLimiter
from errorledger.core.redaction import Redaction, redact, redact_text
from errorledger.storage.records import EntryRecord
from errorledger.storage.writer import PendingEntry, Writer
from errorledger.tlog.leaf import content_digest

Effect = Callable[[Connection, EntryRecord], None]
_encode_json = msgspec.json.Encoder().encode
# Entry uids name records, they guard nothing (keys do): a seeded PRNG gives their random
# bits without a system call per request.
_uid_bits = random.Random().getrandbits  # noqa: S311


def new_uid(now_us: int) -> str:
    """A UUIDv7 (RFC 9562): the millisecond first, so new uids land at the end of the uid
    index instead of on a random page of it, which each commit would rewrite whole."""
    variant_and_random = _uid_bits(62) | 1 << 63
    h = f"{now_us // 1000:012x}7{_uid_bits(12):03x}{variant_and_random:016x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _clean_text(text: str | None, *, redacting: bool) -> str | None:
    if text is None:
        return None
    if redacting:
        text = redact_text(text)
    return text.replace("\x00", "\ufffd")  # PostgreSQL text cannot hold NUL; content keeps it


class Ingestor:
    def __init__(self, writer: Writer, limiter: RateLimiter, *, redaction: bool) -> None:
        self._writer = writer
        self._limiter = limiter
        self._redaction = redaction

    async def append(
        self, principal: Principal, draft: EntryDraft, *, effect: Effect | None = None
    ) -> EntryRecord:
        """Store ``draft`` for the caller's project; returns once it is committed.

        ``effect`` runs in the transaction that stores the entry, given the stored entry
        (redacted, with its id): what a family keeps beside its entries changes with them.
        """
        principal.require("ingest")
        await self._limiter.hit(principal.key_id, "write")
        received_at = now_us()
        row, content, paths = await run_sized(
            draft.size, lambda: self._prepare(principal, draft, received_at)
        )

        def record(entry_id: int) -> EntryRecord:
            return EntryRecord(
                id=entry_id,
                uid=row["uid"],
                project_id=principal.project_id,
                kind=row["kind"],
                source=draft.source,
                received_at=received_at,
                occurred_at=row["occurred_at"],
                status_code=draft.status_code,
                message=row["message"],
                url=row["url"],
                fingerprint=row["fingerprint"],
                protected=row["protected"],
                redactions=paths,
                content=content,
                leaf_index=row.get("leaf_index"),
                leaf_hash=row.get("leaf_hash"),
                content_sha256=row["content_sha256"],
            )

        def apply(conn: Connection, entry_id: int) -> None:
            assert effect is not None
            effect(conn, record(entry_id))

        pending = PendingEntry(
            row, principal.key_id, draft.integration_id, None if effect is None else apply
        )
        return record(await self._writer.append(pending))

    def _prepare(
        self, principal: Principal, draft: EntryDraft, received_at: int
    ) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
        """The entry's row, its redacted content and the redacted pointers: the CPU work of
        the write path, run where ``run_sized`` puts it."""
        redacted = redact(draft.content) if self._redaction else Redaction(draft.content, [])
        message = _clean_text(draft.message, redacting=self._redaction)
        url = _clean_text(draft.url, redacting=self._redaction)
        row: dict[str, Any] = {
            "uid": new_uid(received_at),
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
            "content_sha256": content_digest(redacted.content),
            "key_id": principal.key_id,
        }
        return row, redacted.content, redacted.paths
