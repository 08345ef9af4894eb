"""Appending entries to their projects' Merkle logs, inside the transaction that stores them.

Per project, the batch reads the tree size and the few stored hashes the append needs
(``tlog.append_plan``), gives each entry its leaf index and leaf hash, stores the new
complete-subtree hashes and the new size. Appends to one project are serialized: SQLite has
one writer at a time; on PostgreSQL each batch takes a transaction-level advisory lock per
project (in a fixed order, so two batches never wait on each other in a cycle), which keeps
leaf indices dense with any number of server processes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from errorledger.core.records import NewEntry, Placement
from errorledger.storage.merkle import hashes_on_cursor
from errorledger.tlog.stored import StoredHash, append_nodes, append_plan
from errorledger_client.log.canonical import leaf_data
from errorledger_client.log.hashing import leaf_hash

_CHUNK = 1000  # hash rows per INSERT: 4 parameters each, under every driver's cap


def advisory_lock_key(project_id: str) -> int:
    digest = hashlib.sha256(b"errorledger tlog " + project_id.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def entry_leaf(entry_id: int, entry: NewEntry) -> bytes:
    """The leaf hash of an entry about to be stored with ``entry_id``."""
    return leaf_hash(
        leaf_data(
            kind=entry.kind,
            entry_id=entry_id,
            project=entry.project_id,
            source=entry.source,
            received_at=entry.received_at,
            content_sha256=entry.content_sha256,
        )
    )


class Sequencer:
    """Runs on a DB-API cursor, like the rest of the writer's batch."""

    def __init__(self, *, postgres: bool) -> None:
        self._postgres = postgres
        self._m = "%s" if postgres else "?"

    def sequence(self, cursor: Any, new: Sequence[tuple[int, NewEntry]]) -> list[Placement]:
        """Append ``(id, entry)`` pairs to their projects' logs; each one's placement, in
        the order given."""
        by_project: dict[str, list[int]] = {}
        for position, (_, entry) in enumerate(new):
            by_project.setdefault(entry.project_id, []).append(position)
        placements: list[Placement | None] = [None] * len(new)
        for project_id in sorted(by_project):
            positions = by_project[project_id]
            appended = self._append(cursor, project_id, [new[p] for p in positions])
            for position, placement in zip(positions, appended, strict=True):
                placements[position] = placement
        return [p for p in placements if p is not None]

    def _append(
        self, cursor: Any, project_id: str, new: list[tuple[int, NewEntry]]
    ) -> list[Placement]:
        m = self._m
        if self._postgres:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_lock_key(project_id),))
        cursor.execute(f"SELECT size FROM tlog_trees WHERE project_id = {m}", (project_id,))
        found = cursor.fetchone()
        size = 0 if found is None else int(found[0])
        stored = hashes_on_cursor(cursor, project_id, append_plan(size), marker=m)
        placements = [
            Placement(entry_id, size + offset, entry_leaf(entry_id, entry))
            for offset, (entry_id, entry) in enumerate(new)
        ]
        leaves = [placement.leaf_hash for placement in placements]
        self._insert_hashes(cursor, project_id, append_nodes(size, leaves, stored))
        if found is None:
            cursor.execute(
                f"INSERT INTO tlog_trees (project_id, size) VALUES ({m}, {m})",
                (project_id, size + len(new)),
            )
        else:
            cursor.execute(
                f"UPDATE tlog_trees SET size = {m} WHERE project_id = {m}",
                (size + len(new), project_id),
            )
        return placements

    def _insert_hashes(self, cursor: Any, project_id: str, nodes: list[StoredHash]) -> None:
        row = f"({self._m}, {self._m}, {self._m}, {self._m})"
        for start in range(0, len(nodes), _CHUNK):
            chunk = nodes[start : start + _CHUNK]
            params: list[Any] = []
            for level, index, digest in chunk:
                params += [project_id, level, index, digest]
            cursor.execute(
                "INSERT INTO tlog_hashes (project_id, level, idx, hash) VALUES "
                + ", ".join([row] * len(chunk)),
                tuple(params),
            )
