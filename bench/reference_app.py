"""The reference of bench/ingest.py: the stack the foundation issue names as its yardstick.

A Starlette endpoint that decodes the seed's body with msgspec (unknown fields refused) and
stores it through a group-commit SQLite writer: WAL, ``synchronous=FULL``, one transaction
per batch on a worker thread, each 201 sent after its batch's COMMIT. Nothing else: no
authentication, rate limit, redaction, fingerprint or transparency log. It shows what the
bare minimum of durable ingest reaches on the same machine in the same run, so errorledger's
ratio can be read against it.

    python bench/reference_app.py --host H --port P --database PATH
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import sqlite3

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bare_asgi import serve


class LogCreate(msgspec.Struct, forbid_unknown_fields=True):
    base_url: str
    full_url: str | None = None
    method: str | None = None
    response_code: int | None = None
    response: dict[str, object] | None = None
    request: dict[str, object] | None = None
    exception_type: str | None = None
    exception: str | None = None
    created_at: str | None = None


_decode = msgspec.json.Decoder(LogCreate).decode
_encode = msgspec.json.Encoder().encode
Row = tuple[int, str, bytes]


class GroupCommitWriter:
    """Rows queued while a batch commits become the next batch."""

    def __init__(self, database: str) -> None:
        self._conn = sqlite3.connect(database, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS logs (id INTEGER PRIMARY KEY,"
            " integration_id INTEGER NOT NULL, created_at TEXT NOT NULL, content BLOB NOT NULL)"
        )
        self._queue: list[tuple[Row, asyncio.Future[int]]] = []
        self._draining: asyncio.Task[None] | None = None

    def submit(self, row: Row) -> asyncio.Future[int]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._queue.append((row, future))
        if self._draining is None:
            self._draining = loop.create_task(self._drain())
        return future

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                ids = await asyncio.to_thread(self._commit, [row for row, _ in batch])
                for (_, future), entry_id in zip(batch, ids, strict=True):
                    if not future.done():
                        future.set_result(entry_id)
        finally:
            self._draining = None

    def _commit(self, rows: list[Row]) -> list[int]:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        ids = []
        for row in rows:
            cursor = conn.execute(
                "INSERT INTO logs (integration_id, created_at, content) VALUES (?, ?, ?)", row
            )
            ids.append(int(cursor.lastrowid or 0))
        conn.execute("COMMIT")
        return ids


def create_app(database: str) -> Starlette:
    writer = GroupCommitWriter(database)

    async def create_log(request: Request) -> Response:
        try:
            log = _decode(await request.body())
        except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
            return _json({"errors": [{"status": 400, "detail": str(exc)}]}, 400)
        integration_id = int(request.path_params["id"])
        created_at = log.created_at or datetime.datetime.now(datetime.UTC).isoformat()
        entry_id = await writer.submit((integration_id, created_at, _encode(log)))
        data = msgspec.structs.asdict(log) | {
            "id": entry_id,
            "integration_id": integration_id,
            "created_at": created_at,
            "protected": False,
            "additional_data": "",
        }
        return _json({"data": data}, 201)

    route = Route("/api/v3/integrations/{id:int}/logs", create_log, methods=["POST"])
    return Starlette(routes=[route])


def _json(body: object, status: int) -> Response:
    return Response(_encode(body), status, media_type="application/json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--database", required=True)
    args = parser.parse_args()
    serve(create_app(args.database), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
