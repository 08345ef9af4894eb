"""Canonical JSON and content digests at the speed of the write path, in msgspec.

Canonical JSON (RFC 8785 with every digit of large integers) and the leaf data are defined
once, in the standard library, in ``errorledger_client.log.canonical``, which auditors
recompute with. Every stored entry's content is digested here, on the event loop, where
that reference would cost several times as much: this writes the same bytes, and a test
holds the two equal on arbitrary JSON values (tests/tlog/test_canonical.py).
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from errorledger_client.log.canonical import ecmascript_number, utf16_key

_encode_sorted = msgspec.json.Encoder(order="sorted").encode
_encode_in_order = msgspec.json.Encoder().encode
_SURROGATES = "\ud800"  # keys from here up sort differently by UTF-16 unit than by code point


def canonical_json(value: Any, *, plain: bool | None = None) -> bytes:
    """The canonical bytes of a decoded JSON value (``errorledger_client.log.canonical``).

    Most content has no floats and only keys below U+D800; for it, JCS is exactly JSON with
    keys sorted by code point and strings escaped as msgspec escapes them (tested against
    ``rfc8785``), which msgspec writes in C. Otherwise the value is first reshaped: each
    float becomes its JCS text (ECMAScript's Number to String) as raw JSON, and objects
    with such keys are rebuilt in UTF-16 order. ValueError for NaN and infinities, which
    JSON cannot carry. ``plain``, when the caller already walked ``value`` (redaction does),
    says whether it is the quick kind, so it is not walked again.
    """
    if _is_plain(value) if plain is None else plain:
        return _encode_sorted(value)
    return _encode_in_order(_jcs_shape(value))


def _is_plain(value: Any) -> bool:
    """No floats anywhere and every object key below U+D800."""
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


def _jcs_shape(value: Any) -> Any:
    """``value`` with floats as raw JCS numbers and objects in JCS key order, for an encoder
    that keeps insertion order."""
    if isinstance(value, dict):
        return {key: _jcs_shape(value[key]) for key in sorted(value, key=utf16_key)}
    if isinstance(value, list):
        return [_jcs_shape(item) for item in value]
    if isinstance(value, float):
        return msgspec.Raw(ecmascript_number(value).encode())
    return value


def content_digest(content: Any, *, plain: bool | None = None) -> str:
    """Lowercase hex SHA-256 of the canonical JSON of ``content`` (``plain`` as there)."""
    return hashlib.sha256(canonical_json(content, plain=plain)).hexdigest()
