"""Hostile input, as it was found: one small request must not freeze the server, poison a
project or cause a 5xx, on SQLite and PostgreSQL alike.

Each test reproduces one defect found by trying the service as an attacker would.
"""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any

import pytest
import rfc8785
from sqlalchemy import update
from starlette.testclient import TestClient

from errorledger.clock import MAX_US
from errorledger.settings import Settings
from errorledger.storage.database import create_database_engine
from errorledger.storage.tables import entries
from errorledger.tlog.leaf import content_digest
from tests.support import SEED_EXAMPLE, Tenant

BIG = 9007199254740993  # 2**53 + 1: an IEEE double would make it ...992


def logs_url(tenant: Tenant) -> str:
    return f"/api/v3/integrations/{tenant.integration_id}/logs"


def native_entries(client: TestClient, tenant: Tenant) -> list[dict[str, Any]]:
    response = client.get(f"/v1/projects/{tenant.project_id}/entries", headers=tenant.bearer)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["data"]
    return found


def timed_post(client: TestClient, tenant: Tenant, body: dict[str, Any]) -> float:
    started = time.perf_counter()
    response = client.post(logs_url(tenant), json=body, auth=tenant.basic)
    elapsed = time.perf_counter() - started
    assert response.status_code == 201, response.text
    return elapsed


# 1. A pattern that backtracks -------------------------------------------------------------


def test_a_newline_flood_after_a_header_name_costs_what_any_text_costs(
    client: TestClient, tenant: Tenant
) -> None:
    # "auth:" then newlines made the header-line pattern backtrack quadratically: 12,000
    # newlines held every route of every project for 12.5 s. 16,000 must cost about what
    # 16,000 ordinary characters cost (each run: decode, redact, fingerprint, store).
    size = 16_000
    flood = {"base_url": "https://x", "exception": "auth:" + "\n" * size + "x"}
    plain = {"base_url": "https://x", "exception": "auth:" + "ab cd" * (size // 5) + "x"}
    timed_post(client, tenant, plain)  # warm
    ratio = min(timed_post(client, tenant, flood) for _ in range(2)) / min(
        timed_post(client, tenant, plain) for _ in range(2)
    )
    assert ratio < 5, f"the flood costs {ratio:.1f}x the plain text"


# 2. Dates outside what RFC 3339 writes ------------------------------------------------------


@pytest.mark.parametrize(
    "created_at",
    ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "10000-01-01T00:00:00Z"],
)
def test_a_date_outside_the_years_1_to_9999_in_utc_is_a_400(
    client: TestClient, tenant: Tenant, created_at: str
) -> None:
    body = {"base_url": "https://x", "created_at": created_at}
    response = client.post(logs_url(tenant), json=body, auth=tenant.basic)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["source"] == {"pointer": "body/created_at"}
    assert native_entries(client, tenant) == []


def test_early_years_are_written_with_four_digits(client: TestClient, tenant: Tenant) -> None:
    body = {"base_url": "https://x", "created_at": "0001-01-01T00:00:00Z"}
    assert client.post(logs_url(tenant), json=body, auth=tenant.basic).status_code == 201
    [entry] = native_entries(client, tenant)
    assert entry["occurred_at"] == "0001-01-01T00:00:00.000000Z"


def test_a_date_stored_before_the_check_does_not_break_the_project(
    client: TestClient, tenant: Tenant, settings: Settings, tmp_path: Any
) -> None:
    assert client.post(logs_url(tenant), json=SEED_EXAMPLE, auth=tenant.basic).status_code == 201
    engine = create_database_engine(settings.database_url, writer=True)
    with engine.begin() as conn:  # what the old code let in: year 10000 in UTC
        conn.execute(update(entries).values(occurred_at=MAX_US + 3_600_000_000))
    engine.dispose()
    [entry] = native_entries(client, tenant)
    assert entry["occurred_at"] == "9999-12-31T23:59:59.999999Z"  # the latest RFC 3339 has
    listed = client.get(logs_url(tenant), headers=tenant.bearer)
    assert listed.status_code == 200
    assert listed.json()["data"][0]["created_at"] == SEED_EXAMPLE["created_at"]


# 3. Numbers: floats beside 64-bit ids --------------------------------------------------------


FAMILY_POSTS = [
    pytest.param(
        lambda t: logs_url(t),
        lambda n: {"base_url": "https://x", "request": {"payload": n}},
        id="seed-000",
    ),
    pytest.param(
        lambda t: "/import/orders/errors",
        lambda n: {"error": "bad row", "details": n},
        id="seed-001",
    ),
    pytest.param(
        lambda t: f"/v3/projects/{t.project_id}/api-references/ref/logs",
        lambda n: {"errors": [{"code": "E", "message": "m", "path": "/a", "details": n}]},
        id="seed-003",
    ),
]


@pytest.mark.parametrize(("url", "body"), FAMILY_POSTS)
def test_floats_beside_64_bit_ids_are_stored_exactly_and_digested_reproducibly(
    client: TestClient, tenant: Tenant, url: Any, body: Any
) -> None:
    numbers = {"price": 1.5, "order_id": BIG, "max": 2**63 - 1, "total": 1e21}
    response = client.post(url(tenant), json=body(numbers), headers=tenant.bearer)
    assert response.status_code == 201, response.text
    [entry] = native_entries(client, tenant)
    served = client.get(
        f"/v1/projects/{tenant.project_id}/entries/{entry['id']}/content", headers=tenant.bearer
    )
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/json"
    # The documented check: sha256sum of the served bytes is the digest the log holds.
    assert hashlib.sha256(served.content).hexdigest() == entry["content_sha256"]
    assert content_digest(entry["content"]) == entry["content_sha256"]
    assert b'"order_id":9007199254740993' in served.content
    assert b'"total":1e+21' in served.content  # RFC 8785's number form


def test_content_without_big_integers_is_plain_rfc_8785(client: TestClient, tenant: Tenant) -> None:
    body = {"base_url": "https://x", "request": {"payload": {"b": 1.0, "a": [0.1, "é\u2028"]}}}
    assert client.post(logs_url(tenant), json=body, auth=tenant.basic).status_code == 201
    [entry] = native_entries(client, tenant)
    served = client.get(
        f"/v1/projects/{tenant.project_id}/entries/{entry['id']}/content", headers=tenant.bearer
    )
    assert served.content == rfc8785.dumps(entry["content"])


def test_64_bit_ids_come_back_exactly_from_every_family(client: TestClient, tenant: Tenant) -> None:
    body = {"base_url": "https://x", "request": {"payload": {"order_id": BIG, "x": 0.5}}}
    created = client.post(logs_url(tenant), json=body, auth=tenant.basic)
    assert created.json()["data"]["request"]["payload"]["order_id"] == BIG
    log_id = created.json()["data"]["id"]
    again = client.get(f"{logs_url(tenant)}/{log_id}", headers=tenant.bearer)
    assert again.json()["data"]["request"]["payload"]["order_id"] == BIG
    record = client.post(
        "/import/orders/errors", json={"error": "e", "details": {"id": BIG}}, headers=tenant.bearer
    )
    uid = record.json()["id"]
    fetched = client.get(f"/import/orders/errors/{uid}", headers=tenant.bearer)
    assert fetched.json()["event_data"]["details"]["id"] == BIG


# 4. What no column can hold -------------------------------------------------------------------


def basic(key_id: str, secret: str = "x") -> dict[str, str]:
    encoded = base64.b64encode(f"{key_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def cursor(occurred_at: int, entry_id: int) -> str:
    return base64.urlsafe_b64encode(f"{occurred_at}.{entry_id}".encode()).decode().rstrip("=")


# (method, path, what to send, status); "{p}" is the project, "{i}" the integration.
REFUSED: list[tuple[str, str, dict[str, Any], int]] = [
    ("POST", "/api/v3/integrations/{i}/logs", {"headers": basic("elk_\x00")}, 401),
    ("POST", "/api/v3/integrations/{i}/logs", {"headers": basic("x" * 5000)}, 401),
    (
        "POST",
        "/oauth2/token",
        {"data": {"grant_type": "client_credentials", "client_id": "a\x00", "client_secret": "s"}},
        401,
    ),
    ("GET", "/v3/projects/{p}/api-references/%00/logs", {}, 400),
    ("GET", "/v1/projects/{p}/entries?source=%00", {}, 400),
    ("GET", "/v1/projects/{p}/entries?q=%00", {}, 400),
    ("GET", "/v1/projects/{p}/entries?q=a%00", {}, 400),
    (
        "POST",
        "/v3/projects/{p}/api-references/r/logs",
        {"json": {"errors": [{"code": "E", "message": "a\x00b", "path": "/a"}]}},
        400,
    ),
    (
        "POST",
        "/v3/projects/{p}/api-references/r/logs",
        {"json": {"errors": [{"code": "E" * 201, "message": "m", "path": "/a"}]}},
        400,
    ),
    (
        "POST",
        "/v3/projects/{p}/api-references/r/logs",
        {"json": {"warnings": [{"code": "E\x00", "message": "m", "path": "/a\x00"}]}},
        400,
    ),
    ("GET", "/v1/projects/{p}/entries?page_size=" + "9" * 5000, {}, 400),
    ("GET", "/v1/projects/{p}/entries?status_code=" + "9" * 5000, {}, 400),
    ("GET", "/v1/projects/{p}/entries?cursor=" + cursor(2**70, 1), {}, 400),
    ("GET", "/v1/projects/{p}/entries?cursor=" + cursor(1, 2**63), {}, 400),
    ("GET", "/v1/projects/{p}/entries?cursor=" + cursor(1, -1), {}, 400),
    ("GET", "/api/v3/integrations/{i}/logs?cursor=" + cursor(-(2**64), 1), {}, 400),
    ("GET", "/v3/projects/{p}/api-references/r/logs?page=" + "9" * 5000, {}, 400),
    ("GET", "/v3/projects/{p}/api-references/r/logs?page=9223372036854775807", {}, 404),
    ("GET", "/v1/projects/{p}/tlog/tile/entries/x" + "999/x" * 7 + "999", {}, 404),
    ("GET", "/v1/projects/{p}/tlog/tile/0/x" + "999/x" * 7 + "999", {}, 404),
    ("GET", "/v1/projects/{p}/tlog/entries/" + "9" * 5000, {}, 404),
    ("GET", "/v1/projects/{p}/tlog/proof/inclusion?leaf_index=0&tree_size=" + "9" * 5000, {}, 400),
    ("POST", "/import/orders/errors", {"content": b'{"error":"e","n":' + b"9" * 5000 + b"}"}, 400),
]


@pytest.mark.parametrize(("method", "path", "send", "status"), REFUSED)
def test_what_no_database_can_hold_is_refused_alike_on_both(
    client: TestClient,
    tenant: Tenant,
    method: str,
    path: str,
    send: dict[str, Any],
    status: int,
) -> None:
    url = path.replace("{p}", tenant.project_id).replace("{i}", str(tenant.integration_id))
    send = dict(send)  # shared by both databases' runs
    headers = send.pop("headers", tenant.bearer)
    response = client.request(method, url, headers=headers, **send)
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text


def test_nul_in_q_matches_nothing_instead_of_everything(client: TestClient, tenant: Tenant) -> None:
    # SQLite's LIKE read "%\x00%" as "%": every entry matched.
    assert client.post(logs_url(tenant), json=SEED_EXAMPLE, auth=tenant.basic).status_code == 201
    url = f"/v1/projects/{tenant.project_id}/entries?q=%00"
    response = client.get(url, headers=tenant.bearer)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "query.q"


def test_nul_in_reported_text_is_kept_losslessly(client: TestClient, tenant: Tenant) -> None:
    body = {"base_url": "https://x\x00y", "exception": "boom\x00", "method": "G\x00T"}
    created = client.post(logs_url(tenant), json=body, auth=tenant.basic)
    assert created.status_code == 201
    log = client.get(f"{logs_url(tenant)}/{created.json()['data']['id']}", headers=tenant.bearer)
    data = log.json()["data"]
    assert (data["base_url"], data["exception"], data["method"]) == (
        "https://x\x00y",
        "boom\x00",
        "G\x00T",
    )
