"""The stored-hash tree against the RFC 9162 reference, for every tree size up to 300."""

from __future__ import annotations

import pytest

from errorledger.tlog.proofs import (
    consistency_plan,
    consistency_proof,
    consistency_ranges,
    inclusion_plan,
    inclusion_proof,
)
from errorledger.tlog.stored import (
    MemoryHashStore,
    MissingHashError,
    append_nodes,
    append_plan,
    range_nodes,
    stored_root,
)
from errorledger_client.log.hashing import EMPTY_ROOT, leaf_hash, root_hash
from errorledger_client.log.verify import verify_consistency, verify_inclusion
from tests.tlog.conftest import MAX_SIZE
from tests.tlog.reference import ReferenceTree

SIZES = range(1, MAX_SIZE + 1)


def test_empty_tree_root_is_the_hash_of_nothing() -> None:
    assert stored_root(0, {}) == root_hash([]) == EMPTY_ROOT


def test_root_for_every_size(
    leaves: list[bytes], store: MemoryHashStore, reference: ReferenceTree
) -> None:
    hashes = [leaf_hash(leaf) for leaf in leaves]
    for size in SIZES:
        assert stored_root(size, store.hashes) == reference.mth(0, size), size
        assert root_hash(hashes[:size]) == reference.mth(0, size), size


def test_stored_hashes_are_the_perfect_subtrees(
    store: MemoryHashStore, reference: ReferenceTree
) -> None:
    for (level, index), digest in store.hashes.items():
        assert digest == reference.mth(index << level, (index + 1) << level)
    expected = sum(MAX_SIZE >> level for level in range(MAX_SIZE.bit_length()))
    assert len(store.hashes) == expected


def test_inclusion_for_every_leaf_of_every_size(
    leaves: list[bytes], store: MemoryHashStore, reference: ReferenceTree
) -> None:
    for size in SIZES:
        root = reference.mth(0, size)
        for index in range(size):
            plan = inclusion_plan(index, size)
            assert len(plan) <= 2 * size.bit_length()
            proof = inclusion_proof(index, size, store.read(plan))
            assert proof == reference.path(index, 0, size), (index, size)
            verify_inclusion(leaf_hash(leaves[index]), index, size, proof, root)


def test_consistency_for_every_pair_of_sizes(
    store: MemoryHashStore, reference: ReferenceTree
) -> None:
    for second in SIZES:
        second_root = reference.mth(0, second)
        for first in range(second + 1):
            plan = consistency_plan(first, second)
            assert len(plan) <= 2 * second.bit_length() + 1
            proof = consistency_proof(first, second, store.read(plan))
            expected = [] if first == 0 else reference.proof(first, second)
            assert proof == expected, (first, second)
            verify_consistency(first, second, reference.mth(0, first), second_root, proof)


@pytest.mark.parametrize("batch", [1, 2, 3, 7, 100, 255, 256, 257, MAX_SIZE])
def test_appending_in_batches_stores_the_same_hashes(
    leaves: list[bytes], store: MemoryHashStore, batch: int
) -> None:
    batched = MemoryHashStore()
    hashes = [leaf_hash(leaf) for leaf in leaves]
    for start in range(0, MAX_SIZE, batch):
        batched.append(hashes[start : start + batch])
    assert batched.hashes == store.hashes


def test_append_reads_only_the_frontier(leaves: list[bytes]) -> None:
    growing = MemoryHashStore()
    for size, leaf in enumerate(leaves):
        before = growing.reads
        new = growing.append([leaf_hash(leaf)])
        assert growing.reads - before == size.bit_count()
        # One leaf completes the perfect subtrees it closes: one per trailing one bit.
        assert len(new) == 1 + (~size & (size + 1)).bit_length() - 1


def test_missing_stored_hash_is_named() -> None:
    with pytest.raises(MissingHashError, match=r"level 1, index 0"):
        stored_root(3, {(0, 2): b"\x00" * 32})
    with pytest.raises(MissingHashError):
        append_nodes(1, [b"\x00" * 32], {})
    assert append_plan(5) == [(2, 0), (0, 4)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 0), "not in a tree"),
        ((3, 3), "not in a tree"),
        ((-1, 3), "not in a tree"),
    ],
)
def test_inclusion_of_a_leaf_outside_the_tree_is_refused(
    args: tuple[int, int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        inclusion_plan(*args)


def test_consistency_needs_growing_sizes() -> None:
    with pytest.raises(ValueError, match="no consistency proof"):
        consistency_ranges(5, 4)
    assert consistency_ranges(0, 9) == consistency_ranges(9, 9) == []


def test_range_nodes_refuses_ranges_that_are_not_subtrees() -> None:
    assert range_nodes(8, 15) == [(2, 2), (1, 6), (0, 14)]
    with pytest.raises(ValueError, match="not a subtree"):
        range_nodes(2, 7)
    with pytest.raises(ValueError, match="empty"):
        range_nodes(3, 3)
