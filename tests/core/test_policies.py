"""Redaction policies in memory: one database read per project at a time, however many
writes ask at once."""

from __future__ import annotations

import anyio
import pytest
from sqlalchemy import Engine, event

from errorledger.core import policies
from errorledger.core.policies import ProjectPolicies
from errorledger.storage.writer import create_writer

ASKING = 50


def _policies(engine: Engine) -> ProjectPolicies:
    return ProjectPolicies(
        engine, create_writer(engine, max_batch=1, max_queue=1), redact=True, emails=False
    )


def _reads(engine: Engine) -> list[int]:
    """A list that grows by one on every connection the engine hands out."""
    taken: list[int] = []
    event.listen(engine, "checkout", lambda *_: taken.append(1))
    return taken


async def _ask_at_once(policies_: ProjectPolicies, project_id: str) -> set[int]:
    found: list[object] = []

    async def ask() -> None:
        found.append(await policies_.policy_for(project_id))

    async with anyio.create_task_group() as tasks:
        for _ in range(ASKING):
            tasks.start_soon(ask)
    assert len(found) == ASKING
    return {id(redactor) for redactor in found}


def test_many_writes_at_once_cost_one_read_then_none(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    anyio.run(_many_writes_at_once, engine, monkeypatch)


async def _many_writes_at_once(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    known = _policies(engine)
    reads = _reads(engine)

    first = await _ask_at_once(known, "p1")
    assert len(reads) == 1
    assert len(first) == 1  # everyone got the one redactor that read made

    await _ask_at_once(known, "p1")
    assert len(reads) == 1  # fresh: served from memory

    monkeypatch.setattr(policies, "REFRESH_S", 0.0)
    await _ask_at_once(known, "p1")
    assert 1 < len(reads) < ASKING // 2  # stale: renewed by one read at a time, not one each


def test_a_failed_read_leaves_the_next_write_to_read_again(engine: Engine) -> None:
    known = _policies(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE redaction_rules RENAME TO away")
    with pytest.raises(Exception, match="redaction_rules"):
        anyio.run(known.policy_for, "p1")
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE away RENAME TO redaction_rules")
    assert anyio.run(known.policy_for, "p1") is not None
