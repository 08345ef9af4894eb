"""The server's side of the transparency log, as pure functions: RFC 9162 Merkle hashes and
proofs over stored hashes, tiles, signing checkpoints, and canonical JSON at write speed.

No I/O happens here. Storage keeps the stored hashes (``stored``), asks a *plan* function
which ones a computation needs, reads them in one query, and hands them to the matching
compute function. What a client needs too (hashing, verification, notes, checkpoints,
the leaf data) is in ``errorledger_client.log``, which auditors install without the
server, and the server imports from there.
"""

from errorledger.tlog.leaf import canonical_json, content_digest
from errorledger.tlog.proofs import (
    consistency_plan,
    consistency_proof,
    inclusion_plan,
    inclusion_proof,
)
from errorledger.tlog.signing import Signer, sign_checkpoint, sign_note, signature_line
from errorledger.tlog.stored import (
    MemoryHashStore,
    MissingHashError,
    NodeId,
    StoredHash,
    append_nodes,
    append_plan,
    root_plan,
    stored_root,
)
from errorledger.tlog.tiles import (
    Tile,
    entry_bundle,
    parse_entry_bundle,
    parse_hash_tile,
    parse_tile_path,
    tile_bytes,
    tile_exists,
    tile_leaf_indices,
    tile_nodes,
    tiles_for_size,
)

__all__ = [
    "MemoryHashStore",
    "MissingHashError",
    "NodeId",
    "Signer",
    "StoredHash",
    "Tile",
    "append_nodes",
    "append_plan",
    "canonical_json",
    "consistency_plan",
    "consistency_proof",
    "content_digest",
    "entry_bundle",
    "inclusion_plan",
    "inclusion_proof",
    "parse_entry_bundle",
    "parse_hash_tile",
    "parse_tile_path",
    "root_plan",
    "sign_checkpoint",
    "sign_note",
    "signature_line",
    "stored_root",
    "tile_bytes",
    "tile_exists",
    "tile_leaf_indices",
    "tile_nodes",
    "tiles_for_size",
]
