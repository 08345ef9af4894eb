"""The transparency log over HTTP: every entry of every family is a leaf, leaves are dense,
checkpoints cover every committed entry and are kept, and every proof, tile and token the
API serves verifies with tools that share nothing with the server but the formats.

The expected tree is rebuilt here from the native API's entries (their content, id, kind and
time), never from what the tlog routes say about themselves.
"""

from __future__ import annotations

import asyncio
import base64
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from starlette.testclient import TestClient

from errorledger.core.authn import Principal
from errorledger.core.entries import EntryDraft, EntryKind
from errorledger.runtime import Runtime
from errorledger.settings import Settings
from errorledger.tlog.stored import MemoryHashStore, stored_root
from errorledger.tlog.tiles import Tile, entry_bundle, tile_bytes, tiles_for_size
from errorledger_client.log.checkpoint import Checkpoint, open_checkpoint
from errorledger_client.log.hashing import EMPTY_ROOT, leaf_hash, root_hash
from errorledger_client.log.note import Verifier
from errorledger_client.log.verify import verify_consistency, verify_inclusion
from tests.support import SEED_EXAMPLE, Tenant, entry_leaf_data

OPENSSL = shutil.which("openssl")
PAGE_SIZE = 100


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The default settings, with rate limits out of the way of a few hundred requests."""
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        write_rate_limit="1000000/second",
        read_rate_limit="1000000/second",
    )


# helpers --------------------------------------------------------------------------------------


def tlog_url(tenant: Tenant, path: str) -> str:
    return f"/v1/projects/{tenant.project_id}/tlog/{path}"


def get(client: TestClient, tenant: Tenant, path: str, **params: Any) -> Any:
    """A tlog route that must answer 200."""
    response = client.get(tlog_url(tenant, path), params=params, headers=tenant.bearer)
    assert response.status_code == 200, (path, params, response.text)
    return response


def post_entries(client: TestClient, tenant: Tenant, count: int, tag: str) -> None:
    """``count`` entries, one request each, taking turns among the families: seed 000
    integration logs, seed 001 import errors, seed 003 import logs and their updates."""
    integration_url = f"/api/v3/integrations/{tenant.integration_id}/logs"
    import_logs_url = f"/v3/projects/{tenant.project_id}/api-references/ref-{tag}/logs"
    last_import_log: str | None = None
    for n in range(count):
        turn = n % 4
        if turn == 0:
            body = {**SEED_EXAMPLE, "exception": f"{tag} {n}"}
            response = client.post(integration_url, json=body, auth=tenant.basic)
        elif turn == 1:
            body = {"error": f"{tag} {n}"}
            response = client.post("/import/shotgun/errors", json=body, headers=tenant.bearer)
        elif turn == 2 or last_import_log is None:
            problem = {"code": "MISSING_FIELD", "message": f"{tag} {n}", "path": "/info"}
            response = client.post(
                import_logs_url, json={"errors": [problem]}, headers=tenant.bearer
            )
            last_import_log = response.json()["data"]["id"]
        else:
            problem = {"code": "DEPRECATED", "message": f"{tag} {n}", "path": "/x"}
            response = client.patch(
                f"{import_logs_url}/{last_import_log}",
                json={"warnings": [problem]},
                headers=tenant.bearer,
            )
        assert response.status_code in (200, 201), response.text


def append_in_bulk(client: TestClient, runtime: Runtime, tenant: Tenant, count: int) -> None:
    """``count`` import errors through the ingest path, all at once, on the app's loop: the
    writer takes them in batches of many entries each."""
    principal = Principal(tenant.key.key_id, tenant.project_id, tenant.key.scopes)
    drafts = [
        EntryDraft(
            kind=EntryKind.IMPORT_ERROR, source="bulk", content={"error": f"bulk {n}"}, message="x"
        )
        for n in range(count)
    ]

    async def append_all() -> None:
        await asyncio.gather(*(runtime.ingestor.append(principal, draft) for draft in drafts))

    client.portal.call(append_all)  # type: ignore[union-attr]


def entries_by_leaf(client: TestClient, tenant: Tenant) -> list[dict[str, Any]]:
    """Every entry of the project (native API, page by page), in leaf order."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"page_size": PAGE_SIZE}
    while True:
        response = client.get(
            f"/v1/projects/{tenant.project_id}/entries", params=params, headers=tenant.bearer
        )
        assert response.status_code == 200, response.text
        body = response.json()
        found += body["data"]
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert all(isinstance(e["leaf_index"], int) for e in found), "an entry has no leaf"
    return sorted(found, key=lambda e: e["leaf_index"])


def leaves(client: TestClient, tenant: Tenant) -> list[bytes]:
    """The leaf data of every entry, in leaf order, after checking the indices are dense and
    each stored leaf hash is that of the recomputed leaf."""
    entries = entries_by_leaf(client, tenant)
    assert [e["leaf_index"] for e in entries] == list(range(len(entries)))
    data = [entry_leaf_data(tenant.project_id, e) for e in entries]
    for entry, leaf in zip(entries, data, strict=True):
        assert base64.b64decode(entry["leaf_hash"]) == leaf_hash(leaf), entry
    return data


def verifier(client: TestClient) -> Verifier:
    response = client.get("/v1/tlog/verifier-key")
    assert response.status_code == 200
    return Verifier.from_key(response.text.strip())


def checkpoint(client: TestClient, tenant: Tenant, **params: Any) -> tuple[Checkpoint, str, bytes]:
    """The served checkpoint, opened with the served key: (checkpoint, note, token DER)."""
    response = get(client, tenant, "checkpoint", **params)
    assert response.headers["content-type"].startswith("text/plain")
    opened = open_checkpoint(
        response.text, [verifier(client)], origin=f"errorledger/{tenant.project_id}"
    )
    return opened, response.text, base64.b64decode(response.headers["timestamp-token"])


def decoded(hashes: list[str]) -> list[bytes]:
    return [base64.b64decode(h) for h in hashes]


def inclusion(client: TestClient, tenant: Tenant, leaf_index: int, tree_size: int) -> list[bytes]:
    body = get(client, tenant, "proof/inclusion", leaf_index=leaf_index, tree_size=tree_size)
    assert body.json()["leaf_index"] == leaf_index
    assert body.json()["tree_size"] == tree_size
    return decoded(body.json()["hashes"])


def consistency(client: TestClient, tenant: Tenant, first: int, second: int) -> list[bytes]:
    body = get(client, tenant, "proof/consistency", first=first, second=second).json()
    assert (body["first"], body["second"]) == (first, second)
    return decoded(body["hashes"])


def assert_problem(response: Any, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("/problems/")
    assert body["instance"] == response.request.url.path
    assert len(body["errors"]) >= 1


# leaves and checkpoints -----------------------------------------------------------------------


def test_an_empty_log_has_a_signed_empty_checkpoint(client: TestClient, tenant: Tenant) -> None:
    opened, _, _ = checkpoint(client, tenant)
    assert (opened.size, opened.root_hash) == (0, EMPTY_ROOT)
    assert consistency(client, tenant, 0, 0) == []


def test_every_entry_is_the_next_leaf_and_the_checkpoint_covers_it(
    client: TestClient, tenant: Tenant
) -> None:
    count = 10
    post_entries(client, tenant, count, "a")
    entries = entries_by_leaf(client, tenant)
    # One request after the other: each entry was committed before the next was sent.
    assert len(entries) == count
    assert [e["leaf_index"] for e in entries] == list(range(count))
    assert [e["id"] for e in entries] == sorted(e["id"] for e in entries)
    assert {e["kind"] for e in entries} == {
        "integration_log",
        "import_error",
        "import_log",
        "import_log_update",
    }
    data = leaves(client, tenant)
    hashes = [leaf_hash(leaf) for leaf in data]

    opened, _, _ = checkpoint(client, tenant)
    assert opened.size == count  # right after the last 201: it covers every committed entry
    assert opened.root_hash == root_hash(hashes)
    for index, leaf in enumerate(data):
        served = get(client, tenant, f"entries/{index}")
        assert served.content == leaf
        assert served.headers["content-type"] == "application/json"
        proof = inclusion(client, tenant, index, count)
        verify_inclusion(hashes[index], index, count, proof, opened.root_hash)
        # And in every smaller tree that holds it, against that tree's root.
        for size in range(index + 1, count):
            proof = inclusion(client, tenant, index, size)
            verify_inclusion(hashes[index], index, size, proof, root_hash(hashes[:size]))


def test_checkpoints_are_kept_and_each_is_consistent_with_the_next(
    client: TestClient, tenant: Tenant
) -> None:
    sizes = [3, 4, 8, 13]
    made: list[tuple[Checkpoint, str, bytes]] = []
    for size in sizes:
        post_entries(client, tenant, size - (made[-1][0].size if made else 0), f"s{size}")
        made.append(checkpoint(client, tenant))
        assert made[-1][0].size == size
        # Nothing new committed: the same checkpoint, not a new one.
        assert checkpoint(client, tenant) == made[-1]
    hashes = [leaf_hash(leaf) for leaf in leaves(client, tenant)]
    for opened, note, token in made:
        assert opened.root_hash == root_hash(hashes[: opened.size])
        # A past checkpoint is served exactly as it was, with its token.
        assert checkpoint(client, tenant, size=opened.size) == (opened, note, token)
        stamp = get(client, tenant, "checkpoint/timestamp", size=opened.size)
        assert stamp.headers["content-type"] == "application/octet-stream"
        assert stamp.content == token
    for old, _, _ in made:
        for new, _, _ in made:
            if old.size <= new.size:
                proof = consistency(client, tenant, old.size, new.size)
                verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)
        assert consistency(client, tenant, 0, old.size) == []
    # A size no checkpoint was made of is not one.
    missing = client.get(tlog_url(tenant, "checkpoint"), params={"size": 5}, headers=tenant.bearer)
    assert_problem(missing, 404)


@pytest.mark.skipif(OPENSSL is None, reason="the openssl command line tool is not installed")
def test_openssl_verifies_the_checkpoint_timestamp(
    client: TestClient, tenant: Tenant, tmp_path: Path
) -> None:
    post_entries(client, tenant, 2, "ts")
    _, note, token = checkpoint(client, tenant)
    (tmp_path / "note.txt").write_bytes(note.encode())
    (tmp_path / "t.tst").write_bytes(token)
    pem = client.get("/v1/tsa/certificate")
    (tmp_path / "tsa.pem").write_bytes(pem.content)

    def verify(data: str) -> subprocess.CompletedProcess[str]:
        assert OPENSSL is not None
        command = [OPENSSL, "ts", "-verify", "-data", data, "-token_in", "-in", "t.tst"]
        return subprocess.run(
            [*command, "-CAfile", "tsa.pem"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )

    accepted = verify("note.txt")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "Verification: OK" in accepted.stdout
    (tmp_path / "other.txt").write_bytes(note.replace("\n2\n", "\n3\n").encode())
    refused = verify("other.txt")
    assert refused.returncode != 0
    assert "Verification: FAILED" in refused.stdout


# tiles ----------------------------------------------------------------------------------------


def test_tiles_and_entry_bundles_past_one_full_tile(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    post_entries(client, tenant, 4, "t")
    append_in_bulk(client, runtime, tenant, 300)
    post_entries(client, tenant, 4, "u")
    data = leaves(client, tenant)
    size = len(data)
    assert size == 308
    store = MemoryHashStore()
    store.append([leaf_hash(leaf) for leaf in data])
    opened, _, _ = checkpoint(client, tenant)
    assert (opened.size, opened.root_hash) == (size, stored_root(size, store.hashes))

    tiles = tiles_for_size(size)
    assert [t.path for t in tiles] == ["0/000", "0/001.p/52", "1/000.p/1"]
    for tile in tiles:
        served = get(client, tenant, f"tile/{tile.path}")
        assert served.content == tile_bytes(tile, store.hashes), tile.path
        assert served.headers["content-type"] == "application/octet-stream"
        immutable = served.headers.get("cache-control", "").endswith("immutable")
        assert immutable is not tile.is_partial
        bundle = Tile(-1, tile.index, tile.width)
        if tile.level == 0:
            served = get(client, tenant, f"tile/{bundle.path}")
            start = tile.index * 256
            assert served.content == entry_bundle(data[start : start + tile.width])
    # A narrower partial tile is a prefix of the wider one.
    narrow = Tile(0, 1, 10)
    assert get(client, tenant, f"tile/{narrow.path}").content == tile_bytes(narrow, store.hashes)
    assert get(client, tenant, "tile/entries/001.p/10").content == entry_bundle(data[256:266])

    # The proofs of a tree of more than one tile.
    hashes = [leaf_hash(leaf) for leaf in data]
    for index in (0, 1, 255, 256, 257, size - 1):
        verify_inclusion(
            hashes[index], index, size, inclusion(client, tenant, index, size), opened.root_hash
        )
    for first in (1, 4, 255, 256, 257, 304, size):
        first_root = stored_root(first, store.hashes)
        proof = consistency(client, tenant, first, size)
        verify_consistency(first, size, first_root, opened.root_hash, proof)


# errors and access ----------------------------------------------------------------------------


def test_bad_requests_are_problem_details(client: TestClient, tenant: Tenant) -> None:
    post_entries(client, tenant, 3, "e")
    checkpoint(client, tenant)
    bad_requests: list[tuple[str, dict[str, int | str]]] = [
        ("proof/inclusion", {"leaf_index": 3, "tree_size": 3}),  # leaf_index ≥ tree_size
        ("proof/inclusion", {"leaf_index": 0, "tree_size": 4}),  # beyond the log
        ("proof/inclusion", {"leaf_index": 0, "tree_size": 0}),
        ("proof/inclusion", {"tree_size": 3}),
        ("proof/inclusion", {"leaf_index": -1, "tree_size": 3}),
        ("proof/inclusion", {"leaf_index": "x", "tree_size": 3}),
        ("proof/consistency", {"first": 3, "second": 2}),  # first > second
        ("proof/consistency", {"first": 1, "second": 4}),  # beyond the log
        ("proof/consistency", {"first": 1}),
        ("checkpoint", {"size": "abc"}),
        ("checkpoint/timestamp", {}),
    ]
    for path, params in bad_requests:
        response = client.get(tlog_url(tenant, path), params=params, headers=tenant.bearer)
        assert_problem(response, 400)
    not_found = [
        "entries/3",
        "entries/abc",
        "entries/-1",
        "tile/0/000.p/4",  # wider than the log
        "tile/entries/000.p/4",
        "tile/0/001.p/1",
        "tile/1/000.p/1",
        "tile/0/1",  # not canonical: the index has three digits
        "tile/0/x000/001",  # a leading zero group
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/64/000",
        "tile/-1/000",
        "tile/0",
        "tile/0/000.p/",
        "tile/data/000",
        "tile/00/000",
    ]
    for path in not_found:
        assert_problem(client.get(tlog_url(tenant, path), headers=tenant.bearer), 404)
    for size in (2, 4):  # no checkpoint of that size was made
        response = client.get(
            tlog_url(tenant, "checkpoint/timestamp"), params={"size": size}, headers=tenant.bearer
        )
        assert_problem(response, 404)


# Each route, and what it answers for the other project's own (empty) log.
TLOG_ROUTES = {
    "checkpoint": 200,
    "checkpoint?size=1": 404,
    "checkpoint/timestamp?size=1": 404,
    "proof/inclusion?leaf_index=0&tree_size=1": 400,
    "proof/consistency?first=0&second=1": 400,
    "entries/0": 404,
    "tile/0/000.p/1": 404,
    "tile/entries/000.p/1": 404,
}


def test_only_the_projects_own_keys_read_its_log(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    post_entries(client, tenant, 1, "o")
    checkpoint(client, tenant)
    for route, in_an_empty_log in TLOG_ROUTES.items():
        url = tlog_url(tenant, route)
        assert client.get(url, headers=tenant.bearer).status_code == 200, route
        assert_problem(client.get(url, headers=other_tenant.bearer), 404)
        assert_problem(client.get(url), 401)
        # The other key reads its own project's log, which is empty: ours is not there.
        other = client.get(tlog_url(other_tenant, route), headers=other_tenant.bearer)
        assert other.status_code == in_an_empty_log, route


def test_the_verifier_key_and_tsa_certificate_are_public(
    client: TestClient, runtime: Runtime
) -> None:
    key = client.get("/v1/tlog/verifier-key")
    assert key.status_code == 200
    assert key.headers["content-type"].startswith("text/plain")
    assert Verifier.from_key(key.text.strip()).name == "errorledger"
    assert key.text == runtime.keys.log_verifier.key + "\n"
    pem = client.get("/v1/tsa/certificate")
    assert pem.status_code == 200
    assert pem.headers["content-type"] == "application/pem-certificate-chain"
    certificate = x509.load_pem_x509_certificate(pem.content)
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert usage.critical
    assert list(usage.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
