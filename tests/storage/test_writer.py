"""The group-commit writer, on SQLite (``LoopWriter``) and PostgreSQL (``ThreadWriter``)."""

import asyncio
import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine

from errorledger.core.records import NewEntry, Placement
from errorledger.errors import (
    AuthenticationFailed,
    NotFound,
    StorageUnavailable,
    Unstorable,
)
from errorledger.settings import Settings
from errorledger.storage import accounts as stored_accounts
from errorledger.storage import entries as stored_entries
from errorledger.storage import loop_writer
from errorledger.storage.database import create_database_engine, sqlite_path
from errorledger.storage.writer import create_writer
from errorledger.storage.writes import PendingEntry, Writer
from errorledger.tlog.leaf import content_digest
from tests.support import Tenant, create_tenant


@pytest.fixture
def writer_engine(engine: Engine, settings: Settings) -> Iterator[Engine]:
    """The writer keeps its connection, so it gets an engine of its own (as in the server)."""
    own = create_database_engine(settings.database_url, writer=True)
    yield own
    own.dispose()


@pytest.fixture
def writer(writer_engine: Engine) -> Iterator[Writer]:
    writer = create_writer(writer_engine, max_batch=50, max_queue=1000)
    writer.start()
    yield writer
    writer.close()


@pytest.fixture
def shop(engine: Engine, settings: Settings) -> Tenant:
    return create_tenant(settings)


def pending(
    tenant: Tenant, n: int, *, integration_id: int | None = None, **changes: Any
) -> PendingEntry:
    entry = NewEntry(
        uid=f"00000000-0000-4000-8000-{n:012d}",
        project_id=tenant.project_id,
        kind="integration_log",
        source=str(tenant.integration_id),
        received_at=1_000 + n,
        occurred_at=1_000 + n,
        status_code=500,
        message=f"failure {n}",
        url=None,
        fingerprint="f" * 64,
        protected=False,
        redactions_json="[]",
        content_json=f'{{"n": {n}}}',
        content_sha256=content_digest({"n": n}),
        key_id=tenant.key.key_id,
    )
    return PendingEntry(
        dataclasses.replace(entry, **changes), integration_id or tenant.integration_id
    )


def count(engine: Engine, project_id: str) -> int:
    with engine.connect() as conn:
        return stored_entries.count(conn, project_id=project_id)


def test_concurrent_appends_all_commit_with_distinct_ids(
    writer: Writer, engine: Engine, shop: Tenant
) -> None:
    async def main() -> list[Placement]:
        return await asyncio.gather(*(writer.append(pending(shop, n)) for n in range(200)))

    placements = asyncio.run(main())
    assert len({p.id for p in placements}) == 200
    assert sorted(p.leaf_index for p in placements) == list(range(200))
    assert count(engine, shop.project_id) == 200


def test_a_revoked_key_is_refused_at_commit(writer: Writer, engine: Engine, shop: Tenant) -> None:
    with engine.begin() as conn:
        assert stored_accounts.revoke_key(conn, shop.key.key_id, at=5)
    with pytest.raises(AuthenticationFailed):
        asyncio.run(writer.append(pending(shop, 1)))
    assert count(engine, shop.project_id) == 0


def test_another_projects_integration_is_not_found(
    writer: Writer, engine: Engine, shop: Tenant, settings: Settings
) -> None:
    other = create_tenant(settings, name="other")

    async def main() -> list[Any]:
        return await asyncio.gather(
            writer.append(pending(shop, 1, integration_id=other.integration_id)),
            writer.append(pending(shop, 2)),
            return_exceptions=True,
        )

    refused, stored = asyncio.run(main())
    assert isinstance(refused, NotFound)
    assert isinstance(stored, Placement)
    assert count(engine, shop.project_id) == 1


def test_one_failing_write_does_not_fail_its_batch(
    writer: Writer, engine: Engine, shop: Tenant
) -> None:
    def explode(_conn: Connection) -> None:
        raise RuntimeError("disk on fire")

    async def main() -> list[Any]:
        return await asyncio.gather(
            *(writer.append(pending(shop, n)) for n in range(20)),
            writer.run(explode),
            *(writer.append(pending(shop, n)) for n in range(20, 40)),
            return_exceptions=True,
        )

    results = asyncio.run(main())
    assert isinstance(results[20], StorageUnavailable)
    assert all(isinstance(r, Placement) for i, r in enumerate(results) if i != 20)
    assert count(engine, shop.project_id) == 40


def test_close_finishes_what_was_queued(
    engine: Engine, writer_engine: Engine, shop: Tenant
) -> None:
    writer = create_writer(writer_engine, max_batch=5, max_queue=1000)
    writer.start()

    async def main() -> list[Placement]:
        tasks = [asyncio.ensure_future(writer.append(pending(shop, n))) for n in range(30)]
        await asyncio.sleep(0)  # let every task queue its write
        return await asyncio.gather(*tasks)

    ids = asyncio.run(main())
    writer.close()
    assert len(ids) == 30
    assert count(engine, shop.project_id) == 30


def test_a_stopped_writer_refuses_new_work(engine: Engine, shop: Tenant) -> None:
    writer = create_writer(engine, max_batch=5, max_queue=1000)  # never started
    with pytest.raises(StorageUnavailable):
        asyncio.run(writer.append(pending(shop, 1)))


sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@sqlite_only
def test_sqlite_answers_503_when_the_wal_cannot_be_made_durable(
    writer: Writer, shop: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(writer, loop_writer.LoopWriter)

    def failing_fsync(_path: Path) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(loop_writer, "fsync", failing_fsync)
    with pytest.raises(StorageUnavailable):
        asyncio.run(writer.append(pending(shop, 1)))
    monkeypatch.undo()
    assert isinstance(asyncio.run(writer.append(pending(shop, 2))), Placement)  # and it recovers


@sqlite_only
def test_sqlite_checkpoints_the_wal_into_the_database_file(
    writer: Writer, engine: Engine, shop: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(writer, loop_writer.LoopWriter)
    monkeypatch.setattr(loop_writer, "CHECKPOINT_EVERY_BATCHES", 3)
    database = sqlite_path(engine.url)
    before = database.read_bytes()

    async def one_batch_each() -> None:
        for n in range(6):  # awaited one by one: a batch, and an fsync, each
            await writer.append(pending(shop, n))

    asyncio.run(one_batch_each())
    assert database.read_bytes() != before  # pages reached the database file itself
    assert count(engine, shop.project_id) == 6


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"status_code": 2**70}, id="a number out of the column's range"),
        pytest.param({"source": "s" * 300}, id="a string longer than its column"),
    ],
)
def test_a_value_the_database_refuses_is_a_400_not_a_retry(
    writer: Writer, engine: Engine, shop: Tenant, change: dict[str, Any]
) -> None:
    # Validation refuses these at the door; this is the net under it. A 503 would tell the
    # client to send the same thing again, forever.
    refused = pending(shop, 1, **change)

    async def main() -> list[Any]:
        return await asyncio.gather(
            writer.append(refused), writer.append(pending(shop, 2)), return_exceptions=True
        )

    failure, stored = asyncio.run(main())
    if engine.dialect.name == "sqlite" and "source" in change:
        assert isinstance(failure, Placement)  # SQLite does not hold text to its declared length
        return
    assert isinstance(failure, Unstorable)
    assert not isinstance(failure, StorageUnavailable)
    assert isinstance(stored, Placement)
    assert count(engine, shop.project_id) == 1
