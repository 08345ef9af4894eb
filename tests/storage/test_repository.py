"""The queries, on SQLite and PostgreSQL."""

import uuid
from typing import Any

from sqlalchemy import Connection, Engine

from errorledger.core.records import (
    EntryCursor,
    EntryFilter,
    EntryRecord,
    Finding,
    NewEntry,
    ProjectRecord,
)
from errorledger.settings import Settings
from errorledger.storage import accounts as stored_accounts
from errorledger.storage import entries as stored_entries
from errorledger.tlog.leaf import content_digest
from tests.support import Tenant, create_tenant

REPORT = '[{"pointer": "/a", "rule": "jwt", "count": 2}]'


def insert(
    engine: Engine,
    tenant: Tenant,
    *,
    occurred: list[int],
    source: str | None = None,
    report: str = REPORT,
) -> None:
    rows = [
        NewEntry(
            uid=str(uuid.uuid4()),
            project_id=tenant.project_id,
            kind="integration_log",
            source=source or str(tenant.integration_id),
            received_at=1,
            occurred_at=at,
            status_code=None,
            message=f"m{i}",
            url=None,
            fingerprint="0" * 64,
            protected=i % 2 == 0,
            redactions_json=report,
            content_json=f'{{"i": {i}}}',
            content_sha256=content_digest({"i": i}),
            key_id=tenant.key.key_id,
        )
        for i, at in enumerate(occurred)
    ]
    with engine.begin() as conn:
        placements = stored_entries.insert(conn, rows)
    ids = [placement.id for placement in placements]
    assert ids == sorted(ids)
    assert len(ids) == len(rows)


def test_project_round_trip(engine: Engine) -> None:
    record = ProjectRecord("0f0f0f0f-0000-4000-8000-000000000000", "acme", 7)
    with engine.begin() as conn:
        assert not stored_accounts.has_projects(conn)
        stored_accounts.insert_project(conn, record)
    with engine.connect() as conn:
        assert stored_accounts.get_project(conn, record.id) == record
        assert stored_accounts.has_projects(conn)
        assert stored_accounts.get_project(conn, "missing") is None


def test_keys_revoke_once(engine: Engine, settings: Settings) -> None:
    tenant = create_tenant(settings)
    with engine.begin() as conn:
        key = stored_accounts.get_key(conn, tenant.key.key_id)
        assert key is not None
        assert key.revoked_at is None
        assert key.scopes == frozenset({"ingest", "read"})
        assert stored_accounts.active_key_ids(conn, [tenant.key.key_id]) == {tenant.key.key_id}
        assert stored_accounts.revoke_key(conn, tenant.key.key_id, at=42)
        assert not stored_accounts.revoke_key(conn, tenant.key.key_id, at=43)
        assert stored_accounts.active_key_ids(conn, [tenant.key.key_id]) == set()
        revoked = stored_accounts.get_key(conn, tenant.key.key_id)
        assert revoked is not None
        assert revoked.revoked_at == 42


def test_access_tokens_resolve_to_their_key(engine: Engine, settings: Settings) -> None:
    tenant = create_tenant(settings)
    digest = b"\x01" * 32
    with engine.begin() as conn:
        stored_accounts.insert_access_token(
            conn, token_hash=digest, key_id=tenant.key.key_id, expires_at=99
        )
    with engine.connect() as conn:
        found = stored_accounts.get_access_token(conn, digest)
        assert found is not None
        assert found[0].key_id == tenant.key.key_id
        assert found[1] == 99
        assert stored_accounts.get_access_token(conn, b"\x02" * 32) is None


def test_integrations_belong_to_one_project(engine: Engine, settings: Settings) -> None:
    shop = create_tenant(settings)
    other = create_tenant(settings, name="other")
    with engine.connect() as conn:
        found = stored_accounts.get_integration(
            conn, project_id=shop.project_id, integration_id=shop.integration_id
        )
        assert found is not None
        assert found.name == "shop connector"
        assert (
            stored_accounts.get_integration(
                conn, project_id=shop.project_id, integration_id=other.integration_id
            )
            is None
        )


def page(
    conn: Connection,
    project_id: str,
    *,
    source: str | None = None,
    after: EntryCursor | None = None,
    limit: int = 10,
) -> list[EntryRecord]:
    return stored_entries.search(
        conn,
        project_id=project_id,
        where=EntryFilter(kinds=["integration_log"], source=source),
        after=after,
        limit=limit,
    )


def get(conn: Connection, project_id: str, entry_id: int, kind: str = "integration_log") -> Any:
    return stored_entries.get(
        conn, project_id=project_id, kind=kind, entry_id=entry_id, source=None
    )


def test_pages_are_newest_first_and_keyset(engine: Engine, settings: Settings) -> None:
    tenant = create_tenant(settings)
    # Occurrence times out of insertion order, with a tie broken by id.
    insert(engine, tenant, occurred=[50, 10, 30, 30, 20])
    with engine.connect() as conn:
        first = page(conn, tenant.project_id, limit=3)
        assert [e.occurred_at for e in first] == [50, 30, 30]
        assert first[1].id > first[2].id
        last = first[-1]
        rest = page(conn, tenant.project_id, after=EntryCursor(last.occurred_at, last.id), limit=3)
        assert [e.occurred_at for e in rest] == [20, 10]
        assert {e.id for e in first}.isdisjoint({e.id for e in rest})
        assert first[0].content == {"i": 0}
        assert first[0].redactions == [Finding("/a", "jwt", 2)]
        assert first[0].protected is True


def test_lists_and_gets_stay_inside_the_project_and_source(
    engine: Engine, settings: Settings
) -> None:
    shop = create_tenant(settings)
    other = create_tenant(settings, name="other")
    insert(engine, shop, occurred=[1, 2])
    insert(engine, other, occurred=[3])
    insert(engine, shop, occurred=[4], source="999")
    with engine.connect() as conn:
        listed = page(conn, shop.project_id, source=str(shop.integration_id))
        assert len(listed) == 2
        assert len(page(conn, shop.project_id)) == 3
        theirs = page(conn, other.project_id)
        assert get(conn, shop.project_id, theirs[0].id) is None
        assert get(conn, other.project_id, theirs[0].id) == theirs[0]
        assert get(conn, shop.project_id, listed[0].id, kind="import_error") is None
        assert stored_entries.count(conn, project_id=shop.project_id) == 3
        assert stored_entries.count(conn) == 4


def test_reports_stored_before_rules_were_named_read_as_unrecorded(
    engine: Engine, settings: Settings
) -> None:
    # Until migration 0004 a report was a list of pointers.
    tenant = create_tenant(settings)
    insert(engine, tenant, occurred=[1], report='["/a", "/b~1c"]')
    with engine.connect() as conn:
        [entry] = page(conn, tenant.project_id, limit=1)
    assert entry.redactions == [Finding("/a", "unrecorded", 1), Finding("/b~1c", "unrecorded", 1)]
