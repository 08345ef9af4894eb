"""Triage: each entry's failure class, cause and hint facts, and issues (the entries of one
fingerprint) with their hourly counts. Entries stored before this revision are triaged
here, in id order, and grouped; their fingerprint becomes triage's.

Unlike 0003 this revision calls live code (``core.triage.assess``): a class, a cause and a
group are a reading of the record, not history the log has committed to, and a fresh
database reading its old entries with the newest catalogue reads them better. The SQL that
writes them is frozen here, for the tables as this revision makes them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_CHUNK = 1000
_HOUR_US = 3_600_000_000


def upgrade() -> None:
    with op.batch_alter_table("entries") as batch:
        batch.add_column(
            sa.Column("failure_class", sa.String(16), nullable=False, server_default="unknown")
        )
        batch.add_column(
            sa.Column("cause", sa.String(64), nullable=False, server_default="unknown.unclassified")
        )
        batch.add_column(sa.Column("facts", sa.Text(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("issue_id", sa.BigInteger(), nullable=True))
    op.create_index("ix_entries_issue_order", "entries", ["issue_id", "occurred_at", "id"])
    op.create_table(
        "hint_rules",
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_hint_rules_project_id_projects"
        ),
        sa.PrimaryKeyConstraint("project_id", name="pk_hint_rules"),
    )
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "issues",
        sa.Column("id", big_id, autoincrement=True, nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("failure_class", sa.String(16), nullable=False),
        sa.Column("cause", sa.String(64), nullable=False),
        sa.Column("culprit", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("first_seen", sa.BigInteger(), nullable=False),
        sa.Column("last_seen", sa.BigInteger(), nullable=False),
        sa.Column("last_entry_id", sa.BigInteger(), nullable=False),
        sa.Column("regressed_at", sa.BigInteger(), nullable=True),
        sa.Column("status_changed_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_issues_project_id_projects"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_issues"),
    )
    op.create_index("ix_issues_fingerprint", "issues", ["project_id", "fingerprint"], unique=True)
    op.create_index("ix_issues_last_seen", "issues", ["project_id", "last_seen", "id"])
    op.create_index("ix_issues_first_seen", "issues", ["project_id", "first_seen", "id"])
    op.create_index("ix_issues_count", "issues", ["project_id", "count", "id"])
    op.create_index(
        "ix_issues_status_last_seen", "issues", ["project_id", "status", "last_seen", "id"]
    )
    op.create_table(
        "issue_hours",
        sa.Column("issue_id", sa.BigInteger(), nullable=False),
        sa.Column("hour", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("issue_id", "hour", name="pk_issue_hours"),
    )
    _triage_stored_entries(op.get_bind())


def _triage_stored_entries(conn: sa.Connection) -> None:
    from errorledger.core.triage.assess import assess
    from errorledger.core.triage.catalogue import builtin
    from errorledger.core.triage.classify import Classifier

    classifier: Classifier | None = None
    decode = msgspec.json.Decoder().decode
    encode = msgspec.json.Encoder().encode
    issues: dict[tuple[str, str], dict[str, Any]] = {}
    hours: dict[tuple[str, str, int], int] = {}
    last = 0
    while True:
        rows = conn.execute(
            sa.text(
                "SELECT id, project_id, kind, source, received_at, status_code, message, url,"
                " content FROM entries WHERE id > :last ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": _CHUNK},
        ).all()
        if not rows:
            break
        classifier = classifier or Classifier(builtin())
        updates = []
        for row in rows:
            content = decode(row.content)
            found = assess(
                classifier,
                kind=row.kind,
                source=row.source,
                content=content if isinstance(content, dict) else {},
                status=row.status_code,
                message=row.message,
                url=row.url,
                exception_type=_exception_type(row.kind, content),
            )
            verdict, group = found.verdict, found.group
            updates.append(
                {
                    "id": row.id,
                    "c": verdict.klass,
                    "cause": verdict.cause,
                    "facts": encode(verdict.facts).decode(),
                    "fp": group.fingerprint,
                }
            )
            key = (row.project_id, group.fingerprint)
            issue = issues.get(key)
            if issue is None:
                issue = issues[key] = {
                    "project_id": row.project_id,
                    "fingerprint": group.fingerprint,
                    "kind": row.kind,
                    "source": row.source,
                    "failure_class": verdict.klass,
                    "cause": verdict.cause,
                    "culprit": group.culprit,
                    "count": 0,
                    "first_seen": row.received_at,
                    "last_seen": row.received_at,
                }
            issue["count"] += 1
            issue["first_seen"] = min(issue["first_seen"], row.received_at)
            issue["last_seen"] = max(issue["last_seen"], row.received_at)
            issue["last_entry_id"] = row.id
            issue["message"] = row.message
            hour = (row.project_id, group.fingerprint, row.received_at // _HOUR_US)
            hours[hour] = hours.get(hour, 0) + 1
            last = row.id
        conn.execute(
            sa.text(
                "UPDATE entries SET failure_class = :c, cause = :cause, facts = :facts,"
                " fingerprint = :fp WHERE id = :id"
            ),
            updates,
        )
    if not issues:
        return
    conn.execute(
        sa.text(
            "INSERT INTO issues (project_id, fingerprint, kind, source, failure_class, cause,"
            " culprit, message, status, count, first_seen, last_seen, last_entry_id)"
            " VALUES (:project_id, :fingerprint, :kind, :source, :failure_class, :cause,"
            " :culprit, :message, 'open', :count, :first_seen, :last_seen, :last_entry_id)"
        ),
        list(issues.values()),
    )
    conn.execute(
        sa.text(
            "UPDATE entries SET issue_id = (SELECT issues.id FROM issues"
            " WHERE issues.project_id = entries.project_id"
            " AND issues.fingerprint = entries.fingerprint)"
        )
    )
    conn.execute(
        sa.text(
            "INSERT INTO issue_hours (issue_id, hour, count) SELECT id, :hour, :n FROM issues"
            " WHERE project_id = :p AND fingerprint = :fp"
        ),
        [{"p": p, "fp": fp, "hour": hour, "n": n} for (p, fp, hour), n in hours.items()],
    )


def _exception_type(kind: str, content: Any) -> str | None:
    if kind == "integration_log" and isinstance(content, dict):
        found = content.get("exception_type")
        return found if isinstance(found, str) else None
    return None


def downgrade() -> None:
    op.drop_table("issue_hours")
    op.drop_table("issues")
    op.drop_table("hint_rules")
    op.drop_index("ix_entries_issue_order", table_name="entries")
    with op.batch_alter_table("entries") as batch:
        batch.drop_column("issue_id")
        batch.drop_column("facts")
        batch.drop_column("cause")
        batch.drop_column("failure_class")
