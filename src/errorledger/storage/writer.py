"""The single write path of a process: group commit, with the 2xx sent only once durable.

``writes`` says what a writer takes and promises; ``batches`` what one transaction does;
``loop_writer`` (SQLite) and ``thread_writer`` (PostgreSQL) when it runs.
"""

from __future__ import annotations

from sqlalchemy import Engine

from errorledger.storage.database import is_sqlite
from errorledger.storage.loop_writer import LoopWriter
from errorledger.storage.thread_writer import ThreadWriter
from errorledger.storage.writes import Writer


def create_writer(engine: Engine, *, max_batch: int, max_queue: int) -> Writer:
    """``max_queue``: writes that may wait for the writer before more are refused
    (``Overloaded``); ``max_batch``: writes in one transaction at most."""
    if is_sqlite(engine.url):
        return LoopWriter(engine, max_batch=max_batch, max_queue=max_queue)
    return ThreadWriter(engine, max_batch=max_batch, max_queue=max_queue)
