"""Why an audit stopped short of a verdict (exit 2), as against a verdict of failure (exit 1).

    ClientError               the check could not be run
     ├── TransportError       no answer, or an HTTP error status
     └── StateFileError       the state file is unreadable, or is for another project
    log.MissingExtraError     the check could not be run: no cryptography to check signatures
    log.VerificationError     the log was checked and something does not hold

``errorledger verify`` and ``errorledger-audit`` exit 2 for the first three and 1 for the
last (``audit.command``).
"""

from __future__ import annotations


class ClientError(Exception):
    """The audit could not be carried out; nothing was found wrong with the log."""


class TransportError(ClientError):
    pass


class StateFileError(ClientError):
    pass
