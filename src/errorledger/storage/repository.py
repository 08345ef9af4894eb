"""Every query the service runs, as functions of an open connection.

The caller owns the transaction: the CLI wraps these in ``engine.begin()``, the server's
writer runs them inside its batch transaction, and readers inside a read transaction.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Collection, Sequence
from typing import Any

import msgspec
from sqlalchemy import (
    Connection,
    Row,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from errorledger.storage.batch import BatchStatements
from errorledger.storage.records import (
    CheckpointRecord,
    EntryCursor,
    EntryRecord,
    ImportLogMessage,
    ImportLogRecord,
    IntegrationRecord,
    KeyRecord,
    ProjectRecord,
)
from errorledger.storage.sequencing import read_hashes
from errorledger.storage.tables import (
    access_tokens,
    api_keys,
    entries,
    import_log_messages,
    import_logs,
    integrations,
    projects,
    tlog_checkpoints,
    tlog_trees,
)

_decode_json = msgspec.json.Decoder().decode


# projects -----------------------------------------------------------------------------------


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


# entries --------------------------------------------------------------------------------------


def insert_entries(conn: Connection, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert rows (``content`` and ``redactions`` already JSON text, ``content_sha256``
    set), appended to their projects' logs; their ids, in order."""
    statements = BatchStatements(conn)
    cursor = statements.cursor(conn)
    _, _, max_id = statements.check(cursor, [], [])
    stored = [dict(row) for row in rows]
    statements.store_entries(cursor, stored, max_id=max_id)
    return [row["id"] for row in stored]


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
        leaf_index=row.leaf_index,
        leaf_hash=None if row.leaf_hash is None else bytes(row.leaf_hash),
        content_sha256=row.content_sha256,
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
    where = EntryFilter(kinds=[kind], source=source)
    return search_entries(conn, project_id=project_id, where=where, after=after, limit=limit)


def get_entry(
    conn: Connection, *, project_id: str, kind: str | None, entry_id: int, source: str | None
) -> EntryRecord | None:
    query = select(entries).where(entries.c.id == entry_id, entries.c.project_id == project_id)
    if kind is not None:
        query = query.where(entries.c.kind == kind)
    if source is not None:
        query = query.where(entries.c.source == source)
    row = conn.execute(query).first()
    return None if row is None else _entry_from_row(row)


def count_entries(conn: Connection, *, project_id: str | None = None) -> int:
    query = select(func.count()).select_from(entries)
    if project_id is not None:
        query = query.where(entries.c.project_id == project_id)
    return int(conn.execute(query).scalar_one())


def get_entry_by_uid(
    conn: Connection, *, project_id: str, kind: str, uid: str, source: str
) -> EntryRecord | None:
    row = conn.execute(
        select(entries).where(
            entries.c.uid == uid,
            entries.c.project_id == project_id,
            entries.c.kind == kind,
            entries.c.source == source,
        )
    ).first()
    return None if row is None else _entry_from_row(row)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class EntryFilter:
    """The native list's filters; None means "any"."""

    kinds: Sequence[str] | None = None
    source: str | None = None
    since: int | None = None
    until: int | None = None
    status_code: int | None = None
    text: str | None = None


def search_entries(
    conn: Connection,
    *,
    project_id: str,
    where: EntryFilter,
    after: EntryCursor | None,
    limit: int,
) -> list[EntryRecord]:
    """Every kind, newest first by (occurred_at, id), filtered; keyset-paginated."""
    query = select(entries).where(entries.c.project_id == project_id)
    if where.kinds is not None:
        query = query.where(entries.c.kind.in_(list(where.kinds)))
    if where.source is not None:
        query = query.where(entries.c.source == where.source)
    if where.since is not None:
        query = query.where(entries.c.occurred_at >= where.since)
    if where.until is not None:
        query = query.where(entries.c.occurred_at < where.until)
    if where.status_code is not None:
        query = query.where(entries.c.status_code == where.status_code)
    if where.text is not None:
        pattern = "%" + _escape_like(where.text) + "%"
        query = query.where(
            or_(
                entries.c.message.ilike(pattern, escape="\\"),
                entries.c.url.ilike(pattern, escape="\\"),
            )
        )
    if after is not None:
        query = query.where(
            tuple_(entries.c.occurred_at, entries.c.id) < tuple_(after.occurred_at, after.id)
        )
    query = query.order_by(entries.c.occurred_at.desc(), entries.c.id.desc()).limit(limit)
    return [_entry_from_row(row) for row in conn.execute(query)]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# import logs ----------------------------------------------------------------------------------

_encode_json = msgspec.json.Encoder().encode


def _import_log_from_row(row: Row[Any]) -> ImportLogRecord:
    return ImportLogRecord(
        id=row.id,
        project_id=row.project_id,
        api_reference_id=row.api_reference_id,
        status=row.status,
        created_at=row.created_at,
        error_count=row.error_count,
        warning_count=row.warning_count,
    )


def insert_import_log(conn: Connection, record: ImportLogRecord) -> None:
    conn.execute(
        insert(import_logs).values(
            id=record.id,
            project_id=record.project_id,
            api_reference_id=record.api_reference_id,
            status=record.status,
            created_at=record.created_at,
            updated_at=record.created_at,
            error_count=0,
            warning_count=0,
        )
    )


def get_import_log(
    conn: Connection, *, project_id: str, api_reference_id: str, log_id: str
) -> ImportLogRecord | None:
    row = conn.execute(
        select(import_logs).where(
            import_logs.c.id == log_id,
            import_logs.c.project_id == project_id,
            import_logs.c.api_reference_id == api_reference_id,
        )
    ).first()
    return None if row is None else _import_log_from_row(row)


def update_import_log(
    conn: Connection,
    log_id: str,
    *,
    status: str | None,
    updated_at: int,
    errors: Sequence[ImportLogMessage],
    warnings: Sequence[ImportLogMessage],
) -> None:
    """Set the status (when given) and append messages, counts included."""
    counts = {"error": len(errors), "warning": len(warnings)}
    for severity, messages in (("error", errors), ("warning", warnings)):
        if not messages:
            continue
        start = conn.execute(
            select(func.count())
            .select_from(import_log_messages)
            .where(
                import_log_messages.c.log_id == log_id,
                import_log_messages.c.severity == severity,
            )
        ).scalar_one()
        conn.execute(
            insert(import_log_messages),
            [
                {
                    "log_id": log_id,
                    "severity": severity,
                    "seq": start + offset,
                    "code": m.code,
                    "message": m.message,
                    "path": m.path,
                    "details": None if m.details is None else _encode_json(m.details).decode(),
                }
                for offset, m in enumerate(messages)
            ],
        )
    values: dict[str, Any] = {
        "updated_at": updated_at,
        "error_count": import_logs.c.error_count + counts["error"],
        "warning_count": import_logs.c.warning_count + counts["warning"],
    }
    if status is not None:
        values["status"] = status
    conn.execute(update(import_logs).where(import_logs.c.id == log_id).values(**values))


def list_import_logs(
    conn: Connection, *, project_id: str, api_reference_id: str, offset: int, limit: int
) -> list[ImportLogRecord]:
    rows = conn.execute(
        select(import_logs)
        .where(
            import_logs.c.project_id == project_id,
            import_logs.c.api_reference_id == api_reference_id,
        )
        .order_by(import_logs.c.created_at.desc(), import_logs.c.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [_import_log_from_row(row) for row in rows]


def import_log_messages_of(
    conn: Connection, log_id: str
) -> tuple[list[ImportLogMessage], list[ImportLogMessage]]:
    """The errors and the warnings of an import log, each in the order reported."""
    found: dict[str, list[ImportLogMessage]] = {"error": [], "warning": []}
    rows = conn.execute(
        select(import_log_messages)
        .where(import_log_messages.c.log_id == log_id)
        .order_by(import_log_messages.c.severity, import_log_messages.c.seq)
    )
    for row in rows:
        found[row.severity].append(
            ImportLogMessage(
                code=row.code,
                message=row.message,
                path=row.path,
                details=None if row.details is None else _decode_json(row.details),
            )
        )
    return found["error"], found["warning"]


# transparency log ----------------------------------------------------------------------------


def tree_size(conn: Connection, project_id: str) -> int:
    size = conn.execute(
        select(tlog_trees.c.size).where(tlog_trees.c.project_id == project_id)
    ).scalar()
    return 0 if size is None else int(size)


def read_tlog_hashes(
    conn: Connection, project_id: str, nodes: Collection[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    marker = "%s" if conn.dialect.name == "postgresql" else "?"
    return read_hashes(cursor, project_id, nodes, marker=marker)


def leaf_fields(conn: Connection, project_id: str, first: int, end: int) -> list[dict[str, Any]]:
    """What the leaves [first, end) are made of (see ``sequencing.leaf_of``), in leaf
    order: a tile's 256 entries without reading or decoding their content."""
    rows = conn.execute(
        select(
            entries.c.id,
            entries.c.project_id,
            entries.c.kind,
            entries.c.source,
            entries.c.received_at,
            entries.c.content_sha256,
        )
        .where(
            entries.c.project_id == project_id,
            entries.c.leaf_index >= first,
            entries.c.leaf_index < end,
        )
        .order_by(entries.c.leaf_index)
    )
    return [dict(row._mapping) for row in rows]


def _checkpoint_from_row(row: Row[Any]) -> CheckpointRecord:
    return CheckpointRecord(
        project_id=row.project_id,
        size=row.size,
        root_hash=bytes(row.root_hash),
        note=row.note,
        timestamp_token=bytes(row.timestamp_token),
        created_at=row.created_at,
    )


def get_checkpoint(
    conn: Connection, project_id: str, size: int | None = None
) -> CheckpointRecord | None:
    """The checkpoint of ``size``, or the latest when ``size`` is None."""
    query = select(tlog_checkpoints).where(tlog_checkpoints.c.project_id == project_id)
    if size is not None:
        query = query.where(tlog_checkpoints.c.size == size)
    row = conn.execute(query.order_by(tlog_checkpoints.c.size.desc()).limit(1)).first()
    return None if row is None else _checkpoint_from_row(row)


def insert_checkpoint(conn: Connection, record: CheckpointRecord) -> CheckpointRecord:
    """Stores ``record`` unless a checkpoint of that size is there already (another process
    made it first: both are valid, the stored one stays); returns the stored one.

    ON CONFLICT, not a read first: two processes that both read "none yet" would otherwise
    both insert, and the second would fail on the primary key.
    """
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(tlog_checkpoints).values(**dataclasses.asdict(record))
    conn.execute(statement.on_conflict_do_nothing())
    stored = get_checkpoint(conn, record.project_id, record.size)
    assert stored is not None  # ours, or the one another process committed first
    return stored
