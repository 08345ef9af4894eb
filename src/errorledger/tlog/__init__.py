"""The transparency log, as pure functions: RFC 9162 Merkle hashing and proofs over stored
hashes, C2SP signed notes, checkpoints and tiles, and the canonical leaf data.

No I/O happens here. Storage keeps the stored hashes (``stored``), asks a *plan* function
which ones a computation needs, reads them in one query, and hands them to the matching
compute function. Clients need only ``verify`` (and ``note``/``checkpoint`` for signatures).
"""

from errorledger.tlog.checkpoint import (
    Checkpoint,
    open_checkpoint,
    parse_checkpoint,
    sign_checkpoint,
)
from errorledger.tlog.hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash, root_hash
from errorledger.tlog.leaf import canonical_json, content_digest, leaf_data
from errorledger.tlog.note import Note, Signature, Signer, Verifier, open_note, sign_note
from errorledger.tlog.proofs import (
    consistency_plan,
    consistency_proof,
    inclusion_plan,
    inclusion_proof,
)
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
from errorledger.tlog.verify import (
    VerificationError,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Checkpoint",
    "MemoryHashStore",
    "MissingHashError",
    "NodeId",
    "Note",
    "Signature",
    "Signer",
    "StoredHash",
    "Tile",
    "VerificationError",
    "Verifier",
    "append_nodes",
    "append_plan",
    "canonical_json",
    "consistency_plan",
    "consistency_proof",
    "content_digest",
    "entry_bundle",
    "inclusion_plan",
    "inclusion_proof",
    "leaf_data",
    "leaf_hash",
    "node_hash",
    "open_checkpoint",
    "open_note",
    "parse_checkpoint",
    "parse_entry_bundle",
    "parse_hash_tile",
    "parse_tile_path",
    "root_from_inclusion_proof",
    "root_hash",
    "root_plan",
    "sign_checkpoint",
    "sign_note",
    "stored_root",
    "tile_bytes",
    "tile_exists",
    "tile_leaf_indices",
    "tile_nodes",
    "tiles_for_size",
    "verify_consistency",
    "verify_inclusion",
]
