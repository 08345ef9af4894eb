"""``errorledger db upgrade``."""

from __future__ import annotations

import typer

from errorledger.cli.output import emit, group, load_settings, open_database
from errorledger.storage import migrate

app = group("The database schema.")


@app.command("upgrade")
def upgrade(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Apply every pending migration (serve also does this on start)."""
    engine = open_database(load_settings(), create=True)
    revision = migrate.current_revision(engine)
    emit({"revision": revision}, as_json=as_json, text=f"database at revision {revision}")
