"""Fixtures: every database-backed test runs on SQLite and on a real PostgreSQL.

PostgreSQL comes from ERRORLEDGER_TEST_POSTGRES_URL (default: the local server, database
``test``); each test gets a schema of its own, made migrated in one round trip and dropped
afterwards. SQLite tests get a copy of a file migrated once per session. Where no server answers,
those tests are skipped with the reason, unless ERRORLEDGER_TEST_REQUIRE_POSTGRES=1 (CI),
which turns the skip into a failure.

Other tests skip when a tool they drive is missing (Redis, Go, openssl). CI installs them
all and sets ERRORLEDGER_TEST_NO_SKIPS=1, which turns every skip into a failure: a green CI
run has run every test.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex, CreateTable
from starlette import testclient
from starlette.testclient import TestClient

from errorledger.api.docs import document
from errorledger.app import create_app
from errorledger.runtime import Runtime
from errorledger.settings import Settings
from errorledger.storage import migrate
from errorledger.storage.database import create_database_engine, create_sqlite_file
from errorledger.storage.tables import metadata
from tests import serverproc
from tests.openapi_check import ResponseCheck
from tests.support import Tenant, create_tenant

POSTGRES_URL = os.environ.get(
    "ERRORLEDGER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("ERRORLEDGER_TEST_REQUIRE_POSTGRES") == "1"
NO_SKIPS = os.environ.get("ERRORLEDGER_TEST_NO_SKIPS") == "1"


def pytest_configure(config: pytest.Config) -> None:
    """Hold every response the suite receives to the served OpenAPI document: those of any
    ``TestClient``, and those of ``httpx`` from the servers the tests start."""
    check = ResponseCheck(document())

    def checked(response: Any, request: Any) -> None:
        check.check(
            request.method,
            request.url.path,
            response.status_code,
            response.headers.get("content-type"),
            response.content,
        )

    def wrap(original: Callable[..., Any], *, ours: Callable[[Any], bool]) -> Any:
        def handle(self: Any, request: Any) -> Any:
            response = original(self, request)
            if ours(request):
                response.read()
                checked(response, request)
            return response

        return handle

    def wrap_async(original: Callable[..., Any]) -> Any:
        async def handle(self: Any, request: Any) -> Any:
            response = await original(self, request)
            if serverproc.is_ours(request.url):
                await response.aread()
                checked(response, request)
            return response

        return handle

    testclient._TestClientTransport.handle_request = wrap(  # type: ignore[method-assign]
        testclient._TestClientTransport.handle_request, ours=lambda _request: True
    )
    httpx.HTTPTransport.handle_request = wrap(  # type: ignore[method-assign]
        httpx.HTTPTransport.handle_request, ours=lambda request: serverproc.is_ours(request.url)
    )
    httpx.AsyncHTTPTransport.handle_async_request = wrap_async(  # type: ignore[method-assign]
        httpx.AsyncHTTPTransport.handle_async_request
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if NO_SKIPS and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped, and ERRORLEDGER_TEST_NO_SKIPS=1: {report.longrepr}"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The server's URL, after checking that it answers."""
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        message = f"PostgreSQL not reachable at {POSTGRES_URL}: {exc}".strip()
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    return POSTGRES_URL


@functools.cache
def _migrated_schema_ddl() -> str:
    """The DDL of a migrated database, as one script for PostgreSQL: the tables and indexes
    of ``storage.tables`` (a test holds them equal to the migrations') and the alembic
    version. Run in a new schema, it costs one round trip where the migrations took ~110 ms."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    statements = []
    for table in metadata.sorted_tables:
        statements.append(str(CreateTable(table).compile(dialect=dialect)))
        statements += [str(CreateIndex(index).compile(dialect=dialect)) for index in table.indexes]
    head = migrate.head_revision()
    statements.append(
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
        "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
    )
    statements.append(f"INSERT INTO alembic_version (version_num) VALUES ('{head}')")  # noqa: S608  (our own revision id)
    return ";\n".join(statements)


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[str]:
    """The URL of a fresh, migrated schema of its own; dropped after the test."""
    schema = f"el_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        with conn.transaction():
            conn.execute(f'SET LOCAL search_path TO "{schema}"')
            conn.execute(_migrated_schema_ddl().encode())
    try:
        yield postgres_schema_url(postgres_url, schema)
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def empty_postgres_database(postgres_url: str) -> Iterator[str]:
    """The URL of a fresh schema with no tables at all; dropped after the test."""
    schema = f"el_empty_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield postgres_schema_url(postgres_url, schema)
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def postgres_schema_url(server_url: str, schema: str) -> str:
    joiner = "&" if "?" in server_url else "?"
    return f"{server_url}{joiner}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once per session; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "errorledger.db"
    url = f"sqlite:///{path}"
    create_sqlite_file(url)
    engine = create_database_engine(url, writer=True)
    migrate.upgrade(engine)
    engine.dispose()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the file holds it all: copy only it
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database: a copy of the session's SQLite template in ``tmp_path``, or a
    copy of the PostgreSQL template."""
    if request.param == "sqlite":
        path = tmp_path / "errorledger.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        path.chmod(0o600)
        return f"sqlite:///{path}"
    return str(request.getfixturevalue("postgres_database"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no tables, for tests of the migrations themselves."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return str(request.getfixturevalue("empty_postgres_database"))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    """A writing engine on the test's database, migrated to the newest revision."""
    create_sqlite_file(settings.database_url)
    engine = create_database_engine(settings.database_url, writer=True)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def runtime(settings: Settings) -> Runtime:
    """The process runtime behind ``client`` (started and closed by the client)."""
    return Runtime(settings)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def tenant(client: TestClient, settings: Settings) -> Tenant:
    """A project with one integration and one key (ingest and read), on the client's app."""
    return create_tenant(settings)


@pytest.fixture
def other_tenant(client: TestClient, settings: Settings) -> Tenant:
    return create_tenant(settings, name="other")
