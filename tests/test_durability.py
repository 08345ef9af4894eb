"""Acknowledged writes survive: SIGKILL after the last 201, SIGKILL under load, several API
processes on one database, and SIGTERM mid-burst. Real ``errorledger serve`` processes, on
SQLite and PostgreSQL.

A 201 promises that the entry has been committed; so whatever was acknowledged must be
readable, unchanged and under the same id, from a server started after a crash. Requests
cut off by the crash may or may not have been stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import signal
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Iterator
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
CONNECTIONS_PER_CLIENT = 10


@pytest.fixture
def database(database_url: str) -> str:
    """A database URL: a SQLite file in ``tmp_path``, or a fresh PostgreSQL schema."""
    return database_url


@pytest.fixture
def tenant(database: str, tmp_path: Path) -> Tenant:
    return create_tenant(Settings(data_dir=tmp_path / "data", database_url=database))


@pytest.fixture
def pool(database: str, tmp_path: Path, tenant: Tenant) -> Iterator[ServerPool]:
    """Server processes on the database; all of them SIGKILLed at teardown.

    It needs ``tenant``: a server started on an empty database would create a default
    project of its own.
    """
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


@contextlib.asynccontextmanager
async def http_clients(concurrency: int) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Clients with room for ``concurrency`` simultaneous connections in all.

    The connections are spread over clients of ``CONNECTIONS_PER_CLIENT`` each: the cost of
    httpx's pool grows with the square of its size, and one client of 300 connections keeps
    the test's own CPU busy several seconds (with the server almost idle) for 300 requests.
    """
    count = -(-concurrency // CONNECTIONS_PER_CLIENT)
    limits = httpx.Limits(
        max_connections=CONNECTIONS_PER_CLIENT, max_keepalive_connections=CONNECTIONS_PER_CLIENT
    )
    async with contextlib.AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(httpx.AsyncClient(limits=limits, timeout=TIMEOUT))
            for _ in range(count)
        ]


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


def read_back_on_a_new_server(pool: ServerPool, tenant: Tenant) -> dict[int, dict[str, Any]]:
    """Every log of the integration, by id, as a server started now lists them."""
    (restarted,) = pool.start()

    async def read_back() -> dict[int, dict[str, Any]]:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            return by_id(await list_all(client, restarted, tenant))

    return asyncio.run(read_back())


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
        async with http_clients(len(tags)) as clients:
            outcomes = await asyncio.gather(
                *(
                    post_log(clients[i % len(clients)], server, tenant, t)
                    for i, t in enumerate(tags)
                )
            )
            server.kill()  # at once: before anything else could flush or close
            return list(outcomes)

    outcomes = asyncio.run(burst())
    failures = [(o.tag, o.failure) for o in outcomes if o.failure is not None]
    assert not failures, f"{len(failures)} POSTs failed: {failures[:10]}\n{pool.describe()}"
    ids = acknowledged_ids(outcomes)
    assert len(ids) == len(tags)

    stored = read_back_on_a_new_server(pool, tenant)
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

    async with http_clients(concurrency) as clients:
        await asyncio.gather(*(client_loop(clients[i % len(clients)]) for i in range(concurrency)))
    return load


def test_acknowledged_logs_survive_sigkill_under_load(pool: ServerPool, tenant: Tenant) -> None:
    kill_after = 400
    (server,) = pool.start()
    load = asyncio.run(load_until_killed(server, tenant, concurrency=50, kill_after=kill_after))

    assert load.killed
    assert not load.failures_before_kill, (
        f"POSTs failed before the crash: {[o.failure for o in load.failures_before_kill][:10]}"
        f"\n{pool.describe()}"
    )
    assert load.in_flight_at_kill > 0, "nothing was in flight when the server was killed"
    ids = acknowledged_ids(load.outcomes)
    assert len(ids) >= kill_after

    (restarted,) = pool.start()

    async def read_back_and_write() -> tuple[dict[int, dict[str, Any]], Outcome]:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
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
    other = {first.port: second, second.port: first}
    run = uuid.uuid4().hex[:8]
    per_server = 150
    jobs = [
        (server, f"{run}-{server.port}-{n}")
        for server in (first, second)
        for n in range(per_server)
    ]

    async def post_to_both() -> list[Outcome]:
        async with http_clients(len(jobs)) as clients:
            return list(
                await asyncio.gather(
                    *(
                        post_log(clients[i % len(clients)], server, tenant, tag)
                        for i, (server, tag) in enumerate(jobs)
                    )
                )
            )

    outcomes = asyncio.run(post_to_both())
    failures = [(o.tag, o.failure) for o in outcomes if o.failure is not None]
    assert not failures, f"{len(failures)} POSTs failed: {failures[:10]}\n{pool.describe()}"
    ids = acknowledged_ids(outcomes)
    assert len(ids) == len(jobs)

    async def read_everywhere() -> tuple[list[dict[int, dict[str, Any]]], list[str]]:
        async with http_clients(100) as clients:
            listings = [by_id(await list_all(clients[0], s, tenant)) for s in (first, second)]
            # Each log, fetched on its own from the process that did not store it.
            gets: list[Awaitable[httpx.Response]] = []
            for i, ((writer, _), outcome) in enumerate(zip(jobs, outcomes, strict=True)):
                assert outcome.data is not None
                path = f"/api/v3/integrations/{tenant.integration_id}/logs/{outcome.data['id']}"
                url = other[writer.port].base_url + path
                gets.append(clients[i % len(clients)].get(url, auth=tenant.basic))
            problems = [
                f"{outcome.tag}: {response.status_code} {response.text[:200]}"
                for outcome, response in zip(outcomes, await asyncio.gather(*gets), strict=True)
                if response.status_code != 200 or response.json()["data"] != outcome.data
            ]
            return listings, problems

    listings, problems = asyncio.run(read_everywhere())
    assert not problems, (
        f"{len(problems)} logs differ or are missing when read from the other process: "
        f"{problems[:10]}\n{pool.describe()}"
    )
    for stored in listings:
        assert_all_stored(outcomes, stored, pool)
        assert set(stored) == set(ids.values())


# 4. SIGTERM in the middle of a burst ---------------------------------------------------------

STOP_WITHIN_S = 30.0


def test_sigterm_mid_burst_answers_what_it_took_and_stores_all_it_acknowledged(
    pool: ServerPool, tenant: Tenant
) -> None:
    """The orchestrator stops the server while a burst is in flight: the process exits in
    bounded time; every POST is either acknowledged (and stored) or refused at the door
    (no answer, so the client sends it again); none is answered with an error; nothing is
    stored twice or unasked."""
    (server,) = pool.start()
    run = uuid.uuid4().hex[:8]
    tags = [f"{run}-{n}" for n in range(300)]
    stopped_at: list[float] = []

    async def burst() -> list[Outcome]:
        async with http_clients(50) as clients:
            acked = 0

            async def one(i: int, tag: str) -> Outcome:
                nonlocal acked
                outcome = await post_log(clients[i % len(clients)], server, tenant, tag)
                acked += outcome.data is not None
                if acked == 100 and not stopped_at:
                    stopped_at.append(time.monotonic())
                    server.process.send_signal(signal.SIGTERM)
                return outcome

            return list(await asyncio.gather(*(one(i, t) for i, t in enumerate(tags))))

    outcomes = asyncio.run(burst())
    assert stopped_at, "the burst ended before the server was stopped"
    server.process.wait(timeout=STOP_WITHIN_S)
    stopped_in = time.monotonic() - stopped_at[0]
    refused_at_the_door = ("ConnectError", "ReadError", "RemoteProtocolError")
    answered = [
        o.failure
        for o in outcomes
        if o.failure is not None and not o.failure.startswith(refused_at_the_door)
    ]
    assert not answered, f"requests answered with an error: {answered[:5]}\n{pool.describe()}"
    ids = acknowledged_ids(outcomes)
    assert len(ids) >= 100
    print(  # the figures docs/operations.md summarises
        f"SIGTERM after 100 acknowledgements: exited in {stopped_in:.2f} s;"
        f" {len(ids)} of {len(tags)} acknowledged, {len(tags) - len(ids)} refused at the door"
    )

    stored = read_back_on_a_new_server(pool, tenant)
    assert_all_stored(outcomes, stored, pool)
    assert_only_ours(stored, set(tags))
    # What got no answer was not stored: sending it again makes no duplicate.
    assert set(stored) == set(ids.values()), "a request that got no answer was stored"
