"""Migrations and table definitions agree, and upgrading twice changes nothing."""

import json

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from errorledger import tlog
from errorledger.storage import merkle, migrate
from errorledger.storage.database import create_database_engine
from errorledger.storage.tables import metadata
from errorledger.tlog.leaf import content_digest
from errorledger_client.log.canonical import leaf_data
from errorledger_client.log.hashing import leaf_hash, root_hash


def test_models_match_migrations(empty_database_url: str) -> None:
    engine = create_database_engine(empty_database_url, writer=True)
    try:
        head = migrate.upgrade(engine)
        assert migrate.upgrade(engine) == head
        assert migrate.current_revision(engine) == head
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_entries_stored_before_the_log_are_sequenced_as_the_log_defines_leaves(
    empty_database_url: str,
) -> None:
    # Revision 0003 computes leaves with a frozen copy of the leaf format; it must agree
    # with the live one on the entries it sequences, floats and odd keys included.
    engine = create_database_engine(empty_database_url, writer=True)
    contents = [{"n": n, "text": f"failure {n}"} for n in range(5)]
    contents += [{"price": 1.5, "\ue000": 1, "😀": [0.1, None]}, {"nested": {"b": 2, "a": 1}}]
    try:
        with engine.begin() as conn:
            command.upgrade(migrate.alembic_config(conn), "0002")
            conn.execute(text("INSERT INTO projects (id, name, created_at) VALUES ('p-1', 'p', 1)"))
            for entry_id, content in enumerate(contents, start=1):
                conn.execute(
                    text(
                        "INSERT INTO entries (id, uid, project_id, kind, source, received_at,"
                        " occurred_at, fingerprint, protected, redactions, content, key_id)"
                        " VALUES (:id, :uid, 'p-1', 'import_error', 'batch', :at, :at, 'f',"
                        " false, '[]', :content, 'k')"
                    ),
                    {
                        "id": entry_id,
                        "uid": f"uid-{entry_id}",
                        "at": 1_700_000_000_000_000 + entry_id,
                        "content": json.dumps(content),
                    },
                )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, received_at, leaf_index, leaf_hash FROM entries ORDER BY id")
            ).all()
            stored = merkle.read_hashes(conn, "p-1", tlog.root_plan(len(contents)))
            size = merkle.tree_size(conn, "p-1")
    finally:
        engine.dispose()
    expected = [
        leaf_hash(
            leaf_data(
                kind="import_error",
                entry_id=row.id,
                project="p-1",
                source="batch",
                received_at=row.received_at,
                content_sha256=content_digest(content),
            )
        )
        for row, content in zip(rows, contents, strict=True)
    ]
    assert [row.leaf_index for row in rows] == list(range(len(contents)))
    assert [bytes(row.leaf_hash) for row in rows] == expected
    assert size == len(contents)
    assert tlog.stored_root(size, stored) == root_hash(expected)


def test_entries_stored_before_triage_are_classified_and_grouped(
    empty_database_url: str,
) -> None:
    engine = create_database_engine(empty_database_url, writer=True)
    hour = 3_600_000_000
    logs = [  # (status, url, exception_type, exception, received hour)
        (495, "https://shop.example/orders/1", "requests.exceptions.SSLError", "ssl", 0),
        (495, "https://shop.example/customers/2", "requests.exceptions.SSLError", "ssl", 0),
        (495, "https://shop.example/orders/3", "requests.exceptions.SSLError", "ssl", 2),
        (429, "https://other.example/orders/4", None, "Too Many Requests", 2),
    ]
    try:
        with engine.begin() as conn:
            command.upgrade(migrate.alembic_config(conn), "0004")
            conn.execute(text("INSERT INTO projects (id, name, created_at) VALUES ('p-1', 'p', 1)"))
            for entry_id, (status, url, exception_type, message, at) in enumerate(logs, 1):
                content = {"full_url": url, "response_code": status, "exception": message}
                if exception_type:
                    content["exception_type"] = exception_type
                conn.execute(
                    text(
                        "INSERT INTO entries (id, uid, project_id, kind, source, received_at,"
                        " occurred_at, status_code, message, url, fingerprint, protected,"
                        " redactions, content, key_id)"
                        " VALUES (:id, :uid, 'p-1', 'integration_log', '1', :at, :at, :status,"
                        " :message, :url, 'old', false, '[]', :content, 'k')"
                    ),
                    {
                        "id": entry_id,
                        "uid": f"uid-{entry_id}",
                        "at": 1_700_000_000 * 1_000_000 + at * hour + entry_id,
                        "status": status,
                        "message": message,
                        "url": url,
                        "content": json.dumps(content),
                    },
                )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            entries = conn.execute(
                text("SELECT id, failure_class, cause, issue_id FROM entries ORDER BY id")
            ).all()
            issues = conn.execute(
                text("SELECT id, failure_class, count, last_entry_id, culprit FROM issues")
            ).all()
            hours = conn.execute(text("SELECT issue_id, hour, count FROM issue_hours")).all()
    finally:
        engine.dispose()
    assert [(e.failure_class, e.cause) for e in entries] == [
        *[("tls", "tls.handshake_failed")] * 3,  # the exception type names it, over the status
        ("rate_limit", "rate_limit.exceeded"),
    ]
    tls, limited = sorted(issues, key=lambda i: -i.count)
    assert (tls.failure_class, tls.count, tls.last_entry_id, tls.culprit) == (
        "tls",
        3,
        3,
        "shop.example",
    )
    assert (limited.failure_class, limited.count) == ("rate_limit", 1)
    assert [e.issue_id for e in entries] == [tls.id, tls.id, tls.id, limited.id]
    per_hour = sorted((h.issue_id == tls.id, h.count) for h in hours)
    assert per_hour == [(False, 1), (True, 1), (True, 2)]
