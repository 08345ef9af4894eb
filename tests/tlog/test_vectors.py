"""Known answers: a 1,000-entry log that Go's sumdb/note and sumdb/tlog, transparency-dev
and two PyPI verifiers accepted (tests/data/tlog/README.md)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from errorledger.tlog.leaf import canonical_json
from errorledger.tlog.proofs import consistency_proof, inclusion_proof
from errorledger.tlog.stored import MemoryHashStore, stored_root
from errorledger.tlog.tiles import (
    Tile,
    entry_bundle,
    parse_entry_bundle,
    parse_tile_path,
    tile_bytes,
    tile_leaf_indices,
    tiles_for_size,
)
from errorledger_client.log.checkpoint import open_checkpoint
from errorledger_client.log.hashing import leaf_hash
from errorledger_client.log.note import Verifier
from errorledger_client.log.verify import verify_consistency, verify_inclusion

DATA = Path(__file__).parent.parent / "data" / "tlog"
SIZE = 1000


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


@pytest.fixture(scope="module")
def fixture() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / "fixture.json").read_text())
    return loaded


@pytest.fixture(scope="module")
def entries() -> list[bytes]:
    return [
        canonical_json(
            {
                "level": "ERROR",
                "msg": f"row {i}: missing field 'vat_id'",
                "seq": i,
                "source": "erp-import",
            }
        )
        for i in range(SIZE)
    ]


@pytest.fixture(scope="module")
def log(entries: list[bytes]) -> MemoryHashStore:
    store = MemoryHashStore()
    store.append([leaf_hash(entry) for entry in entries])
    return store


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier.from_key((DATA / "vkey").read_text().strip())


def test_verifier_key(verifier: Verifier, fixture: dict[str, Any]) -> None:
    assert verifier.key == fixture["vkey"]
    assert verifier.public_key == _b64(fixture["pub_b64"])
    assert verifier.name == fixture["origin"]


@pytest.mark.parametrize("name", ["checkpoint.700", "checkpoint.1000", "tiles/checkpoint"])
def test_checkpoints_open_and_match_our_roots(
    name: str, verifier: Verifier, fixture: dict[str, Any], log: MemoryHashStore
) -> None:
    checkpoint = open_checkpoint((DATA / name).read_bytes(), [verifier], origin=fixture["origin"])
    assert checkpoint.root_hash == _b64(fixture["sizes"][str(checkpoint.size)])
    assert stored_root(checkpoint.size, log.hashes) == checkpoint.root_hash


def test_inclusion_proofs(
    fixture: dict[str, Any], entries: list[bytes], log: MemoryHashStore
) -> None:
    root = _b64(fixture["sizes"][str(SIZE)])
    for case in fixture["inclusion"]:
        index, size = case["index"], case["size"]
        assert _b64(case["entry_b64"]) == entries[index]
        assert _b64(case["leaf_hash_b64"]) == leaf_hash(entries[index])
        proof = [_b64(h) for h in case["path_b64"]]
        assert inclusion_proof(index, size, log.hashes) == proof
        verify_inclusion(leaf_hash(entries[index]), index, size, proof, root)


def test_consistency_proof(fixture: dict[str, Any], log: MemoryHashStore) -> None:
    case = fixture["consistency"]
    first, second = case["first"], case["second"]
    proof = [_b64(h) for h in case["path_b64"]]
    assert consistency_proof(first, second, log.hashes) == proof
    roots = _b64(fixture["sizes"][str(first)]), _b64(fixture["sizes"][str(second)])
    verify_consistency(first, second, *roots, proof)


def test_tiles(entries: list[bytes], log: MemoryHashStore) -> None:
    tile_dir = DATA / "tiles" / "tile"
    files = {
        parse_tile_path(path.relative_to(tile_dir).as_posix()): path.read_bytes()
        for path in tile_dir.rglob("*")
        if path.is_file()
    }
    hash_tiles = tiles_for_size(SIZE)
    bundles = [Tile(-1, t.index, t.width) for t in hash_tiles if t.level == 0]
    assert sorted(files) == sorted(hash_tiles + bundles)
    for tile in hash_tiles:
        assert files[tile] == tile_bytes(tile, log.hashes), tile.path
    for tile in bundles:
        expected = [entries[i] for i in tile_leaf_indices(tile)]
        assert parse_entry_bundle(files[tile]) == expected
        assert files[tile] == entry_bundle(expected)
