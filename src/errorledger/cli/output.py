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
from errorledger.settings import Settings
from errorledger.storage import migrate
from errorledger.storage.database import create_database_engine, normalize_url


def emit(data: dict[str, Any], *, as_json: bool, text: str) -> None:
    if as_json:
        sys.stdout.write(msgspec.json.encode(data).decode() + "\n")
    else:
        typer.echo(text)


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


def open_database(settings: Settings) -> Engine:
    """A writing engine on the configured database, migrated to the newest revision."""
    with domain_errors():
        engine = create_database_engine(settings.database_url, writer=True)
        try:
            migrate.upgrade(engine)
        except SQLAlchemyError as exc:
            shown = normalize_url(settings.database_url).render_as_string(hide_password=True)
            raise fail(f"cannot open the database {shown}: {exc.__cause__ or exc}") from None
    return engine
