"""The ``errorledger`` command (contract in DESIGN §6: other tools script it)."""

from __future__ import annotations

import typer

from errorledger.cli import db, integrations, keys, projects, serve, verify

app = typer.Typer(
    name="errorledger",
    help="Integration and import error logs, kept safe and provable.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # Typer's rich help shows flags as "--json <bool>"
)
app.command("serve")(serve.serve)
app.add_typer(projects.app, name="projects")
app.add_typer(keys.app, name="keys")
app.add_typer(integrations.app, name="integrations")
app.add_typer(db.app, name="db")
app.command("verify", help=verify.HELP)(verify.verify)


def main() -> None:
    app()
