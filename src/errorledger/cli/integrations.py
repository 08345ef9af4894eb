"""``errorledger integrations create``."""

from __future__ import annotations

import typer

from errorledger.cli.output import domain_errors, emit, load_settings, open_database
from errorledger.core.accounts import Accounts

app = typer.Typer(help="Integrations: the connectors whose exception logs a project collects.")


@app.command("create")
def create(
    project: str = typer.Option(..., "--project", help="The id of the owning project."),
    name: str = typer.Option(..., "--name", help="A name for the integration."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Create an integration and print its integer id."""
    engine = open_database(load_settings())
    with domain_errors():
        integration = Accounts(engine).create_integration(project, name)
    emit(
        {"id": integration.id, "project_id": integration.project_id, "name": integration.name},
        as_json=as_json,
        text=f"created integration {integration.name!r} with id {integration.id}",
    )
