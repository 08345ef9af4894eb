"""Go's golang.org/x/mod/sumdb/note and sumdb/tlog check a log that we wrote.

Needs Debian's golang-go and golang-golang-x-mod-dev: the program builds offline in GOPATH
mode against the sources that package installs under /usr/share/gocode.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from errorledger.tlog.leaf import content_digest
from errorledger.tlog.proofs import consistency_proof, inclusion_proof
from errorledger.tlog.signing import Signer, sign_checkpoint
from errorledger.tlog.stored import MemoryHashStore, stored_root
from errorledger.tlog.tiles import (
    Tile,
    entry_bundle,
    parse_entry_bundle,
    tile_bytes,
    tile_leaf_indices,
    tiles_for_size,
)
from errorledger_client.log.canonical import leaf_data
from errorledger_client.log.checkpoint import Checkpoint
from errorledger_client.log.hashing import leaf_hash

GOPATH = Path("/usr/share/gocode")
SOURCE = Path(__file__).parent / "goverify" / "main.go"
ORIGIN = "errorledger.example/projects/p-1"

pytestmark = [
    pytest.mark.skipif(shutil.which("go") is None, reason="no go toolchain (apt: golang-go)"),
    pytest.mark.skipif(
        not (GOPATH / "src/golang.org/x/mod/sumdb/tlog").is_dir(),
        reason="no x/mod sources (apt: golang-golang-x-mod-dev)",
    ),
]


@pytest.fixture(scope="module")
def goverify(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build = tmp_path_factory.mktemp("goverify")
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": str(GOPATH),
        "GOCACHE": str(build / "cache"),
        "GOFLAGS": "",
    }
    binary = build / "goverify"
    subprocess.run(
        ["go", "build", "-o", str(binary), SOURCE.name],
        cwd=SOURCE.parent,
        env=env,
        check=True,
        timeout=300,
    )
    return binary


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _write_log(directory: Path, size: int, signer: Signer) -> str:
    """A log of ``size`` entries in the tlog-tiles layout, with proofs; returns the checkpoint."""
    entries = [
        leaf_data(
            kind="import_error",
            entry_id=i + 1,
            project="p-1",
            source="erp-import",
            received_at=1_700_000_000_000_000 + i,
            content_sha256=content_digest({"seq": i, "msg": f"row {i}"}),
        )
        for i in range(size)
    ]
    store = MemoryHashStore()
    store.append([leaf_hash(entry) for entry in entries])
    tiles = tiles_for_size(size)
    bundles = [Tile(-1, tile.index, tile.width) for tile in tiles if tile.level == 0]
    for tile in tiles + bundles:
        path = directory / "tile" / tile.path
        path.parent.mkdir(parents=True, exist_ok=True)
        if tile.is_entries:
            path.write_bytes(entry_bundle([entries[i] for i in tile_leaf_indices(tile)]))
        else:
            path.write_bytes(tile_bytes(tile, store.hashes))
    checkpoint = sign_checkpoint(Checkpoint(ORIGIN, size, stored_root(size, store.hashes)), signer)
    (directory / "checkpoint").write_text(checkpoint)
    (directory / "vkey").write_text(signer.verifier.key + "\n")
    (directory / "skey").write_text(signer.key + "\n")
    (directory / "proofs.json").write_text(json.dumps(_proofs(size, store)))
    return checkpoint


def _proofs(size: int, store: MemoryHashStore) -> dict[str, object]:
    points = sorted({1, 2, 255, 256, 257, 1000, 65535, 65536, size // 2, size - 1, size})
    points = [p for p in points if 1 <= p <= size]
    inclusion = [
        {"index": i, "size": n, "proof": [_b64(h) for h in inclusion_proof(i, n, store.hashes)]}
        for n in points
        for i in sorted({0, n // 3, n - 1} | {p for p in points if p < n})
    ]
    consistency = [
        {
            "first": m,
            "second": n,
            "first_root": _b64(stored_root(m, store.hashes)),
            "second_root": _b64(stored_root(n, store.hashes)),
            "proof": [_b64(h) for h in consistency_proof(m, n, store.hashes)],
        }
        for n in points
        for m in points
        if m <= n
    ]
    return {"inclusion": inclusion, "consistency": consistency}


def test_go_accepts_our_log_proofs_and_signatures(goverify: Path, tmp_path: Path) -> None:
    # Past 65,536 leaves: full tiles at levels 0 and 1, partial tiles at levels 0, 1 and 2.
    signer = Signer(ORIGIN, bytes(range(32)))
    checkpoint = _write_log(tmp_path, 66_000, signer)
    result = subprocess.run(
        [str(goverify), str(tmp_path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    status, _, signed = result.stdout.partition("\n")
    assert status.startswith("ok: size 66000, ")
    # Ed25519 is deterministic, so Go's signature with our signer key is byte-identical.
    assert signed == checkpoint


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 1
    path.write_bytes(bytes(data))


def _forge_entry(directory: Path) -> None:
    """Replace entry 257 and its leaf hash together, as a consistent forger would."""
    bundle = directory / "tile/entries/001"
    entries = parse_entry_bundle(bundle.read_bytes())
    entries[1] = b"forged"
    bundle.write_bytes(entry_bundle(entries))
    tile = directory / "tile/0/001"
    data = bytearray(tile.read_bytes())
    data[32:64] = leaf_hash(b"forged")
    tile.write_bytes(bytes(data))


def _bend_a_proof(directory: Path) -> None:
    path = directory / "proofs.json"
    proofs = json.loads(path.read_text())
    proofs["inclusion"][-1]["proof"][0] = _b64(bytes(32))
    path.write_text(json.dumps(proofs))


TAMPERINGS: dict[str, tuple[Callable[[Path], None], str]] = {
    "level 0 tile": (lambda d: _flip(d / "tile/0/001", 40), "tile/0/001 differs"),
    "level 1 tile": (lambda d: _flip(d / "tile/1/000.p/3", 40), "tile/1/000.p/3 differs"),
    "entry bundle": (lambda d: _flip(d / "tile/entries/002", 40), "tree rebuilt from entries"),
    "entry and leaf": (_forge_entry, "tree rebuilt from entries"),
    "checkpoint": (lambda d: _flip(d / "checkpoint", 40), "checkpoint signature"),
    "proof": (_bend_a_proof, "inclusion of"),
}


@pytest.mark.parametrize("name", TAMPERINGS)
def test_go_rejects_a_tampered_log(goverify: Path, tmp_path: Path, name: str) -> None:
    _write_log(tmp_path, 1000, Signer(ORIGIN, bytes(32)))
    tamper, message = TAMPERINGS[name]
    tamper(tmp_path)
    result = subprocess.run(
        [str(goverify), str(tmp_path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 1
    assert message in result.stderr
