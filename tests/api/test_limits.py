"""Body size and nesting limits, and that nothing a client sends produces a 500."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from errorledger.app import create_app
from errorledger.runtime import Runtime
from errorledger.settings import Settings
from tests.support import SEED_EXAMPLE, Tenant, create_tenant

LIMIT = 4096


@pytest.fixture
def small(tmp_path: Path) -> Iterator[tuple[TestClient, Tenant]]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'small.db'}",
        max_body_bytes=LIMIT,
        max_json_depth=8,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client, create_tenant(settings)


def url(tenant: Tenant) -> str:
    return f"/api/v3/integrations/{tenant.integration_id}/logs"


def test_a_body_over_the_limit_is_a_413(small: tuple[TestClient, Tenant]) -> None:
    client, tenant = small
    body = {"base_url": "https://x", "exception": "e" * LIMIT}
    response = client.post(url(tenant), json=body, auth=tenant.basic)
    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert error["status"] == "413"
    assert error["code"] == "payload_too_large"


def test_a_chunked_body_over_the_limit_is_a_413(small: tuple[TestClient, Tenant]) -> None:
    client, tenant = small

    def chunks() -> Iterator[bytes]:
        yield b'{"base_url": "https://x", "exception": "'
        for _ in range(10):
            yield b"e" * 1024
        yield b'"}'

    response = client.post(url(tenant), content=chunks(), auth=tenant.basic)
    assert response.status_code == 413


def test_a_body_at_the_limit_is_accepted(small: tuple[TestClient, Tenant]) -> None:
    client, tenant = small
    base = json.dumps({"base_url": "https://x", "exception": ""})
    body = base.replace('""', '"' + "e" * (LIMIT - len(base)) + '"').encode()
    assert len(body) == LIMIT
    response = client.post(
        url(tenant), content=body, auth=tenant.basic, headers={"content-type": "application/json"}
    )
    assert response.status_code == 201


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"k": value}
    return value


def test_nesting_beyond_the_limit_is_a_400(small: tuple[TestClient, Tenant]) -> None:
    client, tenant = small
    # The body itself is level 1 and "request" level 2: six more objects make eight.
    ok = {"base_url": "x", "request": {"payload": nested(6)}}
    assert client.post(url(tenant), json=ok, auth=tenant.basic).status_code == 201
    deep = {"base_url": "x", "request": {"payload": nested(7)}}
    response = client.post(url(tenant), json=deep, auth=tenant.basic)
    assert response.status_code == 400
    assert "nested deeper" in response.json()["errors"][0]["detail"]


def test_pathological_nesting_is_a_400_not_a_crash(client: TestClient, tenant: Tenant) -> None:
    body = b"[" * 200_000 + b"]" * 200_000
    response = client.post(
        url(tenant), content=body, auth=tenant.basic, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "raw",
    [
        b"null",
        b"0",
        b'"x"',
        b'{"base_url": "\\ud800"}',
        b'{"base_url": "x", "response_code": 1e400}',
        b'{"base_url": "x", "response_code": 99999999999999999999999999}',
        b'{"base_url": "x", "created_at": "9999-12-31T23:59:59+00:00"}',
        b'{"base_url": "x", "created_at": "0001-01-01T00:00:00-23:59"}',
        b'{"base_url": "x", "created_at": "2023-02-30T00:00:00Z"}',
        b'{"\\u0000": 1}',
        b'{"base_url": "x\\u0000", "exception": "a\\u0000b", "full_url": "\\u0000"}',
    ],
)
def test_odd_input_never_makes_a_500(client: TestClient, tenant: Tenant, raw: bytes) -> None:
    response = client.post(
        url(tenant), content=raw, auth=tenant.basic, headers={"content-type": "application/json"}
    )
    assert response.status_code in {201, 400}, response.text
    assert "Traceback" not in response.text


def test_a_huge_log_id_is_a_400(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{url(tenant)}/{'9' * 40}", auth=tenant.basic)
    assert response.status_code == 400


def test_an_unexpected_failure_is_a_500_in_the_family_format(
    client: TestClient, tenant: Tenant, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(runtime.ingestor, "append", broken)
    response = client.post(url(tenant), json=SEED_EXAMPLE, auth=tenant.basic)
    assert response.status_code == 500
    assert response.json() == {
        "errors": [
            {
                "status": "500",
                "code": "server_error",
                "title": "Server Error",
                "detail": "An unexpected error occurred.",
            }
        ]
    }
    assert "secret internal detail" not in response.text


def test_unknown_paths_and_methods_answer_in_json(client: TestClient, tenant: Tenant) -> None:
    missing = client.get("/api/v3/nothing-here", auth=tenant.basic)
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "not_found"
    wrong_method = client.delete(url(tenant), auth=tenant.basic)
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "GET, HEAD, POST"  # the path serves both
    assert wrong_method.json()["errors"][0]["status"] == "405"
    assert wrong_method.json()["errors"][0]["code"] == "method_not_allowed"
    elsewhere = client.get("/nope")
    assert elsewhere.status_code == 404
    assert elsewhere.headers["content-type"] == "application/problem+json"
    assert elsewhere.json()["type"] == "/problems/not-found"


def test_other_tenants_settings_do_not_leak(settings: Settings, client: TestClient) -> None:
    first = create_tenant(settings, name="first")
    second = create_tenant(settings, name="second")
    client.post(url(first), json=SEED_EXAMPLE, auth=first.basic)
    listed = client.get("/api/v3/integrations/logs", auth=second.basic).json()["data"]
    assert listed == []
