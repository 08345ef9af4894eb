"""Grouping: entries with the same fingerprint are the same problem happening again.

The fingerprint ignores what changes between occurrences of one failure (ids and numbers in
messages and URLs, query strings, timestamps) and keeps what tells failures apart (kind,
source, exception type, status code, the shape of the message and of the URL path).
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

_VARIABLE = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # uuids
    r"|0x[0-9a-f]+"  # addresses
    r"|\d+",  # numbers of any kind
    re.IGNORECASE,
)


def normalize_message(message: str) -> str:
    return _VARIABLE.sub("<n>", message.strip().lower())[:500]


def normalize_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return normalize_message(url)
    return f"{parts.hostname or ''}{_VARIABLE.sub('<n>', parts.path)}"


def fingerprint(
    *,
    kind: str,
    source: str,
    exception_type: str | None,
    status_code: int | None,
    message: str | None,
    url: str | None,
) -> str:
    parts = [
        kind,
        source,
        exception_type or "",
        "" if status_code is None else str(status_code),
        normalize_message(message) if message else "",
        normalize_url(url) if url else "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
