"""Seed 000, integration exception logs: what an existing client sees."""

import copy
import logging
from datetime import datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from errorledger.settings import Settings
from tests.support import SEED_EXAMPLE, Tenant, create_tenant, validate_against_seed


def logs_url(tenant: Tenant, integration_id: int | None = None) -> str:
    return f"/api/v3/integrations/{integration_id or tenant.integration_id}/logs"


def post(client: TestClient, tenant: Tenant, body: Any, **kwargs: Any) -> Any:
    response = client.post(logs_url(tenant), json=body, auth=tenant.basic, **kwargs)
    if response.status_code == 201:
        validate_against_seed(response.json()["data"], "integration-log")
    return response


def only_error(response: Any) -> dict[str, Any]:
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    return dict(errors[0])


def test_the_seed_example_is_stored_and_echoed(client: TestClient, tenant: Tenant) -> None:
    response = post(client, tenant, SEED_EXAMPLE)
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    data = response.json()["data"]
    validate_against_seed(data, "integration-log")
    assert data == {
        "id": data["id"],
        "integration_id": tenant.integration_id,
        **SEED_EXAMPLE,
        "protected": False,
        "additional_data": "",
    }
    assert isinstance(data["id"], int)
    assert data["id"] >= 1


def test_a_minimal_log_gets_defaults(client: TestClient, tenant: Tenant) -> None:
    before = datetime.now().astimezone()
    response = post(client, tenant, {"base_url": "https://shop.example", "method": None})
    assert response.status_code == 201
    data = response.json()["data"]
    validate_against_seed(data, "integration-log")
    assert data["method"] == ""
    assert data["full_url"] is None
    assert data["response"] is None
    created = datetime.fromisoformat(data["created_at"])
    assert created.tzinfo is not None
    assert created >= before.replace(microsecond=0)


@pytest.mark.parametrize(
    "extra",
    [
        {"response": {"headers": None, "body": {"error": "x"}, "status": 502}},
        {"request": {"headers": "Content-Type: text/plain", "payload": "a=b"}},
        {"response_code": 0, "created_at": "2023-03-01T01:02:03Z"},
        {"response_code": 404.0},
    ],
)
def test_every_shape_the_schema_allows_is_accepted(
    client: TestClient, tenant: Tenant, extra: dict[str, Any]
) -> None:
    response = post(client, tenant, {"base_url": "https://shop.example", **extra})
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    validate_against_seed(data, "integration-log")
    for key, value in extra.items():
        assert data[key] == value


def test_an_unknown_field_is_extra_forbidden(client: TestClient, tenant: Tenant) -> None:
    response = post(client, tenant, {**SEED_EXAMPLE, "unknown_field": 1})
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "status": "400",
                "code": "extra_forbidden",
                "title": "Extra Forbidden",
                "detail": "Extra inputs are not permitted",
                "source": {"pointer": "body/unknown_field"},
            }
        ]
    }


@pytest.mark.parametrize(
    ("body", "pointer", "code"),
    [
        ({}, "body/base_url", "required"),
        ({"base_url": ""}, "body/base_url", "invalid"),
        ({"base_url": None}, "body/base_url", "null"),
        ({"base_url": 5}, "body/base_url", "invalid"),
        ({"base_url": "x", "full_url": 1}, "body/full_url", "invalid"),
        ({"base_url": "x", "method": ["GET"]}, "body/method", "invalid"),
        ({"base_url": "x", "response_code": -1}, "body/response_code", "min_value"),
        ({"base_url": "x", "response_code": "500"}, "body/response_code", "invalid"),
        ({"base_url": "x", "response_code": True}, "body/response_code", "invalid"),
        ({"base_url": "x", "response_code": 1.5}, "body/response_code", "invalid"),
        ({"base_url": "x", "response": "boom"}, "body/response", "invalid"),
        ({"base_url": "x", "response": {"headers": "a: b"}}, "body/response/headers", "invalid"),
        ({"base_url": "x", "response": {"body": 3}}, "body/response/body", "invalid"),
        ({"base_url": "x", "request": {"headers": 3}}, "body/request/headers", "invalid"),
        ({"base_url": "x", "request": {"payload": [1]}}, "body/request/payload", "invalid"),
        ({"base_url": "x", "created_at": "yesterday"}, "body/created_at", "invalid"),
        ({"base_url": "x", "created_at": "2023-03-01"}, "body/created_at", "invalid"),
        ({"base_url": "x", "created_at": 1677632520}, "body/created_at", "invalid"),
        ({"base_url": "x", "exception_type": {}}, "body/exception_type", "invalid"),
        ({"base_url": "x", "exception": False}, "body/exception", "invalid"),
        ([SEED_EXAMPLE], "body", "invalid"),
        ("text", "body", "invalid"),
    ],
)
def test_each_invalid_field_is_pointed_at(
    client: TestClient, tenant: Tenant, body: Any, pointer: str, code: str
) -> None:
    response = post(client, tenant, body)
    assert response.status_code == 400
    error = only_error(response)
    assert error["status"] == "400"
    assert error["code"] == code
    assert error["source"] == {"pointer": pointer}
    assert error["detail"]


def test_all_problems_are_reported_at_once(client: TestClient, tenant: Tenant) -> None:
    response = post(client, tenant, {"response_code": -3, "a": 1, "b": 2})
    assert response.status_code == 400
    pointers = {e["source"]["pointer"] for e in response.json()["errors"]}
    assert pointers == {"body/a", "body/b", "body/base_url", "body/response_code"}


@pytest.mark.parametrize("raw", [b"{", b"", b"   ", b'{"base_url": "x",}', b"\xff\xfe", b"nul"])
def test_malformed_json_is_a_400(client: TestClient, tenant: Tenant, raw: bytes) -> None:
    response = client.post(
        logs_url(tenant),
        content=raw,
        auth=tenant.basic,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert only_error(response)["source"] == {"pointer": "body"}


def test_an_unknown_integration_is_not_found(client: TestClient, tenant: Tenant) -> None:
    response = client.post(logs_url(tenant, 987654), json=SEED_EXAMPLE, auth=tenant.basic)
    assert response.status_code == 404
    assert response.json() == {
        "errors": [
            {
                "status": "404",
                "code": "not_found",
                "title": "Not Found",
                "detail": "The Integration could not be found with the search criteria given",
            }
        ]
    }


def test_another_projects_integration_is_not_found(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    response = client.post(
        logs_url(tenant, other_tenant.integration_id), json=SEED_EXAMPLE, auth=tenant.basic
    )
    assert response.status_code == 404
    assert only_error(response)["code"] == "not_found"
    listed = client.get(logs_url(tenant, other_tenant.integration_id), auth=tenant.basic)
    assert listed.status_code == 404


def test_a_non_numeric_integration_id_is_a_400(client: TestClient, tenant: Tenant) -> None:
    response = client.post("/api/v3/integrations/abc/logs", json=SEED_EXAMPLE, auth=tenant.basic)
    assert response.status_code == 400
    assert only_error(response)["source"] == {"pointer": "path/id"}


def test_a_log_is_read_back_by_id(client: TestClient, tenant: Tenant) -> None:
    created = post(client, tenant, SEED_EXAMPLE).json()["data"]
    response = client.get(f"{logs_url(tenant)}/{created['id']}", auth=tenant.basic)
    assert response.status_code == 200
    assert response.json() == {"data": created}
    missing = client.get(f"{logs_url(tenant)}/{created['id'] + 1000}", auth=tenant.basic)
    assert missing.status_code == 404
    assert only_error(missing)["code"] == "not_found"


def test_another_projects_log_is_not_found(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = client.post(logs_url(other_tenant), json=SEED_EXAMPLE, auth=other_tenant.basic)
    log_id = theirs.json()["data"]["id"]
    mine_path = client.get(f"{logs_url(tenant)}/{log_id}", auth=tenant.basic)
    their_path = client.get(f"{logs_url(other_tenant)}/{log_id}", auth=tenant.basic)
    assert mine_path.status_code == their_path.status_code == 404


def test_lists_are_newest_first_with_a_next_link(client: TestClient, tenant: Tenant) -> None:
    ids = []
    for minute in range(7):
        body = {**SEED_EXAMPLE, "created_at": f"2024-05-01T10:{minute:02d}:00+00:00"}
        ids.append(post(client, tenant, body).json()["data"]["id"])
    seen: list[int] = []
    url: str | None = f"{logs_url(tenant)}?page_size=3"
    pages = 0
    while url:
        response = client.get(url, auth=tenant.basic)
        assert response.status_code == 200
        data = response.json()["data"]
        assert len(data) <= 3
        for item in data:
            validate_against_seed(item, "integration-log")
        seen += [item["id"] for item in data]
        link = response.headers.get("link")
        url = link.split(">")[0].lstrip("<") if link else None
        if url:
            assert link.endswith('; rel="next"')
        pages += 1
    assert seen == list(reversed(ids))
    assert pages == 3


def test_the_project_list_spans_integrations(
    client: TestClient, tenant: Tenant, settings: Settings
) -> None:
    second = create_tenant(settings, name="second")  # another project: must not appear
    post(client, tenant, SEED_EXAMPLE)
    client.post(logs_url(second), json=SEED_EXAMPLE, auth=second.basic)
    response = client.get("/api/v3/integrations/logs", auth=tenant.basic)
    assert response.status_code == 200
    data = response.json()["data"]
    assert [item["integration_id"] for item in data] == [tenant.integration_id]
    assert "link" not in response.headers


def test_the_default_page_is_25(client: TestClient, tenant: Tenant) -> None:
    for _ in range(26):
        post(client, tenant, {"base_url": "https://shop.example"})
    response = client.get(logs_url(tenant), auth=tenant.basic)
    assert len(response.json()["data"]) == 25
    assert "page_size=25" in response.headers["link"]


@pytest.mark.parametrize("size", ["0", "101", "-1", "ten", "2.5", ""])
def test_page_size_outside_1_to_100_is_a_400(client: TestClient, tenant: Tenant, size: str) -> None:
    response = client.get(f"{logs_url(tenant)}?page_size={size}", auth=tenant.basic)
    assert response.status_code == 400
    assert only_error(response)["source"] == {"pointer": "query/page_size"}


def test_a_forged_cursor_is_a_400(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{logs_url(tenant)}?cursor=not-ours", auth=tenant.basic)
    assert response.status_code == 400
    assert only_error(response)["source"] == {"pointer": "query/cursor"}


def test_secrets_are_redacted_before_storage(client: TestClient, tenant: Tenant) -> None:
    body = copy.deepcopy(SEED_EXAMPLE)
    body["request"]["headers"]["Authorization"] = "Bearer sk_live_abcdef123456"
    body["request"]["payload"]["password"] = "hunter2"
    body["full_url"] = "https://example.com/orders?api_key=abc123&page=2"
    created = post(client, tenant, body).json()["data"]
    assert created["protected"] is True
    stored = client.get(f"{logs_url(tenant)}/{created['id']}", auth=tenant.basic).json()["data"]
    assert stored["request"]["headers"]["Authorization"] == "[REDACTED]"
    assert stored["request"]["payload"]["password"] == "[REDACTED]"
    assert stored["full_url"] == "https://example.com/orders?api_key=[REDACTED]&page=2"
    assert stored["request"]["payload"]["order_note"] == {"note": "Success"}
    assert stored["request"]["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert "hunter2" not in str(stored)
    assert "sk_live" not in str(stored)


def test_the_ingest_lane_has_a_request_id_and_a_log_line_like_every_route(
    client: TestClient, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"/api/v3/integrations/{tenant.integration_id}/logs"
    with caplog.at_level(logging.INFO, logger="errorledger.requests"):
        refused = client.post(
            url, json={"nope": 1}, auth=tenant.basic, headers={"X-Request-Id": "r-1"}
        )
        created = client.post(url, json=SEED_EXAMPLE, auth=tenant.basic)
    assert refused.status_code == 400
    assert refused.headers["x-request-id"] == "r-1"
    assert created.headers["x-request-id"].startswith("req_")
    [line] = [r.getMessage() for r in caplog.records if r.name == "errorledger.requests"]
    assert line.startswith(f"POST {url} 400 ")
    assert line.endswith("request_id=r-1")
