"""``errorledger serve``: migrate, bootstrap an empty database, then run the HTTP server."""

from __future__ import annotations

import copy
import shlex
from typing import Any

import typer
import uvicorn
import uvicorn.config

from errorledger.cli.output import domain_errors, load_settings, open_database
from errorledger.core.accounts import Accounts, Bootstrap
from errorledger.keyring import load_keyring

SAMPLE_LOG = (
    '{"base_url": "https://example.com", "full_url": "https://example.com/order-note.json", '
    '"method": "POST", "response_code": 495, "exception_type": "requests.exceptions.SSLError", '
    '"exception": "An SSL error occurred"}'
)


def _welcome(boot: Bootstrap, base_url: str) -> str:
    key = boot.key
    curl = " ".join(
        [
            "curl -sS",
            "-u",
            shlex.quote(f"{key.key_id}:{key.secret}"),
            "-H 'Content-Type: application/json'",
            "-d",
            shlex.quote(SAMPLE_LOG),
            f"{base_url}/api/v3/integrations/{boot.integration.id}/logs",
        ]
    )
    return "\n".join(
        [
            "errorledger: first start, created:",
            f"  project      {boot.project.name} ({boot.project.id})",
            f"  integration  {boot.integration.name} (id {boot.integration.id})",
            f"  key_id       {key.key_id}",
            f"  secret       {key.secret}",
            f"  token        {key.token}",
            "The secret is shown only now. Report a first failure with:",
            "",
            f"  {curl}",
            "",
        ]
    )


def _log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging, with errorledger's own loggers on the same handler."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["errorledger"] = {
        "handlers": ["default"],
        "level": level.upper(),
        "propagate": False,
    }
    return config


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, help="Server processes."),
) -> None:
    """Serve every API. On an empty database, first create a project, integration and key."""
    settings = load_settings()
    engine = open_database(settings, create=True)
    with domain_errors():
        boot = Accounts(engine).bootstrap()
        keys = load_keyring(settings.keys_path, log_name=settings.log_origin)
    engine.dispose()
    shown_host = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104
    if boot is not None:
        typer.echo(_welcome(boot, f"http://{shown_host}:{port}"))
    # Printed on every start: auditors pin this key (errorledger verify --key).
    typer.echo(f"errorledger: checkpoints are signed by {keys.log_verifier.key}")
    uvicorn.run(
        "errorledger.app:served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        access_log=settings.access_log,
        log_config=_log_config(settings.log_level),
        server_header=False,
    )
