"""``errorledger-audit``: ``errorledger verify`` for auditors who do not install the server.

The same options, output and exit status, from the same code (``audit.command``); argparse
rather than Typer, so that this distribution needs nothing but httpx (and cryptography,
with the ``audit`` extra).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from errorledger_client.audit import command


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.state is not None and args.state.is_dir():
        parser.error(f"argument --state: {str(args.state)!r} is a directory")
    token = args.token if args.token is not None else os.environ.get(command.TOKEN_VARIABLE)
    return command.run(
        args.url, args.project, key=args.key, state=args.state, token=token, as_json=args.json
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="errorledger-audit",
        description=command.DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", required=True, help=command.HELP["url"])
    parser.add_argument("--project", required=True, help=command.HELP["project"])
    parser.add_argument("--key", help=command.HELP["key"])
    parser.add_argument("--state", type=Path, help=command.HELP["state"])
    token_help = f"{command.HELP['token']} [env var: {command.TOKEN_VARIABLE}]"
    parser.add_argument("--token", help=token_help)
    parser.add_argument("--json", action="store_true", help=command.HELP["json"])
    return parser
