"""Go's golang.org/x/mod/sumdb/note and sumdb/tlog check a log that our app serves.

Everything goverify reads is fetched over HTTP from the app: the verifier key, the
checkpoint, every hash tile and entry bundle, and the proofs. goverify checks the
signature, rebuilds the tree from the served entries with Go's own append and compares every
served tile with it, and checks our proofs and compares them with Go's. Same requirements
and skips as ``test_goverify.py``.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from errorledger.core.authn import Principal
from errorledger.core.entries import EntryDraft, EntryKind
from errorledger.runtime import Runtime
from errorledger.settings import Settings
from errorledger.tlog.tiles import Tile, tiles_for_size
from errorledger_client.log.checkpoint import parse_checkpoint
from tests.support import SEED_EXAMPLE, Tenant
from tests.tlog import test_goverify

pytestmark = test_goverify.pytestmark
goverify = test_goverify.goverify

# Checkpoints are made at these sizes, as the log grows: past one full tile and into a
# level 1 tile, ending in partial tiles at levels 0 and 1.
SIZES = (1, 2, 7, 256, 257, 300, 512, 600)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        write_rate_limit="1000000/second",
        read_rate_limit="1000000/second",
    )


def grow(client: TestClient, runtime: Runtime, tenant: Tenant, count: int) -> None:
    """``count`` more entries: one integration log over HTTP, the rest through the ingest path
    on the app's loop, all at once."""
    url = f"/api/v3/integrations/{tenant.integration_id}/logs"
    assert client.post(url, json=SEED_EXAMPLE, auth=tenant.basic).status_code == 201
    principal = Principal(tenant.key.key_id, tenant.project_id, tenant.key.scopes)
    drafts = [
        EntryDraft(kind=EntryKind.IMPORT_ERROR, source="go", content={"error": f"e{n}"})
        for n in range(count - 1)
    ]

    async def append_all() -> None:
        await asyncio.gather(*(runtime.ingestor.append(principal, d) for d in drafts))

    client.portal.call(append_all)  # type: ignore[union-attr]


def served(client: TestClient, tenant: Tenant, path: str, **params: Any) -> Any:
    response = client.get(
        f"/v1/projects/{tenant.project_id}/tlog/{path}", params=params, headers=tenant.bearer
    )
    assert response.status_code == 200, (path, params, response.text)
    return response


def hashes(response: Any) -> list[str]:
    proof: list[str] = response.json()["hashes"]
    return proof


def dump(client: TestClient, runtime: Runtime, tenant: Tenant, directory: Path) -> str:
    """Grow the log through ``SIZES``, with a checkpoint at each, and write what the app
    serves in goverify's layout; returns the last checkpoint."""
    roots: dict[int, str] = {}
    note = ""
    for previous, size in itertools.pairwise((0, *SIZES)):
        grow(client, runtime, tenant, size - previous)
        note = served(client, tenant, "checkpoint").text
        checkpoint = parse_checkpoint(note.partition("\n\n")[0] + "\n")
        assert checkpoint.size == size
        roots[size] = base64.b64encode(checkpoint.root_hash).decode()
    size = SIZES[-1]
    (directory / "checkpoint").write_text(note)
    (directory / "vkey").write_text(client.get("/v1/tlog/verifier-key").text)
    # goverify also signs the checkpoint text with the log's key, for a byte-for-byte compare.
    (directory / "skey").write_text(runtime.keys.log_signer.key + "\n")
    tiles = tiles_for_size(size)
    bundles = [Tile(-1, tile.index, tile.width) for tile in tiles if tile.level == 0]
    for tile in tiles + bundles:
        path = directory / "tile" / tile.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(served(client, tenant, f"tile/{tile.path}").content)
    inclusion = [
        {"index": index, "size": n, "proof": hashes(proof)}
        for n in SIZES
        for index in sorted({0, n // 3, n - 1} | {m for m in SIZES if m < n})
        for proof in [served(client, tenant, "proof/inclusion", leaf_index=index, tree_size=n)]
    ]
    consistency = [
        {
            "first": m,
            "second": n,
            "first_root": roots[m],
            "second_root": roots[n],
            "proof": hashes(served(client, tenant, "proof/consistency", first=m, second=n)),
        }
        for m, n in itertools.combinations_with_replacement(SIZES, 2)
    ]
    proofs = {"inclusion": inclusion, "consistency": consistency}
    (directory / "proofs.json").write_text(json.dumps(proofs))
    return note


def run(goverify: Path, directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(goverify), str(directory)], capture_output=True, text=True, timeout=120, check=False
    )


def test_go_accepts_the_served_log(
    goverify: Path, client: TestClient, runtime: Runtime, tenant: Tenant, tmp_path: Path
) -> None:
    checkpoint = dump(client, runtime, tenant, tmp_path)
    proofs = json.loads((tmp_path / "proofs.json").read_text())
    result = run(goverify, tmp_path)
    assert result.returncode == 0, result.stderr
    status, _, signed = result.stdout.partition("\n")
    inclusion, consistency = len(proofs["inclusion"]), len(proofs["consistency"])
    assert status == f"ok: size 600, {inclusion} inclusion and {consistency} consistency proofs"
    # Ed25519 is deterministic: Go's signature with the log's key is the one served.
    assert signed == checkpoint


def test_go_rejects_the_served_log_with_one_entry_changed(
    goverify: Path, client: TestClient, runtime: Runtime, tenant: Tenant, tmp_path: Path
) -> None:
    """The control: the same served log, one byte of one entry in a full bundle changed."""
    dump(client, runtime, tenant, tmp_path)
    bundle = tmp_path / "tile/entries/001"
    data = bytearray(bundle.read_bytes())
    data[40] ^= 1
    bundle.write_bytes(bytes(data))
    result = run(goverify, tmp_path)
    assert result.returncode == 1
    assert "tree rebuilt from entries" in result.stderr
