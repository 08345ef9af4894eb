"""Shared trees: stored hashes are immutable as a log grows, so one 300-leaf log holds
every smaller tree too."""

from __future__ import annotations

import pytest

from errorledger.tlog.stored import MemoryHashStore
from errorledger_client.log.hashing import leaf_hash
from tests.tlog.reference import ReferenceTree

MAX_SIZE = 300


@pytest.fixture(scope="session")
def leaves() -> list[bytes]:
    return [f"leaf {i}".encode() for i in range(MAX_SIZE)]


@pytest.fixture(scope="session")
def reference(leaves: list[bytes]) -> ReferenceTree:
    return ReferenceTree(leaves)


@pytest.fixture(scope="session")
def store(leaves: list[bytes]) -> MemoryHashStore:
    store = MemoryHashStore()
    store.append([leaf_hash(leaf) for leaf in leaves])
    return store
