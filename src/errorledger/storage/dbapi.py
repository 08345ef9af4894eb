"""The DB-API level under SQLAlchemy, where the writer's hot statements run: the raw
cursor of a connection and the driver's parameter marker.

Through SQLAlchemy's Core each statement costs more Python than the rows it carries (cache
keys, expanding parameters, result objects); the group-commit batch and the transparency
log's reads are a handful of plain statements on the cursor instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection


def cursor(conn: Connection) -> Any:
    """A DB-API cursor inside ``conn``'s current transaction."""
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def marker(conn: Connection) -> str:
    """The driver's parameter marker: ``?`` for sqlite3, ``%s`` for psycopg."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"
