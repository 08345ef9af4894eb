"""Redaction: secrets are taken out of a record before anything stores it.

What counts as a secret:
- the value of any object key named like a credential, at any depth: HTTP headers such as
  ``Authorization``, ``Proxy-Authorization``, ``Cookie``, ``Set-Cookie``, ``X-Api-Key``, and
  JSON keys such as ``password``, ``client_secret``, ``access_token``, ``apiKey``;
- inside any string: ``Authorization: …``-style header lines and ``Bearer``/``Basic``
  credentials;
- inside URLs: the password of the user-info part and query parameters named like a
  credential (``?access_token=…``).

The report lists the JSON pointers (RFC 6901) of what was redacted, never the values.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

REDACTED = "[REDACTED]"

# Words that make a key secret wherever they appear in it ("db_password", "set-cookie").
_SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "apikey",
        "authorization",
        "cookie",
        "credential",
        "credentials",
        "token",
        "sessionid",
        "signature",
        "otp",
    }
)
# Word pairs that make a key secret ("api_key", "private-key", "X-Auth-Key").
_SECRET_PAIRS = frozenset(
    {
        ("api", "key"),
        ("private", "key"),
        ("access", "key"),
        ("secret", "key"),
        ("auth", "key"),
        ("session", "id"),
        ("client", "secret"),
        ("x", "auth"),
    }
)
# A key ending in one of these names a property of a secret, not the secret
# ("token_type", "password_hint", "token_expires_at").
_HARMLESS_LAST_WORDS = frozenset(
    {
        "type",
        "url",
        "uri",
        "endpoint",
        "expires",
        "expiry",
        "expiration",
        "at",
        "in",
        "count",
        "length",
        "hint",
        "name",
        "policy",
        "required",
        "format",
        "ttl",
    }
)

_SURROGATES = "\ud800"  # keys from here up sort apart in UTF-16 (tlog.leaf)
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")
# Header lines ("Authorization: …") whose value is a secret. Found by a scan of each line,
# not by a regular expression: "^\s*name\s*:" under MULTILINE backtracked quadratically
# over runs of newlines (tests/core/test_patterns.py holds every pattern to linear time).
_SECRET_HEADER_NAMES = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-auth-token",
        "api-key",
    }
)
_QUERY_PAIR = re.compile(r"(^|[&;])([^=&;]+)=([^&;]*)")
_SCHEME_CREDENTIAL = re.compile(r"(?i)\b(bearer|basic)(\s+)([A-Za-z0-9._~+/=-]{8,})")
# Credentials carry digits or base64 punctuation; prose after "Basic" ("Basic authentication")
# does not, and stays.
_CREDENTIAL_MARK = re.compile(r"[0-9+/=._~-]")


# Keys seen before are judged from memory; the memory is bounded, and keys longer than
# this are judged afresh each time: megabyte-long keys sent on purpose must not fill it.
_CACHED_KEY_LENGTH = 128
_CACHED_KEYS = 4096
_judged: dict[str, bool] = {}


def is_secret_key(key: str) -> bool:
    judged = _judged.get(key)
    if judged is None:
        judged = _is_secret_key(key)
        if len(key) <= _CACHED_KEY_LENGTH:
            if len(_judged) >= _CACHED_KEYS:
                _judged.clear()
            _judged[key] = judged
    return judged


def _is_secret_key(key: str) -> bool:
    words = _NON_WORD.sub(" ", _CAMEL_BOUNDARY.sub(" ", key).lower()).split()
    if not words or words[-1] in _HARMLESS_LAST_WORDS:
        return False
    if any(word in _SECRET_WORDS for word in words):
        return True
    return any(pair in _SECRET_PAIRS for pair in itertools.pairwise(words))


@dataclasses.dataclass(frozen=True, slots=True)
class Redaction:
    content: Any
    paths: list[str]
    # What the walk saw on the way, so that nothing walks the content again: no floats and
    # no object key at or above U+D800, so its canonical JSON is the quick kind
    # (``tlog.leaf.canonical_json``). None when nobody looked.
    plain: bool | None = None

    @property
    def fired(self) -> bool:
        return bool(self.paths)


def _pointer(parts: list[str]) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == {} or value == []


def _walk(container: Any, path: tuple[str, ...], found: list[str]) -> bool:
    """Replace secrets inside an object or array in place; note each one's pointer in
    ``found``. Only object keys can name a secret; strings anywhere can hold one. Returns
    whether what remains is plain (``Redaction.plain``)."""
    is_object = isinstance(container, dict)
    plain = True
    pairs: Iterable[tuple[Any, Any]] = container.items() if is_object else enumerate(container)
    for slot, item in pairs:
        if is_object:
            if not slot.isascii() and max(slot) >= _SURROGATES:
                plain = False
            if is_secret_key(slot):
                if not _is_empty(item):
                    container[slot] = REDACTED
                    found.append(_pointer([*path, slot]))
                continue
        if isinstance(item, str):
            cleaned = redact_text(item)
            if cleaned is not item:
                container[slot] = cleaned
                found.append(_pointer([*path, str(slot)]))
        elif isinstance(item, dict | list):
            plain = _walk(item, (*path, str(slot)), found) and plain
        elif isinstance(item, float):
            plain = False
    return plain


def redact_text(text: str) -> str:
    """Secrets inside free text: header lines, scheme credentials and URLs.

    Returns ``text`` itself (the same object) when there is nothing to redact; cheap
    substring checks keep the regular expressions off the common case.
    """
    lowered = text.lower()
    cleaned = text
    if ":" in text and ("auth" in lowered or "cookie" in lowered or "key" in lowered):
        cleaned = _redact_header_lines(cleaned)
    is_url = lowered.startswith(("http://", "https://")) and " " not in text
    if is_url and ("@" in text or "?" in text):
        cleaned = redact_url(cleaned)
    if "bearer" in lowered or "basic" in lowered:
        cleaned = _SCHEME_CREDENTIAL.sub(_scheme_credential, cleaned)
    return text if cleaned == text else cleaned


def _redact_header_lines(text: str) -> str:
    """Each line ``Name: value`` (spaces allowed around the name and the colon, a final
    ``\r`` kept) whose name is a secret header gets its value replaced."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        colon = line.find(":")
        if colon < 0 or line[:colon].strip().lower() not in _SECRET_HEADER_NAMES:
            continue
        after = line[colon + 1 :]
        value = after.lstrip()
        ending = "\r" if value.endswith("\r") else ""
        if value.strip():
            lines[number] = line[: len(line) - len(value)] + REDACTED + ending
    return "\n".join(lines)


def _scheme_credential(match: re.Match[str]) -> str:
    if _CREDENTIAL_MARK.search(match[3]) is None:
        return match[0]
    return f"{match[1]}{match[2]}{REDACTED}"


def redact_url(url: str) -> str:
    """The URL with its user-info password and credential-named query values replaced;
    every other character stays as it was sent."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url
    netloc = parts.netloc
    if password:
        netloc = netloc.replace(f":{password}@", f":{REDACTED}@", 1)
    query = _QUERY_PAIR.sub(_query_pair, parts.query) if parts.query else parts.query
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _query_pair(match: re.Match[str]) -> str:
    if match[3] and is_secret_key(unquote_plus(match[2])):
        return f"{match[1]}{match[2]}={REDACTED}"
    return match[0]


def redact(content: Any) -> Redaction:
    """Redact ``content`` (a decoded JSON value, changed in place)."""
    found: list[str] = []
    if isinstance(content, str):
        cleaned = redact_text(content)
        return Redaction(cleaned, [] if cleaned is content else [""], plain=True)
    if isinstance(content, dict | list):
        return Redaction(content, found, plain=_walk(content, (), found))
    return Redaction(content, found, plain=not isinstance(content, float))
