"""Alembic environment: always handed a live connection by ``errorledger.storage.migrate``."""

from __future__ import annotations

from alembic import context

from errorledger.storage.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite can only ALTER tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
