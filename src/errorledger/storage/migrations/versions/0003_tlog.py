"""The per-project transparency log: leaf columns on entries, stored subtree hashes, tree
sizes and checkpoints. Entries stored before this revision are sequenced here, per project
in id order.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from errorledger.storage.sequencing import backfill

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
    backfill(op.get_bind())


def downgrade() -> None:
    op.drop_table("tlog_checkpoints")
    op.drop_table("tlog_hashes")
    op.drop_table("tlog_trees")
    op.drop_index("ix_entries_leaf", table_name="entries")
    with op.batch_alter_table("entries") as batch:
        batch.drop_column("content_sha256")
        batch.drop_column("leaf_hash")
        batch.drop_column("leaf_index")
