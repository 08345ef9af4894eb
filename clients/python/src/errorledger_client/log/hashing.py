"""Merkle tree hashing of RFC 9162 §2.1 (the same as RFC 6962 §2.1).

The one-byte prefixes keep a leaf from ever hashing like an interior node, which is what
stops second-preimage attacks: a pair of child hashes presented as leaf data hashes
differently from the node they form.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 ‖ data)``."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 ‖ left ‖ right)``."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a whole list of leaf hashes, in O(n) time and O(log n) memory."""
    # Perfect subtrees of decreasing size, as (height, hash); merged like a binary counter.
    stack: list[tuple[int, bytes]] = []
    for h in leaf_hashes:
        height, current = 0, h
        while stack and stack[-1][0] == height:
            current = node_hash(stack.pop()[1], current)
            height += 1
        stack.append((height, current))
    if not stack:
        return EMPTY_ROOT
    root = stack[-1][1]
    for _, h in reversed(stack[:-1]):
        root = node_hash(h, root)
    return root
