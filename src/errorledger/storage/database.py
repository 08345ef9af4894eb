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

import sqlite3
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import StatementError

from errorledger.errors import ConfigurationError
from errorledger.files import make_private_directory, make_private_file

SQLITE_BUSY_TIMEOUT_MS = 10_000
SIDECAR_SUFFIXES = ("-wal", "-shm", "-journal")
WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024


# What the drivers raise for a value the database cannot hold: NUL in PostgreSQL text, a
# number out of a column's range, a string longer than its column.
_DATA_ERRORS = (psycopg.DataError, sqlite3.DataError, OverflowError)


def is_data_error(exc: BaseException) -> bool:
    """Whether ``exc`` (raw from a driver, or wrapped by SQLAlchemy) refused a value."""
    if isinstance(exc, StatementError) and exc.orig is not None:
        exc = exc.orig
    return isinstance(exc, _DATA_ERRORS)


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


def sqlite_file(raw_url: str) -> Path | None:
    """The database file of a SQLite URL; None for PostgreSQL."""
    url = normalize_url(raw_url)
    return sqlite_path(url) if is_sqlite(url) else None


def create_sqlite_file(raw_url: str) -> None:
    """For a SQLite URL: the database file, private to its owner (0600, in a 0700
    directory), made empty if missing. SQLite gives its ``-wal`` and ``-shm`` files the
    database file's mode; those of a database made before this rule are tightened too.
    PostgreSQL URLs need nothing here."""
    path = sqlite_file(raw_url)
    if path is None:
        return
    make_private_directory(path.parent)
    make_private_file(path)
    for suffix in SIDECAR_SUFFIXES:
        sidecar = path.with_name(path.name + suffix)
        if sidecar.exists():
            make_private_file(sidecar)


def create_database_engine(raw_url: str, *, writer: bool = False, pool_size: int = 8) -> Engine:
    """An engine for reads (a pool) or for the single writer (``writer=True``, one connection).

    PostgreSQL connection options ride in the URL (``?options=-csearch_path%3Dname`` pins a
    schema), as libpq users expect.
    """
    url = normalize_url(raw_url)
    if is_sqlite(url):
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
