"""Seed 002, log capsules: what an existing client sees at /v4/…/log-capsules, and what an
auditor checks with openssl."""

import base64
import dataclasses
import hashlib
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from starlette.testclient import TestClient

from errorledger.app import create_app
from errorledger.runtime import Runtime
from errorledger.settings import Settings
from errorledger_client.log.hashing import leaf_hash
from tests.support import BAD_KEYSET_QUERIES, Tenant, keyset_pages, scoped_bearer
from tests.tsa.support import (
    assert_not_verified,
    assert_verified,
    needs_openssl,
    openssl,
    parse_token,
    tst_info,
)

DIGEST = hashlib.sha256(b"a batch of integration logs\n").digest()
HASH = base64.b64encode(DIGEST).decode()
# Its base64 holds "+" and "/", the characters URL-safe base64 replaces.
PUNCTUATED = b"\xfb\xff\xbf" * 10 + b"\x00\x00"
CAPSULE_KEYS = {"hashSha256_b64", "timestamp_b64"}
LISTED_KEYS = {"hashSha256_b64", "timestamp_b64", "created_at"}
MILLIS_Z = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def capsules_url(tenant: Tenant, env: str = "PRODUCTION", app_id: str | None = None) -> str:
    return f"/v4/applications/{app_id or tenant.project_id}/envs/{env}/log-capsules"


def post(client: TestClient, tenant: Tenant, body: Any, env: str = "PRODUCTION") -> Any:
    return client.post(capsules_url(tenant, env), json=body, headers=tenant.bearer)


def created(client: TestClient, tenant: Tenant, digest: bytes = DIGEST, **kw: str) -> Any:
    response = post(client, tenant, {"hashSha256_b64": b64(digest)}, **kw)
    assert response.status_code == 201, response.text
    return response.json()


def listed(client: TestClient, tenant: Tenant, env: str = "PRODUCTION") -> list[Any]:
    response = client.get(capsules_url(tenant, env), headers=tenant.bearer)
    assert response.status_code == 200, response.text
    data: list[Any] = response.json()["data"]
    return data


def served_certificate(client: TestClient) -> bytes:
    pem = client.get("/v1/tsa/certificate").content
    return x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)


# The wire format ---------------------------------------------------------------------------


def test_the_201_body_is_exactly_the_hash_and_the_token(client: TestClient, tenant: Tenant) -> None:
    response = post(client, tenant, {"hashSha256_b64": HASH})
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == CAPSULE_KEYS
    assert body["hashSha256_b64"] == HASH
    token = parse_token(base64.b64decode(body["timestamp_b64"], validate=True))
    imprint = tst_info(token)["message_imprint"]
    assert imprint["hash_algorithm"]["algorithm"].native == "sha256"
    assert imprint["hashed_message"].native == DIGEST
    [certificate] = token["content"]["certificates"]
    assert certificate.dump() == served_certificate(client)


def test_every_capsule_gets_its_own_token(client: TestClient, tenant: Tenant) -> None:
    first, second = created(client, tenant), created(client, tenant)
    assert first["hashSha256_b64"] == second["hashSha256_b64"]
    serials = {
        tst_info(parse_token(base64.b64decode(c["timestamp_b64"])))["serial_number"].native
        for c in (first, second)
    }
    assert len(serials) == 2
    assert [c["timestamp_b64"] for c in listed(client, tenant)] == [
        second["timestamp_b64"],
        first["timestamp_b64"],
    ]


@needs_openssl
def test_openssl_verifies_the_token_against_the_hash(
    client: TestClient, tenant: Tenant, tmp_path: Path
) -> None:
    capsule = created(client, tenant)
    (tmp_path / "t.tst").write_bytes(base64.b64decode(capsule["timestamp_b64"]))
    (tmp_path / "tsa.pem").write_bytes(client.get("/v1/tsa/certificate").content)
    verify = ("ts", "-verify", "-token_in", "-in", "t.tst", "-CAfile", "tsa.pem", "-digest")
    assert_verified(openssl(*verify, DIGEST.hex(), cwd=tmp_path))
    other = hashlib.sha256(DIGEST).hexdigest()
    assert_not_verified(openssl(*verify, other, cwd=tmp_path))


# What a hash is ----------------------------------------------------------------------------


def non_canonical(text: str) -> str:
    """The same 32 bytes, spelt with non-zero unused bits in the last character."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet.index(text[42])
    assert last % 4 == 0  # canonical: the two unused bits are zero
    return text[:42] + alphabet[last + 1] + "="


BAD_HASHES: list[Any] = [
    "",
    HASH[:-1],  # unpadded
    HASH + "=",
    HASH[:-2] + "==",
    b64(PUNCTUATED).replace("+", "-").replace("/", "_"),  # URL-safe
    HASH[:20] + " " + HASH[21:],
    " " + HASH[1:],
    HASH[:43] + "\n",
    non_canonical(HASH),
    b64(DIGEST[:31]),
    b64(DIGEST + b"\x00"),
    b64(hashlib.sha512(b"x").digest()),
    DIGEST.hex(),
    "é" * 43 + "=",
    None,
    5,
    [HASH],
    {"value": HASH},
]


def test_the_hash_is_the_canonical_standard_base64_of_32_bytes(
    client: TestClient, tenant: Tenant
) -> None:
    assert created(client, tenant, PUNCTUATED)["hashSha256_b64"] == b64(PUNCTUATED)
    for value in BAD_HASHES:
        response = post(client, tenant, {"hashSha256_b64": value})
        assert response.status_code == 400, value
        error = response.json()
        assert error["code"] == "INVALID_BODY"
        assert [e["field"] for e in error["context"]["errors"]] == ["body.hashSha256_b64"]
    assert len(listed(client, tenant)) == 1


BAD_BODIES: list[tuple[Any, list[str]]] = [
    ({}, ["body.hashSha256_b64"]),
    ({"hashSha256_b64": HASH, "hash": HASH}, ["body.hash"]),
    ({"hashSha256_b64": HASH, "timestamp_b64": "x"}, ["body.timestamp_b64"]),
    ({"hashsha256_b64": HASH}, ["body.hashsha256_b64", "body.hashSha256_b64"]),
    ([{"hashSha256_b64": HASH}], ["body"]),
    (HASH, ["body"]),
    (None, ["body"]),
]


def test_every_other_body_is_a_400_naming_the_fields(client: TestClient, tenant: Tenant) -> None:
    for body, fields in BAD_BODIES:
        response = post(client, tenant, body)
        assert response.status_code == 400, body
        assert response.json()["code"] == "INVALID_BODY"
        assert [e["field"] for e in response.json()["context"]["errors"]] == fields, body
    for raw in (b"", b"{", b'{"hashSha256_b64": "x",}', b"\xff"):
        response = client.post(
            capsules_url(tenant),
            content=raw,
            headers={**tenant.bearer, "content-type": "application/json"},
        )
        assert response.status_code == 400, raw
        assert response.json()["code"] == "INVALID_BODY"
    assert listed(client, tenant) == []


# The path ----------------------------------------------------------------------------------


def test_app_env_is_one_of_the_three(client: TestClient, tenant: Tenant) -> None:
    for env in ("DEVELOPMENT", "STAGING", "PRODUCTION"):
        assert created(client, tenant, env=env)["hashSha256_b64"] == HASH
        assert len(listed(client, tenant, env)) == 1
    for env in ("production", "Production", "TEST", "PRODUCTION%20", "%00"):
        for response in (
            post(client, tenant, {"hashSha256_b64": HASH}, env),
            client.get(capsules_url(tenant, env), headers=tenant.bearer),
        ):
            assert response.status_code == 400, env
            error = response.json()
            assert error["code"] == "INVALID_PARAMETER"
            assert [e["field"] for e in error["context"]["errors"]] == ["path.appEnv"]


def test_another_projects_app_is_not_found(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = created(client, tenant)
    for app_id in (other_tenant.project_id, str(uuid.uuid4()), "not-a-project"):
        for env in ("PRODUCTION", "nonsense"):  # 404 before the app env is judged
            url = capsules_url(tenant, env, app_id=app_id)
            for response in (
                client.post(url, json={"hashSha256_b64": HASH}, headers=tenant.bearer),
                client.get(url, headers=tenant.bearer),
            ):
                assert response.status_code == 404, (app_id, env)
                assert response.json()["code"] == "NOT_FOUND"
    assert listed(client, other_tenant) == []
    assert [c["timestamp_b64"] for c in listed(client, tenant)] == [mine["timestamp_b64"]]


def test_projects_and_app_envs_are_kept_apart(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    production = created(client, tenant)
    staging = created(client, tenant, PUNCTUATED, env="STAGING")
    theirs = created(client, other_tenant)
    assert [c["timestamp_b64"] for c in listed(client, tenant)] == [production["timestamp_b64"]]
    assert [c["timestamp_b64"] for c in listed(client, tenant, "STAGING")] == [
        staging["timestamp_b64"]
    ]
    assert listed(client, tenant, "DEVELOPMENT") == []
    assert [c["timestamp_b64"] for c in listed(client, other_tenant)] == [theirs["timestamp_b64"]]


# Capsules are entries ----------------------------------------------------------------------


def test_a_capsule_is_an_entry_in_the_transparency_log(client: TestClient, tenant: Tenant) -> None:
    capsule = created(client, tenant, env="STAGING")
    base = f"/v1/projects/{tenant.project_id}"
    response = client.get(f"{base}/entries?kind=capsule", headers=tenant.bearer)
    assert response.status_code == 200
    [entry] = response.json()["data"]
    assert (entry["kind"], entry["source"], entry["message"]) == ("capsule", "STAGING", None)
    assert entry["content"] == capsule
    assert entry["protected"] is False
    assert isinstance(entry["leaf_index"], int)
    assert entry["leaf_index"] >= 0
    leaf = client.get(f"{base}/tlog/entries/{entry['leaf_index']}", headers=tenant.bearer)
    assert leaf.status_code == 200
    assert base64.b64decode(entry["leaf_hash"]) == leaf_hash(leaf.content)
    assert leaf.json()["content_sha256"] == entry["content_sha256"]


# Listing -----------------------------------------------------------------------------------


def test_pages_are_newest_first_and_hold_every_capsule_once(
    client: TestClient, tenant: Tenant
) -> None:
    tokens = [
        created(client, tenant, hashlib.sha256(bytes([n])).digest())["timestamp_b64"]
        for n in range(5)
    ]
    pages = keyset_pages(client, f"{capsules_url(tenant)}?page_size=2", tenant.bearer)
    for page in pages:
        assert set(page) == {"data", "next_cursor"}
        for capsule in page["data"]:
            assert set(capsule) == LISTED_KEYS
            jsonschema.validate(capsule["created_at"], {"type": "string", "pattern": MILLIS_Z})
    sizes = [len(page["data"]) for page in pages]
    seen = [capsule["timestamp_b64"] for page in pages for capsule in page["data"]]
    assert sizes == [2, 2, 1]
    assert seen == list(reversed(tokens))


def test_bad_paging_parameters_are_a_400(client: TestClient, tenant: Tenant) -> None:
    for query, field in BAD_KEYSET_QUERIES:
        response = client.get(f"{capsules_url(tenant)}?{query}", headers=tenant.bearer)
        assert response.status_code == 400, query
        assert response.json()["code"] == "INVALID_PARAMETER"
        assert [e["field"] for e in response.json()["context"]["errors"]] == [field]


def test_basic_credentials_work_too(client: TestClient, tenant: Tenant) -> None:
    url = capsules_url(tenant)
    response = client.post(url, json={"hashSha256_b64": HASH}, auth=tenant.basic)
    assert response.status_code == 201
    assert (
        client.get(url, auth=tenant.basic).json()["data"][0]["timestamp_b64"]
        == (response.json()["timestamp_b64"])
    )


# Every error in the family's shape ---------------------------------------------------------


def test_a_refused_capsule_costs_no_signature(
    settings: Settings, tmp_path: Path, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    limited = dataclasses.replace(
        settings, data_dir=tmp_path / "limited", write_rate_limit="2/minute"
    )
    runtime = Runtime(limited)
    signed: list[object] = []
    issue = runtime.keys.tsa.issue
    monkeypatch.setattr(
        runtime.keys.tsa, "issue", lambda imprint: signed.append(imprint) or issue(imprint)
    )
    reader = scoped_bearer(limited, tenant, "read")
    with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as client:
        statuses = [
            client.post(
                capsules_url(tenant), json={"hashSha256_b64": HASH}, headers=headers
            ).status_code
            for headers in (reader, tenant.bearer, tenant.bearer, tenant.bearer)
        ]
    assert statuses == [403, 201, 201, 429]
    assert len(signed) == 2  # the two stored; neither the forbidden nor the limited one
