"""``errorledger projects create NAME``."""

from __future__ import annotations

import typer

from errorledger.cli.output import domain_errors, emit, load_settings, open_database
from errorledger.core.accounts import Accounts

app = typer.Typer(help="Projects: the tenants that own keys, integrations and entries.")


@app.command("create")
def create(
    name: str = typer.Argument(..., help="A name for people to recognise the project by."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Create a project and print its id."""
    engine = open_database(load_settings())
    with domain_errors():
        project = Accounts(engine).create_project(name)
    emit(
        {"id": project.id, "name": project.name},
        as_json=as_json,
        text=f"created project {project.name!r} with id {project.id}",
    )
