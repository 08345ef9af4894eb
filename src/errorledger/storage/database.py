"""Engines for the two supported databases, from the URLs users write.

SQLite runs in WAL mode with ``synchronous=FULL``: a COMMIT has reached the disk before it
returns. The server's writer connection is the exception: it commits with
``synchronous=NORMAL`` and no automatic checkpoints, and the writer fsyncs the WAL and
checkpoints on a thread of its own before any 2xx leaves (see ``writer.LoopWriter``).
Transactions are opened by us, not by
the driver, so the writer can take the write lock up front with ``BEGIN IMMEDIATE`` and never
meet a lock upgrade that fails half-way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from errorledger.errors import ConfigurationError

SQLITE_BUSY_TIMEOUT_MS = 10_000
WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024


def normalize_url(raw: str) -> URL:
    """Map ``sqlite:///…`` and ``postgresql://…`` (or ``postgres://``) to the drivers we ship."""
    try:
        url = make_url(raw)
    except Exception as exc:  # SQLAlchemy raises ArgumentError with a useful text
        raise ConfigurationError(f"ERRORLEDGER_DATABASE_URL is not a database URL: {exc}") from exc
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ConfigurationError("SQLite needs a file path: sqlite:///path/to/file.db")
        return url.set(drivername="sqlite+pysqlite")
    if backend in {"postgresql", "postgres"}:
        return url.set(drivername="postgresql+psycopg")
    raise ConfigurationError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def sqlite_path(url: URL) -> Path:
    assert is_sqlite(url)
    assert url.database is not None
    return Path(url.database)


def create_database_engine(raw_url: str, *, writer: bool = False, pool_size: int = 8) -> Engine:
    """An engine for reads (a pool) or for the single writer (``writer=True``, one connection).

    PostgreSQL connection options ride in the URL (``?options=-csearch_path%3Dname`` pins a
    schema), as libpq users expect.
    """
    url = normalize_url(raw_url)
    if is_sqlite(url):
        sqlite_path(url).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, pool_size=1 if writer else pool_size, max_overflow=0 if writer else 8
        )
        _configure_sqlite(engine, writer=writer)
        return engine
    if writer:
        # One long-lived connection: the pool drops it on a disconnect error and the next
        # batch reconnects.
        return create_engine(url, pool_size=1, max_overflow=0)
    return create_engine(url, pool_size=pool_size, max_overflow=8, pool_pre_ping=True)


def _configure_sqlite(engine: Engine, *, writer: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        if writer:
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA wal_autocheckpoint = 0")
            # The WAL starts over after each complete checkpoint; this keeps its file small.
            cursor.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT_BYTES}")
        else:
            cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")
