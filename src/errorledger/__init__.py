"""errorledger: integration and import error logs, kept safe and provable."""

__version__ = "0.1.0"
