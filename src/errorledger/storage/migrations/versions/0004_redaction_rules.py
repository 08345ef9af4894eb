"""A project's own redaction rules.

Entries' ``redactions`` column keeps its type: reports written before this revision are
lists of pointers, read as findings of the rule "unrecorded" (storage.entries).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "redaction_rules",
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_redaction_rules_project_id_projects"
        ),
        sa.PrimaryKeyConstraint("project_id", name="pk_redaction_rules"),
    )


def downgrade() -> None:
    op.drop_table("redaction_rules")
