"""The core: entries, redaction, grouping, accounts, ingest and queries. Knows no HTTP, no SQL."""
