"""The native API's answers, as msgspec types: the adapters render these, and their JSON
schemas are generated into the OpenAPI document (``api.docs``), so the two cannot differ.

Seed 003 answers its errors in the same ``Problem`` shape.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from errorledger.core.entries import EntryKind
from errorledger.core.redaction import RedactionRules

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


class EntryPage(msgspec.Struct, forbid_unknown_fields=True):
    """A newest-first page; ``next_cursor`` (also in ``Link``) is null on the last page."""

    data: list[Entry]
    next_cursor: str | None


class OneEntry(msgspec.Struct, forbid_unknown_fields=True):
    data: Entry


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
)


def schema_components() -> dict[str, Any]:
    """The JSON schemas of ``GENERATED`` and what they refer to, by name."""
    _, components = msgspec.json.schema_components(
        GENERATED, ref_template="#/components/schemas/{name}"
    )
    # Through JSON and back, so that defaults are JSON too (a tuple's () becomes []).
    return msgspec.json.decode(msgspec.json.encode(components))  # type: ignore[no-any-return]
