"""Per-key rate limits: a burst of writes meets 429 at the configured rate, every 2xx is
stored and nothing else is, and reads keep their own budget."""

import dataclasses
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from errorledger.app import create_app
from errorledger.settings import Settings
from errorledger.storage import entries as stored_entries
from tests.support import SEED_EXAMPLE, Tenant, create_tenant

WRITES, READS = 5, 8


@pytest.fixture
def limited(settings: Settings) -> Iterator[tuple[TestClient, Tenant, Tenant]]:
    tight = dataclasses.replace(
        settings, write_rate_limit=f"{WRITES}/minute", read_rate_limit=f"{READS}/minute"
    )
    with TestClient(create_app(tight), raise_server_exceptions=False) as client:
        yield client, create_tenant(tight), create_tenant(tight, name="other")


def stored(engine: Engine, project_id: str) -> int:
    with engine.connect() as conn:
        return stored_entries.count(conn, project_id=project_id)


def test_a_write_burst_meets_429_at_the_limit_and_stores_exactly_the_2xx(
    limited: tuple[TestClient, Tenant, Tenant], engine: Engine
) -> None:
    client, shop, _ = limited
    url = f"/api/v3/integrations/{shop.integration_id}/logs"
    answers = [client.post(url, json=SEED_EXAMPLE, auth=shop.basic) for _ in range(WRITES + 7)]
    statuses = [a.status_code for a in answers]
    assert statuses == [201] * WRITES + [429] * 7  # the limit, exactly, then refusals
    refused = answers[-1]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit-Limit"] == str(WRITES)
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert refused.headers["RateLimit-Reset"] == refused.headers["Retry-After"]
    assert refused.json()["errors"][0]["code"] == "too_many_requests"
    assert stored(engine, shop.project_id) == Counter(statuses)[201]


def test_a_write_burst_does_not_starve_reads_or_other_keys(
    limited: tuple[TestClient, Tenant, Tenant], engine: Engine
) -> None:
    client, shop, other = limited
    for _ in range(WRITES + 2):
        client.post("/import/batch/errors", json={"error": "row 7"}, headers=shop.bearer)
    assert (
        client.post("/import/batch/errors", json={"error": "x"}, headers=shop.bearer).status_code
        == 429
    )
    reads = [client.get("/import/batch/errors", headers=shop.bearer) for _ in range(READS + 1)]
    assert [r.status_code for r in reads] == [200] * READS + [429]
    assert len(reads[0].json()["data"]) == WRITES == stored(engine, shop.project_id)
    answer = client.post("/import/batch/errors", json={"error": "x"}, headers=other.bearer)
    assert answer.status_code == 201  # another key has a budget of its own
