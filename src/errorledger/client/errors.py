"""Why an audit stopped short of a verdict (exit 2), as against a verdict of failure (exit 1).

    ClientError            the check could not be run
     ├── TransportError    no answer, or an HTTP error status
     └── StateFileError    the state file is unreadable, or is for another project
    tlog.VerificationError the log was checked and something does not hold

``errorledger verify`` exits 2 for the first kind and 1 for the second.
"""

from __future__ import annotations


class ClientError(Exception):
    """The audit could not be carried out; nothing was found wrong with the log."""


class TransportError(ClientError):
    pass


class StateFileError(ClientError):
    pass
