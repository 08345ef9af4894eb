"""Acknowledged writes survive: SIGKILL after the last 201, SIGKILL under load, and several
API processes on one database. Real ``errorledger serve`` processes, on SQLite and PostgreSQL.

A 201 promises that the entry has been committed; so whatever was acknowledged must be
readable, unchanged and under the same id, from a server started after a crash. Requests
cut off by the crash may or may not have been stored.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from errorledger.settings import Settings
from tests.serverproc import ServerPool, ServerProcess, server_pool
from tests.support import SEED_EXAMPLE, Tenant, create_tenant

pytestmark = pytest.mark.slow

PAGE_SIZE = 100
TIMEOUT = httpx.Timeout(60.0)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL: a SQLite file in ``tmp_path``, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'errorledger.db'}"
    return str(request.getfixturevalue("postgres_schema"))


@pytest.fixture
def tenant(database: str, tmp_path: Path) -> Tenant:
    return create_tenant(Settings(data_dir=tmp_path / "data", database_url=database))


@pytest.fixture
def pool(database: str, tmp_path: Path, tenant: Tenant) -> Iterator[ServerPool]:
    """Server processes on the database; all of them SIGKILLed at teardown."""
    with server_pool(
        data_dir=tmp_path / "data", database_url=database, log_dir=tmp_path
    ) as servers:
        yield servers


# helpers --------------------------------------------------------------------------------------


def log_body(tag: str) -> dict[str, Any]:
    """The seed example, told apart from every other request by its exception text."""
    body = copy.deepcopy(SEED_EXAMPLE)
    body["exception"] = f"durability {tag}"
    body["request"]["payload"] = {"order_note": {"note": tag}}
    return body


def async_client(concurrency: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(limits=limits, timeout=TIMEOUT)


@dataclasses.dataclass
class Outcome:
    """One POST: the 201's ``data``, or what came back instead."""

    tag: str
    data: dict[str, Any] | None = None
    failure: str | None = None


async def post_log(
    client: httpx.AsyncClient, server: ServerProcess, tenant: Tenant, tag: str
) -> Outcome:
    url = f"{server.base_url}/api/v3/integrations/{tenant.integration_id}/logs"
    try:
        response = await client.post(url, json=log_body(tag), auth=tenant.basic)
    except httpx.TransportError as exc:
        return Outcome(tag, failure=f"{type(exc).__name__}: {exc}")
    if response.status_code != 201:
        return Outcome(tag, failure=f"{response.status_code}: {response.text[:500]}")
    data: dict[str, Any] = response.json()["data"]
    return Outcome(tag, data=data)


def acknowledged_ids(outcomes: list[Outcome]) -> dict[str, int]:
    """Tag → id of every acknowledged POST; fails if two acknowledgements share an id."""
    ids = {o.tag: o.data["id"] for o in outcomes if o.data is not None}
    assert all(isinstance(i, int) for i in ids.values())
    assert len(set(ids.values())) == len(ids), "two acknowledged logs were given one id"
    return ids


async def list_all(client: httpx.AsyncClient, server: ServerProcess, tenant: Tenant) -> list[Any]:
    """Every log of the integration, following ``Link: rel="next"`` page by page."""
    url: str | None = (
        f"{server.base_url}/api/v3/integrations/{tenant.integration_id}/logs?page_size={PAGE_SIZE}"
    )
    logs: list[Any] = []
    pages = 0
    while url is not None:
        pages += 1
        assert pages <= 1_000, "the Link chain does not end"
        response = await client.get(url, auth=tenant.basic)
        assert response.status_code == 200, response.text
        page = response.json()["data"]
        assert len(page) <= PAGE_SIZE
        logs.extend(page)
        url = response.links.get("next", {}).get("url")
    return logs


def by_id(logs: list[Any]) -> dict[int, dict[str, Any]]:
    found = {log["id"]: log for log in logs}
    assert len(found) == len(logs), "the listing repeats a log"
    return found


def assert_all_stored(
    outcomes: list[Outcome], stored: dict[int, dict[str, Any]], pool: ServerPool
) -> None:
    """Every acknowledged log is stored under its id, exactly as the 201 showed it."""
    acked = [o for o in outcomes if o.data is not None]
    missing = [o.data["id"] for o in acked if o.data is not None and o.data["id"] not in stored]
    assert not missing, f"{len(missing)} acknowledged logs lost: {missing[:20]}\n{pool.describe()}"
    for outcome in acked:
        assert outcome.data is not None
        log = stored[outcome.data["id"]]
        assert log["exception"] == f"durability {outcome.tag}"
        assert log["request"]["payload"] == {"order_note": {"note": outcome.tag}}
        assert log == outcome.data


def assert_only_ours(stored: dict[int, dict[str, Any]], sent_tags: set[str]) -> None:
    """Nothing stored that was not sent, and nothing sent stored twice."""
    tags = [log["exception"].removeprefix("durability ") for log in stored.values()]
    assert set(tags) <= sent_tags
    assert len(tags) == len(set(tags)), "a request was stored twice"


# 1. SIGKILL right after the last acknowledgement ---------------------------------------------


def test_every_acknowledged_log_survives_sigkill(pool: ServerPool, tenant: Tenant) -> None:
    (server,) = pool.start()
    run = uuid.uuid4().hex[:8]
    tags = [f"{run}-{n}" for n in range(300)]

    async def burst() -> list[Outcome]:
        async with async_client(len(tags)) as client:
            outcomes = await asyncio.gather(*(post_log(client, server, tenant, t) for t in tags))
            server.kill()  # at once: before anything else could flush or close
            return list(outcomes)

    outcomes = asyncio.run(burst())
    failures = [(o.tag, o.failure) for o in outcomes if o.failure is not None]
    assert not failures, f"{len(failures)} POSTs failed: {failures[:10]}\n{pool.describe()}"
    ids = acknowledged_ids(outcomes)
    assert len(ids) == len(tags)

    (restarted,) = pool.start()

    async def read_back() -> dict[int, dict[str, Any]]:
        async with async_client(16) as client:
            return by_id(await list_all(client, restarted, tenant))

    stored = asyncio.run(read_back())
    assert_all_stored(outcomes, stored, pool)
    assert set(stored) == set(ids.values()), "the database holds logs nobody was told about"


# 2. SIGKILL in the middle of a load ----------------------------------------------------------


@dataclasses.dataclass
class Load:
    outcomes: list[Outcome] = dataclasses.field(default_factory=list)
    sent: set[str] = dataclasses.field(default_factory=set)
    in_flight: int = 0
    in_flight_at_kill: int = 0
    killed: bool = False
    failures_before_kill: list[Outcome] = dataclasses.field(default_factory=list)


async def load_until_killed(
    server: ServerProcess, tenant: Tenant, *, concurrency: int, kill_after: int
) -> Load:
    """``concurrency`` clients post back to back; the ``kill_after``-th 201 triggers SIGKILL."""
    load = Load()
    run = uuid.uuid4().hex[:8]
    counter = iter(range(10**9))

    async def client_loop(client: httpx.AsyncClient) -> None:
        while not load.killed:
            tag = f"{run}-{next(counter)}"
            load.sent.add(tag)
            load.in_flight += 1
            try:
                outcome = await post_log(client, server, tenant, tag)
            finally:
                load.in_flight -= 1
            load.outcomes.append(outcome)
            if outcome.failure is not None and not load.killed:
                load.failures_before_kill.append(outcome)
            acked = sum(o.data is not None for o in load.outcomes)
            if not load.killed and acked >= kill_after:
                load.in_flight_at_kill = load.in_flight
                server.kill()  # blocks the loop: the other clients' requests stay in flight
                load.killed = True

    async with async_client(concurrency) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
    return load


def test_acknowledged_logs_survive_sigkill_under_load(pool: ServerPool, tenant: Tenant) -> None:
    (server,) = pool.start()
    load = asyncio.run(load_until_killed(server, tenant, concurrency=50, kill_after=400))

    assert load.killed
    assert not load.failures_before_kill, (
        f"POSTs failed before the crash: {[o.failure for o in load.failures_before_kill][:10]}"
        f"\n{pool.describe()}"
    )
    assert load.in_flight_at_kill > 0, "nothing was in flight when the server was killed"
    ids = acknowledged_ids(load.outcomes)
    assert len(ids) >= 400

    (restarted,) = pool.start()

    async def read_back_and_write() -> tuple[dict[int, dict[str, Any]], Outcome]:
        async with async_client(16) as client:
            stored = by_id(await list_all(client, restarted, tenant))
            after = await post_log(client, restarted, tenant, f"after-{uuid.uuid4().hex[:8]}")
            return stored, after

    stored, after = asyncio.run(read_back_and_write())
    assert_all_stored(load.outcomes, stored, pool)
    assert_only_ours(stored, load.sent)
    # The restarted server goes on writing, with an id no earlier log has.
    assert after.data is not None, f"{after.failure}\n{pool.describe()}"
    assert after.data["id"] not in stored


# 3. several stateless API processes on one database ------------------------------------------


def test_two_processes_share_one_database(pool: ServerPool, tenant: Tenant) -> None:
    first, second = pool.start(2)
    run = uuid.uuid4().hex[:8]
    per_server = 150

    async def post_to_both() -> list[Outcome]:
        async with async_client(2 * per_server) as client:
            jobs = [
                post_log(client, server, tenant, f"{run}-{index}-{n}")
                for index, server in enumerate((first, second))
                for n in range(per_server)
            ]
            return list(await asyncio.gather(*jobs))

    outcomes = asyncio.run(post_to_both())
    failures = [(o.tag, o.failure) for o in outcomes if o.failure is not None]
    assert not failures, f"{len(failures)} POSTs failed: {failures[:10]}\n{pool.describe()}"
    ids = acknowledged_ids(outcomes)
    assert len(ids) == 2 * per_server

    async def read_everywhere() -> tuple[list[dict[int, dict[str, Any]]], list[str]]:
        async with async_client(100) as client:
            listings = [by_id(await list_all(client, s, tenant)) for s in (first, second)]
            # Each log, fetched one by one from the process that did not store it.
            other = {f"{run}-0-": second, f"{run}-1-": first}
            gets = []
            for outcome in outcomes:
                assert outcome.data is not None
                reader = other[outcome.tag[: outcome.tag.rindex("-") + 1]]
                path = f"/api/v3/integrations/{tenant.integration_id}/logs/{outcome.data['id']}"
                gets.append(client.get(reader.base_url + path, auth=tenant.basic))
            problems = []
            for outcome, response in zip(outcomes, await asyncio.gather(*gets), strict=True):
                if response.status_code != 200 or response.json()["data"] != outcome.data:
                    problems.append(f"{outcome.tag}: {response.status_code} {response.text[:200]}")
            return listings, problems

    listings, problems = asyncio.run(read_everywhere())
    assert not problems, f"{len(problems)} logs unreadable from the other process: {problems[:10]}"
    for stored in listings:
        assert_all_stored(outcomes, stored, pool)
        assert set(stored) == set(ids.values())
