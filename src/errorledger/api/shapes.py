"""The native API's answers, as msgspec types: the adapters render these, and their JSON
schemas are generated into the OpenAPI document (``api.docs``), so the two cannot differ.

Seed 003 answers its errors in the same ``Problem`` shape.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from errorledger.core.entries import EntryKind
from errorledger.core.redaction import RedactionRules
from errorledger.core.triage.catalogue import CLASSES
from errorledger.core.triage.rules import TriageRules

Base64 = Annotated[str, msgspec.Meta(description="Standard base64.")]
RFC3339 = Annotated[str, msgspec.Meta(description="RFC 3339 date-time in UTC, with a Z.")]


class RedactionFinding(msgspec.Struct, forbid_unknown_fields=True):
    """What redaction replaced in one place: never the value."""

    pointer: Annotated[
        str, msgspec.Meta(description="Where, in the entry's content: a JSON pointer (RFC 6901).")
    ]
    rule: Annotated[
        str,
        msgspec.Meta(
            description="The rule: secret_name, a value rule (docs/redaction.md), "
            "project:<name>, or unrecorded for entries stored before rules were reported."
        ),
    ]
    count: Annotated[int, msgspec.Meta(description="How many values it replaced there.")]


FailureClass = Literal[CLASSES]  # type: ignore[valid-type]
IssueStatus = Literal["open", "resolved", "ignored"]


class Hint(msgspec.Struct, forbid_unknown_fields=True):
    """What happened and what to do, for the cause, filled with the record's facts."""

    title: str
    text: str
    actor: Annotated[
        Literal["integration", "remote", "transient"],
        msgspec.Meta(
            description="Who must act: the integration's code or settings, the shop or "
            "partner (remote), or nobody: it should pass (transient)."
        ),
    ]
    retryable: Annotated[bool, msgspec.Meta(description="Sending the same request again may work.")]


class Entry(msgspec.Struct, forbid_unknown_fields=True):
    """One entry of any family, with its place in the project's transparency log."""

    id: int
    uid: Annotated[str, msgspec.Meta(description="A UUIDv7.")]
    kind: EntryKind
    source: Annotated[
        str,
        msgspec.Meta(
            description="The integration id, import source, API reference or app env it came from."
        ),
    ]
    received_at: RFC3339
    received_at_us: Annotated[
        int,
        msgspec.Meta(
            description="received_at in microseconds since the epoch, as the leaf commits to it."
        ),
    ]
    occurred_at: RFC3339
    status_code: int | None
    message: str | None
    url: str | None
    fingerprint: Annotated[
        str, msgspec.Meta(description="Entries with the same fingerprint are the same problem.")
    ]
    leaf_index: Annotated[int, msgspec.Meta(description="The entry's place in its project's log.")]
    leaf_hash: Annotated[Base64, msgspec.Meta(description="SHA-256(0x00 || leaf data), base64.")]
    content_sha256: Annotated[
        str,
        msgspec.Meta(
            description="SHA-256 of the content's canonical JSON, which GET …/content serves."
        ),
    ]
    protected: Annotated[bool, msgspec.Meta(description="Something was redacted.")]
    redactions: Annotated[
        list[RedactionFinding],
        msgspec.Meta(description="What was redacted, where and by which rule (never values)."),
    ]
    content: dict[str, Any]
    failure_class: Annotated[
        FailureClass, msgspec.Meta(description="What kind of failure (docs/issues.md).")
    ] = msgspec.field(name="class")
    cause: Annotated[str, msgspec.Meta(description="The finer cause, a dotted id under its class.")]
    hint: Hint
    issue_id: Annotated[int | None, msgspec.Meta(description="The issue it is grouped into.")]


class EntryPage(msgspec.Struct, forbid_unknown_fields=True):
    """A newest-first page; ``next_cursor`` (also in ``Link``) is null on the last page."""

    data: list[Entry]
    next_cursor: str | None


class OneEntry(msgspec.Struct, forbid_unknown_fields=True):
    data: Entry


class Issue(msgspec.Struct, forbid_unknown_fields=True):
    """Entries with one fingerprint: one problem, however often it happened."""

    id: int
    kind: EntryKind
    source: str
    failure_class: FailureClass = msgspec.field(name="class")
    cause: str
    culprit: Annotated[
        str, msgspec.Meta(description="Where: the host and path template, or the source.")
    ]
    message: Annotated[str | None, msgspec.Meta(description="The latest entry's message.")]
    status: IssueStatus
    count: int
    first_seen: RFC3339
    last_seen: RFC3339
    last_entry_id: int
    regressed_at: Annotated[
        RFC3339 | None,
        msgspec.Meta(description="When a resolved issue last came back with a new entry."),
    ]
    status_changed_at: RFC3339 | None
    hint: Hint


class IssuePage(msgspec.Struct, forbid_unknown_fields=True):
    """A page in the asked order; ``next_cursor`` (also in ``Link``) is null on the last."""

    data: list[Issue]
    next_cursor: str | None


class Histogram(msgspec.Struct, forbid_unknown_fields=True):
    """Entries per hour over the last 14 days, oldest first."""

    start: Annotated[RFC3339, msgspec.Meta(description="The first hour's start.")]
    hours: list[int]


class IssueDetail(msgspec.Struct, forbid_unknown_fields=True):
    issue: Issue
    histogram: Histogram


class OneIssue(msgspec.Struct, forbid_unknown_fields=True):
    data: IssueDetail


class IssueChange(msgspec.Struct, forbid_unknown_fields=True):
    """What a person changes on an issue."""

    status: IssueStatus


class InclusionProof(msgspec.Struct, forbid_unknown_fields=True):
    """RFC 9162 §2.1.3: the hashes from the leaf up to the root of the tree of tree_size."""

    leaf_index: int
    tree_size: int
    hashes: list[Base64]


class ConsistencyProof(msgspec.Struct, forbid_unknown_fields=True):
    """RFC 9162 §2.1.4: the tree of size second extends the tree of size first."""

    first: int
    second: int
    hashes: list[Base64]


class ProblemError(msgspec.Struct, forbid_unknown_fields=True):
    code: str
    message: str
    field: Annotated[
        str | None, msgspec.Meta(description="Where: body.x.y, query.name or path.name.")
    ]
    details: dict[str, Any] | None


class Problem(msgspec.Struct, forbid_unknown_fields=True):
    """RFC 7807 problem details, with seed 003's ``trace_id``, ``errors`` and ``warnings``."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    trace_id: Annotated[str, msgspec.Meta(description="The request id (X-Request-Id).")]
    errors: list[ProblemError]
    warnings: None


GENERATED = (
    Entry,
    EntryPage,
    OneEntry,
    InclusionProof,
    ConsistencyProof,
    Problem,
    RedactionRules,
    IssuePage,
    OneIssue,
    IssueChange,
    TriageRules,
)


def schema_components() -> dict[str, Any]:
    """The JSON schemas of ``GENERATED`` and what they refer to, by name."""
    _, components = msgspec.json.schema_components(
        GENERATED, ref_template="#/components/schemas/{name}"
    )
    # Through JSON and back, so that defaults are JSON too (a tuple's () becomes []).
    return msgspec.json.decode(msgspec.json.encode(components))  # type: ignore[no-any-return]
