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
import logging
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
from sqlalchemy import Connection

from errorledger.tlog.hashing import leaf_hash
from errorledger.tlog.leaf import content_digest, leaf_data
from errorledger.tlog.stored import NodeId, StoredHash, append_nodes, append_plan

log = logging.getLogger(__name__)
_CHUNK = 1000  # hash rows per INSERT: 4 parameters each, under every driver's cap


def leaf_of(row: dict[str, Any]) -> bytes:
    """The leaf data of an entry row (which has its id, project, kind, source, received_at
    and content_sha256)."""
    return leaf_data(
        kind=row["kind"],
        entry_id=row["id"],
        project=row["project_id"],
        source=row["source"],
        received_at=row["received_at"],
        content_sha256=row["content_sha256"],
    )


def advisory_lock_key(project_id: str) -> int:
    digest = hashlib.sha256(b"errorledger tlog " + project_id.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Sequencer:
    """Runs on a DB-API cursor, like the rest of the writer's batch."""

    def __init__(self, *, postgres: bool) -> None:
        self._postgres = postgres
        self._m = "%s" if postgres else "?"

    def sequence(self, cursor: Any, rows: Sequence[dict[str, Any]]) -> None:
        """Set ``leaf_index`` and ``leaf_hash`` on every row, in order, and append them."""
        by_project: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_project.setdefault(row["project_id"], []).append(row)
        for project_id in sorted(by_project):
            self._append(cursor, project_id, by_project[project_id])

    def _append(self, cursor: Any, project_id: str, rows: list[dict[str, Any]]) -> None:
        m = self._m
        if self._postgres:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_lock_key(project_id),))
        cursor.execute(f"SELECT size FROM tlog_trees WHERE project_id = {m}", (project_id,))
        found = cursor.fetchone()
        size = 0 if found is None else int(found[0])
        stored = read_hashes(cursor, project_id, append_plan(size), marker=m)
        leaves = []
        for offset, row in enumerate(rows):
            row["leaf_index"] = size + offset
            row["leaf_hash"] = leaf_hash(leaf_of(row))
            leaves.append(row["leaf_hash"])
        self._insert_hashes(cursor, project_id, append_nodes(size, leaves, stored))
        if found is None:
            cursor.execute(
                f"INSERT INTO tlog_trees (project_id, size) VALUES ({m}, {m})",
                (project_id, size + len(rows)),
            )
        else:
            cursor.execute(
                f"UPDATE tlog_trees SET size = {m} WHERE project_id = {m}",
                (size + len(rows), project_id),
            )

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


def read_hashes(
    cursor: Any, project_id: str, nodes: Iterable[NodeId], *, marker: str
) -> dict[NodeId, bytes]:
    """The stored hashes of ``nodes`` (those that exist), in one query of point lookups: an
    OR of (level, idx) pairs made SQLite scan the project's every hash."""
    wanted = sorted(set(nodes))
    if not wanted:
        return {}
    one = (
        f"SELECT level, idx, hash FROM tlog_hashes "
        f"WHERE project_id = {marker} AND level = {marker} AND idx = {marker}"
    )
    params: list[Any] = []
    for level, index in wanted:
        params += [project_id, level, index]
    cursor.execute(" UNION ALL ".join([one] * len(wanted)), tuple(params))
    return {(int(level), int(idx)): bytes(digest) for level, idx, digest in cursor.fetchall()}


def backfill(conn: Connection) -> None:
    """Sequence every entry stored before the log existed, per project in id order."""
    postgres = conn.dialect.name == "postgresql"
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    m = "%s" if postgres else "?"
    cursor.execute(
        "SELECT id, project_id, kind, source, received_at, content FROM entries "
        "WHERE leaf_index IS NULL ORDER BY project_id, id"
    )
    rows = [
        {
            "id": entry_id,
            "project_id": project_id,
            "kind": kind,
            "source": source,
            "received_at": received_at,
            "content_sha256": content_digest(msgspec.json.decode(content)),
        }
        for entry_id, project_id, kind, source, received_at, content in cursor.fetchall()
    ]
    if not rows:
        return
    log.info("adding %d existing entries to their transparency logs", len(rows))
    Sequencer(postgres=postgres).sequence(cursor, rows)
    cursor.executemany(
        f"UPDATE entries SET leaf_index = {m}, leaf_hash = {m}, content_sha256 = {m} "
        f"WHERE id = {m}",
        [(r["leaf_index"], r["leaf_hash"], r["content_sha256"], r["id"]) for r in rows],
    )
