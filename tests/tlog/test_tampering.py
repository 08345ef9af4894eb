"""Every way of bending a valid proof must raise VerificationError."""

from __future__ import annotations

import hashlib

import pytest

from errorledger.tlog.proofs import consistency_proof, inclusion_proof
from errorledger.tlog.stored import MemoryHashStore
from errorledger_client.log.hashing import EMPTY_ROOT, leaf_hash, node_hash
from errorledger_client.log.verify import VerificationError, verify_consistency, verify_inclusion
from tests.tlog.conftest import MAX_SIZE
from tests.tlog.reference import ReferenceTree

INCLUSION_CASES = [(0, 1), (0, 2), (1, 2), (2, 3), (0, 7), (6, 7), (5, 8), (100, 299), (255, 256)]
INCLUSION_CASES += [(256, 257), (298, 299)]
CONSISTENCY_CASES = [(1, 2), (1, 3), (2, 3), (3, 7), (4, 8), (7, 8), (64, 65), (100, 299)]
CONSISTENCY_CASES += [(256, 299), (298, 299)]


def _flip(proof: list[bytes], position: int, byte: int) -> list[bytes]:
    tampered = list(proof)
    value = bytearray(tampered[position])
    value[byte] ^= 0x01
    tampered[position] = bytes(value)
    return tampered


def _bent_proofs(proof: list[bytes]) -> list[list[bytes]]:
    bent = [_flip(proof, i, byte) for i in range(len(proof)) for byte in (0, 31)]
    bent += [[*proof, proof[0] if proof else EMPTY_ROOT], [EMPTY_ROOT, *proof]]
    if proof:
        bent += [proof[1:], proof[:-1], proof[::-1]] if len(proof) > 1 else [[]]
    return [b for b in bent if b != proof]


@pytest.mark.parametrize(("index", "size"), INCLUSION_CASES)
def test_bent_inclusion_proofs_fail(
    index: int, size: int, leaves: list[bytes], store: MemoryHashStore, reference: ReferenceTree
) -> None:
    proof = inclusion_proof(index, size, store.hashes)
    leaf, root = leaf_hash(leaves[index]), reference.mth(0, size)
    verify_inclusion(leaf, index, size, proof, root)
    for bent in _bent_proofs(proof):
        with pytest.raises(VerificationError):
            verify_inclusion(leaf, index, size, bent, root)
    for other in {0, index - 1, index + 1, size - 1, size, size + 5} - {index}:
        with pytest.raises(VerificationError):
            verify_inclusion(leaf, other, size, proof, root)
    for other in set(range(max(1, size - 4), min(size + 5, MAX_SIZE + 1))) - {size}:
        with pytest.raises(VerificationError):
            verify_inclusion(leaf, index, other, proof, reference.mth(0, other))
    with pytest.raises(VerificationError):
        verify_inclusion(leaf_hash(leaves[(index + 1) % MAX_SIZE]), index, size, proof, root)
    with pytest.raises(VerificationError):
        verify_inclusion(leaf, index, size, proof, _flip([root], 0, 5)[0])


@pytest.mark.parametrize(("first", "second"), CONSISTENCY_CASES)
def test_bent_consistency_proofs_fail(
    first: int, second: int, store: MemoryHashStore, reference: ReferenceTree
) -> None:
    proof = consistency_proof(first, second, store.hashes)
    old, new = reference.mth(0, first), reference.mth(0, second)
    verify_consistency(first, second, old, new, proof)
    for bent in _bent_proofs(proof):
        with pytest.raises(VerificationError):
            verify_consistency(first, second, old, new, bent)
    for wrong_old, wrong_new in [(new, old), (old, old), (new, new)]:
        with pytest.raises(VerificationError):
            verify_consistency(first, second, wrong_old, wrong_new, proof)
    for f in range(max(1, first - 3), first + 4):
        for s in range(max(f, second - 3), min(second + 4, MAX_SIZE + 1)):
            if (f, s) != (first, second):
                with pytest.raises(VerificationError):
                    verify_consistency(f, s, reference.mth(0, f), reference.mth(0, s), proof)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((3, 3, [b"\x00" * 32]), "must be empty"),
        ((0, 3, [b"\x00" * 32]), "must be empty"),
        ((4, 3, []), "extends"),
        ((-1, 3, []), "extends"),
        ((2, 3, []), "has 0 hashes, expected 1"),
        ((2, 3, [b"\x00" * 31, b"\x00" * 32]), "proof hash 0 must be 32 bytes"),
    ],
)
def test_malformed_consistency_proofs_say_why(
    args: tuple[int, int, list[bytes]], message: str
) -> None:
    first, second, proof = args
    with pytest.raises(VerificationError, match=message):
        verify_consistency(first, second, EMPTY_ROOT, EMPTY_ROOT, proof)


def test_trivial_consistency_checks_the_roots(reference: ReferenceTree) -> None:
    root = reference.mth(0, 5)
    verify_consistency(5, 5, root, root, [])
    verify_consistency(0, 5, EMPTY_ROOT, root, [])
    with pytest.raises(VerificationError, match="first root"):
        verify_consistency(5, 5, root, reference.mth(0, 4), [])
    with pytest.raises(VerificationError, match="first root"):
        verify_consistency(0, 5, root, root, [])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((b"\x00" * 32, 3, 3, []), "not below tree size"),
        ((b"\x00" * 32, -1, 3, []), "not below tree size"),
        ((b"\x00" * 32, 0, 0, []), "not below tree size"),
        ((b"\x00" * 31, 0, 1, []), "leaf_hash must be 32 bytes"),
        ((b"\x00" * 32, 0, 4, [b"\x00" * 32]), "has 1 hashes, expected 2"),
        (("not bytes", 0, 1, []), "leaf_hash must be 32 bytes"),
    ],
)
def test_malformed_inclusion_proofs_say_why(
    args: tuple[bytes, int, int, list[bytes]], message: str
) -> None:
    with pytest.raises(VerificationError, match=message):
        verify_inclusion(*args, EMPTY_ROOT)


def test_an_interior_node_presented_as_a_leaf_does_not_verify(
    leaves: list[bytes], reference: ReferenceTree
) -> None:
    """The second-preimage attack: claim the children of node D[0:2] are one leaf's data."""
    left, right = leaf_hash(leaves[0]), leaf_hash(leaves[1])
    interior, sibling, root = reference.mth(0, 2), reference.mth(2, 4), reference.mth(0, 4)
    forged = left + right
    # Without the prefixes the forged leaf would hash to the interior node, and verify.
    assert hashlib.sha256(b"\x01" + forged).digest() == interior == node_hash(left, right)
    verify_inclusion(interior, 0, 2, [sibling], root)
    with pytest.raises(VerificationError):
        verify_inclusion(leaf_hash(forged), 0, 2, [sibling], root)
    with pytest.raises(VerificationError):
        verify_inclusion(leaf_hash(forged), 0, 1, [], interior)
