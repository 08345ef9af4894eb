"""Seed 003, API reference import logs: the importer's reports and the seed's reads."""

import uuid
from typing import Any

import jsonschema
import pytest
from starlette.testclient import TestClient

from tests.support import Tenant

MISSING_FIELD = {"code": "MISSING_FIELD", "message": "No title", "path": "/paths/~1pets/get"}
BAD_REF = {"code": "BAD_REF", "message": "Dangling $ref", "path": "", "details": {"ref": "#/x"}}
DEPRECATED = {"code": "DEPRECATED", "message": "Uses swagger 2.0", "path": "/swagger"}


def logs_url(tenant: Tenant, api_reference_id: str = "ref-1", project_id: str = "") -> str:
    project = project_id or tenant.project_id
    return f"/v3/projects/{project}/api-references/{api_reference_id}/logs"


def create(client: TestClient, tenant: Tenant, body: Any, ref: str = "ref-1") -> dict[str, Any]:
    response = client.post(logs_url(tenant, ref), json=body, headers=tenant.bearer)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def detail(client: TestClient, tenant: Tenant, log_id: str, ref: str = "ref-1") -> dict[str, Any]:
    response = client.get(f"{logs_url(tenant, ref)}/{log_id}", headers=tenant.bearer)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def listed(client: TestClient, tenant: Tenant, query: str = "") -> list[dict[str, Any]]:
    response = client.get(f"{logs_url(tenant)}?{query}", headers=tenant.bearer)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def with_details(message: dict[str, Any]) -> dict[str, Any]:
    return {"details": None, **message}


def problem_fields(response: Any) -> list[str | None]:
    assert response.headers["content-type"] == "application/problem+json"
    return [error["field"] for error in response.json()["errors"]]


def test_a_report_is_created_and_read_back(client: TestClient, tenant: Tenant) -> None:
    body = {"status": "InProgress", "errors": [MISSING_FIELD], "warnings": [BAD_REF, DEPRECATED]}
    response = client.post(logs_url(tenant), json=body, headers=tenant.bearer)
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    envelope = response.json()
    summary = envelope["data"]
    assert envelope == {
        "data": summary,
        "success": True,
        "request_id": response.headers["x-request-id"],
        "errors": None,
        "warnings": None,
    }
    assert str(uuid.UUID(summary["id"])) == summary["id"]
    assert summary == {
        "id": summary["id"],
        "status": "InProgress",
        "created_at": summary["created_at"],
        "error_count": 1,
        "warning_count": 2,
    }
    assert detail(client, tenant, summary["id"]) == {
        **summary,
        "errors": [with_details(MISSING_FIELD)],
        "warnings": [BAD_REF, with_details(DEPRECATED)],
    }
    assert listed(client, tenant) == [summary]


def test_a_bare_report_is_pending_and_empty(client: TestClient, tenant: Tenant) -> None:
    summary = create(client, tenant, {})
    assert summary["status"] == "Pending"
    assert (summary["error_count"], summary["warning_count"]) == (0, 0)
    found = detail(client, tenant, summary["id"])
    assert (found["errors"], found["warnings"]) == ([], [])


def test_secrets_in_messages_are_redacted(client: TestClient, tenant: Tenant) -> None:
    leaky = {
        "code": "AUTH",
        "message": "Fetching the spec failed",
        "path": "/servers/0",
        "details": {"password": "hunter2", "url": "https://spec.example/openapi.json"},
    }
    log_id = create(client, tenant, {"errors": [leaky]})["id"]
    [stored] = detail(client, tenant, log_id)["errors"]
    assert stored["details"] == {
        "password": "[REDACTED]",
        "url": "https://spec.example/openapi.json",
    }
    assert stored["message"] == "Fetching the spec failed"


def test_patch_changes_the_status_and_appends(client: TestClient, tenant: Tenant) -> None:
    log_id = create(client, tenant, {"status": "InProgress", "errors": [MISSING_FIELD]})["id"]
    url = f"{logs_url(tenant)}/{log_id}"
    second = {**MISSING_FIELD, "message": "No version"}
    third = {**MISSING_FIELD, "message": "No servers"}

    appended = client.patch(
        url, json={"errors": [second, third], "warnings": [DEPRECATED]}, headers=tenant.bearer
    )
    assert appended.status_code == 200
    assert appended.json()["request_id"] == appended.headers["x-request-id"]
    summary = appended.json()["data"]
    assert (summary["id"], summary["status"]) == (log_id, "InProgress")
    assert (summary["error_count"], summary["warning_count"]) == (3, 1)

    finished = client.patch(
        url, json={"status": "Failed", "warnings": [BAD_REF]}, headers=tenant.bearer
    )
    assert finished.status_code == 200
    summary = finished.json()["data"]
    assert (summary["status"], summary["error_count"], summary["warning_count"]) == ("Failed", 3, 2)

    found = detail(client, tenant, log_id)
    assert [e["message"] for e in found["errors"]] == ["No title", "No version", "No servers"]
    assert [w["message"] for w in found["warnings"]] == ["Uses swagger 2.0", "Dangling $ref"]
    assert found["created_at"] == summary["created_at"]
    assert listed(client, tenant) == [summary]


def test_patch_of_an_unknown_log_is_a_404_problem(client: TestClient, tenant: Tenant) -> None:
    log_id = create(client, tenant, {})["id"]
    other_ref = create(client, tenant, {}, ref="ref-2")["id"]
    for missing in (str(uuid.uuid4()), "not-a-uuid", other_ref):
        response = client.patch(
            f"{logs_url(tenant)}/{missing}", json={"status": "Failed"}, headers=tenant.bearer
        )
        assert response.status_code == 404, missing
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["code"] == "RESOURCE_NOT_FOUND"
        got = client.get(f"{logs_url(tenant)}/{missing}", headers=tenant.bearer)
        assert got.status_code == 404, missing
    assert detail(client, tenant, log_id)["status"] == "Pending"
    assert detail(client, tenant, other_ref, ref="ref-2")["status"] == "Pending"


def test_pages_are_1_based_newest_first(client: TestClient, tenant: Tenant) -> None:
    ids = [create(client, tenant, {"status": "Success"})["id"] for _ in range(5)]
    newest_first = list(reversed(ids))
    assert [log["id"] for log in listed(client, tenant)] == newest_first
    pages = [
        [log["id"] for log in listed(client, tenant, f"page={page}&page_size=2")]
        for page in (1, 2, 3)
    ]
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:]]
    assert listed(client, tenant, "page=4&page_size=2") == []
    assert listed(client, tenant, "page=2") == []
    assert [log["id"] for log in listed(client, tenant, "page=1&page_size=100")] == newest_first


def test_api_references_are_kept_apart(client: TestClient, tenant: Tenant) -> None:
    mine = create(client, tenant, {"status": "Success"})
    create(client, tenant, {"status": "Failed"}, ref="ref-2")
    assert listed(client, tenant) == [mine]


def test_an_api_reference_without_logs_is_not_found(client: TestClient, tenant: Tenant) -> None:
    create(client, tenant, {})
    for url in (
        logs_url(tenant, "never-used"),
        logs_url(tenant, "never-used") + "?page=2",
    ):
        response = client.get(url, headers=tenant.bearer)
        assert response.status_code == 404, url
        assert problem_fields(response) == [None]
    # Past the end of one that exists, at any distance: an empty page.
    far = client.get(logs_url(tenant) + "?page=9223372036854775807", headers=tenant.bearer)
    assert far.status_code == 200
    assert far.json()["data"] == []


def test_bad_paging_parameters_are_a_400(client: TestClient, tenant: Tenant) -> None:
    create(client, tenant, {})
    for query, field in (
        ("page=0", "query.page"),
        ("page=-1", "query.page"),
        ("page=one", "query.page"),
        ("page=", "query.page"),
        ("page_size=0", "query.page_size"),
        ("page_size=101", "query.page_size"),
        ("page_size=2.5", "query.page_size"),
        ("page=" + "9" * 5000, "query.page"),
        ("page=9223372036854775808", "query.page"),
    ):
        response = client.get(f"{logs_url(tenant)}?{query}", headers=tenant.bearer)
        assert response.status_code == 400, query
        assert problem_fields(response) == [field], query


@pytest.mark.parametrize("reference", ["r" * 201, "%00", "a%0Ab", "%7F"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_api_reference_no_column_can_hold_is_a_400(
    client: TestClient, tenant: Tenant, reference: str, method: str
) -> None:
    body = {"json": {}} if method == "POST" else {}
    response = client.request(method, logs_url(tenant, reference), headers=tenant.bearer, **body)
    assert response.status_code == 400
    assert problem_fields(response) == ["path.api_reference_id"]


INVALID_REPORTS: list[tuple[Any, set[str]]] = [
    ([], {"body"}),
    ("Success", {"body"}),
    ({"status": "Done"}, {"body.status"}),
    ({"status": 1}, {"body.status"}),
    ({"state": "Success"}, {"body.state"}),
    ({"errors": {"code": "X"}}, {"body.errors"}),
    ({"warnings": "careful"}, {"body.warnings"}),
    ({"errors": ["No title"]}, {"body.errors.0"}),
    ({"errors": [{"message": "m", "path": "/a"}]}, {"body.errors.0.code"}),
    ({"errors": [{"code": "", "message": "m", "path": "/a"}]}, {"body.errors.0.code"}),
    ({"errors": [{"code": "C", "message": 3, "path": "/a"}]}, {"body.errors.0.message"}),
    ({"errors": [{"code": "C", "message": "m"}]}, {"body.errors.0.path"}),
    ({"errors": [{"code": "C", "message": "m", "path": "paths"}]}, {"body.errors.0.path"}),
    ({"errors": [{"code": "C", "message": "m", "path": "/a~2b"}]}, {"body.errors.0.path"}),
    ({"errors": [{"code": "C", "message": "m", "path": "/a~"}]}, {"body.errors.0.path"}),
    ({"warnings": [{**DEPRECATED, "details": "x"}]}, {"body.warnings.0.details"}),
    ({"warnings": [{**DEPRECATED, "line": 3}]}, {"body.warnings.0.line"}),
    (
        {"status": "Done", "errors": [MISSING_FIELD, {"code": "C"}]},
        {"body.status", "body.errors.1.message", "body.errors.1.path"},
    ),
]


def test_every_invalid_report_is_a_400_naming_the_field(client: TestClient, tenant: Tenant) -> None:
    log_id = create(client, tenant, {"errors": [MISSING_FIELD]})["id"]
    for body, fields in INVALID_REPORTS:
        for response in (
            client.post(logs_url(tenant), json=body, headers=tenant.bearer),
            client.patch(f"{logs_url(tenant)}/{log_id}", json=body, headers=tenant.bearer),
        ):
            assert response.status_code == 400, body
            assert set(problem_fields(response)) == fields, body
            assert all(e["code"] == "VALIDATION_ERROR" for e in response.json()["errors"])
    for raw in (b"", b"{", b"\xff"):
        response = client.post(
            logs_url(tenant),
            content=raw,
            headers={**tenant.bearer, "content-type": "application/json"},
        )
        assert response.status_code == 400, raw
        assert problem_fields(response) == ["body"]
    assert len(listed(client, tenant)) == 1
    assert detail(client, tenant, log_id)["error_count"] == 1


def test_credentials_are_required(client: TestClient, tenant: Tenant) -> None:
    log_id = create(client, tenant, {})["id"]
    bad = {"Authorization": f"Bearer {tenant.key.key_id}.wrong"}
    for headers in ({}, bad):
        for response in (
            client.get(logs_url(tenant), headers=headers),
            client.get(f"{logs_url(tenant)}/{log_id}", headers=headers),
            client.post(logs_url(tenant), json={}, headers=headers),
            client.patch(f"{logs_url(tenant)}/{log_id}", json={}, headers=headers),
        ):
            assert response.status_code == 401
            assert response.json()["errors"][0]["code"] == "UNAUTHORIZED"
            assert response.headers["www-authenticate"].startswith("Bearer")
    assert len(listed(client, tenant)) == 1


def test_another_project_is_not_found_not_forbidden(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    log_id = create(client, tenant, {"errors": [MISSING_FIELD]})["id"]
    theirs = other_tenant.bearer
    my_project = logs_url(tenant)
    their_project = logs_url(other_tenant)
    for response in (
        client.get(my_project, headers=theirs),
        client.get(f"{my_project}/{log_id}", headers=theirs),
        client.post(my_project, json={}, headers=theirs),
        client.patch(f"{my_project}/{log_id}", json={"status": "Failed"}, headers=theirs),
        client.get(f"{their_project}/{log_id}", headers=theirs),
        client.patch(f"{their_project}/{log_id}", json={"status": "Failed"}, headers=theirs),
        client.get(their_project, headers=theirs),
        client.get(logs_url(tenant, project_id=str(uuid.uuid4())), headers=tenant.bearer),
    ):
        assert response.status_code == 404, response.url
        assert response.json()["errors"][0]["code"] == "RESOURCE_NOT_FOUND"
    assert detail(client, tenant, log_id)["status"] == "Pending"


def test_the_request_id_is_sent_back(client: TestClient, tenant: Tenant) -> None:
    create(client, tenant, {})
    mine = client.get(logs_url(tenant), headers={**tenant.bearer, "X-Request-Id": "abc-123"})
    assert mine.headers["x-request-id"] == "abc-123"
    assert mine.json()["request_id"] == "abc-123"
    for unusable in ("has space", "x" * 129):
        fresh = client.get(logs_url(tenant), headers={**tenant.bearer, "X-Request-Id": unusable})
        assert fresh.headers["x-request-id"].startswith("req_")
        assert fresh.json()["request_id"] == fresh.headers["x-request-id"]
    first = client.get(logs_url(tenant, "nothing"), headers=tenant.bearer)
    second = client.get(logs_url(tenant, "nothing"), headers=tenant.bearer)
    assert first.json()["trace_id"] == first.headers["x-request-id"]
    assert first.json()["trace_id"] != second.json()["trace_id"]


# The seed's success envelopes, exactly ---------------------------------------------------

SUMMARY_PROPERTIES: dict[str, Any] = {
    "id": {"type": "string", "format": "uuid"},
    "status": {"type": "string", "minLength": 1},
    "created_at": {"type": "string", "format": "date-time"},
    "error_count": {"type": "integer", "minimum": 0},
    "warning_count": {"type": "integer", "minimum": 0},
}
MESSAGE = {
    "type": "object",
    "required": ["code", "message", "path", "details"],
    "additionalProperties": False,
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "path": {"type": "string"},
        "details": {"type": ["object", "null"]},
    },
}


def envelope(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["data", "success", "request_id", "errors", "warnings"],
        "additionalProperties": False,
        "properties": {
            "data": data,
            "success": {"const": True},
            "request_id": {"type": "string", "minLength": 1},
            "errors": {"type": "null"},
            "warnings": {"type": "null"},
        },
    }


def obj(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": sorted(properties),
        "additionalProperties": False,
        "properties": properties,
    }


LIST_ENVELOPE = envelope({"type": "array", "minItems": 1, "items": obj(SUMMARY_PROPERTIES)})
DETAIL_ENVELOPE = envelope(
    obj(
        {
            **SUMMARY_PROPERTIES,
            "errors": {"type": "array", "items": MESSAGE},
            "warnings": {"type": "array", "items": MESSAGE},
        }
    )
)


def assert_envelope(response: Any, schema: dict[str, Any]) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    jsonschema.validate(
        body,
        schema,
        cls=jsonschema.Draft202012Validator,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    assert body["request_id"] == response.headers["x-request-id"]


def test_the_seed_003_envelopes_are_exact(client: TestClient, tenant: Tenant) -> None:
    url = f"/v3/projects/{tenant.project_id}/api-references/ref-1/logs"
    warning = {"code": "W", "message": "careful", "path": "/info", "details": {"line": 3}}
    report = {"status": "Failed", "errors": [{"code": "E", "message": "m", "path": ""}]}
    log_id = client.post(url, json={**report, "warnings": [warning]}, headers=tenant.bearer)
    log_id = log_id.json()["data"]["id"]
    assert_envelope(client.get(url, headers=tenant.bearer), LIST_ENVELOPE)
    assert_envelope(client.get(f"{url}/{log_id}", headers=tenant.bearer), DETAIL_ENVELOPE)
