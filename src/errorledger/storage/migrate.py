"""Apply the Alembic migrations: on start, and by ``errorledger db upgrade``."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> str:
    """Bring the database to the newest revision and return that revision's id. A database
    already there is only read (every CLI command and server start calls this)."""
    head = head_revision()
    if current_revision(engine) == head:
        return head
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    return head


@functools.cache
def head_revision() -> str:
    """The newest revision there is."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
