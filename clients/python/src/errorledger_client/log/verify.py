"""Client-side verification of RFC 9162 inclusion and consistency proofs.

The algorithms are those of RFC 9162 §2.1.3.2 and §2.1.4.2, written to need nothing but
the standard library so that a client can check our proofs without our server. A proof
that does not verify raises ``VerificationError`` saying what was expected and what was
found; nothing here returns a bool to be forgotten.
"""

from __future__ import annotations

from collections.abc import Sequence

from errorledger_client.log.hashing import EMPTY_ROOT, HASH_SIZE, node_hash


class VerificationError(Exception):
    """A proof, signature, note or checkpoint failed verification."""


def root_from_inclusion_proof(
    leaf_hash: bytes, leaf_index: int, tree_size: int, proof: Sequence[bytes]
) -> bytes:
    """The root that ``proof`` leads to from ``leaf_hash`` (RFC 9162 §2.1.3.2 step 1-3)."""
    if not 0 <= leaf_index < tree_size:
        raise VerificationError(f"leaf index {leaf_index} is not below tree size {tree_size}")
    _check_hashes(leaf_hash=leaf_hash, proof=proof)
    expected = _inclusion_length(leaf_index, tree_size)
    if len(proof) != expected:
        raise VerificationError(
            f"inclusion proof has {len(proof)} hashes, expected {expected} "
            f"for leaf {leaf_index} of {tree_size}"
        )
    fn, sn, r = leaf_index, tree_size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise VerificationError("inclusion proof goes past the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise VerificationError("inclusion proof stops below the root")
    return r


def verify_inclusion(
    leaf_hash: bytes, leaf_index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that the leaf is at ``leaf_index`` in the tree of ``tree_size`` with ``root``."""
    _check_hashes(root=root)
    computed = root_from_inclusion_proof(leaf_hash, leaf_index, tree_size, proof)
    if computed != root:
        raise VerificationError(
            f"inclusion proof leads to root {computed.hex()}, expected {root.hex()}"
        )


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``second`` leaves extends the tree of ``first`` leaves."""
    _check_hashes(first_root=first_root, second_root=second_root, proof=proof)
    if not 0 <= first <= second:
        raise VerificationError(f"no tree of size {second} extends one of size {first}")
    if first in (0, second):
        _check_trivial_consistency(first, second, first_root, second_root, proof)
        return
    expected = _consistency_length(first, second)
    if len(proof) != expected:
        raise VerificationError(
            f"consistency proof has {len(proof)} hashes, expected {expected} "
            f"from {first} to {second}"
        )
    fr, sr = _consistency_roots(first, second, first_root, proof)
    if fr != first_root:
        raise VerificationError(
            f"consistency proof leads to first root {fr.hex()}, expected {first_root.hex()}"
        )
    if sr != second_root:
        raise VerificationError(
            f"consistency proof leads to second root {sr.hex()}, expected {second_root.hex()}"
        )


def _consistency_roots(
    first: int, second: int, first_root: bytes, proof: Sequence[bytes]
) -> tuple[bytes, bytes]:
    """RFC 9162 §2.1.4.2 steps 2-6, for 0 < first < second."""
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError("consistency proof goes past the root")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise VerificationError("consistency proof stops below the root")
    return fr, sr


def _check_trivial_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    if proof:
        raise VerificationError(
            f"consistency proof from {first} to {second} must be empty, has {len(proof)} hashes"
        )
    expected = EMPTY_ROOT if first == 0 else second_root
    if first_root != expected:
        raise VerificationError(f"first root {first_root.hex()}, expected {expected.hex()}")


def _inclusion_length(leaf_index: int, tree_size: int) -> int:
    # Levels below where the leaf's path and the right edge meet, then one hash for each
    # left sibling on the right edge above it.
    inner = (leaf_index ^ (tree_size - 1)).bit_length()
    return inner + (leaf_index >> inner).bit_count()


def _consistency_length(first: int, second: int) -> int:
    # The inclusion path of the old tree's last leaf, minus the levels inside the old
    # tree's perfect right-most subtree (its root stands for them), plus that root unless
    # the old tree is itself perfect and its root is already known.
    shift = (first & -first).bit_length() - 1
    length = _inclusion_length(first - 1, second) - shift
    return length if first == 1 << shift else length + 1


def _check_hashes(proof: Sequence[bytes] = (), **named: bytes) -> None:
    for name, value in named.items():
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            raise VerificationError(f"{name} must be {HASH_SIZE} bytes")
    for position, value in enumerate(proof):
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            raise VerificationError(f"proof hash {position} must be {HASH_SIZE} bytes")
