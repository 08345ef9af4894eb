"""A client that audits a server's transparency log, on the standard library and ``tlog``.

``errorledger verify`` is this package behind a command line; a program can call ``audit``
itself. Errors are drawn in ``client.errors``.
"""

from errorledger.client.auditing import KEY_GIVEN, KEY_TOFU, AuditReport, Hooks, LogSource, audit
from errorledger.client.errors import ClientError, StateFileError, TransportError
from errorledger.client.http import LogClient
from errorledger.client.state import AuditState, load_state, save_state

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
