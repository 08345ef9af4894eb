"""A project's own rules, kept as JSON text the core defines: its redaction rules and its
triage rules (one table each)."""

from __future__ import annotations

from sqlalchemy import Connection, Table, delete, insert, literal, select, union_all

from errorledger.storage.tables import hint_rules, redaction_rules

REDACTION = "redaction"
TRIAGE = "triage"
_TABLES: dict[str, Table] = {REDACTION: redaction_rules, TRIAGE: hint_rules}


def get_all_rules(conn: Connection, project_id: str) -> dict[str, str]:
    """Every kind of rules the project has, in one statement."""
    query = union_all(
        *(
            select(literal(kind).label("kind"), table.c.rules).where(
                table.c.project_id == project_id
            )
            for kind, table in _TABLES.items()
        )
    )
    return {row.kind: row.rules for row in conn.execute(query)}


def put_rules(conn: Connection, kind: str, project_id: str, rules: str, *, updated_at: int) -> None:
    table = _TABLES[kind]
    conn.execute(delete(table).where(table.c.project_id == project_id))
    conn.execute(insert(table).values(project_id=project_id, rules=rules, updated_at=updated_at))
