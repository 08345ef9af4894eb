"""A writer that holds at most ``ERRORLEDGER_WRITE_QUEUE_MAX`` waiting writes: past it a
write is a 503 with ``Retry-After`` at once, in its family's format, and nothing of it is
stored; every write answered 201 is."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from errorledger.app import create_app
from errorledger.runtime import Runtime
from errorledger.settings import Settings
from tests.support import SEED_EXAMPLE, create_tenant

AT_ONCE = 120
QUEUE_MAX = 4


@contextlib.asynccontextmanager
async def _served(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    runtime.start()
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://errorledger") as c:
            yield c
    finally:
        runtime.close()


@pytest.mark.parametrize("family", ["integration logs", "import errors"])
def test_writes_past_the_queue_are_refused_at_once_and_not_stored(
    database_url: str, tmp_path: Path, family: str
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url, write_queue_max=QUEUE_MAX)
    tenant = create_tenant(settings)
    runtime = Runtime(settings)

    async def post(client: httpx.AsyncClient, n: int) -> httpx.Response:
        if family == "import errors":
            body = {"error": f"row {n} refused"}
            return await client.post("/import/load/errors", json=body, headers=tenant.bearer)
        url = f"/api/v3/integrations/{tenant.integration_id}/logs"
        body = {**SEED_EXAMPLE, "exception": f"failure {n}"}
        return await client.post(url, json=body, headers=tenant.bearer)

    async def run() -> tuple[list[httpx.Response], int]:
        async with _served(runtime) as client:
            answers = await asyncio.gather(*(post(client, n) for n in range(AT_ONCE)))
            listed = await client.get(
                f"/v1/projects/{tenant.project_id}/entries?page_size=100", headers=tenant.bearer
            )
            total = len(listed.json()["data"])
            while listed.json()["next_cursor"]:
                cursor = listed.json()["next_cursor"]
                listed = await client.get(
                    f"/v1/projects/{tenant.project_id}/entries?page_size=100&cursor={cursor}",
                    headers=tenant.bearer,
                )
                total += len(listed.json()["data"])
            return list(answers), total

    answers, stored = asyncio.run(run())
    statuses = sorted({a.status_code for a in answers})
    refused = [a for a in answers if a.status_code == 503]
    created = [a for a in answers if a.status_code == 201]
    assert statuses == [201, 503], statuses
    assert len(created) >= QUEUE_MAX
    assert stored == len(created)  # every 201 stored, no 503
    for answer in refused:
        assert answer.headers["retry-after"] == "1"
        if family == "integration logs":  # JSON:API, status as a string
            assert answer.json()["errors"][0]["status"] == "503"
        else:
            assert answer.json()["error"]
