"""Names that say their value is a secret: object keys, header names, query and form
parameters, at any depth, whatever their case and separators ("X-Api-Key", "apiKey",
"API_KEY" and "x.api.key" are one name).

A name is split into lower-case words (at separators and at camel-case humps) and judged
by its words: a secret word anywhere ("db_password", "set-cookie"), or a secret pair of
neighbours ("api_key", "private-key"), makes it secret, unless its last word names a
property of a secret rather than the secret ("token_type", "password_hint", "expires_in").
"""

from __future__ import annotations

import itertools
import re

from errorledger.core.memory import remember

SECRET_WORDS = frozenset(
    {
        "apikey",
        "authorization",
        "cookie",
        "credential",
        "credentials",
        "csrf",
        "csrftoken",
        "jwt",
        "otp",
        "passphrase",
        "passwd",
        "password",
        "pwd",
        "secret",
        "sessionid",
        "signature",
        "token",
        "xsrf",
    }
)
SECRET_PAIRS = frozenset(
    {
        ("access", "key"),
        ("api", "key"),
        ("auth", "key"),
        ("client", "secret"),
        ("private", "key"),
        ("secret", "key"),
        ("session", "id"),
        ("session", "key"),
        ("x", "auth"),
    }
)
# Short names that are credentials in a URL's query or a form ("?key=…&sig=…", as Google
# Maps and Azure shared-access signatures send them) but ordinary words as JSON keys
# ({"key": "order_id"}).
PARAMETER_NAMES = frozenset({"auth", "codeverifier", "key", "pass", "sig"})
HARMLESS_LAST_WORDS = frozenset(
    {
        "at",
        "count",
        "endpoint",
        "enabled",
        "expiration",
        "expires",
        "expiry",
        "format",
        "hint",
        "in",
        "length",
        "name",
        "policy",
        "required",
        "ttl",
        "type",
        "uri",
        "url",
    }
)

# Both linear: a character class each, no nesting (tests/core/test_patterns.py).
_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")

# Names seen before are judged from memory (core.memory: bounded, and names longer than
# it keeps are judged afresh: megabyte-long keys sent on purpose must not fill it).
_judged: dict[tuple[str, bool], bool] = {}
_normalized: dict[str, str] = {}


def words(name: str) -> tuple[str, ...]:
    """``name`` as lower-case words: "X-Api-Key" and "xApiKey" both give x, api, key."""
    return tuple(_NON_WORD.sub(" ", _CAMEL_HUMP.sub(" ", name).lower()).split())


def normalize(name: str) -> str:
    """The form two names share when they are the same name: for a project's own lists."""
    normal = _normalized.get(name)
    if normal is None:
        normal = "".join(words(name))
        remember(_normalized, name, name, normal)
    return normal


def is_secret_name(name: str, *, parameter: bool = False) -> bool:
    """Is the value under ``name`` a secret? ``parameter``: the name is a URL query or form
    parameter, where a few short names (``PARAMETER_NAMES``) are credentials too."""
    memo = (name, parameter)
    judged = _judged.get(memo)
    if judged is None:
        judged = _judge(words(name), parameter=parameter)
        remember(_judged, name, memo, judged)
    return judged


def _judge(parts: tuple[str, ...], *, parameter: bool) -> bool:
    if not parts or parts[-1] in HARMLESS_LAST_WORDS:
        return False
    if parameter and "".join(parts) in PARAMETER_NAMES:
        return True
    if any(part in SECRET_WORDS for part in parts):
        return True
    return any(pair in SECRET_PAIRS for pair in itertools.pairwise(parts))
