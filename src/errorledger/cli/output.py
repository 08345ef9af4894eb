"""How commands print: one JSON object with ``--json``, short text otherwise; errors on
stderr with exit status 1, never a traceback."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

import msgspec
import typer
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from errorledger.errors import ErrorledgerError, InvalidInput, NotFound
from errorledger.runtime import prepare_files
from errorledger.settings import Settings
from errorledger.storage import migrate
from errorledger.storage.database import (
    create_database_engine,
    normalize_url,
    sqlite_file,
)


def emit(data: dict[str, Any], *, as_json: bool, text: str) -> None:
    if as_json:
        sys.stdout.write(msgspec.json.encode(data).decode() + "\n")
    else:
        typer.echo(text)


def group(help_text: str) -> typer.Typer:
    """A command group. Plain help text: Typer's rich help shows flags as ``--json <bool>``,
    as if they took a value."""
    return typer.Typer(help=help_text, rich_markup_mode=None)


def emit_list(
    name: str, rows: list[dict[str, Any]], columns: list[str], *, as_json: bool, empty: str
) -> None:
    """``{name: rows}`` with ``--json``; otherwise an aligned table of ``columns``."""
    if as_json:
        emit({name: rows}, as_json=True, text="")
        return
    if not rows:
        typer.echo(empty)
        return
    cells = [[_cell(row[column]) for column in columns] for row in rows]
    widths = [
        max(len(column), *(len(line[i]) for line in cells)) for i, column in enumerate(columns)
    ]
    for line in [columns, *cells]:
        typer.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)


def fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


@contextlib.contextmanager
def domain_errors() -> Iterator[None]:
    try:
        yield
    except NotFound as exc:
        raise fail(f"no such {exc.resource.lower()}") from None
    except InvalidInput as exc:
        raise fail("; ".join(e.message for e in exc.errors)) from None
    except ErrorledgerError as exc:
        raise fail(str(exc)) from None


def load_settings() -> Settings:
    with domain_errors():
        return Settings.from_env()


def open_database(settings: Settings, *, create: bool = False) -> Engine:
    """A writing engine on the configured database, migrated to the newest revision.

    Only ``serve`` and ``db upgrade`` pass ``create``: any other command run where there is
    no database (the data directory is relative to the current directory) says where it
    looked, instead of making an empty database there and answering "no such project".
    """
    with domain_errors():
        shown = normalize_url(settings.database_url).render_as_string(hide_password=True)
        if create:
            prepare_files(settings)
        elif (path := sqlite_file(settings.database_url)) and not path.is_file():
            raise _no_database(settings, f"there is no database at {path.absolute()}")
        engine = create_database_engine(settings.database_url, writer=True)
        try:
            if not create and migrate.current_revision(engine) is None:
                raise _no_database(settings, f"{shown} holds no errorledger database")
            migrate.upgrade(engine)
        except SQLAlchemyError as exc:
            raise fail(f"cannot open the database {shown}: {exc.__cause__ or exc}") from None
    return engine


def _no_database(settings: Settings, where: str) -> typer.Exit:
    return fail(
        f"{where}. The database is where `errorledger serve` keeps it: "
        f"ERRORLEDGER_DATA_DIR (now {settings.data_dir}, relative to the current directory "
        "unless absolute) or ERRORLEDGER_DATABASE_URL. Run this command where the server "
        "runs, or set one of them to the server's; `errorledger db upgrade` makes a new, "
        "empty database."
    )
