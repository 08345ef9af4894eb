"""What the log commits to: RFC 8785 canonical JSON naming each entry.

The leaf holds the SHA-256 of the entry's canonical content rather than the content, so
content can expire or be erased while the log and every proof stay valid.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import rfc8785

_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) bytes of ``value``; ValueError (``rfc8785.CanonicalizationError``) for
    what JCS cannot represent: NaN, infinities, integers beyond ±(2**53 - 1)."""
    return rfc8785.dumps(value)


def content_digest(content: Any) -> str:
    """Lowercase hex SHA-256 of the canonical JSON of ``content``."""
    return hashlib.sha256(canonical_json(content)).hexdigest()


def leaf_data(
    *, kind: str, entry_id: int, project: str, received_at: int, content_sha256: str
) -> bytes:
    """The leaf's data: canonical JSON of the entry's identity and content digest."""
    if not _HEX_SHA256.fullmatch(content_sha256):
        raise ValueError("content_sha256 must be 64 lowercase hex digits")
    return canonical_json(
        {
            "content_sha256": content_sha256,
            "id": entry_id,
            "kind": kind,
            "project": project,
            "received_at": received_at,
        }
    )
