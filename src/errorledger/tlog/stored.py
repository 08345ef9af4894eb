"""Stored hashes: the hashes of complete perfect subtrees, keyed by ``(level, index)``.

This is the "stored hashes" layout of C2SP tlog-tiles and Go's ``sumdb/tlog``: node
``(L, N)`` is ``MTH(D[N·2^L : (N+1)·2^L])``. It exists once the tree reaches
``(N+1)·2^L`` leaves and never changes after, so the root and every proof of any tree
size are functions of O(log n) of them.

Each computation comes in two halves so that storage reads in one batch: a *plan* lists
the node ids it needs, and the compute function takes a ``Mapping`` from those ids to
hashes (a dict of one query's rows, or any lazy ``Mapping``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TypeAlias

from errorledger_client.log.hashing import EMPTY_ROOT, node_hash

NodeId: TypeAlias = tuple[int, int]
"""``(level, index)`` of a stored hash."""


StoredHash: TypeAlias = tuple[int, int, bytes]
"""``(level, index, hash)``: one row to store."""


class MissingHashError(LookupError):
    """A compute function was not given a stored hash that its plan listed."""


def range_nodes(start: int, end: int) -> list[NodeId]:
    """The stored nodes whose right fold is ``MTH(D[start:end])``, largest first.

    ``start`` must be a multiple of the largest power of two not above ``end - start``,
    as every subtree in RFC 9162's recursion is.
    """
    size = end - start
    if start < 0 or size <= 0:
        raise ValueError(f"empty or negative range [{start}, {end})")
    top = size.bit_length() - 1
    if start % (1 << top):
        raise ValueError(f"range [{start}, {end}) is not a subtree: {start} % {1 << top} != 0")
    nodes: list[NodeId] = []
    position = start
    for level in range(top, -1, -1):
        if size >> level & 1:
            nodes.append((level, position >> level))
            position += 1 << level
    return nodes


def range_hash(start: int, end: int, stored: Mapping[NodeId, bytes]) -> bytes:
    """``MTH(D[start:end])`` from the nodes that ``range_nodes`` lists."""
    nodes = range_nodes(start, end)
    result = _get(stored, nodes[-1])
    for node in reversed(nodes[:-1]):
        result = node_hash(_get(stored, node), result)
    return result


def root_plan(tree_size: int) -> list[NodeId]:
    """The stored nodes ``stored_root`` needs."""
    return range_nodes(0, tree_size) if tree_size else []


def stored_root(tree_size: int, stored: Mapping[NodeId, bytes]) -> bytes:
    """The root hash of the tree of ``tree_size`` leaves."""
    return range_hash(0, tree_size, stored) if tree_size else EMPTY_ROOT


def append_plan(start: int) -> list[NodeId]:
    """The stored nodes ``append_nodes`` needs: the frontier of the tree of ``start`` leaves."""
    return root_plan(start)


def append_nodes(
    start: int, leaf_hashes: Sequence[bytes], stored: Mapping[NodeId, bytes]
) -> list[StoredHash]:
    """Every node that becomes complete when ``leaf_hashes`` are appended at ``start``.

    Amortized two nodes per leaf; each leaf hash itself is among them at level 0.
    """
    # The frontier is a stack of perfect subtrees of strictly decreasing level; appending a
    # leaf merges equal levels like a binary counter, so a merge's left child is always
    # the stack's top.
    frontier = [(level, index, _get(stored, (level, index))) for level, index in append_plan(start)]
    new: list[StoredHash] = []
    for offset, leaf in enumerate(leaf_hashes):
        level, index, digest = 0, start + offset, leaf
        new.append((level, index, digest))
        while frontier and frontier[-1][0] == level:
            left = frontier.pop()[2]
            level, index, digest = level + 1, index >> 1, node_hash(left, digest)
            new.append((level, index, digest))
        frontier.append((level, index, digest))
    return new


class MemoryHashStore:
    """Stored hashes of one tree in a dict, counting the hashes read: for tests and tools."""

    def __init__(self) -> None:
        self.hashes: dict[NodeId, bytes] = {}
        self.size = 0
        self.reads = 0

    def read(self, nodes: Iterable[NodeId]) -> dict[NodeId, bytes]:
        """The stored hashes among ``nodes``; absent ones are left out, as a query would."""
        found = {node: self.hashes[node] for node in nodes if node in self.hashes}
        self.reads += len(found)
        return found

    def append(self, leaf_hashes: Sequence[bytes]) -> list[StoredHash]:
        """Append leaves; returns the new stored hashes."""
        new = append_nodes(self.size, leaf_hashes, self.read(append_plan(self.size)))
        self.hashes.update(((level, index), digest) for level, index, digest in new)
        self.size += len(leaf_hashes)
        return new


def _get(stored: Mapping[NodeId, bytes], node: NodeId) -> bytes:
    try:
        return stored[node]
    except KeyError:
        raise MissingHashError(
            f"stored hash (level {node[0]}, index {node[1]}) not given"
        ) from None
