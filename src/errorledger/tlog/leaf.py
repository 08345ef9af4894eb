"""What the log commits to: RFC 8785 canonical JSON naming each entry.

The leaf holds the SHA-256 of the entry's canonical content rather than the content, so
content can expire or be erased while the log and every proof stay valid.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import msgspec
import rfc8785

_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) bytes of ``value``.

    Most content has no floats and only keys below U+D800; for it, JCS is exactly JSON with
    keys sorted by code point and strings escaped as msgspec escapes them (tested against
    ``rfc8785``), which msgspec writes in C, 60 times faster than ``rfc8785`` in Python.
    There, integers beyond ±(2**53 - 1), which JCS cannot represent, are written with all
    their digits: content with such numbers still gets a digest. Anything else goes through
    ``rfc8785``, which raises ValueError for NaN and infinities.
    """
    if _is_plain(value):
        return _encode_sorted(value)
    return rfc8785.dumps(value)


_encode_sorted = msgspec.json.Encoder(order="sorted").encode
_SURROGATES = "\ud800"


def _is_plain(value: Any) -> bool:
    """No floats anywhere and every object key below U+D800: JCS's sort by UTF-16 code
    units is then the same as sorting by code points."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if not key.isascii() and max(key) >= _SURROGATES:
                    return False
                if isinstance(child, dict | list):
                    pending.append(child)
                elif isinstance(child, float):
                    return False
        elif isinstance(item, list):
            for child in item:
                if isinstance(child, dict | list):
                    pending.append(child)
                elif isinstance(child, float):
                    return False
        elif isinstance(item, float):
            return False
    return True


def content_digest(content: Any) -> str:
    """Lowercase hex SHA-256 of the canonical JSON of ``content``."""
    return hashlib.sha256(canonical_json(content)).hexdigest()


def leaf_data(
    *,
    kind: str,
    entry_id: int,
    project: str,
    source: str,
    received_at: int,
    content_sha256: str,
) -> bytes:
    """The leaf's data: canonical JSON of the entry's identity and content digest. The
    source (integration, import source, app env) is part of the identity: a record moved to
    another source must not verify."""
    if not _HEX_SHA256.fullmatch(content_sha256):
        raise ValueError("content_sha256 must be 64 lowercase hex digits")
    return canonical_json(
        {
            "content_sha256": content_sha256,
            "id": entry_id,
            "kind": kind,
            "project": project,
            "received_at": received_at,
            "source": source,
        }
    )
