"""``errorledger verify``: audit a project's transparency log through a server's API.

The audit, its output and its exit status are the client distribution's
(``errorledger_client.audit.command``), which ``errorledger-audit`` runs too for auditors
without the server; this is its Typer face.
"""

from __future__ import annotations

from pathlib import Path

import typer

from errorledger_client.audit import command

HELP = command.DESCRIPTION


def verify(
    url: str = typer.Option(..., "--url", help=command.HELP["url"]),
    project: str = typer.Option(..., "--project", help=command.HELP["project"]),
    key: str | None = typer.Option(None, "--key", help=command.HELP["key"]),
    state: Path | None = typer.Option(  # noqa: B008  (typer reads its options from defaults)
        None, "--state", help=command.HELP["state"], dir_okay=False
    ),
    token: str | None = typer.Option(
        None, "--token", envvar=command.TOKEN_VARIABLE, help=command.HELP["token"]
    ),
    as_json: bool = typer.Option(False, "--json", help=command.HELP["json"]),
) -> None:
    raise typer.Exit(command.run(url, project, key=key, state=state, token=token, as_json=as_json))
