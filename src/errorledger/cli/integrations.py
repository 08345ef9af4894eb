"""``errorledger integrations create`` and ``errorledger integrations list``."""

from __future__ import annotations

import typer

from errorledger.cli.output import (
    domain_errors,
    emit,
    emit_list,
    group,
    load_settings,
    open_database,
)
from errorledger.clock import rfc3339_z
from errorledger.core.accounts import Accounts

app = group("Integrations: the connectors whose exception logs a project collects.")


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


@app.command("list")
def list_integrations(
    project: str = typer.Option(..., "--project", help="The id of the project."),
    as_json: bool = typer.Option(
        False, "--json", help='Print one JSON object: {"integrations": […]}.'
    ),
) -> None:
    """List a project's integrations by id."""
    engine = open_database(load_settings())
    with domain_errors():
        integrations = Accounts(engine).integrations(project)
    rows = [
        {
            "id": i.id,
            "project_id": i.project_id,
            "name": i.name,
            "created_at": rfc3339_z(i.created_at, digits=0),
        }
        for i in integrations
    ]
    emit_list(
        "integrations", rows, ["id", "name", "created_at"], as_json=as_json, empty="no integrations"
    )
