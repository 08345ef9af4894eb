"""The audit as a command, once for both of its command lines: ``errorledger verify`` (the
server's, Typer) and ``errorledger-audit`` (this distribution's, argparse) parse the same
options and call ``run``, so they print the same and exit the same.

Exit status: 0 verified; 1 verification failed (the log, its checkpoint, proofs or entries
do not check out); 2 the check could not be run (usage, an unreadable state file, no
answer or an HTTP error from the server, no ``cryptography`` to check signatures with).
The verdict goes to stdout, one line or, with ``--json``, one JSON object; progress,
warnings and errors go to stderr.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

from errorledger_client.audit.auditing import KEY_TOFU, AuditReport, Hooks, audit
from errorledger_client.audit.errors import ClientError
from errorledger_client.audit.http import LogClient
from errorledger_client.audit.state import load_state, save_state
from errorledger_client.log.note import MissingExtraError
from errorledger_client.log.verify import VerificationError

EXIT_VERIFIED = 0
EXIT_FAILED = 1
EXIT_UNVERIFIED = 2
TOKEN_VARIABLE = "ERRORLEDGER_TOKEN"  # noqa: S105  (where the token is, not a token)

DESCRIPTION = """\
Verify the checkpoint's signature, its consistency with the last one
verified, and every leaf recomputed from the entries.

Exit 0 if the log verifies, 1 if anything does not check out, 2 if the check
could not be run (usage, state file, network or HTTP error)."""
HELP = {
    "url": "The server's base URL.",
    "project": "The id of the project whose log to audit.",
    "key": "The log's verifier key (name+hexid+base64), got from the operator. "
    "Without it, the server's key is trusted on first use.",
    "state": "A JSON file with the key and the last checkpoint verified; created if missing. "
    "Later runs pin the key and prove the log only grew.",
    "token": "An API token with read scope.",
    "json": "Print one JSON object.",
}


def run(
    url: str,
    project: str,
    *,
    key: str | None,
    state: Path | None,
    token: str | None,
    as_json: bool,
) -> int:
    """Audit ``project``'s log at ``url``, print the verdict, and return the exit status."""
    try:
        report = _audit(url, project, key=key, state_path=state, token=token)
    except VerificationError as exc:
        return _stop(EXIT_FAILED, f"verification failed: {exc}", as_json=as_json)
    except (ClientError, MissingExtraError) as exc:
        return _stop(EXIT_UNVERIFIED, f"could not verify: {exc}", as_json=as_json)
    if as_json:
        _print_json(_summary(report, project, state))
    else:
        print(_line(report, state))
    return EXIT_VERIFIED


def _audit(
    url: str, project: str, *, key: str | None, state_path: Path | None, token: str | None
) -> AuditReport:
    if not token:
        raise ClientError(f"no API token: set {TOKEN_VARIABLE} or pass --token")
    previous = None if state_path is None else load_state(state_path)
    pin = f"it is now pinned in {state_path}" if state_path else "keep a --state file to pin it"
    hooks = Hooks(progress=_progress, warning=lambda message: _warn(f"{message}; {pin}"))
    with LogClient(url, token=token) as client:
        report = audit(client, project, key=key, state=previous, hooks=hooks)
    if state_path is not None:
        save_state(state_path, report.state(project))
    return report


def _progress(done: int, total: int) -> None:
    print(f"verify: {done} of {total} leaves recomputed", file=sys.stderr)


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _stop(code: int, message: str, *, as_json: bool) -> int:
    print(f"error: {message}", file=sys.stderr)
    if as_json:
        _print_json({"ok": False, "exit_code": code, "error": message})
    return code


def _print_json(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def _summary(report: AuditReport, project: str, state: Path | None) -> dict[str, Any]:
    checkpoint = report.checkpoint
    return {
        "ok": True,
        "project": project,
        "origin": checkpoint.origin,
        "size": checkpoint.size,
        "root_hash": base64.b64encode(checkpoint.root_hash).decode(),
        "leaves_recomputed": report.leaves,
        "newer_entries": report.newer_entries,
        "consistent_with": report.previous_size,
        "verifier_key": report.verifier_key,
        "key_trust": report.key_trust,
        "key_from": report.key_from,
        "state": None if state is None else str(state),
        "checkpoint": report.note,
        "timestamp_token": report.timestamp_token,
    }


def _line(report: AuditReport, state: Path | None) -> str:
    checkpoint = report.checkpoint
    root = base64.b64encode(checkpoint.root_hash).decode()
    text = (
        f"verified {checkpoint.origin} at size {checkpoint.size} (root {root}): "
        f"{report.leaves} leaves recomputed from their entries"
    )
    if report.previous_size is not None:
        text += f", consistent with size {report.previous_size} from {state}"
    if report.newer_entries:
        text += f", {report.newer_entries} newer entries left for the next checkpoint"
    name_and_id = "+".join(report.verifier_key.split("+", 2)[:2])  # base64 may hold a "+"
    how = {"--key": "given with --key", "state file": "pinned by the state file"}
    return f"{text}; key {name_and_id} {how.get(report.key_from, KEY_TOFU)}"
