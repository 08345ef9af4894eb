import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errorledger.core.redaction import (
    REDACTED,
    is_secret_key,
    redact,
    redact_text,
    redact_url,
)
from errorledger.tlog.leaf import _is_plain
from tests.support import SEED_EXAMPLE

KEYS = st.sampled_from(["password", "a", "\ue000", "😀", "token_type", "x"]) | st.text(max_size=6)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=20,
)


@pytest.mark.parametrize(
    "key",
    [
        "Authorization",
        "authorization",
        "Proxy-Authorization",
        "Cookie",
        "Set-Cookie",
        "X-Api-Key",
        "x-api-key",
        "api_key",
        "apiKey",
        "API-KEY",
        "password",
        "db_password",
        "secret",
        "client_secret",
        "clientSecret",
        "token",
        "access_token",
        "refreshToken",
        "X-Auth-Token",
        "X-CSRF-Token",
        "private_key",
        "sessionid",
        "x-amz-security-token",
    ],
)
def test_secret_keys(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "Content-Type",
        "Cache-Control",
        "Connection",
        "note",
        "order_note",
        "key",
        "author",
        "token_type",
        "password_hint",
        "expires_in",
        "primary_key",
        "idempotency_key",
        "body",
        "payload",
        "headers",
        "X-Request-Id",
        "monkey",
        "keyboard",
    ],
)
def test_harmless_keys(key: str) -> None:
    assert not is_secret_key(key)


def test_the_seed_example_has_nothing_to_redact() -> None:
    result = redact(copy.deepcopy(SEED_EXAMPLE))
    assert result.content == SEED_EXAMPLE
    assert result.paths == []
    assert not result.fired


def test_values_are_replaced_and_paths_reported_never_values() -> None:
    content: dict[str, Any] = {
        "request": {
            "headers": {"Authorization": "Basic dXNlcjpwYXNz", "Accept": "*/*"},
            "payload": {"users": [{"name": "a", "password": "p1"}, {"name": "b", "pin": 1}]},
        },
        "a/b": {"token": 12345},
        "empty": {"password": "", "secret": None},
    }
    result = redact(content)
    assert result.content["request"]["headers"] == {"Authorization": REDACTED, "Accept": "*/*"}
    assert result.content["request"]["payload"]["users"][0] == {"name": "a", "password": REDACTED}
    assert result.content["a/b"] == {"token": REDACTED}
    assert result.content["empty"] == {"password": "", "secret": None}
    assert result.paths == [
        "/request/headers/Authorization",
        "/request/payload/users/0/password",
        "/a~1b/token",
    ]
    assert "p1" not in str(result.paths)


def test_a_whole_secret_object_is_replaced() -> None:
    result = redact({"credentials": {"user": "u", "pass": "p"}})
    assert result.content == {"credentials": REDACTED}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "GET /x HTTP/1.1\r\nAuthorization: Bearer abc.def\r\nAccept: */*",
            f"GET /x HTTP/1.1\r\nAuthorization: {REDACTED}\r\nAccept: */*",
        ),
        ("set-cookie: sid=42; HttpOnly", f"set-cookie: {REDACTED}"),
        (
            "call failed with Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig",
            f"call failed with Bearer {REDACTED}",
        ),
        ("Basic authentication failed", "Basic authentication failed"),
        ("nothing to see: here", "nothing to see: here"),
    ],
)
def test_secrets_inside_text(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://u:pw@shop.example/a", f"https://u:{REDACTED}@shop.example/a"),
        (
            "https://shop.example/a?page=2&access_token=xyz&q=a+b",
            f"https://shop.example/a?page=2&access_token={REDACTED}&q=a+b",
        ),
        ("https://shop.example/a?token=", "https://shop.example/a?token="),
        ("https://shop.example/a?page=2", "https://shop.example/a?page=2"),
        ("https://[::1:80/broken", "https://[::1:80/broken"),
    ],
)
def test_credentials_in_urls(url: str, expected: str) -> None:
    assert redact_url(url) == expected


@given(json_values)
@settings(max_examples=300, deadline=None)
def test_the_walk_says_whether_the_result_is_plain_json(value: Any) -> None:
    # canonical_json trusts this flag instead of walking the content again.
    redacted = redact(copy.deepcopy(value))
    assert redacted.plain == _is_plain(redacted.content)
