"""Inclusion and consistency proofs of RFC 9162 §2.1.3.1 and §2.1.4.1, from stored hashes.

Each proof hash is the MTH of a range of leaves; the ``*_ranges`` functions follow the RFC's
recursion step by step to list those ranges, and the stored-hash plans follow from them.
Only the range that touches the tree's right edge is not a single stored node, so a proof
needs O(log n) stored hashes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

from errorledger.tlog.stored import NodeId, range_hash, range_nodes

Range: TypeAlias = tuple[int, int]
"""``(start, end)`` of the leaves ``D[start:end]`` whose MTH is one proof hash."""


def inclusion_ranges(leaf_index: int, tree_size: int) -> list[Range]:
    """The ranges of ``PATH(leaf_index, D[tree_size])``, from the leaf up."""
    if not 0 <= leaf_index < tree_size:
        raise ValueError(f"leaf index {leaf_index} is not in a tree of size {tree_size}")
    ranges: list[Range] = []
    start, end = 0, tree_size
    while end - start > 1:
        k = _split(end - start)
        if leaf_index - start < k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The ranges of ``PROOF(first, D[second])``, from the deepest up.

    Empty when ``first`` is 0 or equal to ``second``: every tree extends the empty tree
    and itself.
    """
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    if first in (0, second):
        return []
    ranges: list[Range] = []
    start, end = 0, second
    # RFC 9162's flag b: true while the subtree is still the old tree's own prefix.
    whole_old_tree = True
    while first != end:
        k = _split(end - start)
        if first - start <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            whole_old_tree = False
    if not whole_old_tree:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def inclusion_plan(leaf_index: int, tree_size: int) -> list[NodeId]:
    """The stored nodes ``inclusion_proof`` needs."""
    return _plan(inclusion_ranges(leaf_index, tree_size))


def inclusion_proof(leaf_index: int, tree_size: int, stored: Mapping[NodeId, bytes]) -> list[bytes]:
    """The audit path of leaf ``leaf_index`` in the tree of ``tree_size`` leaves."""
    return [range_hash(s, e, stored) for s, e in inclusion_ranges(leaf_index, tree_size)]


def consistency_plan(first: int, second: int) -> list[NodeId]:
    """The stored nodes ``consistency_proof`` needs."""
    return _plan(consistency_ranges(first, second))


def consistency_proof(first: int, second: int, stored: Mapping[NodeId, bytes]) -> list[bytes]:
    """The proof that the tree of ``second`` leaves extends the tree of ``first``."""
    return [range_hash(s, e, stored) for s, e in consistency_ranges(first, second)]


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (``n`` ≥ 2): RFC 9162's k."""
    return 1 << ((n - 1).bit_length() - 1)


def _plan(ranges: list[Range]) -> list[NodeId]:
    return list(dict.fromkeys(node for s, e in ranges for node in range_nodes(s, e)))
