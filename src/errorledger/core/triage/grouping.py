"""Grouping: entries with the same fingerprint are one issue, one problem happening again.

The fingerprint keeps what identifies a problem and never what varies between its
occurrences:

- a failure where the host was never reached (``dns``, ``connect``, ``tls``, a connect
  timeout) groups by host alone, since the path is noise then;
- an HTTP failure by host, method, path template (segments with ids, hashes, numbers or
  e-mails folded to ``*``) and status;
- other integration failures by host, path template, exception type and the normalised
  message;
- an import error by its normalised message; an import log by its first message's code and
  pointer template (``/items/*/price``).

Every fingerprint also holds the kind, the source (integration, import source, API
reference) and the cause, and the version of these rules (``VERSION``).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence

import re2

from errorledger.core.triage.address import Address
from errorledger.core.triage.catalogue import re2_options
from errorledger.core.triage.classify import Verdict

VERSION = "v2"
_CONNECTION_LEVEL = frozenset({"dns", "connect", "tls"})
_MESSAGE_CHARS = 1000  # of a message, normalised: a problem names itself near the start


@dataclasses.dataclass(slots=True)  # not frozen: see records.py
class Group:
    fingerprint: str
    culprit: str  # where the problem is, for people: host and path template, or source


# In this order: a URL holds numbers and e-mails, a uuid holds hex; RE2, so linear.
_FOLDS = [
    (re2.compile(pattern, re2_options()), placeholder)
    for pattern, placeholder in [
        (r"[a-z][a-z0-9+.-]*://[^\s'\"<>]+", "<url>"),
        (r"[^\s@'\"<>]+@[^\s@'\"<>]+\.[a-z]{2,}", "<email>"),
        (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>"),
        (r"\d{4}-\d{2}-\d{2}([t ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(z|[+-]\d{2}:?\d{2})?)?", "<date>"),
        (r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(:\d+)?", "<ip>"),
        (
            r"0x[0-9a-f]+|\b([0-9a-f]*[0-9][0-9a-f]*[a-f]|[0-9a-f]*[a-f][0-9a-f]*[0-9])[0-9a-f]*\b",
            "<hex>",
        ),
        # Runs of digits are ids; a lone digit in a word is part of a name (oauth2, v3, utf8).
        (r"\d{2,}|\b\d\b", "<n>"),
    ]
]


def normalize_message(message: str) -> str:
    """The first two non-empty lines, lower case, with what varies folded."""
    lines = [line.strip() for line in message[:_MESSAGE_CHARS].splitlines() if line.strip()]
    text = "\n".join(lines[:2]).lower()
    for pattern, placeholder in _FOLDS:
        text = pattern.sub(placeholder, text)
    return text


def path_template(path: str) -> str:
    """``/orders/12345/notes`` as ``/orders/*/notes``: a segment with two digits or more,
    an ``@``, or a long token with a digit is an id (``v3`` stays)."""
    return "/".join(_segment(segment) for segment in path.split("/"))


_NO_DIGITS = str.maketrans("", "", "0123456789")


def _segment(segment: str) -> str:
    if segment.isalpha() or not segment:
        return segment
    digits = len(segment) - len(segment.translate(_NO_DIGITS))
    if digits >= 2 or "@" in segment or (digits and len(segment) >= 16):
        return "*"
    return segment


def pointer_template(pointer: str) -> str:
    """``/items/12/price`` and ``items[12].price`` with every run of digits as ``*``."""
    out: list[str] = []
    for char in pointer[:500]:
        if not char.isdigit():
            out.append(char)
        elif not out or out[-1] != "*":
            out.append("*")
    return "".join(out)


def group(
    *,
    kind: str,
    source: str,
    verdict: Verdict,
    status: int | None,
    method: str | None,
    address: Address,
    exception_type: str | None,
    message: str | None,
    code: str | None = None,
    pointer: str | None = None,
) -> Group:
    host = address.host_port
    parts: Sequence[str]
    if code is not None or pointer is not None:
        parts = [code or "", pointer_template(pointer or "")]
        culprit = source
    elif host and (verdict.klass in _CONNECTION_LEVEL or verdict.cause == "timeout.connect"):
        parts, culprit = [host], host
    elif host and status is not None:
        template = path_template(address.path)
        parts = [host, (method or "").upper(), template, str(status)]
        culprit = f"{(method or '').upper()} {host}{template}".strip()
    elif host:
        template = path_template(address.path)
        parts = [host, template, (exception_type or "").lower(), _message(message)]
        culprit = f"{host}{template}"
    else:
        parts = [(exception_type or "").lower(), _message(message), str(status or "")]
        culprit = source
    key = "\x1f".join([VERSION, kind, source, verdict.cause, *parts])
    return Group(hashlib.sha256(key.encode()).hexdigest(), culprit)


def _message(message: str | None) -> str:
    return normalize_message(message) if message else ""
