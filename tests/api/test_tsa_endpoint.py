"""``POST /v1/tsa``: an RFC 3161 time-stamping endpoint that openssl and curl can use."""

import base64
import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from errorledger.app import create_app
from errorledger.core.accounts import Accounts
from errorledger.settings import Settings
from errorledger.storage.database import create_database_engine
from tests.support import Tenant, create_tenant
from tests.tsa.support import (
    assert_verified,
    make_request,
    needs_openssl,
    openssl,
    parse_response,
    tst_info,
)

URL = "/v1/tsa"
QUERY = {"content-type": "application/timestamp-query"}
DIGEST = hashlib.sha256(b"an integration error log entry\n").digest()


def stamp(client: TestClient, body: bytes, **kwargs: Any) -> Any:
    kwargs.setdefault("headers", QUERY)
    return client.post(URL, content=body, **kwargs)


def granted(response: Any) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/timestamp-reply"
    reply = parse_response(response.content)
    assert reply["status"]["status"].native == "granted"
    return reply


def rejected(response: Any) -> set[str]:
    """The PKIFailureInfo bits of a rejection."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/timestamp-reply"
    reply = parse_response(response.content)
    assert reply["status"]["status"].native == "rejection"
    assert reply["time_stamp_token"].native is None
    failure: set[str] = reply["status"]["fail_info"].native
    return failure


@needs_openssl
@pytest.mark.parametrize("algorithm", ["-sha256", "-sha512"])
def test_openssl_asks_and_verifies_the_reply(
    client: TestClient, tenant: Tenant, tmp_path: Path, algorithm: str
) -> None:
    (tmp_path / "f").write_bytes(b"an integration error log entry\n")
    (tmp_path / "tsa.pem").write_bytes(client.get("/v1/tsa/certificate").content)
    made = openssl("ts", "-query", "-data", "f", algorithm, "-cert", "-out", "q.tsq", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    response = stamp(client, (tmp_path / "q.tsq").read_bytes(), auth=tenant.basic, headers=QUERY)
    granted(response)
    (tmp_path / "r.tsr").write_bytes(response.content)
    result = openssl(
        "ts", "-verify", "-queryfile", "q.tsq", "-in", "r.tsr", "-CAfile", "tsa.pem",
        cwd=tmp_path,
    )  # fmt: skip
    assert_verified(result)


def test_the_token_stamps_the_request(client: TestClient, tenant: Tenant) -> None:
    query = make_request(DIGEST, nonce=2**70 + 3, cert_req=True)
    token = granted(stamp(client, query, auth=tenant.basic))["time_stamp_token"]
    info = tst_info(token)
    assert info["message_imprint"]["hashed_message"].native == DIGEST
    assert info["nonce"].native == 2**70 + 3
    assert len(token["content"]["certificates"]) == 1
    # certReq DEFAULT FALSE (RFC 3161 section 2.4.1): not asked, not sent.
    plain = granted(stamp(client, make_request(DIGEST), auth=tenant.basic))
    assert plain["time_stamp_token"]["content"]["certificates"].native is None


@pytest.mark.parametrize(
    ("query", "failure"),
    [
        (b"", "bad_data_format"),
        (b"not DER at all", "bad_data_format"),
        (make_request(DIGEST)[:-3], "bad_data_format"),
        (make_request(hashlib.sha1(b"x").digest(), algorithm="sha1"), "bad_alg"),  # noqa: S324
        (make_request(DIGEST[:20]), "bad_data_format"),
        (make_request(DIGEST, version=2), "bad_request"),
        (make_request(DIGEST, policy="1.2.3.4"), "unaccepted_policy"),
    ],
)
def test_a_bad_request_gets_an_rfc_3161_rejection(
    client: TestClient, tenant: Tenant, query: bytes, failure: str
) -> None:
    assert rejected(stamp(client, query, auth=tenant.basic)) == {failure}


def test_any_active_key_of_any_project_may_ask(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, settings: Settings
) -> None:
    query = make_request(DIGEST)
    granted(stamp(client, query, auth=other_tenant.basic))
    granted(stamp(client, query, headers={**QUERY, **tenant.bearer}))
    for scopes in (["read"], ["ingest"]):
        scoped = create_tenant(settings, name="scoped", scopes=scopes)
        granted(stamp(client, query, auth=scoped.basic))


def test_a_revoked_key_is_refused_at_once(
    client: TestClient, tenant: Tenant, settings: Settings
) -> None:
    query = make_request(DIGEST)
    granted(stamp(client, query, auth=tenant.basic))  # the key is now in the process's cache
    engine = create_database_engine(settings.database_url, writer=True)
    try:
        assert Accounts(engine).revoke_key(tenant.key.key_id)
    finally:
        engine.dispose()
    response = stamp(client, query, auth=tenant.basic)
    assert response.status_code == 401
    assert response.json()["detail"] == "The key was revoked."


def test_the_content_type_must_be_a_timestamp_query(client: TestClient, tenant: Tenant) -> None:
    query = make_request(DIGEST)
    for content_type in ("Application/TimeStamp-Query", "application/timestamp-query; x=1"):
        granted(stamp(client, query, auth=tenant.basic, headers={"content-type": content_type}))
    for headers in ({}, {"content-type": "application/octet-stream"}):
        assert stamp(client, query, auth=tenant.basic, headers=headers).status_code == 415


def test_a_body_over_64_kib_is_a_413(client: TestClient, tenant: Tenant) -> None:
    assert rejected(stamp(client, b"\x30" * (64 * 1024), auth=tenant.basic))
    assert stamp(client, b"\x30" * (64 * 1024 + 1), auth=tenant.basic).status_code == 413


def test_a_request_counts_as_a_write(settings: Settings, tmp_path: Path) -> None:
    limited = dataclasses.replace(
        settings, data_dir=tmp_path / "limited", write_rate_limit="2/minute"
    )
    with TestClient(create_app(limited), raise_server_exceptions=False) as client:
        tenant = create_tenant(limited)
        granted(stamp(client, make_request(DIGEST), auth=tenant.basic))
        url = f"/v4/applications/{tenant.project_id}/envs/PRODUCTION/log-capsules"
        body = {"hashSha256_b64": base64.b64encode(DIGEST).decode()}
        assert client.post(url, json=body, auth=tenant.basic).status_code == 201
        assert stamp(client, make_request(DIGEST), auth=tenant.basic).status_code == 429
        assert client.get(url, auth=tenant.basic).status_code == 200  # reads count apart
