"""Seed 001, import error records: what an existing importer sees at /import/{source}/errors."""

import uuid
from datetime import datetime
from typing import Any

from starlette.testclient import TestClient

from tests.support import BAD_KEYSET_QUERIES, Tenant, keyset_pages

SEED_REQUEST = {
    "error": "Failed to import asset",
    "details": {"shotgun_id": 12345, "reason": "Missing required field"},
}
RECORD_KEYS = {"id", "source", "event_data", "created_at"}


def errors_url(source: str = "shotgun") -> str:
    return f"/import/{source}/errors"


def post(client: TestClient, tenant: Tenant, body: Any, source: str = "shotgun") -> Any:
    return client.post(errors_url(source), json=body, headers=tenant.bearer)


def created(client: TestClient, tenant: Tenant, body: Any, source: str = "shotgun") -> Any:
    response = post(client, tenant, body, source)
    assert response.status_code == 201, response.text
    return response.json()


def test_the_seed_example_round_trips(client: TestClient, tenant: Tenant) -> None:
    response = post(client, tenant, SEED_REQUEST)
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    record = response.json()
    assert set(record) == RECORD_KEYS
    assert str(uuid.UUID(record["id"])) == record["id"]
    assert record["source"] == "shotgun"
    assert record["event_data"] == SEED_REQUEST
    assert record["created_at"].endswith("Z")
    assert datetime.fromisoformat(record["created_at"]).tzinfo is not None

    one = client.get(f"{errors_url()}/{record['id']}", headers=tenant.bearer)
    assert one.status_code == 200
    assert one.json() == record
    listed = client.get(errors_url(), headers=tenant.bearer)
    assert listed.status_code == 200
    assert listed.json() == {"data": [record], "next_cursor": None}
    assert "link" not in listed.headers


def test_event_data_is_what_was_reported(client: TestClient, tenant: Tenant) -> None:
    assert created(client, tenant, {"error": "x"})["event_data"] == {"error": "x"}
    no_details = created(client, tenant, {"error": "x", "details": None})
    assert no_details["event_data"] == {"error": "x"}
    extra = {"error": "x", "details": {}, "row": 7, "sheet": "Assets"}
    assert created(client, tenant, extra)["event_data"] == extra


def test_secrets_in_details_are_redacted(client: TestClient, tenant: Tenant) -> None:
    body = {
        "error": "Login to Shotgun failed",
        "details": {
            "user": "ana",
            "password": "hunter2",
            "connection": {"api_key": "sk_live_abcdef123456", "host": "studio.example"},
        },
    }
    record = created(client, tenant, body)
    stored = client.get(f"{errors_url()}/{record['id']}", headers=tenant.bearer).json()
    for seen in (record, stored):
        details = seen["event_data"]["details"]
        assert details["password"] == "[REDACTED]"
        assert details["connection"] == {"api_key": "[REDACTED]", "host": "studio.example"}
        assert details["user"] == "ana"
        assert seen["event_data"]["error"] == "Login to Shotgun failed"
    listed = client.get(errors_url(), headers=tenant.bearer).text
    assert "hunter2" not in listed
    assert "sk_live" not in listed


INVALID_BODIES: list[tuple[Any, set[str]]] = [
    ({}, {"body.error"}),
    ({"details": {"a": 1}}, {"body.error"}),
    ({"error": None}, {"body.error"}),
    ({"error": ""}, {"body.error"}),
    ({"error": "   "}, {"body.error"}),
    ({"error": 5}, {"body.error"}),
    ({"error": ["x"]}, {"body.error"}),
    ({"error": {"message": "x"}}, {"body.error"}),
    ({"error": "x", "details": "text"}, {"body.details"}),
    ({"error": "x", "details": [1, 2]}, {"body.details"}),
    ({"error": 5, "details": 5}, {"body.error", "body.details"}),
    ([SEED_REQUEST], {"body"}),
    ("Failed to import asset", {"body"}),
    (None, {"body"}),
]


def test_every_invalid_body_is_a_400_naming_the_field(client: TestClient, tenant: Tenant) -> None:
    for body, fields in INVALID_BODIES:
        response = post(client, tenant, body)
        assert response.status_code == 400, body
        error = response.json()
        assert error["error"] == "invalid_request"
        assert error["message"]
        assert {d["field"] for d in error["details"]} == fields, body
        assert all(d["message"] for d in error["details"])
    for raw in (b"", b"{", b'{"error": "x",}', b"\xff"):
        response = client.post(
            errors_url(),
            content=raw,
            headers={**tenant.bearer, "content-type": "application/json"},
        )
        assert response.status_code == 400, raw
        assert [d["field"] for d in response.json()["details"]] == ["body"]
    assert client.get(errors_url(), headers=tenant.bearer).json()["data"] == []


def test_credentials_are_required(client: TestClient, tenant: Tenant) -> None:
    bad_token = {"Authorization": f"Bearer {tenant.key.key_id}.wrong"}
    for headers in ({}, bad_token, {"Authorization": "Bearer"}):
        for response in (
            client.post(errors_url(), json=SEED_REQUEST, headers=headers),
            client.get(errors_url(), headers=headers),
        ):
            assert response.status_code == 401
            assert response.json()["error"] == "unauthorized"
            assert response.headers["www-authenticate"].startswith("Bearer")
    assert client.get(errors_url(), headers=tenant.bearer).json()["data"] == []


def test_a_source_is_a_slug(client: TestClient, tenant: Tenant) -> None:
    for source in ("a", "shot_gun-2", "x" * 64):
        assert created(client, tenant, {"error": "x"}, source)["source"] == source
    for source in ("Shotgun", "x" * 65, "shot.gun", "shot%20gun"):
        for response in (
            post(client, tenant, {"error": "x"}, source),
            client.get(errors_url(source), headers=tenant.bearer),
        ):
            assert response.status_code == 400, source
            assert [d["field"] for d in response.json()["details"]] == ["path.source"]


def test_sources_are_kept_apart(client: TestClient, tenant: Tenant) -> None:
    record = created(client, tenant, {"error": "in shotgun"})
    other = created(client, tenant, {"error": "in ftrack"}, "ftrack")
    assert client.get(errors_url("unused"), headers=tenant.bearer).json()["data"] == []
    listed = client.get(errors_url("ftrack"), headers=tenant.bearer).json()["data"]
    assert listed == [other]
    elsewhere = client.get(f"{errors_url('ftrack')}/{record['id']}", headers=tenant.bearer)
    assert elsewhere.status_code == 404
    assert elsewhere.json()["error"] == "not_found"


def test_unknown_ids_are_not_found(client: TestClient, tenant: Tenant) -> None:
    created(client, tenant, SEED_REQUEST)
    for record_id in (str(uuid.uuid4()), "not-a-uuid", "1"):
        response = client.get(f"{errors_url()}/{record_id}", headers=tenant.bearer)
        assert response.status_code == 404, record_id
        assert response.json()["error"] == "not_found"


def test_another_projects_records_are_not_found(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = created(client, tenant, SEED_REQUEST)
    theirs = created(client, other_tenant, {"error": "theirs"})
    response = client.get(f"{errors_url()}/{mine['id']}", headers=other_tenant.bearer)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert client.get(errors_url(), headers=other_tenant.bearer).json()["data"] == [theirs]
    assert client.get(errors_url(), headers=tenant.bearer).json()["data"] == [mine]


def test_pages_are_newest_first_and_hold_every_record_once(
    client: TestClient, tenant: Tenant
) -> None:
    ids = [created(client, tenant, {"error": f"row {n}"})["id"] for n in range(5)]
    pages = keyset_pages(client, f"{errors_url()}?page_size=2", tenant.bearer)
    sizes = [len(page["data"]) for page in pages]
    seen = [record["id"] for page in pages for record in page["data"]]
    assert sizes == [2, 2, 1]
    assert seen == list(reversed(ids))


def test_bad_paging_parameters_are_a_400(client: TestClient, tenant: Tenant) -> None:
    for query, field in BAD_KEYSET_QUERIES:
        response = client.get(f"{errors_url()}?{query}", headers=tenant.bearer)
        assert response.status_code == 400, query
        assert [d["field"] for d in response.json()["details"]] == [field]
