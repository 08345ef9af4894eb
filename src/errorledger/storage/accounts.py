"""Projects, API keys, OAuth2 access tokens and integrations: the rows behind accounts.

Functions of an open connection; the caller owns the transaction (the CLI wraps these in
``engine.begin()``, the server's writer runs them inside its batch transaction).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, Row, delete, exists, func, insert, select, update

from errorledger.core.records import IntegrationRecord, KeyRecord, ProjectRecord
from errorledger.storage.tables import access_tokens, api_keys, integrations, projects

# projects ---------------------------------------------------------------------------------


def insert_project(conn: Connection, record: ProjectRecord) -> None:
    conn.execute(
        insert(projects).values(id=record.id, name=record.name, created_at=record.created_at)
    )


def get_project(conn: Connection, project_id: str) -> ProjectRecord | None:
    row = conn.execute(select(projects).where(projects.c.id == project_id)).first()
    return None if row is None else ProjectRecord(row.id, row.name, row.created_at)


def list_projects(conn: Connection) -> list[ProjectRecord]:
    rows = conn.execute(select(projects).order_by(projects.c.created_at, projects.c.id))
    return [ProjectRecord(row.id, row.name, row.created_at) for row in rows]


def has_projects(conn: Connection) -> bool:
    return bool(conn.execute(select(exists().select_from(projects))).scalar())


# The first start reads (any project yet?) before it writes; PostgreSQL has no lock for
# "the accounts" to take, so an advisory one stands for it.
_ACCOUNTS_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"errorledger accounts").digest()[:8], "big", signed=True
)


def lock_accounts(conn: Connection) -> None:
    """Hold, until the transaction ends, the lock that serializes the first start. On
    SQLite the writing engine's ``BEGIN IMMEDIATE`` already holds the database's write
    lock."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(_ACCOUNTS_LOCK_KEY)))


# keys and access tokens ---------------------------------------------------------------------


def insert_key(conn: Connection, record: KeyRecord, *, created_at: int) -> None:
    conn.execute(
        insert(api_keys).values(
            key_id=record.key_id,
            project_id=record.project_id,
            secret_hash=record.secret_hash,
            scopes=",".join(sorted(record.scopes)),
            created_at=created_at,
            revoked_at=None,
        )
    )


def _key_from_row(row: Row[Any]) -> KeyRecord:
    return KeyRecord(
        key_id=row.key_id,
        project_id=row.project_id,
        secret_hash=bytes(row.secret_hash),
        scopes=frozenset(row.scopes.split(",")),
        revoked_at=row.revoked_at,
    )


def get_key(conn: Connection, key_id: str) -> KeyRecord | None:
    row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).first()
    return None if row is None else _key_from_row(row)


def list_keys(conn: Connection, project_id: str) -> list[tuple[KeyRecord, int]]:
    """The project's keys with their creation times, oldest first."""
    rows = conn.execute(
        select(api_keys)
        .where(api_keys.c.project_id == project_id)
        .order_by(api_keys.c.created_at, api_keys.c.key_id)
    )
    return [(_key_from_row(row), row.created_at) for row in rows]


def revoke_key(conn: Connection, key_id: str, *, at: int) -> bool:
    """Mark the key revoked; False when there is no such key or it was revoked already."""
    result = conn.execute(
        update(api_keys)
        .where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return result.rowcount == 1


def active_key_ids(conn: Connection, key_ids: Collection[str]) -> set[str]:
    rows = conn.execute(
        select(api_keys.c.key_id).where(
            api_keys.c.key_id.in_(list(key_ids)), api_keys.c.revoked_at.is_(None)
        )
    )
    return {row.key_id for row in rows}


def insert_access_token(
    conn: Connection, *, token_hash: bytes, key_id: str, expires_at: int
) -> None:
    conn.execute(
        insert(access_tokens).values(token_hash=token_hash, key_id=key_id, expires_at=expires_at)
    )


def delete_access_tokens(conn: Connection, key_id: str, *, expired_by: int | None = None) -> None:
    """Delete the key's access tokens: all of them, or those expired by ``expired_by``."""
    query = delete(access_tokens).where(access_tokens.c.key_id == key_id)
    if expired_by is not None:
        query = query.where(access_tokens.c.expires_at <= expired_by)
    conn.execute(query)


def get_access_token(conn: Connection, token_hash: bytes) -> tuple[KeyRecord, int] | None:
    """The key behind an access token and the token's expiry, or None."""
    row = conn.execute(
        select(api_keys, access_tokens.c.expires_at)
        .join(access_tokens, access_tokens.c.key_id == api_keys.c.key_id)
        .where(access_tokens.c.token_hash == token_hash)
    ).first()
    return None if row is None else (_key_from_row(row), row.expires_at)


# integrations ---------------------------------------------------------------------------------


def insert_integration(conn: Connection, *, project_id: str, name: str, created_at: int) -> int:
    result = conn.execute(
        insert(integrations)
        .values(project_id=project_id, name=name, created_at=created_at)
        .returning(integrations.c.id)
    )
    return int(result.scalar_one())


def list_integrations(conn: Connection, project_id: str) -> list[IntegrationRecord]:
    rows = conn.execute(
        select(integrations)
        .where(integrations.c.project_id == project_id)
        .order_by(integrations.c.id)
    )
    return [IntegrationRecord(row.id, row.project_id, row.name, row.created_at) for row in rows]


def get_integration(
    conn: Connection, *, project_id: str, integration_id: int
) -> IntegrationRecord | None:
    row = conn.execute(
        select(integrations).where(
            integrations.c.id == integration_id, integrations.c.project_id == project_id
        )
    ).first()
    return (
        None if row is None else IntegrationRecord(row.id, row.project_id, row.name, row.created_at)
    )
