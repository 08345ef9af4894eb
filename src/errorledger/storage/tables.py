"""SQLAlchemy Core tables: the one schema behind every API family.

Timestamps are integer microseconds since the Unix epoch (UTC): they sort and compare the
same on SQLite and PostgreSQL, and keyset cursors stay exact.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only gives a 64-bit rowid alias to a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")

projects = Table(
    "projects",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(64), primary_key=True),
    Column("project_id", String(36), ForeignKey("projects.id"), nullable=False, index=True),
    Column("secret_hash", LargeBinary(32), nullable=False),
    Column("scopes", String(100), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger, nullable=True),
)

access_tokens = Table(
    "access_tokens",
    metadata,
    Column("token_hash", LargeBinary(32), primary_key=True),
    Column("key_id", String(64), ForeignKey("api_keys.key_id"), nullable=False, index=True),
    Column("expires_at", BigInteger, nullable=False),
)

integrations = Table(
    "integrations",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("project_id", String(36), ForeignKey("projects.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

entries = Table(
    "entries",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("uid", String(36), nullable=False, unique=True),
    Column("project_id", String(36), ForeignKey("projects.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("source", String(200), nullable=False),
    Column("received_at", BigInteger, nullable=False),
    Column("occurred_at", BigInteger, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("message", Text, nullable=True),
    Column("url", Text, nullable=True),
    Column("fingerprint", String(64), nullable=False),
    Column("protected", Boolean, nullable=False),
    Column("redactions", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("key_id", String(64), nullable=False),
    # The entry's place in its project's transparency log, and what the log committed to.
    Column("leaf_index", BigInteger, nullable=True),
    Column("leaf_hash", LargeBinary(32), nullable=True),
    Column("content_sha256", String(64), nullable=True),
    # Triage (core.triage): the failure's class and cause, the facts its hint is filled
    # with (JSON text), and the issue the entry is grouped into.
    Column("failure_class", String(16), nullable=False, server_default="unknown"),
    Column("cause", String(64), nullable=False, server_default="unknown.unclassified"),
    Column("facts", Text, nullable=False, server_default="{}"),
    Column("issue_id", BigInteger, nullable=True),
    Index("ix_entries_issue_order", "issue_id", "occurred_at", "id"),
    Index("ix_entries_leaf", "project_id", "leaf_index", unique=True),
    Index("ix_entries_source_order", "project_id", "kind", "source", "occurred_at", "id"),
    Index("ix_entries_kind_order", "project_id", "kind", "occurred_at", "id"),
    Index("ix_entries_project_order", "project_id", "occurred_at", "id"),
)

# An import log (seed 003) as it stands now: a projection of the entries that created and
# updated it, kept in the same transactions as those entries. Its id is the uid of the
# entry that created it.
import_logs = Table(
    "import_logs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("project_id", String(36), ForeignKey("projects.id"), nullable=False),
    Column("api_reference_id", String(200), nullable=False),
    Column("status", String(32), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("error_count", Integer, nullable=False),
    Column("warning_count", Integer, nullable=False),
    Index("ix_import_logs_order", "project_id", "api_reference_id", "created_at", "id"),
)

# The errors and warnings of an import log, in the order they were reported.
import_log_messages = Table(
    "import_log_messages",
    metadata,
    Column("log_id", String(36), ForeignKey("import_logs.id"), primary_key=True),
    Column("severity", String(8), primary_key=True),  # "error" | "warning"
    Column("seq", Integer, primary_key=True),
    Column("code", String(200), nullable=False),
    Column("message", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("details", Text, nullable=True),  # JSON text
)


# Per project: how many leaves its Merkle log has.
tlog_trees = Table(
    "tlog_trees",
    metadata,
    Column("project_id", String(36), ForeignKey("projects.id"), primary_key=True),
    Column("size", BigInteger, nullable=False),
)

# The hash of every complete subtree: level L, index N covers leaves [N·2^L, (N+1)·2^L),
# the tlog-tiles layout. Any root, proof or tile needs O(log n) of these.
tlog_hashes = Table(
    "tlog_hashes",
    metadata,
    Column("project_id", String(36), primary_key=True),
    Column("level", Integer, primary_key=True),
    Column("idx", BigInteger, primary_key=True),
    Column("hash", LargeBinary(32), nullable=False),
)

# Every checkpoint ever served, so consistency from any of them can be proven later.
tlog_checkpoints = Table(
    "tlog_checkpoints",
    metadata,
    Column("project_id", String(36), primary_key=True),
    Column("size", BigInteger, primary_key=True),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("timestamp_token", LargeBinary, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

# A project's own redaction rules (core.redaction.policy.RedactionRules, as JSON text); no
# row means the built-in rules only.
redaction_rules = Table(
    "redaction_rules",
    metadata,
    Column("project_id", String(36), ForeignKey("projects.id"), primary_key=True),
    Column("rules", Text, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

# A project's own triage rules and hint texts (core.triage.rules.TriageRules, as JSON text).
hint_rules = Table(
    "hint_rules",
    metadata,
    Column("project_id", String(36), ForeignKey("projects.id"), primary_key=True),
    Column("rules", Text, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

# Issues: the entries of a project with one fingerprint, counted in the transaction that
# stores each of them. Times are when entries were received.
issues = Table(
    "issues",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("project_id", String(36), ForeignKey("projects.id"), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("source", String(200), nullable=False),
    Column("failure_class", String(16), nullable=False),
    Column("cause", String(64), nullable=False),
    Column("culprit", Text, nullable=False),  # where: host and path template, or source
    Column("message", Text, nullable=True),  # the latest entry's
    Column("status", String(16), nullable=False),  # open | resolved | ignored
    Column("count", BigInteger, nullable=False),
    Column("first_seen", BigInteger, nullable=False),
    Column("last_seen", BigInteger, nullable=False),
    Column("last_entry_id", BigInteger, nullable=False),
    Column("regressed_at", BigInteger, nullable=True),
    Column("status_changed_at", BigInteger, nullable=True),
    Index("ix_issues_fingerprint", "project_id", "fingerprint", unique=True),
    Index("ix_issues_last_seen", "project_id", "last_seen", "id"),
    Index("ix_issues_first_seen", "project_id", "first_seen", "id"),
    Index("ix_issues_count", "project_id", "count", "id"),
    Index("ix_issues_status_last_seen", "project_id", "status", "last_seen", "id"),
)

# Entries per issue per hour (hours since the epoch): the histogram of the last 14 days.
issue_hours = Table(
    "issue_hours",
    metadata,
    Column("issue_id", BigInteger, primary_key=True),
    Column("hour", BigInteger, primary_key=True),
    Column("count", BigInteger, nullable=False),
)
