"""The native API: every kind of every family in one filtered, keyset-paginated list."""

import pytest
from starlette.testclient import TestClient

from tests.support import BAD_KEYSET_QUERIES, SEED_EXAMPLE, Tenant

# At least these; the native list is ours, so new fields are not a break.
ENTRY_KEYS = {
    "id",
    "uid",
    "kind",
    "source",
    "received_at",
    "occurred_at",
    "status_code",
    "message",
    "url",
    "fingerprint",
    "protected",
    "redactions",
    "content",
}
# Each entry is named by its message. Created in this order; the integration logs carry
# their own (past) created_at, everything else occurs when received, i.e. after them.
NEWEST_FIRST = [
    "Uses swagger 2.0",  # import_log_update of ref-1
    "No title",  # import_log of ref-1
    "Rate 100x exceeded",  # import_error, shotgun
    "snakeXcase failed",  # import_error, ftrack
    "snake_case failed",  # import_error, shotgun
    "Rate 100% exceeded",  # integration_log, 404, 2023-03-03, https://x
    "Bad gateway",  # integration_log, 502, 2023-03-02, https://shop.example/Orders/42
    "An SSL error occurred",  # integration_log, 495, 2023-03-01, seed example
]


def entries_url(tenant: Tenant, project_id: str = "") -> str:
    return f"/v1/projects/{project_id or tenant.project_id}/entries"


@pytest.fixture
def populated(client: TestClient, tenant: Tenant) -> Tenant:
    """One tenant with entries of every kind the API families write."""
    integration_logs = [
        SEED_EXAMPLE,
        {
            "base_url": "https://shop.example",
            "full_url": "https://shop.example/Orders/42?page=1",
            "response_code": 502,
            "exception": "Bad gateway",
            "created_at": "2023-03-02T00:00:00Z",
        },
        {
            "base_url": "https://x",
            "response_code": 404,
            "exception": "Rate 100% exceeded",
            "created_at": "2023-03-03T00:00:00Z",
        },
    ]
    integration_url = f"/api/v3/integrations/{tenant.integration_id}/logs"
    for body in integration_logs:
        assert client.post(integration_url, json=body, auth=tenant.basic).status_code == 201
    for source, error in (
        ("shotgun", "snake_case failed"),
        ("ftrack", "snakeXcase failed"),
        ("shotgun", "Rate 100x exceeded"),
    ):
        response = client.post(
            f"/import/{source}/errors", json={"error": error}, headers=tenant.bearer
        )
        assert response.status_code == 201
    logs_url = f"/v3/projects/{tenant.project_id}/api-references/ref-1/logs"
    title = {"code": "MISSING_FIELD", "message": "No title", "path": "/info"}
    created = client.post(logs_url, json={"errors": [title]}, headers=tenant.bearer)
    assert created.status_code == 201
    swagger = {"code": "DEPRECATED", "message": "Uses swagger 2.0", "path": "/swagger"}
    log_id = created.json()["data"]["id"]
    patched = client.patch(
        f"{logs_url}/{log_id}", json={"warnings": [swagger]}, headers=tenant.bearer
    )
    assert patched.status_code == 200
    return tenant


def messages(client: TestClient, tenant: Tenant, query: str = "") -> list[str]:
    response = client.get(f"{entries_url(tenant)}?{query}", headers=tenant.bearer)
    assert response.status_code == 200, (query, response.text)
    return [entry["message"] for entry in response.json()["data"]]


def test_every_kind_is_in_one_list_newest_first(client: TestClient, populated: Tenant) -> None:
    response = client.get(entries_url(populated), headers=populated.bearer)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"data", "next_cursor"}
    assert body["next_cursor"] is None
    data = body["data"]
    assert [entry["message"] for entry in data] == NEWEST_FIRST
    assert all(set(entry) >= ENTRY_KEYS for entry in data)
    assert [entry["kind"] for entry in data] == [
        "import_log_update",
        "import_log",
        *["import_error"] * 3,
        *["integration_log"] * 3,
    ]
    order = [(entry["occurred_at"], entry["id"]) for entry in data]
    assert order == sorted(order, reverse=True)
    update, log, import_error, integration_log = data[0], data[1], data[2], data[7]
    assert update["content"]["log_id"] == log["uid"]
    assert update["source"] == log["source"] == "ref-1"
    assert import_error["content"] == {"error": "Rate 100x exceeded"}
    assert import_error["source"] == "shotgun"
    assert integration_log["content"]["full_url"] == SEED_EXAMPLE["full_url"]
    assert integration_log["source"] == str(populated.integration_id)
    assert integration_log["status_code"] == 495
    assert integration_log["occurred_at"] == "2023-03-01T01:02:00.000000Z"


def test_an_entry_is_read_by_id(client: TestClient, populated: Tenant) -> None:
    data = client.get(entries_url(populated), headers=populated.bearer).json()["data"]
    for entry in data:
        response = client.get(f"{entries_url(populated)}/{entry['id']}", headers=populated.bearer)
        assert response.status_code == 200
        assert response.json() == {"data": entry}
    missing = client.get(
        f"{entries_url(populated)}/{max(e['id'] for e in data) + 1000}", headers=populated.bearer
    )
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "RESOURCE_NOT_FOUND"
    not_an_id = client.get(f"{entries_url(populated)}/abc", headers=populated.bearer)
    assert not_an_id.status_code == 400
    assert not_an_id.json()["errors"][0]["field"] == "path.entry_id"


def test_pages_hold_every_entry_once_and_keep_the_filters(
    client: TestClient, populated: Tenant
) -> None:
    for query, expected, sizes in (
        ("page_size=3", NEWEST_FIRST, [3, 3, 2]),
        ("page_size=2&kind=import_error", NEWEST_FIRST[2:5], [2, 1]),
        ("page_size=1&q=rate", ["Rate 100x exceeded", "Rate 100% exceeded"], [1, 1]),
    ):
        seen: list[str] = []
        got_sizes = []
        url: str | None = f"{entries_url(populated)}?{query}"
        while url is not None:
            response = client.get(url, headers=populated.bearer)
            assert response.status_code == 200, response.text
            page = response.json()
            seen += [entry["message"] for entry in page["data"]]
            got_sizes.append(len(page["data"]))
            link = response.headers.get("link")
            if link is None:
                assert page["next_cursor"] is None
                url = None
            else:
                url, rel = link.split(">; ")
                url = url.lstrip("<")
                assert rel == 'rel="next"'
                assert f"cursor={page['next_cursor']}" in url
        assert seen == expected, query
        assert got_sizes == sizes, query


FILTERS: list[tuple[str, list[str]]] = [
    ("kind=import_error", NEWEST_FIRST[2:5]),
    ("kind=import_log,import_log_update", NEWEST_FIRST[:2]),
    ("kind=integration_log&kind=import_log", [NEWEST_FIRST[1], *NEWEST_FIRST[5:]]),
    ("kind=capsule", []),
    ("source=shotgun", ["Rate 100x exceeded", "snake_case failed"]),
    ("source=ref-1", NEWEST_FIRST[:2]),
    ("source=unknown", []),
    ("status_code=495", ["An SSL error occurred"]),
    ("status_code=404", ["Rate 100% exceeded"]),
    ("status_code=200", []),
    ("since=2023-03-02T00:00:00Z", NEWEST_FIRST[:7]),
    ("since=2023-03-02T01:00:00%2B01:00", NEWEST_FIRST[:7]),
    ("since=2023-03-02T01:00:00+01:00", NEWEST_FIRST[:7]),
    ("since=2023-03-02T00:00:00.000001Z", NEWEST_FIRST[:6]),
    ("until=2023-03-02T00:00:00Z", ["An SSL error occurred"]),
    ("since=2023-03-02T00:00:00Z&until=2023-03-03T00:00:00Z", ["Bad gateway"]),
    ("until=2000-01-01T00:00:00Z", []),
    ("q=SSL%20ERROR", ["An SSL error occurred"]),
    ("q=rate", ["Rate 100x exceeded", "Rate 100% exceeded"]),
    ("q=100%25", ["Rate 100% exceeded"]),
    ("q=%25", ["Rate 100% exceeded"]),
    ("q=e_c", ["snake_case failed"]),
    ("q=_", ["snake_case failed"]),
    ("q=orders%2F42", ["Bad gateway"]),
    ("q=EXAMPLE.COM", ["An SSL error occurred"]),
    ("q=https://x", ["Rate 100% exceeded"]),
    ("q=swagger", ["Uses swagger 2.0"]),
    ("q=nothing%20like%20it", []),
    ("kind=import_error&q=rate", ["Rate 100x exceeded"]),
    ("source=shotgun&q=snake", ["snake_case failed"]),
    ("kind=integration_log&since=2023-03-02T00:00:00Z&status_code=502", ["Bad gateway"]),
]


def test_each_filter_selects_its_entries(client: TestClient, populated: Tenant) -> None:
    for query, expected in FILTERS:
        assert messages(client, populated, query) == expected, query


def test_bad_filters_are_a_400_naming_the_parameter(client: TestClient, populated: Tenant) -> None:
    for query, field in (
        ("kind=nope", "query.kind"),
        ("kind=import_error,nope", "query.kind"),
        ("status_code=abc", "query.status_code"),
        ("status_code=-1", "query.status_code"),
        ("since=yesterday", "query.since"),
        ("until=2023-13-01T00:00:00Z", "query.until"),
        ("q=", "query.q"),
        ("q=" + "x" * 201, "query.q"),
        *BAD_KEYSET_QUERIES,
    ):
        response = client.get(f"{entries_url(populated)}?{query}", headers=populated.bearer)
        assert response.status_code == 400, query
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in response.json()["errors"]] == [field], query


def test_another_project_is_not_found(
    client: TestClient, populated: Tenant, other_tenant: Tenant
) -> None:
    entry_id = client.get(entries_url(populated), headers=populated.bearer).json()["data"][0]["id"]
    theirs = other_tenant.bearer
    for response in (
        client.get(entries_url(populated), headers=theirs),
        client.get(f"{entries_url(populated)}/{entry_id}", headers=theirs),
        client.get(f"{entries_url(other_tenant)}/{entry_id}", headers=theirs),
        client.get(entries_url(populated, project_id="not-a-project"), headers=populated.bearer),
    ):
        assert response.status_code == 404, response.url
        assert response.json()["errors"][0]["code"] == "RESOURCE_NOT_FOUND"
    own = client.get(entries_url(other_tenant), headers=theirs)
    assert own.status_code == 200
    assert own.json() == {"data": [], "next_cursor": None}


def test_credentials_are_required(client: TestClient, tenant: Tenant) -> None:
    for headers in ({}, {"Authorization": f"Bearer {tenant.key.key_id}.wrong"}):
        response = client.get(entries_url(tenant), headers=headers)
        assert response.status_code == 401
        assert response.json()["errors"][0]["code"] == "UNAUTHORIZED"
        assert response.headers["www-authenticate"].startswith("Bearer")
