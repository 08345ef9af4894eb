"""Two real server processes on one PostgreSQL schema append to one project's Merkle log at
once: every acknowledged entry gets a leaf, the leaves are exactly 0..n-1, every issue
counts exactly its entries, and both processes serve the same signed checkpoints, which
cover every entry and prove consistent.

The processes share one data directory, so one keys directory: they sign as one log. Both
are asked for checkpoints while the log grows, so both make some; a second test makes the
race of two processes storing a checkpoint of one size certain.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import concurrent.futures
import contextlib
import dataclasses
import itertools
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from errorledger.core.records import CheckpointRecord
from errorledger.settings import Settings
from errorledger.storage import merkle
from errorledger.storage.database import create_database_engine
from errorledger_client.log.checkpoint import Checkpoint, open_checkpoint
from errorledger_client.log.hashing import EMPTY_ROOT, leaf_hash, root_hash
from errorledger_client.log.note import Verifier
from errorledger_client.log.verify import verify_consistency, verify_inclusion
from tests.serverproc import ServerPool, ServerProcess, server_pool
from tests.support import SEED_EXAMPLE, Tenant, create_tenant, entry_leaf_data

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PER_SERVER = 200
IN_FLIGHT = 100  # requests open at once, over both servers
CONNECTIONS_PER_CLIENT = 10  # httpx's pool cost grows with the square of its size
TIMEOUT = httpx.Timeout(60.0)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def tenant(postgres_database: str, data_dir: Path) -> Tenant:
    return create_tenant(Settings(data_dir=data_dir, database_url=postgres_database))


@pytest.fixture
def pool(
    postgres_database: str, data_dir: Path, tmp_path: Path, tenant: Tenant
) -> Iterator[ServerPool]:
    """Servers on the schema, with one data (and so keys) directory; SIGKILLed at teardown."""
    with server_pool(data_dir=data_dir, database_url=postgres_database, log_dir=tmp_path) as pool:
        yield pool


@contextlib.asynccontextmanager
async def http_clients(count: int) -> AsyncIterator[list[httpx.AsyncClient]]:
    limits = httpx.Limits(
        max_connections=CONNECTIONS_PER_CLIENT, max_keepalive_connections=CONNECTIONS_PER_CLIENT
    )
    async with contextlib.AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(httpx.AsyncClient(limits=limits, timeout=TIMEOUT))
            for _ in range(-(-count // CONNECTIONS_PER_CLIENT))
        ]


@dataclasses.dataclass
class Posted:
    """One POST: the native id (integration logs) or uid (import errors) it was given."""

    tag: str
    key: tuple[str, Any] | None = None
    failure: str | None = None


async def post(client: httpx.AsyncClient, server: ServerProcess, tenant: Tenant, n: int) -> Posted:
    """Integration logs (seed 000) and import errors (seed 001), taking turns."""
    tag = f"{server.port}-{n}"
    try:
        if n % 2:
            url = f"{server.base_url}/import/load/errors"
            response = await client.post(url, json={"error": f"load {tag}"}, headers=tenant.bearer)
        else:
            url = f"{server.base_url}/api/v3/integrations/{tenant.integration_id}/logs"
            body = {**SEED_EXAMPLE, "exception": f"load {tag}"}
            response = await client.post(url, json=body, auth=tenant.basic)
    except httpx.TransportError as exc:
        return Posted(tag, failure=f"{type(exc).__name__}: {exc}")
    if response.status_code != 201:
        return Posted(tag, failure=f"{response.status_code}: {response.text[:300]}")
    if n % 2:
        return Posted(tag, key=("uid", response.json()["id"]))
    return Posted(tag, key=("id", response.json()["data"]["id"]))


@dataclasses.dataclass
class Served:
    """A checkpoint as one server answered it."""

    server: int
    status: int
    note: str
    token: str | None


async def get_checkpoint(
    client: httpx.AsyncClient, server: ServerProcess, tenant: Tenant
) -> Served:
    url = f"{server.base_url}/v1/projects/{tenant.project_id}/tlog/checkpoint"
    response = await client.get(url, headers=tenant.bearer)
    return Served(
        server.port, response.status_code, response.text, response.headers.get("timestamp-token")
    )


async def load(servers: list[ServerProcess], tenant: Tenant) -> tuple[list[Posted], list[Served]]:
    """``PER_SERVER`` POSTs to each server, ``IN_FLIGHT`` at a time; meanwhile each server is
    asked for its checkpoint over and over, so both make checkpoints while the log grows."""
    jobs = [(server, n) for n in range(PER_SERVER) for server in servers]
    done = asyncio.Event()
    seen: list[Served] = []

    async def poll(client: httpx.AsyncClient) -> None:
        while not done.is_set():
            for served in await asyncio.gather(
                *(get_checkpoint(client, s, tenant) for s in servers)
            ):
                seen.append(served)

    async with http_clients(IN_FLIGHT + 2 * len(servers)) as clients:
        pollers = [asyncio.create_task(poll(clients[-1])) for _ in range(2)]
        slots = asyncio.Semaphore(IN_FLIGHT)

        async def one(i: int, server: ServerProcess, n: int) -> Posted:
            async with slots:
                return await post(clients[i % (len(clients) - 1)], server, tenant, n)

        try:
            posted = await asyncio.gather(*(one(i, s, n) for i, (s, n) in enumerate(jobs)))
        finally:
            done.set()
            await asyncio.gather(*pollers)
    return list(posted), seen


def all_entries(server: ServerProcess, tenant: Tenant) -> list[dict[str, Any]]:
    """Every entry of the project, as the native API of ``server`` lists them."""
    entries: list[dict[str, Any]] = []
    params: dict[str, Any] = {"page_size": 100}
    with httpx.Client(timeout=TIMEOUT) as client:
        while True:
            url = f"{server.base_url}/v1/projects/{tenant.project_id}/entries"
            response = client.get(url, params=params, headers=tenant.bearer)
            assert response.status_code == 200, response.text
            body = response.json()
            entries += body["data"]
            if body["next_cursor"] is None:
                return entries
            params["cursor"] = body["next_cursor"]


def recomputed_leaf_hash(project_id: str, entry: dict[str, Any]) -> bytes:
    return leaf_hash(entry_leaf_data(project_id, entry))


def fetch(server: ServerProcess, tenant: Tenant, path: str, **params: Any) -> httpx.Response:
    url = f"{server.base_url}/v1/projects/{tenant.project_id}/tlog/{path}"
    response = httpx.get(url, params=params, headers=tenant.bearer, timeout=TIMEOUT)
    assert response.status_code == 200, (path, params, response.text)
    return response


def hashes_of(response: httpx.Response) -> list[bytes]:
    return [base64.b64decode(h) for h in response.json()["hashes"]]


def test_two_processes_append_to_one_dense_log(pool: ServerPool, tenant: Tenant) -> None:
    servers = pool.start(2)
    keys = {httpx.get(f"{s.base_url}/v1/tlog/verifier-key").text for s in servers}
    assert len(keys) == 1, "the processes sign as different logs"
    verifier = Verifier.from_key(keys.pop().strip())
    origin = f"errorledger/{tenant.project_id}"

    posted, seen = asyncio.run(load(servers, tenant))
    failures = [(p.tag, p.failure) for p in posted if p.failure is not None]
    assert not failures, f"{len(failures)} POSTs failed: {failures[:10]}\n{pool.describe()}"
    acknowledged = {p.key for p in posted}
    total = len(acknowledged)
    assert total == 2 * PER_SERVER, "two acknowledgements named one entry"

    # Every acknowledged entry, read from either process, has its own leaf; no gaps.
    listings = [all_entries(server, tenant) for server in servers]
    assert listings[0] == listings[1]
    entries = sorted(listings[0], key=lambda e: e["leaf_index"])
    stored = {("id", e["id"]) for e in entries} | {("uid", e["uid"]) for e in entries}
    assert acknowledged <= stored
    assert len(entries) == total
    assert [e["leaf_index"] for e in entries] == list(range(total))
    writers = [(e["content"].get("exception") or e["content"]["error"]).split()[1] for e in entries]
    ports = [int(tag.split("-")[0]) for tag in writers]
    switches = sum(a != b for a, b in itertools.pairwise(ports))
    assert switches > 1, "the two processes did not append at the same time"
    hashes = [recomputed_leaf_hash(tenant.project_id, e) for e in entries]
    assert [base64.b64decode(e["leaf_hash"]) for e in entries] == hashes

    # Both processes counted into the same issues, in the entries' transactions: each
    # issue's count is exactly its entries (two problems: the logs and the import errors).
    issues = httpx.get(
        f"{servers[1].base_url}/v1/projects/{tenant.project_id}/issues",
        headers=tenant.bearer,
        timeout=TIMEOUT,
    ).json()["data"]
    per_issue = collections.Counter(e["issue_id"] for e in entries)
    assert {issue["id"]: issue["count"] for issue in issues} == dict(per_issue)
    assert len(issues) == 2

    # Both serve the same checkpoint, covering every entry, with the recomputed root.
    finals = [fetch(server, tenant, "checkpoint") for server in servers]
    assert finals[0].text == finals[1].text
    assert finals[0].headers["timestamp-token"] == finals[1].headers["timestamp-token"]
    final = open_checkpoint(finals[0].text, [verifier], origin=origin)
    assert final.size == total
    assert final.root_hash == root_hash(hashes)
    for index in (0, total // 2, total - 1):
        proof = hashes_of(
            fetch(servers[index % 2], tenant, "proof/inclusion", leaf_index=index, tree_size=total)
        )
        verify_inclusion(hashes[index], index, total, proof, final.root_hash)

    # Checkpoints asked for during the load: each answered, signed, kept and consistent.
    refused = [(s.server, s.status, s.note[:300]) for s in seen if s.status != 200]
    assert not refused, (
        f"{len(refused)} checkpoint requests failed: {refused[:5]}\n{pool.describe()}"
    )
    # Whichever process made a checkpoint, both serve the one that was stored, token and all.
    during: dict[int, tuple[Checkpoint, Served]] = {}
    for served in seen:
        opened = open_checkpoint(served.note, [verifier], origin=origin)
        _, first_served = during.setdefault(opened.size, (opened, served))
        assert (served.note, served.token) == (first_served.note, first_served.token)
    assert len(during) > 1, "the log did not grow while checkpoints were asked for"
    for size, (opened, served) in sorted(during.items()):
        assert opened.root_hash == root_hash(hashes[:size])
        kept = fetch(servers[size % 2], tenant, "checkpoint", size=size)
        assert (kept.text, kept.headers["timestamp-token"]) == (served.note, served.token)
        proof = hashes_of(
            fetch(servers[size % 2], tenant, "proof/consistency", first=size, second=total)
        )
        verify_consistency(size, total, opened.root_hash, final.root_hash, proof)


def test_two_writers_storing_one_checkpoint_both_return_the_first(
    postgres_database: str, tenant: Tenant
) -> None:
    """The race above, made certain: two writer connections (two processes) store a
    checkpoint of one size; the second's INSERT waits for the first's transaction. Once that
    commits, the second gets the stored checkpoint back, not a primary key violation."""
    made = [
        CheckpointRecord(
            project_id=tenant.project_id,
            size=0,
            root_hash=EMPTY_ROOT,
            note=f"checkpoint made by writer {n}\n",
            timestamp_token=bytes([n]),
            created_at=n,
        )
        for n in (1, 2)
    ]
    engines = [create_database_engine(postgres_database, writer=True) for _ in made]
    try:
        with engines[0].connect() as first, engines[1].connect() as second:
            first.begin()
            assert merkle.insert_checkpoint(first, made[0]) == made[0]
            driver = second.connection.dbapi_connection
            assert isinstance(driver, psycopg.Connection)
            second_pid = driver.info.backend_pid

            def store_second() -> CheckpointRecord:
                with second.begin():
                    return merkle.insert_checkpoint(second, made[1])

            with concurrent.futures.ThreadPoolExecutor(1) as thread:
                stored = thread.submit(store_second)
                wait_until_waiting_for_a_lock(postgres_database, second_pid)
                first.commit()
                assert stored.result(timeout=60) == made[0]
    finally:
        for engine in engines:
            engine.dispose()


def wait_until_waiting_for_a_lock(database_url: str, pid: int) -> None:
    deadline = time.monotonic() + 60
    with psycopg.connect(database_url, autocommit=True) as monitor:
        while time.monotonic() < deadline:
            row = monitor.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)
            ).fetchone()
            if row is not None and row[0] == "Lock":
                return
            time.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited for the first writer's lock")
