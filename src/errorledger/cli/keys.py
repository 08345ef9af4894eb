"""``errorledger keys create``, ``keys list`` and ``keys revoke``."""

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

app = group("API keys: key_id and secret for Basic auth, or one token for Bearer.")


@app.command("create")
def create(
    project: str = typer.Option(..., "--project", help="The id of the project the key serves."),
    scope: list[str] = typer.Option(  # noqa: B008  (typer reads its options from defaults)
        [], "--scope", help="ingest, read or admin; repeat for several. Default: ingest and read."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Create a key. Its secret is printed now and never again."""
    engine = open_database(load_settings())
    with domain_errors():
        key = Accounts(engine).create_key(project, scopes=scope)
    emit(
        {
            "key_id": key.key_id,
            "secret": key.secret,
            "token": key.token,
            "project_id": key.project_id,
            "scopes": sorted(key.scopes),
        },
        as_json=as_json,
        text=(
            f"key_id:  {key.key_id}\nsecret:  {key.secret}\ntoken:   {key.token}\n"
            f"scopes:  {', '.join(sorted(key.scopes))}\n"
            "The secret is shown only now; store it somewhere safe."
        ),
    )


@app.command("list")
def list_keys(
    project: str = typer.Option(..., "--project", help="The id of the project."),
    as_json: bool = typer.Option(False, "--json", help='Print one JSON object: {"keys": […]}.'),
) -> None:
    """List a project's keys, revoked ones included. Secrets are never shown again."""
    engine = open_database(load_settings())
    with domain_errors():
        keys = Accounts(engine).keys(project)
    rows = [
        {
            "key_id": listed.key.key_id,
            "project_id": listed.key.project_id,
            "scopes": sorted(listed.key.scopes),
            "created_at": rfc3339_z(listed.created_at, digits=0),
            "revoked_at": None
            if listed.key.revoked_at is None
            else rfc3339_z(listed.key.revoked_at, digits=0),
        }
        for listed in keys
    ]
    columns = ["key_id", "scopes", "created_at", "revoked_at"]
    emit_list("keys", rows, columns, as_json=as_json, empty="no keys")


@app.command("revoke")
def revoke(
    key_id: str = typer.Argument(..., help="The key_id to revoke."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Revoke a key: every process refuses it from now on."""
    engine = open_database(load_settings())
    with domain_errors():
        newly = Accounts(engine).revoke_key(key_id)
    emit(
        {"key_id": key_id, "revoked": True},
        as_json=as_json,
        text=f"revoked {key_id}" if newly else f"{key_id} was already revoked",
    )
