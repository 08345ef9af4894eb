"""What the log commits to: canonical JSON naming each entry, and the digest of its content.

The leaf holds the SHA-256 of the entry's canonical content rather than the content, so
content can expire or be erased while the log and every proof stay valid.

Canonical JSON here is RFC 8785 (JCS) with one extension: an integer beyond ±(2**53 - 1),
which JCS can only write as the nearest IEEE double (``9007199254740993`` becomes
``9007199254740992``), keeps every digit, so 64-bit ids are committed to exactly. Content
without such integers is plain RFC 8785, which any JCS implementation reproduces from the
decoded JSON (Python's ``rfc8785``, npm's ``canonicalize``); the server also serves every
entry's canonical bytes, so ``sha256sum`` checks any digest (docs/transparency.md).
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any

import msgspec

_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")
_encode_sorted = msgspec.json.Encoder(order="sorted").encode
_encode_in_order = msgspec.json.Encoder().encode
_SURROGATES = "\ud800"  # keys from here up sort differently by UTF-16 unit than by code point


def canonical_json(value: Any, *, plain: bool | None = None) -> bytes:
    """The canonical bytes of a decoded JSON value (module docstring).

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


def _utf16_order(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _jcs_shape(value: Any) -> Any:
    """``value`` with floats as raw JCS numbers and objects in JCS key order, for an encoder
    that keeps insertion order."""
    if isinstance(value, dict):
        return {key: _jcs_shape(value[key]) for key in sorted(value, key=_utf16_order)}
    if isinstance(value, list):
        return [_jcs_shape(item) for item in value]
    if isinstance(value, float):
        return msgspec.Raw(ecmascript_number(value).encode())
    return value


def ecmascript_number(number: float) -> str:
    """ECMAScript's Number::toString (ECMA-262 §6.1.6.1.20), which RFC 8785 §3.2.2.3
    prescribes: the shortest digits that round-trip (Python's ``repr`` finds the same),
    placed by the rules for k digits and decimal exponent n."""
    if not math.isfinite(number):
        raise ValueError(f"{number} is not a JSON number")
    if number == 0:
        return "0"  # -0 too
    if number < 0:
        return "-" + ecmascript_number(-number)
    mantissa, _, exponent = repr(number).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    significant = digits.lstrip("0")
    # value = 0.<significant> * 10^n
    n = len(whole) - (len(digits) - len(significant)) + int(exponent or 0)
    s = significant.rstrip("0")
    k = len(s)
    if k <= n <= 21:
        return s + "0" * (n - k)
    if 0 < n <= 21:
        return f"{s[:n]}.{s[n:]}"
    if -6 < n <= 0:
        return "0." + "0" * -n + s
    e = n - 1
    sign = "+" if e >= 0 else "-"
    return f"{s[0]}{'.' + s[1:] if k > 1 else ''}e{sign}{abs(e)}"


def content_digest(content: Any, *, plain: bool | None = None) -> str:
    """Lowercase hex SHA-256 of the canonical JSON of ``content`` (``plain`` as there)."""
    return hashlib.sha256(canonical_json(content, plain=plain)).hexdigest()


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
