"""errorledger's clients, which need neither the server nor its dependencies: httpx, and
``cryptography`` to check signatures (``pip install errorledger-client[audit]``).

    errorledger_client.log     the log's formats and their verification (RFC 9162, C2SP)
    errorledger_client.audit   the auditor: a project's log checked through its server's API

Each is a facade with its own ``__all__``; the modules behind them are not an interface.
``errorledger-audit`` is the auditor's command line.
"""

from errorledger_client import audit, log
from errorledger_client.__version__ import __version__

__all__ = ["__version__", "audit", "log"]
