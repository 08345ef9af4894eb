import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errorledger.core.records import Finding
from errorledger.core.redaction import (
    REDACTED,
    RedactionRules,
    check_rules,
    redactor,
)
from errorledger.core.redaction import policy as redaction_policy
from errorledger.core.redaction.names import is_secret_name
from errorledger.core.redaction.policy import ProjectPattern
from errorledger.errors import InvalidInput
from errorledger.tlog.leaf import _is_plain
from tests import redaction_corpus as corpus
from tests.support import SEED_EXAMPLE

BUILT_IN = redactor(None, emails=False)

KEYS = st.sampled_from(["password", "a", "\ue000", "😀", "token_type", "x"]) | st.text(max_size=6)
# Text made of the pieces secrets and their look-alikes are made of, so that the rules
# fire often and on odd neighbours.
PIECES = st.sampled_from(
    [
        "Bearer ",
        "4111 1111 1111 1111",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig",
        "?api_key=",
        "&",
        "=",
        "password=",
        "Authorization: ",
        "\r\n",
        '"token": "',
        '"',
        "\\",
        "https://u:",
        "@",
        REDACTED,
        "[REDACTED",
        "DE89 3704 0044 0532 0130 00",
        "-----BEGIN PRIVATE KEY-----",
        "AKIAIOSFODNN7EXAMPLE",
        "{",
        "}",
        " ",
    ]
)
texts = st.lists(PIECES | st.text(max_size=8), max_size=12).map("".join)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=20,
)


@pytest.mark.parametrize(
    "name",
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
        "APIKEY",
        "x.api.key",
        "password",
        "db_password",
        "passwd",
        "secret",
        "client_secret",
        "clientSecret",
        "token",
        "access_token",
        "refreshToken",
        "id_token",
        "session_token",
        "X-Auth-Token",
        "X-CSRF-Token",
        "xsrf-token",
        "private_key",
        "privateKey",
        "sessionid",
        "signature",
        "x-amz-security-token",
    ],
)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)
    assert is_secret_name(name, parameter=True)


@pytest.mark.parametrize(
    "name",
    [
        "Content-Type",
        "Cache-Control",
        "note",
        "order_note",
        "author",
        "token_type",
        "password_hint",
        "expires_in",
        "token_expires_at",
        "primary_key",
        "idempotency_key",
        "headers",
        "X-Request-Id",
        "monkey",
        "keyboard",
    ],
)
def test_harmless_names(name: str) -> None:
    assert not is_secret_name(name)
    assert not is_secret_name(name, parameter=True)


@pytest.mark.parametrize("name", ["key", "sig", "code_verifier"])
def test_short_names_are_secrets_only_as_parameters(name: str) -> None:
    assert not is_secret_name(name)
    assert is_secret_name(name, parameter=True)


def test_the_seed_example_has_nothing_to_redact() -> None:
    result = BUILT_IN.redact(copy.deepcopy(SEED_EXAMPLE))
    assert result.content == SEED_EXAMPLE
    assert result.report == []
    assert not result.fired


def test_values_are_replaced_and_reported_by_pointer_and_rule_never_value() -> None:
    content: dict[str, Any] = {
        "request": {
            "headers": {"Authorization": "Basic dXNlcjpwYXNz", "Accept": "*/*"},
            "payload": {"users": [{"name": "a", "password": "p1"}, {"name": "b", "pin": 1}]},
        },
        "a/b": {"token": 12345},
        "empty": {"password": "", "secret": None},
        "exception": "cards 4111 1111 1111 1111 and 5500-0000-0000-0004 declined",
    }
    result = BUILT_IN.redact(content)
    assert result.content["request"]["headers"] == {"Authorization": REDACTED, "Accept": "*/*"}
    assert result.content["request"]["payload"]["users"][0] == {"name": "a", "password": REDACTED}
    assert result.content["a/b"] == {"token": REDACTED}
    assert result.content["empty"] == {"password": "", "secret": None}
    assert result.content["exception"] == f"cards {REDACTED} and {REDACTED} declined"
    assert result.report == [
        Finding("/request/headers/Authorization", "secret_name", 1),
        Finding("/request/payload/users/0/password", "secret_name", 1),
        Finding("/a~1b/token", "secret_name", 1),
        Finding("/exception", "card_number", 2),
    ]
    assert "p1" not in repr(result.report)


def test_a_whole_secret_object_is_replaced() -> None:
    result = BUILT_IN.redact({"credentials": {"user": "u", "pass": "p"}})
    assert result.content == {"credentials": REDACTED}


def test_name_value_pairs_are_judged_by_their_name() -> None:
    headers = [{"name": "X-Api-Key", "value": "k-1"}, {"name": "Accept", "value": "*/*"}]
    result = BUILT_IN.redact({"headers": headers})
    assert result.content["headers"] == [
        {"name": "X-Api-Key", "value": REDACTED},
        {"name": "Accept", "value": "*/*"},
    ]
    assert result.report == [Finding("/headers/0/value", "secret_name", 1)]


@pytest.mark.parametrize(
    ("text", "expected", "rule"),
    [
        (
            "GET /x HTTP/1.1\r\nAuthorization: Bearer abc.def\r\nAccept: */*",
            f"GET /x HTTP/1.1\r\nAuthorization: {REDACTED}\r\nAccept: */*",
            "secret_header",
        ),
        ("set-cookie: sid=42; HttpOnly", f"set-cookie: {REDACTED}", "secret_header"),
        (
            "call failed with Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig",
            f"call failed with Bearer {REDACTED}",
            "http_credential",
        ),
        ("a=1&password=x&b=2", f"a=1&password={REDACTED}&b=2", "credential_parameter"),
        (
            "https://u:pw@shop.example/a?page=2&access_token=xyz&q=a+b",
            f"https://u:{REDACTED}@shop.example/a?page=2&access_token={REDACTED}&q=a+b",
            "url_password",
        ),
        (
            '{"access_token": "abc", "token_type": "bearer", "expires_in": 3',
            f'{{"access_token": "{REDACTED}", "token_type": "bearer", "expires_in": 3',
            "secret_json_field",
        ),
    ],
)
def test_secrets_inside_text(text: str, expected: str, rule: str) -> None:
    result = BUILT_IN.redact({"text": text})
    assert result.content["text"] == expected
    assert rule in {finding.rule for finding in result.report}
    assert {finding.pointer for finding in result.report} == {"/text"}


@pytest.mark.parametrize(
    "text",
    [
        "Basic authentication failed",
        "nothing to see: here",
        "https://shop.example/a?token=",
        "https://shop.example/a?page=2&token_type=bearer",
        "https://[::1:80/broken",
    ],
)
def test_text_without_secrets_is_kept(text: str) -> None:
    result = BUILT_IN.redact({"text": text})
    assert result.content == {"text": text}
    assert result.report == []


def test_a_string_holding_json_is_redacted_as_json_and_kept_as_json_text() -> None:
    body = '{"user": {"password": "hunter2", "name": "a"}, "items": [1, 2.5]}'
    result = BUILT_IN.redact({"body": body})
    assert result.content["body"] == '{"user":{"password":"[REDACTED]","name":"a"},"items":[1,2.5]}'
    assert result.report == [Finding("/body", "secret_name", 1)]
    untouched = '{"user": {"name": "a"}}'
    assert BUILT_IN.redact({"body": untouched}).content["body"] is untouched


def test_json_too_deep_to_take_apart_is_scanned_as_text() -> None:
    deep = "[" * 100 + '{"password": "hunter2"}' + "]" * 100
    result = BUILT_IN.redact({"body": deep})
    assert "hunter2" not in result.content["body"]
    assert result.report == [Finding("/body", "secret_json_field", 1)]


def test_a_key_that_is_itself_a_secret_is_renamed() -> None:
    token = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"
    result = BUILT_IN.redact({"seen": {token: 1, "other": 2}})
    assert result.content == {"seen": {REDACTED: 1, "other": 2}}
    assert result.report == [Finding("/seen/[REDACTED]", "github_token", 1)]


def test_a_card_number_sent_as_a_number_is_replaced() -> None:
    result = BUILT_IN.redact({"order": {"pan": 4111111111111111, "id": 1234567812345678}})
    assert result.content == {"order": {"pan": REDACTED, "id": 1234567812345678}}


@pytest.mark.parametrize("secret", corpus.VALUE_SECRETS, ids=lambda s: s.rule)
def test_each_secret_of_the_corpus_is_found_by_its_rule(secret: corpus.Secret) -> None:
    result = BUILT_IN.redact({"text": f"failed: {secret.value} (see logs)"})
    assert secret.value not in result.content["text"]
    assert [finding.rule for finding in result.report] == [secret.rule]


@pytest.mark.parametrize("text", corpus.LOOK_ALIKE_TEXTS)
def test_look_alikes_stay(text: str) -> None:
    result = redactor(None, emails=False).redact({"text": text})
    assert result.content == {"text": text}
    assert result.report == []


def test_look_alike_names_stay() -> None:
    content = copy.deepcopy(corpus.LOOK_ALIKE_OBJECT)
    result = BUILT_IN.redact(content)
    assert result.content == corpus.LOOK_ALIKE_OBJECT
    assert result.report == []


def test_emails_only_where_asked() -> None:
    text = "no customer for jane.doe@example.com"
    assert BUILT_IN.redact({"t": text}).content == {"t": text}
    asked = redactor(None, emails=True).redact({"t": text})
    assert asked.content == {"t": f"no customer for {REDACTED}"}
    assert asked.report == [Finding("/t", "email", 1)]


def test_a_projects_rules_add_names_and_patterns_and_keep_safe_names() -> None:
    rules = RedactionRules(
        names=("order-token",),
        patterns=(ProjectPattern("ticket", r"TCK-[0-9]{6}"),),
        safe=("Session",),
    )
    check_rules(rules)
    result = redactor(rules, emails=False).redact(
        {
            "OrderToken": "a1",
            "note": "see TCK-123456 and ?order_token=zz",
            "Session": "kept-9f8e7d6c5b4a",
            "session": {"password": "nested-is-still-redacted"},
        }
    )
    assert result.content == {
        "OrderToken": REDACTED,
        "note": f"see {REDACTED} and ?order_token={REDACTED}",
        "Session": "kept-9f8e7d6c5b4a",
        "session": {"password": REDACTED},
    }
    assert Finding("/note", "project:ticket", 1) in result.report


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("(?<=a)b", "RE2"),
        (r"(a)\1", "RE2"),
        ("a*", "empty"),
        ("(abc|def){500}", "instructions"),
        ("[", "RE2"),
    ],
)
def test_patterns_that_cannot_be_accepted_are_refused_with_the_reason(
    pattern: str, says: str
) -> None:
    rules = RedactionRules(patterns=(ProjectPattern("p", pattern),))
    with pytest.raises(InvalidInput) as refused:
        check_rules(rules)
    [error] = refused.value.errors
    assert error.location == ("body", "patterns", 0, "pattern")
    assert says in error.message


def test_a_pattern_that_backtracks_elsewhere_is_accepted_here() -> None:
    # Catastrophic in a backtracking engine ((a+)+$ on "aaaa…!"); linear in RE2.
    check_rules(RedactionRules(patterns=(ProjectPattern("p", "(a+)+$"),)))


def test_a_pattern_over_the_time_bound_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redaction_policy, "PATTERN_TIME_BOUND_S", 0.0)
    with pytest.raises(InvalidInput) as refused:
        check_rules(RedactionRules(patterns=(ProjectPattern("p", "a"),)))
    assert "took more than" in refused.value.errors[0].message


def test_two_patterns_may_not_share_a_name() -> None:
    twice = (ProjectPattern("p", "a"), ProjectPattern("p", "b"))
    with pytest.raises(InvalidInput) as refused:
        check_rules(RedactionRules(patterns=twice))
    assert refused.value.errors[0].location == ("body", "patterns", 1, "name")


@given(json_values)
@settings(max_examples=300, deadline=None)
def test_the_walk_says_whether_the_result_is_plain_json(value: Any) -> None:
    # canonical_json trusts this flag instead of walking the content again.
    redacted = BUILT_IN.redact(copy.deepcopy(value))
    assert redacted.plain == _is_plain(redacted.content)


@given(json_values)
@settings(max_examples=500, deadline=None)
def test_redaction_never_raises_stays_bounded_and_is_idempotent(value: Any) -> None:
    every = redactor(None, emails=True)
    once = every.redact(copy.deepcopy(value))
    assert len(repr(once.content)) <= 10 * len(repr(value)) + 20
    twice = every.redact(copy.deepcopy(once.content))
    assert twice.content == once.content
    assert twice.report == []
    assert once.fired == (once.report != [])


@given(texts)
@settings(max_examples=500, deadline=None)
def test_text_redaction_is_idempotent(text: str) -> None:
    once = BUILT_IN.redact_text(text)
    assert BUILT_IN.redact_text(once) == once
    assert len(once) <= 10 * len(text) + 10
