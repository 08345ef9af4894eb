"""The corpus of secrets (tests/redaction_corpus.py) posted through every family, in every
position each allows, and read back through every read route: no secret is served, each
entry that carried one is protected and its report names the pointer and the rule. The
look-alikes come back untouched."""

import copy
import hashlib
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from starlette.testclient import TestClient

from tests import redaction_corpus as corpus
from tests.support import Tenant, keyset_pages

Expected = set[tuple[str, str]]  # (pointer, rule)


def case_id(index: int) -> str:
    return f"case-{index:03d}"


class Posted:
    """What was posted for one project: each case's secret, the pointers and rules its
    entries must report, and where to read it back by its family."""

    def __init__(self, client: TestClient, tenant: Tenant) -> None:
        self.client = client
        self.tenant = tenant
        self.secrets: dict[str, str] = {}  # case → the part that must never be served
        self.expected: dict[str, Expected] = {}
        self.family_reads: dict[str, list[str]] = {}  # case → family GET urls

    @property
    def logs_url(self) -> str:
        return f"/api/v3/integrations/{self.tenant.integration_id}/logs"

    @property
    def import_logs_url(self) -> str:
        return f"/v3/projects/{self.tenant.project_id}/api-references/ref-1/logs"

    def post(self, url: str, body: Any, method: str = "POST") -> dict[str, Any]:
        response = self.client.request(method, url, json=body, headers=self.tenant.bearer)
        assert response.status_code in (200, 201), response.text
        answer: dict[str, Any] = response.json()
        return answer

    def integration_log(
        self, case: str, secret: str, record: dict[str, Any], exp: Expected
    ) -> None:
        answer = self.post(self.logs_url, {"exception_type": case, **record})
        self.note(case, secret, exp, [f"{self.logs_url}/{answer['data']['id']}"])

    def import_error(self, case: str, secret: str, record: dict[str, Any], exp: Expected) -> None:
        record["details"]["case"] = case
        answer = self.post("/import/corpus/errors", record)
        self.note(case, secret, exp, [f"/import/corpus/errors/{answer['id']}"])

    def import_log(self, case: str, secret: str, message: dict[str, Any], exp: Expected) -> None:
        created = self.post(self.import_logs_url, {"errors": [{"code": case, **message}]})
        url = f"{self.import_logs_url}/{created['data']['id']}"
        self.note(case, secret, exp, [url])
        update = f"{case}-update"
        self.post(url, {"warnings": [{"code": update, **message}]}, method="PATCH")
        warned = {(p.replace("/errors/", "/warnings/"), rule) for p, rule in exp}
        self.note(update, secret, warned, [url])

    def note(self, case: str, secret: str, exp: Expected, urls: list[str]) -> None:
        self.secrets[case] = secret
        self.expected[case] = exp
        self.family_reads[case] = urls

    def native_entries(self) -> dict[str, dict[str, Any]]:
        """Every entry of the project, by the case it carries."""
        url = f"/v1/projects/{self.tenant.project_id}/entries?page_size=100"
        found: dict[str, dict[str, Any]] = {}
        for page in keyset_pages(self.client, url, self.tenant.bearer):
            for entry in page["data"]:
                found[entry_case(entry)] = entry
        return found


def entry_case(entry: dict[str, Any]) -> str:
    content = entry["content"]
    if entry["kind"] == "integration_log":
        return str(content["exception_type"])
    if entry["kind"] == "import_error":
        return str(content["details"]["case"])
    messages = content["errors"] or content["warnings"]
    return str(messages[0]["code"])


def forms(secret: str) -> list[str]:
    """How a served secret may be spelled: as sent, JSON-escaped, URL-encoded."""
    return [secret, json.dumps(secret)[1:-1], quote(secret, safe=""), quote_plus(secret)]


def assert_not_served(text: str, secret: str, where: str) -> None:
    for spelling in forms(secret):
        assert spelling not in text, f"{where} serves {spelling!r}"


def post_value_secrets(posted: Posted) -> None:
    for index, secret in enumerate(corpus.VALUE_SECRETS):
        rule, value = secret.rule, secret.value
        record: dict[str, Any] = {
            "base_url": "https://partner.example",
            "exception": f"failed: {value} (see logs)",
            "request": {"headers": f"X-Debug: {value}", "payload": {"note": value, "all": [value]}},
            "response": {"headers": {"X-Echo": value}, "body": f"<p>{value}</p>"},
        }
        exp = {
            ("/exception", rule),
            ("/request/headers", rule),
            ("/request/payload/note", rule),
            ("/request/payload/all/0", rule),
            ("/response/headers/X-Echo", rule),
            ("/response/body", rule),
        }
        if value.startswith("http"):
            record["full_url"] = value
            exp.add(("/full_url", rule))
        posted.integration_log(case_id(index), secret.core, record, exp)

        error = {"error": f"failed: {value}", "details": {"note": value, "raw": f"X: {value}"}}
        exp = {("/error", rule), ("/details/note", rule), ("/details/raw", rule)}
        posted.import_error(case_id(100 + index), secret.core, error, exp)

        message = {"message": f"failed: {value}", "path": "/x", "details": {"note": value}}
        exp = {("/errors/0/message", rule), ("/errors/0/details/note", rule)}
        posted.import_log(case_id(200 + index), secret.core, message, exp)


def post_named_secrets(posted: Posted) -> None:
    named = "secret_name"
    for index, secret in enumerate(corpus.NAMED_SECRETS):
        name, value = secret.name, secret.value
        record: dict[str, Any] = {
            "base_url": "https://partner.example",
            "full_url": f"https://partner.example/a?{name}={value}&page=2",
            "request": {"payload": f"a=1&{name}={value}&b=2"},
        }
        exp = {("/full_url", "credential_parameter"), ("/request/payload", "credential_parameter")}
        if not secret.parameter_only:
            record["request"]["headers"] = {name: value}
            record["response"] = {
                "headers": {name: value},
                "body": f"HTTP/1.1 401 Unauthorized\r\n{name}: {value}\r\n",
            }
            record["exception"] = f'upstream said {{"{name}": "{value}", "n": 1'
            exp |= {
                (f"/request/headers/{name}", named),
                (f"/response/headers/{name}", named),
                ("/response/body", "secret_header"),
                ("/exception", "secret_json_field"),
            }
        posted.integration_log(case_id(300 + index), value, record, exp)

        if secret.parameter_only:
            details: dict[str, Any] = {"query": f"page=1&{name}={value}"}
            exp = {("/details/query", "credential_parameter")}
        else:
            details = {"sent": {name: value}, "body": json.dumps({"deep": {name: value}})}
            exp = {(f"/details/sent/{name}", named), ("/details/body", named)}
        posted.import_error(case_id(400 + index), value, {"error": "e", "details": details}, exp)
        message = {"message": "m", "path": "/x", "details": copy.deepcopy(details)}
        exp = {(pointer.replace("/details", "/errors/0/details"), r) for pointer, r in exp}
        posted.import_log(case_id(500 + index), value, message, exp)

    card = corpus.CARD_NUMBER_INTEGER
    record = {"base_url": "https://partner.example", "request": {"payload": {"pan": card}}}
    posted.integration_log(
        case_id(600), str(card), record, {("/request/payload/pan", "card_number")}
    )


@pytest.fixture
def posted(client: TestClient, tenant: Tenant) -> Posted:
    posted = Posted(client, tenant)
    post_value_secrets(posted)
    post_named_secrets(posted)
    return posted


def reads(posted: Posted, entries: dict[str, dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """Every read route's answer: (what was read, its text)."""
    client, headers, project = posted.client, posted.tenant.bearer, posted.tenant.project_id
    urls = [
        f"{posted.logs_url}?page_size=100",
        "/api/v3/integrations/logs?page_size=100",
        "/import/corpus/errors?page_size=100",
        f"{posted.import_logs_url}?page_size=100",
        f"/v1/projects/{project}/entries?page_size=100",
    ]
    urls += sorted({url for family in posted.family_reads.values() for url in family})
    for entry in entries.values():
        native = f"/v1/projects/{project}/entries/{entry['id']}"
        urls += [
            native,
            f"{native}/content",
            f"/v1/projects/{project}/tlog/entries/{entry['leaf_index']}",
        ]
    urls.append(f"/v1/projects/{project}/tlog/tile/entries/000.p/{len(entries) % 256 or 256}")
    for url in urls:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.text)
        yield url, response.text


def test_no_secret_of_the_corpus_is_served_back(posted: Posted) -> None:
    assert len(set(posted.secrets.values())) >= 60
    entries = posted.native_entries()
    assert set(entries) == set(posted.secrets)
    texts = list(reads(posted, entries))
    for url, text in texts:
        for case, secret in posted.secrets.items():
            assert_not_served(text, secret, f"{url} ({case})")


def test_every_entry_that_carried_a_secret_reports_where_and_by_which_rule(
    posted: Posted,
) -> None:
    project = posted.tenant.project_id
    for case, entry in posted.native_entries().items():
        assert entry["protected"] is True, case
        reported = {(line["pointer"], line["rule"]) for line in entry["redactions"]}
        missing = posted.expected[case] - reported
        assert not missing, f"{case}: {missing} not in {sorted(reported)}"
        assert all(line["count"] >= 1 for line in entry["redactions"])
        content = posted.client.get(
            f"/v1/projects/{project}/entries/{entry['id']}/content", headers=posted.tenant.bearer
        )
        assert hashlib.sha256(content.content).hexdigest() == entry["content_sha256"]


def test_look_alikes_come_back_untouched(client: TestClient, tenant: Tenant) -> None:
    posted = Posted(client, tenant)
    look_alike_object = corpus.LOOK_ALIKE_OBJECT
    sent: dict[str, Any] = {}
    for index, text in enumerate(corpus.LOOK_ALIKE_TEXTS):
        record = {
            "base_url": "https://partner.example",
            "exception": text,
            "request": {"headers": text, "payload": copy.deepcopy(look_alike_object)},
            "response": {"body": text},
        }
        posted.integration_log(case_id(index), "-", record, set())
        sent[case_id(index)] = {"exception_type": case_id(index), **record}
        error = {"error": text, "details": copy.deepcopy(look_alike_object)}
        posted.import_error(case_id(100 + index), "-", error, set())
        sent[case_id(100 + index)] = error
        message = {"message": text, "path": "/x", "details": copy.deepcopy(look_alike_object)}
        posted.import_log(case_id(200 + index), "-", message, set())
        sent[case_id(200 + index)] = {"code": case_id(200 + index), **message}
    for case, entry in posted.native_entries().items():
        assert entry["protected"] is False, (case, entry["redactions"])
        assert entry["redactions"] == []
        content = entry["content"]
        if entry["kind"] == "integration_log":
            assert {k: content[k] for k in sent[case]} == sent[case]
        elif entry["kind"] == "import_error":
            assert content == sent[case]
        elif case in sent:
            assert content["errors"] == [sent[case]]
