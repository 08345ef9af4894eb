"""The per-project transparency log: leaf columns on entries, stored subtree hashes, tree
sizes and checkpoints. Entries stored before this revision are sequenced here, per project
in id order.

Frozen: this file imports no code of the package. It computes leaves as the log defined
them when it was written, so a later change to the live leaf format cannot rewrite the
history a fresh database gets from this upgrade.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
import rfc8785
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entries") as batch:
        batch.add_column(sa.Column("leaf_index", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("leaf_hash", sa.LargeBinary(32), nullable=True))
        batch.add_column(sa.Column("content_sha256", sa.String(64), nullable=True))
    op.create_index("ix_entries_leaf", "entries", ["project_id", "leaf_index"], unique=True)
    op.create_table(
        "tlog_trees",
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_tlog_trees_project_id_projects"
        ),
        sa.PrimaryKeyConstraint("project_id", name="pk_tlog_trees"),
    )
    op.create_table(
        "tlog_hashes",
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "level", "idx", name="pk_tlog_hashes"),
    )
    op.create_table(
        "tlog_checkpoints",
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("timestamp_token", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "size", name="pk_tlog_checkpoints"),
    )
    _backfill(op.get_bind())


def downgrade() -> None:
    op.drop_table("tlog_checkpoints")
    op.drop_table("tlog_hashes")
    op.drop_table("tlog_trees")
    op.drop_index("ix_entries_leaf", table_name="entries")
    with op.batch_alter_table("entries") as batch:
        batch.drop_column("content_sha256")
        batch.drop_column("leaf_hash")
        batch.drop_column("leaf_index")


# The log as this revision defines it ------------------------------------------------------

_sorted_json = msgspec.json.Encoder(order="sorted").encode


def _is_plain(value: Any) -> bool:
    """No floats and no object key at or above U+D800: JSON with sorted keys is RFC 8785."""
    if isinstance(value, float):
        return False
    if isinstance(value, dict):
        return all(
            (key.isascii() or max(key) < "\ud800") and _is_plain(item)
            for key, item in value.items()
        )
    if isinstance(value, list):
        return all(_is_plain(item) for item in value)
    return True


def _canonical(value: Any) -> bytes:
    return _sorted_json(value) if _is_plain(value) else rfc8785.dumps(value)


def _leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _subtree_hashes(leaves: list[bytes]) -> list[tuple[int, int, bytes]]:
    """Every complete subtree's (level, index, hash) over ``leaves``: the stored hashes of
    a log that starts empty."""
    found = [(0, index, digest) for index, digest in enumerate(leaves)]
    level, row = 0, leaves
    while len(row) > 1:
        row = [_node_hash(row[i], row[i + 1]) for i in range(0, len(row) - 1, 2)]
        level += 1
        found += [(level, index, digest) for index, digest in enumerate(row)]
    return found


def _backfill(conn: Any) -> None:
    """Sequence every entry, per project in id order, into logs that start empty."""
    rows = conn.execute(
        sa.text(
            "SELECT id, project_id, kind, source, received_at, content FROM entries "
            "WHERE leaf_index IS NULL ORDER BY project_id, id"
        )
    ).all()
    by_project: dict[str, list[Any]] = {}
    for row in rows:
        by_project.setdefault(row.project_id, []).append(row)
    for project_id, entries in by_project.items():
        leaves = []
        for index, entry in enumerate(entries):
            digest = hashlib.sha256(_canonical(msgspec.json.decode(entry.content))).hexdigest()
            data = _sorted_json(
                {
                    "content_sha256": digest,
                    "id": entry.id,
                    "kind": entry.kind,
                    "project": project_id,
                    "received_at": entry.received_at,
                    "source": entry.source,
                }
            )
            leaves.append(_leaf_hash(data))
            conn.execute(
                sa.text(
                    "UPDATE entries SET leaf_index = :i, leaf_hash = :h, content_sha256 = :d "
                    "WHERE id = :id"
                ),
                {"i": index, "h": leaves[-1], "d": digest, "id": entry.id},
            )
        for level, index, node in _subtree_hashes(leaves):
            conn.execute(
                sa.text(
                    "INSERT INTO tlog_hashes (project_id, level, idx, hash) VALUES (:p, :l, :i, :h)"
                ),
                {"p": project_id, "l": level, "i": index, "h": node},
            )
        conn.execute(
            sa.text("INSERT INTO tlog_trees (project_id, size) VALUES (:p, :s)"),
            {"p": project_id, "s": len(leaves)},
        )
