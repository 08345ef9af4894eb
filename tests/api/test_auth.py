"""Basic, Bearer and OAuth2 client credentials; scopes; revocation; tenant isolation."""

import base64
import dataclasses
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from errorledger.app import create_app
from errorledger.core.accounts import Accounts
from errorledger.settings import Settings
from errorledger.storage import accounts as stored_accounts
from errorledger.storage.database import create_database_engine
from errorledger.storage.tables import access_tokens
from tests.support import SEED_EXAMPLE, Tenant, create_tenant


@pytest.fixture
def admin(settings: Settings, client: TestClient) -> Iterator[Accounts]:
    engine: Engine = create_database_engine(settings.database_url, writer=True)
    yield Accounts(engine)
    engine.dispose()


def url(tenant: Tenant) -> str:
    return f"/api/v3/integrations/{tenant.integration_id}/logs"


def assert_unauthenticated(response: object) -> None:
    assert response.status_code == 401  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["errors"][0]["code"] == "authentication_failed"
    assert body["errors"][0]["status"] == "401"
    assert response.headers["www-authenticate"].startswith("Basic")  # type: ignore[attr-defined]


def test_basic_and_bearer_both_work(client: TestClient, tenant: Tenant) -> None:
    assert client.post(url(tenant), json=SEED_EXAMPLE, auth=tenant.basic).status_code == 201
    assert client.post(url(tenant), json=SEED_EXAMPLE, headers=tenant.bearer).status_code == 201
    assert client.get(url(tenant), headers=tenant.bearer).status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Basic",
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b"elk_0000000000000000:wrong").decode(),
        "Bearer",
        "Bearer elk_0000000000000000.wrong",
        "Bearer elat_unknown",
        "Bearer something-else",
        "Digest abc",
    ],
)
def test_missing_or_wrong_credentials_are_a_401(
    client: TestClient, tenant: Tenant, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    assert_unauthenticated(client.post(url(tenant), json=SEED_EXAMPLE, headers=headers))
    assert_unauthenticated(client.get(url(tenant), headers=headers))


def test_a_right_key_id_with_a_wrong_secret_is_refused(client: TestClient, tenant: Tenant) -> None:
    wrong = (
        tenant.key.key_id,
        tenant.key.secret[:-1] + ("A" if tenant.key.secret[-1] != "A" else "B"),
    )
    assert_unauthenticated(client.post(url(tenant), json=SEED_EXAMPLE, auth=wrong))
    # A cached key must not make a wrong secret pass either.
    assert client.post(url(tenant), json=SEED_EXAMPLE, auth=tenant.basic).status_code == 201
    assert_unauthenticated(client.post(url(tenant), json=SEED_EXAMPLE, auth=wrong))


def test_revocation_takes_effect_at_once(
    client: TestClient, tenant: Tenant, admin: Accounts
) -> None:
    # Warm every cache first: the key has been used to write and to read.
    assert client.post(url(tenant), json=SEED_EXAMPLE, auth=tenant.basic).status_code == 201
    assert client.get(url(tenant), auth=tenant.basic).status_code == 200
    assert admin.revoke_key(tenant.key.key_id) is True
    assert_unauthenticated(client.post(url(tenant), json=SEED_EXAMPLE, auth=tenant.basic))
    assert_unauthenticated(client.get(url(tenant), auth=tenant.basic))
    assert_unauthenticated(client.get(url(tenant), headers=tenant.bearer))
    assert admin.revoke_key(tenant.key.key_id) is False


def test_oauth2_client_credentials(client: TestClient, tenant: Tenant, admin: Accounts) -> None:
    response = client.post(
        "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": tenant.key.key_id,
            "client_secret": tenant.key.secret,
        },
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    grant = response.json()
    assert set(grant) == {"access_token", "token_type", "expires_in"}
    assert grant["token_type"] == "Bearer"
    assert grant["expires_in"] == 3600
    bearer = {"Authorization": f"Bearer {grant['access_token']}"}
    assert client.post(url(tenant), json=SEED_EXAMPLE, headers=bearer).status_code == 201
    assert client.get(url(tenant), headers=bearer).status_code == 200
    admin.revoke_key(tenant.key.key_id)
    assert_unauthenticated(client.post(url(tenant), json=SEED_EXAMPLE, headers=bearer))
    assert_unauthenticated(client.get(url(tenant), headers=bearer))


def test_oauth2_accepts_basic_client_authentication(client: TestClient, tenant: Tenant) -> None:
    response = client.post(
        "/oauth2/token/", data={"grant_type": "client_credentials"}, auth=tenant.basic
    )
    assert response.status_code == 200
    assert response.json()["access_token"].startswith("elat_")


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({}, 400, "invalid_request"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, 401, "invalid_client"),
        (
            {"grant_type": "client_credentials", "client_id": "elk_x", "client_secret": "y"},
            401,
            "invalid_client",
        ),
    ],
)
def test_oauth2_errors_follow_rfc_6749(
    client: TestClient, form: dict[str, str], status: int, error: str
) -> None:
    response = client.post("/oauth2/token", data=form)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"]


def test_scopes_limit_what_a_key_may_do(client: TestClient, settings: Settings) -> None:
    writer = create_tenant(settings, name="writer", scopes=["ingest"])
    reader = create_tenant(settings, name="reader", scopes=["read"])
    assert client.post(url(writer), json=SEED_EXAMPLE, auth=writer.basic).status_code == 201
    refused = client.get(url(writer), auth=writer.basic)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "forbidden"
    assert client.post(url(reader), json=SEED_EXAMPLE, auth=reader.basic).status_code == 403
    assert client.get(url(reader), auth=reader.basic).status_code == 200


def test_secrets_are_stored_only_as_hashes(tenant: Tenant, settings: Settings) -> None:
    engine = create_database_engine(settings.database_url)
    with engine.connect() as conn:
        dump = "\n".join(
            str(tuple(row))
            for table in ("api_keys", "access_tokens")
            for row in conn.exec_driver_sql(f"SELECT * FROM {table}")  # noqa: S608
        )
    engine.dispose()
    assert tenant.key.key_id in dump
    assert tenant.key.secret not in dump


def token_form(tenant: Tenant) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": tenant.key.key_id,
        "client_secret": tenant.key.secret,
    }


def test_oauth2_issues_nothing_for_a_key_revoked_by_another_process(
    client: TestClient, tenant: Tenant, admin: Accounts
) -> None:
    assert client.post("/oauth2/token", data=token_form(tenant)).status_code == 200  # cached
    admin.revoke_key(tenant.key.key_id)  # as the CLI does: this process's cache is not told
    response = client.post("/oauth2/token", data=token_form(tenant))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_oauth2_tokens_are_rate_limited_per_key(
    client: TestClient, tenant: Tenant, settings: Settings, tmp_path: Any
) -> None:
    limited = dataclasses.replace(settings, token_rate_limit="2/minute")
    with TestClient(create_app(limited), raise_server_exceptions=False) as own:
        for _ in range(2):
            assert own.post("/oauth2/token", data=token_form(tenant)).status_code == 200
        refused = own.post("/oauth2/token", data=token_form(tenant))
        wrong = own.post("/oauth2/token", data={**token_form(tenant), "client_secret": "no"})
    assert refused.status_code == 429
    assert refused.json()["error"] == "slow_down"
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["cache-control"] == "no-store"
    assert wrong.status_code == 401  # a wrong secret neither counts nor is told the limit


def test_oauth2_deletes_expired_tokens_as_it_issues(
    client: TestClient, tenant: Tenant, settings: Settings
) -> None:
    engine = create_database_engine(settings.database_url, writer=True)
    with engine.begin() as conn:
        for n in range(3):
            stored_accounts.insert_access_token(
                conn, token_hash=bytes([n]) * 32, key_id=tenant.key.key_id, expires_at=1
            )
    assert client.post("/oauth2/token", data=token_form(tenant)).status_code == 200
    with engine.connect() as conn:
        left = conn.execute(select(func.count()).select_from(access_tokens)).scalar_one()
    engine.dispose()
    assert left == 1  # the token just issued


def test_oauth2_client_mistakes_are_not_logged_as_crashes(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="errorledger"):
        for form in ({"grant_type": "password"}, {}, {"grant_type": "client_credentials"}):
            assert client.post("/oauth2/token", data=form).status_code in {400, 401}
    assert not [record for record in caplog.records if record.exc_info]


def test_oauth2_answers_other_methods_in_its_own_format(client: TestClient) -> None:
    response = client.get("/oauth2/token")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "This method is not allowed here.",
    }
