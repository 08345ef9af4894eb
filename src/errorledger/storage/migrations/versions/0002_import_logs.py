"""Import logs and their messages; the native list's project-wide order.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_entries_project_order", "entries", ["project_id", "occurred_at", "id"])
    op.create_table(
        "import_logs",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("api_reference_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("warning_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_import_logs_project_id_projects"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_import_logs"),
    )
    op.create_index(
        "ix_import_logs_order",
        "import_logs",
        ["project_id", "api_reference_id", "created_at", "id"],
    )
    op.create_table(
        "import_log_messages",
        sa.Column("log_id", sa.String(36), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["log_id"], ["import_logs.id"], name="fk_import_log_messages_log_id_import_logs"
        ),
        sa.PrimaryKeyConstraint("log_id", "severity", "seq", name="pk_import_log_messages"),
    )


def downgrade() -> None:
    op.drop_table("import_log_messages")
    op.drop_table("import_logs")
    op.drop_index("ix_entries_project_order", table_name="entries")
