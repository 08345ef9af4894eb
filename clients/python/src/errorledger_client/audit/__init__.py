"""The auditor: one project's transparency log checked through its server's API.

    auditing   the audit itself, over any ``LogSource``
    leaves     every leaf recomputed from the entries served
    state      what an auditor remembers between runs
    http       the reads from a server (httpx)
    command    the audit as a command, for ``errorledger verify`` and ``errorledger-audit``
    cli        ``errorledger-audit``'s command line
    errors     why an audit stopped short of a verdict

A program audits a log with ``audit(LogClient(url, token=…), project, key=…, state=…)``.
"""

from errorledger_client.audit.auditing import (
    KEY_GIVEN,
    KEY_TOFU,
    AuditReport,
    Hooks,
    LogSource,
    audit,
)
from errorledger_client.audit.errors import ClientError, StateFileError, TransportError
from errorledger_client.audit.http import LogClient
from errorledger_client.audit.state import AuditState, load_state, save_state

__all__ = [
    "KEY_GIVEN",
    "KEY_TOFU",
    "AuditReport",
    "AuditState",
    "ClientError",
    "Hooks",
    "LogClient",
    "LogSource",
    "StateFileError",
    "TransportError",
    "audit",
    "load_state",
    "save_state",
]
