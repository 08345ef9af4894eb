"""Every query the service runs, as functions of an open connection.

The caller owns the transaction: the CLI wraps these in ``engine.begin()``, the server's
writer runs them inside its batch transaction, and readers inside a read transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import msgspec
from sqlalchemy import Connection, Row, exists, func, insert, select, tuple_, update

from errorledger.storage.batch import BatchStatements
from errorledger.storage.records import (
    EntryCursor,
    EntryRecord,
    IntegrationRecord,
    KeyRecord,
    ProjectRecord,
)
from errorledger.storage.tables import access_tokens, api_keys, entries, integrations, projects

_decode_json = msgspec.json.Decoder().decode


# projects -----------------------------------------------------------------------------------


def insert_project(conn: Connection, record: ProjectRecord) -> None:
    conn.execute(
        insert(projects).values(id=record.id, name=record.name, created_at=record.created_at)
    )


def get_project(conn: Connection, project_id: str) -> ProjectRecord | None:
    row = conn.execute(select(projects).where(projects.c.id == project_id)).first()
    return None if row is None else ProjectRecord(row.id, row.name, row.created_at)


def has_projects(conn: Connection) -> bool:
    return bool(conn.execute(select(exists().select_from(projects))).scalar())


# keys and access tokens ------------------------------------------------------------------------


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


# entries --------------------------------------------------------------------------------------


def insert_entries(conn: Connection, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert rows (``content`` and ``redactions`` already JSON text); their ids, in order."""
    statements = BatchStatements(conn)
    cursor = statements.cursor(conn)
    _, _, max_id = statements.check(cursor, [], [])
    return statements.insert_entries(cursor, rows, max_id=max_id)


def _entry_from_row(row: Row[Any]) -> EntryRecord:
    return EntryRecord(
        id=row.id,
        uid=row.uid,
        project_id=row.project_id,
        kind=row.kind,
        source=row.source,
        received_at=row.received_at,
        occurred_at=row.occurred_at,
        status_code=row.status_code,
        message=row.message,
        url=row.url,
        fingerprint=row.fingerprint,
        protected=bool(row.protected),
        redactions=_decode_json(row.redactions),
        content=_decode_json(row.content),
    )


def list_entries(
    conn: Connection,
    *,
    project_id: str,
    kind: str,
    source: str | None,
    after: EntryCursor | None,
    limit: int,
) -> list[EntryRecord]:
    """Newest first by (occurred_at, id); a keyset page, so page 10,000 costs what page 1 does."""
    query = select(entries).where(entries.c.project_id == project_id, entries.c.kind == kind)
    if source is not None:
        query = query.where(entries.c.source == source)
    if after is not None:
        query = query.where(
            tuple_(entries.c.occurred_at, entries.c.id) < tuple_(after.occurred_at, after.id)
        )
    query = query.order_by(entries.c.occurred_at.desc(), entries.c.id.desc()).limit(limit)
    return [_entry_from_row(row) for row in conn.execute(query)]


def get_entry(
    conn: Connection, *, project_id: str, kind: str, entry_id: int, source: str | None
) -> EntryRecord | None:
    query = select(entries).where(
        entries.c.id == entry_id, entries.c.project_id == project_id, entries.c.kind == kind
    )
    if source is not None:
        query = query.where(entries.c.source == source)
    row = conn.execute(query).first()
    return None if row is None else _entry_from_row(row)


def count_entries(conn: Connection, *, project_id: str | None = None) -> int:
    query = select(func.count()).select_from(entries)
    if project_id is not None:
        query = query.where(entries.c.project_id == project_id)
    return int(conn.execute(query).scalar_one())
