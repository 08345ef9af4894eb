"""Triage through the HTTP API: every entry's class, cause and hint, issues counted and
listed, their status, and a project's own rules (docs/issues.md)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from errorledger.settings import Settings
from tests.support import BAD_KEYSET_QUERIES, Tenant, keyset_pages, post_log, scoped_bearer

# The promised examples (issue §1), each as a seed 000 record: (record, class, cause).
EXAMPLES: list[tuple[dict[str, Any], str, str | None]] = [
    ({"exception_type": "requests.exceptions.SSLError", "exception": "SSL error"}, "tls", None),
    (
        {
            "exception_type": "httpx.ConnectError",
            "exception": "[Errno -2] Name or service not known",
        },
        "dns",
        "dns.no_such_host",
    ),
    (
        {"exception_type": "httpx.ConnectError", "exception": "[Errno 111] Connection refused"},
        "connect",
        "connect.refused",
    ),
    ({"exception_type": "java.net.SocketTimeoutException", "exception": "x"}, "timeout", None),
    (
        {"exception_type": "Error", "exception": "getaddrinfo ENOTFOUND shop.example"},
        "dns",
        "dns.no_such_host",
    ),
    (
        {
            "exception_type": "GuzzleHttp\\Exception\\RequestException",
            "exception": "cURL error 60: SSL certificate problem: certificate has expired",
        },
        "tls",
        "tls.certificate_expired",
    ),
    ({"exception": "x509: certificate signed by unknown authority"}, "tls", None),
    (
        {"exception_type": "requests.exceptions.HTTPError", "response_code": 401},
        "auth",
        "auth.invalid_credentials",
    ),
    ({"response_code": 495}, "tls", None),
    ({"response_code": 496}, "tls", None),
    ({"response_code": 525}, "tls", None),
    ({"response_code": 526}, "tls", None),
    ({"response_code": 408}, "timeout", None),
    ({"response_code": 504}, "timeout", None),
    ({"response_code": 524}, "timeout", None),
    ({"response_code": 429}, "rate_limit", "rate_limit.exceeded"),
    (
        {"response_code": 403, "response": {"headers": {"cf-mitigated": "challenge"}}},
        "permission",
        "permission.waf_challenge",
    ),
    (
        {"response_code": 429, "response": {"headers": {"CF-Mitigated": "challenge"}}},
        "permission",
        "permission.waf_challenge",
    ),
    ({"response_code": 422}, "validation", None),
]


def issues_url(tenant: Tenant, tail: str = "") -> str:
    return f"/v1/projects/{tenant.project_id}/issues{tail}"


@pytest.fixture
def admin(settings: Settings, tenant: Tenant) -> dict[str, str]:
    return scoped_bearer(settings, tenant, "admin", "read")


@pytest.mark.parametrize(("record", "klass", "cause"), EXAMPLES)
def test_each_promised_example_gets_its_class_through_the_api(
    client: TestClient, tenant: Tenant, record: dict[str, Any], klass: str, cause: str | None
) -> None:
    entry = post_log(client, tenant, {"full_url": "https://shop.example/orders/1", **record})
    assert entry["class"] == klass
    if cause is not None:
        assert entry["cause"] == cause
    assert entry["cause"].startswith(klass + ".")
    assert entry["hint"]["title"]
    assert entry["hint"]["text"]
    assert entry["hint"]["actor"] in ("integration", "remote", "transient")
    assert isinstance(entry["issue_id"], int)


def test_an_import_error_that_misses_a_field_is_a_validation_failure(
    client: TestClient, tenant: Tenant
) -> None:
    response = client.post(
        "/import/shopify/errors",
        json={"error": "Missing required field: sku", "details": {"row": 7}},
        headers=tenant.bearer,
    )
    assert response.status_code == 201, response.text
    found = client.get(
        f"/v1/projects/{tenant.project_id}/entries?kind=import_error", headers=tenant.bearer
    ).json()["data"]
    assert [(e["class"], e["cause"]) for e in found] == [("validation", "validation.missing_field")]


def test_the_hint_is_filled_with_the_records_facts(client: TestClient, tenant: Tenant) -> None:
    entry = post_log(
        client,
        tenant,
        {
            "full_url": "https://shop.example/wp-json/wc/v3/orders",
            "exception_type": "x509",
            "exception": "x509: certificate has expired or is not yet valid: current time "
            "2026-12-01T10:00:00Z is after 2026-11-30T23:59:59Z",
        },
    )
    assert entry["cause"] == "tls.certificate_expired"
    assert "shop.example" in entry["hint"]["title"]
    assert "2026-11-30T23:59:59Z" in entry["hint"]["text"]
    assert entry["hint"]["retryable"] is False


def _mixed_logs(client: TestClient, tenant: Tenant, count: int) -> dict[str, int]:
    """``count`` logs of three problems, with ids varying in URLs and messages."""
    expected = {"tls": 0, "rate_limit": 0, "server": 0}
    for n in range(count):
        if n % 3 == 0:
            record = {
                "full_url": f"https://shop-a.example/products/{n * 7919}/variants/{n}",
                "exception_type": "requests.exceptions.SSLError",
                "exception": f"certificate verify failed: certificate has expired (id {n})",
            }
            expected["tls"] += 1
        elif n % 3 == 1:
            record = {
                "full_url": f"https://shop-b.example/orders/{1000 + n}?page={n}",
                "method": "GET",
                "response_code": 429,
                "exception": f"Too many requests for order {1000 + n}",
            }
            expected["rate_limit"] += 1
        else:
            record = {
                "full_url": f"https://shop-c.example/customers/{n}a{n}b/notes",
                "method": "POST",
                "response_code": 500,
                "exception": f"Internal error at 2026-12-0{n % 9 + 1}T10:00:00Z ref {n:08x}",
            }
            expected["server"] += 1
        response = client.post(
            f"/api/v3/integrations/{tenant.integration_id}/logs",
            json={"base_url": "https://x", **record},
            headers=tenant.bearer,
        )
        assert response.status_code == 201, response.text
    return expected


def test_a_thousand_logs_of_three_problems_are_three_issues(
    client: TestClient, tenant: Tenant
) -> None:
    expected = _mixed_logs(client, tenant, 1000)
    pages = keyset_pages(client, issues_url(tenant, "?page_size=2"), tenant.bearer)
    found = [issue for page in pages for issue in page["data"]]
    assert {issue["class"]: issue["count"] for issue in found} == expected
    assert len(found) == 3
    tls = next(issue for issue in found if issue["class"] == "tls")
    assert tls["culprit"] == "shop-a.example"  # the host never answered: the path is noise
    assert tls["status"] == "open"
    detail = client.get(issues_url(tenant, f"/{tls['id']}"), headers=tenant.bearer).json()
    assert sum(detail["data"]["histogram"]["hours"]) == expected["tls"]
    assert len(detail["data"]["histogram"]["hours"]) == 14 * 24
    entries = keyset_pages(
        client, issues_url(tenant, f"/{tls['id']}/entries?page_size=100"), tenant.bearer
    )
    listed = [entry for page in entries for entry in page["data"]]
    assert len(listed) == expected["tls"]
    assert {entry["issue_id"] for entry in listed} == {tls["id"]}
    ids = [entry["id"] for entry in listed]
    assert ids == sorted(ids, reverse=True)  # newest first


def test_issues_sort_and_filter(client: TestClient, tenant: Tenant) -> None:
    _mixed_logs(client, tenant, 7)  # tls 3, rate_limit 2, server 2

    def listed(query: str) -> list[str]:
        response = client.get(issues_url(tenant, query), headers=tenant.bearer)
        assert response.status_code == 200, response.text
        return [issue["class"] for issue in response.json()["data"]]

    assert listed("?sort=count")[0] == "tls"
    assert listed("?sort=first_seen") == ["server", "rate_limit", "tls"]
    assert listed("?sort=last_seen")[0] == "tls"  # the 7th log was tls
    assert listed("?class=server") == ["server"]
    assert listed("?q=shop-b") == ["rate_limit"]
    assert listed("?kind=import_error") == []
    assert listed("?status=resolved") == []


def test_a_resolved_issue_reopens_on_a_new_occurrence(
    client: TestClient, tenant: Tenant, admin: dict[str, str]
) -> None:
    record = {"full_url": "https://shop.example/orders/12", "response_code": 503}
    issue_id = post_log(client, tenant, record)["issue_id"]
    changed = client.patch(
        issues_url(tenant, f"/{issue_id}"), json={"status": "resolved"}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["data"]["issue"]["status"] == "resolved"
    assert changed.json()["data"]["issue"]["regressed_at"] is None

    again = post_log(client, tenant, {**record, "full_url": "https://shop.example/orders/13"})
    assert again["issue_id"] == issue_id
    issue = client.get(issues_url(tenant, f"/{issue_id}"), headers=tenant.bearer).json()["data"]
    assert issue["issue"]["status"] == "open"
    assert issue["issue"]["regressed_at"] is not None
    assert issue["issue"]["count"] == 2


def test_an_ignored_issue_stays_ignored(
    client: TestClient, tenant: Tenant, admin: dict[str, str]
) -> None:
    record = {"full_url": "https://shop.example/", "response_code": 500}
    issue_id = post_log(client, tenant, record)["issue_id"]
    client.patch(issues_url(tenant, f"/{issue_id}"), json={"status": "ignored"}, headers=admin)
    post_log(client, tenant, record)
    issue = client.get(issues_url(tenant, f"/{issue_id}"), headers=tenant.bearer).json()["data"]
    assert (issue["issue"]["status"], issue["issue"]["count"]) == ("ignored", 2)


def test_changing_an_issue_needs_admin_and_a_known_status(
    client: TestClient, tenant: Tenant, admin: dict[str, str]
) -> None:
    issue_id = post_log(client, tenant, {"response_code": 500})["issue_id"]
    url = issues_url(tenant, f"/{issue_id}")
    assert client.patch(url, json={"status": "resolved"}, headers=tenant.bearer).status_code == 403
    refused = client.patch(url, json={"status": "fixed"}, headers=admin)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "body.status"
    assert client.patch(url, json={}, headers=admin).status_code == 400


def test_another_projects_issue_is_not_found(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    issue_id = post_log(client, tenant, {"response_code": 500})["issue_id"]
    for tail in (f"/{issue_id}", f"/{issue_id}/entries"):
        response = client.get(issues_url(tenant, tail), headers=other_tenant.bearer)
        assert response.status_code == 404
        mine = client.get(issues_url(other_tenant, tail), headers=other_tenant.bearer)
        assert mine.status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        *BAD_KEYSET_QUERIES,
        ("sort=size", "query.sort"),
        ("status=done", "query.status"),
        ("class=ssl", "query.class"),
    ],
)
def test_bad_list_parameters_are_a_400(
    client: TestClient, tenant: Tenant, query: str, field: str
) -> None:
    response = client.get(issues_url(tenant, f"?{query}"), headers=tenant.bearer)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_a_projects_rules_classify_its_next_entries_and_its_hints_show_on_all(
    client: TestClient, tenant: Tenant, admin: dict[str, str]
) -> None:
    url = f"/v1/projects/{tenant.project_id}/hint-rules"
    assert client.get(url, headers=admin).json() == {"rules": [], "hints": {}}
    record = {
        "full_url": "https://partner.example/api",
        "response_code": 403,
        "exception": "scope write_orders missing",
    }
    before = post_log(client, tenant, record)
    assert before["cause"] == "permission.forbidden"
    rules = {
        "rules": [
            {
                "match": {"host": "partner.example", "message": "scope \\w+ missing"},
                "cause": "auth.partner_scope",
            }
        ],
        "hints": {
            "auth.partner_scope": {
                "title": "The partner key of {host} lacks a scope",
                "text": "Ask the partner for a key with the scope named in the message.",
                "actor": "integration",
                "retryable": False,
            },
            "permission.forbidden": {
                "title": "Forbidden by {host}",
                "text": "Our own words.",
                "actor": "remote",
                "retryable": False,
            },
        },
    }
    response = client.put(url, json=rules, headers=admin)
    assert response.status_code == 200, response.text
    assert client.get(url, headers=admin).json() == rules

    after = post_log(client, tenant, record)
    assert (after["class"], after["cause"]) == ("auth", "auth.partner_scope")
    assert after["hint"]["title"] == "The partner key of partner.example lacks a scope"
    assert after["issue_id"] != before["issue_id"]
    old = client.get(
        f"/v1/projects/{tenant.project_id}/entries/{before['id']}", headers=tenant.bearer
    ).json()["data"]
    assert old["cause"] == "permission.forbidden"  # classified when it came
    assert old["hint"]["title"] == "Forbidden by partner.example"  # hint texts apply to all


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"rules": [{"match": {}, "cause": "auth.x"}], "hints": {}}, "body"),
        ({"rules": [{"match": {"status": 403}, "cause": "auth.unknown_here"}]}, "body"),
        ({"rules": [{"match": {"message": "(a"}, "cause": "auth.invalid_credentials"}]}, "body"),
        ({"rules": [{"match": {"message": "x*"}, "cause": "auth.invalid_credentials"}]}, "body"),
        ({"rules": [{"match": {"status": 403}, "cause": "nope.x"}]}, "body"),
        (
            {
                "hints": {
                    "auth.x": {
                        "title": "{secret}",
                        "text": "t",
                        "actor": "remote",
                        "retryable": True,
                    }
                }
            },
            "body",
        ),
        (
            {
                "hints": {
                    "auth.x": {
                        "title": "t",
                        "text": "[unclosed",
                        "actor": "remote",
                        "retryable": True,
                    }
                }
            },
            "body",
        ),
        (
            {
                "hints": {
                    "auth.x": {"title": "t", "text": "t", "actor": "nobody", "retryable": True}
                }
            },
            "body.hints",
        ),
        ({"rules": "all"}, "body.rules"),
    ],
)
def test_rules_that_cannot_be_used_are_a_400_and_change_nothing(
    client: TestClient, tenant: Tenant, admin: dict[str, str], rules: dict[str, Any], field: str
) -> None:
    url = f"/v1/projects/{tenant.project_id}/hint-rules"
    response = client.put(url, json=rules, headers=admin)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"].startswith(field)
    assert client.get(url, headers=admin).json() == {"rules": [], "hints": {}}
