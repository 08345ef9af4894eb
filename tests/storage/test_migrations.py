"""Migrations and table definitions agree, and upgrading twice changes nothing."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from errorledger.settings import Settings
from errorledger.storage import migrate
from errorledger.storage.database import create_database_engine
from errorledger.storage.tables import metadata


def test_models_match_migrations(settings: Settings) -> None:
    engine = create_database_engine(settings.database_url, writer=True)
    try:
        head = migrate.upgrade(engine)
        assert migrate.upgrade(engine) == head
        assert migrate.current_revision(engine) == head
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()
