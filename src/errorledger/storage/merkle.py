"""The transparency log's reads: tree sizes, stored subtree hashes, what leaves are made of,
and checkpoints. Appending is ``sequencing``'s, inside the writer's batch."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Connection, Row, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from errorledger.core.records import CheckpointRecord, LeafFields
from errorledger.storage import dbapi
from errorledger.storage.tables import entries, tlog_checkpoints, tlog_trees
from errorledger.tlog.stored import NodeId


def tree_size(conn: Connection, project_id: str) -> int:
    size = conn.execute(
        select(tlog_trees.c.size).where(tlog_trees.c.project_id == project_id)
    ).scalar()
    return 0 if size is None else int(size)


def read_hashes(
    conn: Connection, project_id: str, nodes: Collection[NodeId]
) -> dict[NodeId, bytes]:
    return hashes_on_cursor(dbapi.cursor(conn), project_id, nodes, marker=dbapi.marker(conn))


def hashes_on_cursor(
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


def leaf_fields(conn: Connection, project_id: str, first: int, end: int) -> list[LeafFields]:
    """What the leaves [first, end) are made of, in leaf order: a tile's 256 entries
    without reading or decoding their content."""
    rows = conn.execute(
        select(
            entries.c.id,
            entries.c.kind,
            entries.c.source,
            entries.c.received_at,
            entries.c.content_sha256,
        )
        .where(
            entries.c.project_id == project_id,
            entries.c.leaf_index >= first,
            entries.c.leaf_index < end,
        )
        .order_by(entries.c.leaf_index)
    )
    return [
        LeafFields(
            entry_id=row.id,
            project_id=project_id,
            kind=row.kind,
            source=row.source,
            received_at=row.received_at,
            content_sha256=row.content_sha256,
        )
        for row in rows
    ]


def _checkpoint(row: Row[Any]) -> CheckpointRecord:
    return CheckpointRecord(
        project_id=row.project_id,
        size=row.size,
        root_hash=bytes(row.root_hash),
        note=row.note,
        timestamp_token=bytes(row.timestamp_token),
        created_at=row.created_at,
    )


def get_checkpoint(
    conn: Connection, project_id: str, size: int | None = None
) -> CheckpointRecord | None:
    """The checkpoint of ``size``, or the latest when ``size`` is None."""
    query = select(tlog_checkpoints).where(tlog_checkpoints.c.project_id == project_id)
    if size is not None:
        query = query.where(tlog_checkpoints.c.size == size)
    row = conn.execute(query.order_by(tlog_checkpoints.c.size.desc()).limit(1)).first()
    return None if row is None else _checkpoint(row)


def insert_checkpoint(conn: Connection, record: CheckpointRecord) -> CheckpointRecord:
    """Stores ``record`` unless a checkpoint of that size is there already (another process
    made it first: both are valid, the stored one stays); returns the stored one.

    ON CONFLICT, not a read first: two processes that both read "none yet" would otherwise
    both insert, and the second would fail on the primary key.
    """
    dialect_insert = pg_insert if dbapi.is_postgres(conn) else sqlite_insert
    statement = dialect_insert(tlog_checkpoints).values(**dataclasses.asdict(record))
    conn.execute(statement.on_conflict_do_nothing())
    stored = get_checkpoint(conn, record.project_id, record.size)
    assert stored is not None  # ours, or the one another process committed first
    return stored
