"""errorledger's clients, without the server.

    errorledger_client.log     the log's formats and their verification (RFC 9162, C2SP)
"""

__version__ = "0.1.0"
