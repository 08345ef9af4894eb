"""A large valid body does not hold the event loop: while the server decodes, validates,
redacts, hashes and stores a 1 MiB record, every other request keeps being answered.

Real ``errorledger serve`` processes, on SQLite and PostgreSQL. A client pings ``/healthz``
in a loop while another sends the large body; the longest ping must be a small part of the
large request's own time (a ratio measured in the same run, not a wall-clock bound). A
server that did the work on its event loop answers no ping until it is done: its longest
ping is about the whole request.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from errorledger.settings import Settings
from tests.serverproc import ServerProcess, server_pool
from tests.support import Tenant, create_tenant

pytestmark = pytest.mark.slow

MIB = 1024 * 1024
SHARE_LIMIT = 0.25  # the longest ping, as a share of the large request's time


def import_log_of(messages: int) -> bytes:
    errors = [{"code": "E", "message": f"Row {i}", "path": f"/{i}"} for i in range(messages)]
    return json.dumps({"status": "Failed", "errors": errors}, separators=(",", ":")).encode()


def import_error_of(rows: int) -> bytes:
    details = {"rows": [{"row": i, "value": "x" * 10} for i in range(rows)]}
    return json.dumps({"error": "bad rows", "details": details}, separators=(",", ":")).encode()


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, Tenant]]:
    tenant = create_tenant(Settings(data_dir=tmp_path / "data", database_url=database_url))
    with server_pool(
        data_dir=tmp_path / "data", database_url=database_url, log_dir=tmp_path
    ) as pool:
        [server] = pool.start()
        yield server, tenant


async def longest_ping_during(
    client: httpx.AsyncClient, request: Callable[[], Awaitable[httpx.Response]]
) -> tuple[httpx.Response, float, float]:
    """The response, how long it took, and the longest ``/healthz`` meanwhile."""
    pings: list[float] = []
    done = asyncio.Event()

    async def ping() -> None:
        while not done.is_set():
            started = time.perf_counter()
            assert (await client.get("/healthz")).status_code == 200
            pings.append(time.perf_counter() - started)
            await asyncio.sleep(0.005)

    pinger = asyncio.create_task(ping())
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    response = await request()
    took = time.perf_counter() - started
    done.set()
    await pinger
    return response, took, max(pings)


@pytest.mark.parametrize(
    ("name", "path", "body"),
    [
        ("import log", "/v3/projects/{p}/api-references/big/logs", import_log_of(20_000)),
        ("import error", "/import/big/errors", import_error_of(29_000)),
    ],
)
def test_a_1_mib_record_leaves_the_server_answering(
    served: tuple[ServerProcess, Tenant], name: str, path: str, body: bytes
) -> None:
    server, tenant = served
    assert MIB * 0.9 < len(body) <= MIB
    url = path.replace("{p}", tenant.project_id)
    headers = {**tenant.bearer, "Content-Type": "application/json"}

    async def run() -> tuple[httpx.Response, float, float]:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
            await longest_ping_during(
                client, lambda: client.post(url, content=body, headers=headers)
            )
            return await longest_ping_during(
                client, lambda: client.post(url, content=body, headers=headers)
            )

    response, took, longest = asyncio.run(run())
    assert response.status_code == 201, response.text[:300]
    print(f"{name}: {took * 1000:.0f} ms; longest ping meanwhile {longest * 1000:.0f} ms")
    assert longest < SHARE_LIMIT * took, (
        f"a ping waited {longest * 1000:.0f} ms of the {took * 1000:.0f} ms request"
    )
