"""The CPU work of the write path, before storage: redact, classify and group (``triage``),
encode, digest.

``prepare`` turns a validated draft into the ``NewEntry`` that storage takes; what it kept
aside (the redacted content and pointers, decoded) becomes the ``EntryRecord`` once storage
says where the entry went.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import msgspec

from errorledger.core.entries import EntryDraft
from errorledger.core.records import EntryRecord, Finding, NewEntry, Placement
from errorledger.core.redaction import Redaction, Redactor
from errorledger.core.triage.assess import assess
from errorledger.core.triage.classify import Classifier
from errorledger.tlog.leaf import content_digest

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


@dataclasses.dataclass(slots=True)  # not frozen: see records.py
class Prepared:
    """An entry ready for storage, and its content and redaction report as the caller will
    see them."""

    entry: NewEntry
    content: dict[str, Any]
    redactions: list[Finding]
    facts: dict[str, str]

    def record(self, placement: Placement) -> EntryRecord:
        entry = self.entry
        return EntryRecord(
            id=placement.id,
            uid=entry.uid,
            project_id=entry.project_id,
            kind=entry.kind,
            source=entry.source,
            received_at=entry.received_at,
            occurred_at=entry.occurred_at,
            status_code=entry.status_code,
            message=entry.message,
            url=entry.url,
            fingerprint=entry.fingerprint,
            protected=entry.protected,
            redactions=self.redactions,
            content=self.content,
            leaf_index=placement.leaf_index,
            leaf_hash=placement.leaf_hash,
            content_sha256=entry.content_sha256,
            failure_class=entry.failure_class,
            cause=entry.cause,
            facts=self.facts,
            issue_id=placement.issue_id,
        )


def prepare(
    draft: EntryDraft,
    *,
    project_id: str,
    key_id: str,
    received_at: int,
    redactor: Redactor | None,
    classifier: Classifier,
) -> Prepared:
    """``redactor``: the project's, or None when nothing is redacted; ``classifier``: the
    project's. Triage reads the record as stored: redacted."""
    columns = (draft.message, draft.url)
    if redactor is None:
        redacted = Redaction(draft.content, [], columns=columns)
    else:
        redacted = redactor.redact(draft.content, columns=columns)
    message, url = map(_without_nul, redacted.columns)
    triage = assess(
        classifier,
        kind=draft.kind.value,
        source=draft.source,
        content=redacted.content,
        status=draft.status_code,
        message=message,
        url=url,
        exception_type=draft.exception_type,
    )
    facts = triage.verdict.facts
    entry = NewEntry(
        uid=new_uid(received_at),
        project_id=project_id,
        kind=draft.kind.value,
        source=draft.source,
        received_at=received_at,
        occurred_at=received_at if draft.occurred_at is None else draft.occurred_at,
        status_code=draft.status_code,
        message=message,
        url=url,
        fingerprint=triage.group.fingerprint,
        protected=redacted.fired,
        redactions_json=_encode_json(redacted.report).decode(),
        content_json=_encode_json(redacted.content).decode(),
        content_sha256=content_digest(redacted.content, plain=redacted.plain),
        key_id=key_id,
        failure_class=triage.verdict.klass,
        cause=triage.verdict.cause,
        facts_json=_encode_json(facts).decode(),
        culprit=triage.group.culprit,
    )
    return Prepared(entry, redacted.content, redacted.report, facts)


def _without_nul(text: str | None) -> str | None:
    """Text for a column of its own (message, url), without NUL, which PostgreSQL text
    cannot hold (the content keeps it)."""
    return None if text is None else text.replace("\x00", "\ufffd")
