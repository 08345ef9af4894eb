"""The log's formats and their verification, as pure functions on the standard library:
RFC 9162 Merkle hashes and proofs, C2SP signed notes and checkpoints, and the canonical
JSON each leaf commits to. Checking a signature also needs ``cryptography`` (the
``audit`` extra); nothing else here does.

The server builds its log with these same functions (``errorledger.tlog`` adds what only
it does: signing, stored hashes, proof generation, tiles), so what an auditor checks is
what the server wrote.
"""

from errorledger_client.log.canonical import (
    canonical_json,
    content_digest,
    ecmascript_number,
    leaf_data,
    utf16_key,
)
from errorledger_client.log.checkpoint import Checkpoint, open_checkpoint, parse_checkpoint
from errorledger_client.log.hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash, root_hash
from errorledger_client.log.note import (
    MissingExtraError,
    Note,
    Signature,
    Verifier,
    key_id,
    open_note,
)
from errorledger_client.log.verify import (
    VerificationError,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Checkpoint",
    "MissingExtraError",
    "Note",
    "Signature",
    "VerificationError",
    "Verifier",
    "canonical_json",
    "content_digest",
    "ecmascript_number",
    "key_id",
    "leaf_data",
    "leaf_hash",
    "node_hash",
    "open_checkpoint",
    "open_note",
    "parse_checkpoint",
    "root_from_inclusion_proof",
    "root_hash",
    "utf16_key",
    "verify_consistency",
    "verify_inclusion",
]
