"""A project's own rules, kept as JSON text the core defines (redaction today)."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from errorledger.storage.tables import redaction_rules


def get_redaction_rules(conn: Connection, project_id: str) -> str | None:
    return conn.execute(
        select(redaction_rules.c.rules).where(redaction_rules.c.project_id == project_id)
    ).scalar()


def put_redaction_rules(conn: Connection, project_id: str, rules: str, *, updated_at: int) -> None:
    conn.execute(delete(redaction_rules).where(redaction_rules.c.project_id == project_id))
    conn.execute(
        insert(redaction_rules).values(project_id=project_id, rules=rules, updated_at=updated_at)
    )
