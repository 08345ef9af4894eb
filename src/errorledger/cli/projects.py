"""``errorledger projects create NAME`` and ``errorledger projects list``."""

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

app = group("Projects: the tenants that own keys, integrations and entries.")


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


@app.command("list")
def list_projects(
    as_json: bool = typer.Option(False, "--json", help='Print one JSON object: {"projects": […]}.'),
) -> None:
    """List every project, oldest first."""
    engine = open_database(load_settings())
    with domain_errors():
        projects = Accounts(engine).projects()
    rows = [
        {"id": p.id, "name": p.name, "created_at": rfc3339_z(p.created_at, digits=0)}
        for p in projects
    ]
    emit_list("projects", rows, ["id", "name", "created_at"], as_json=as_json, empty="no projects")
