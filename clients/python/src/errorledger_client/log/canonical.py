"""What the log commits to: canonical JSON naming each entry, and the digest of its content,
in the standard library alone.

The leaf holds the SHA-256 of the entry's canonical content rather than the content, so
content can expire or be erased while the log and every proof stay valid.

Canonical JSON here is RFC 8785 (JCS) with one extension: an integer beyond ±(2**53 - 1),
which JCS can only write as the nearest IEEE double (``9007199254740993`` becomes
``9007199254740992``), keeps every digit, so 64-bit ids are committed to exactly. Content
without such integers is plain RFC 8785, which any JCS implementation reproduces from the
decoded JSON (Python's ``rfc8785``, npm's ``canonicalize``); the server also serves every
entry's canonical bytes, so ``sha256sum`` checks any digest (docs/transparency.md).

This is what an auditor recomputes with. The server writes the same bytes faster with
msgspec (``errorledger.tlog.leaf``); a test holds the two equal on arbitrary JSON values.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any

_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")
# RFC 8785 §3.2.2.2 escapes exactly what JSON must: '"', '\', and the controls below
# U+0020, as \b \f \n \r \t or else \u00xx in lowercase hex. So does the json module's
# string encoder without ensure_ascii, which leaves every other character as it is.
_string = json.JSONEncoder(ensure_ascii=False).encode
_LITERALS = {None: "null", True: "true", False: "false"}


def canonical_json(value: Any) -> bytes:
    """The canonical bytes of a decoded JSON value (module docstring).

    ValueError for NaN, infinities and lone surrogates, which canonical JSON cannot carry;
    TypeError for what is not a JSON value (dict keys must be strings).
    """
    return _text(value).encode()


def _text(value: Any) -> str:
    if isinstance(value, str):
        return _string(value)
    if value is None or isinstance(value, bool):
        return _LITERALS[value]
    if isinstance(value, int):
        return int.__repr__(value)  # every digit, however large (module docstring)
    if isinstance(value, float):
        return ecmascript_number(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(map(_text, value)) + "]"
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("JSON object keys are strings")
        keys = sorted(value, key=utf16_key)
        return "{" + ",".join(f"{_string(key)}:{_text(value[key])}" for key in keys) + "}"
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def utf16_key(key: str) -> bytes:
    """The sort key of RFC 8785 §3.2.3: object members go in the order of their names'
    UTF-16 code units, which differs from code point order above U+D7FF."""
    return key.encode("utf-16-be", "surrogatepass")


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
    # Written out, not sorted: the member names are ASCII and in JCS order already, and the
    # server does this for every entry it stores (a test holds it to canonical_json).
    return (
        f'{{"content_sha256":"{content_sha256}","id":{entry_id:d},"kind":{_string(kind)},'
        f'"project":{_string(project)},"received_at":{received_at:d},'
        f'"source":{_string(source)}}}'
    ).encode()
