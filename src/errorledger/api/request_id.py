"""A request id for every request the Starlette app serves: sent back as ``X-Request-Id``,
written to the server log, and put in error bodies that carry one (seed 003's
``request_id`` and ``trace_id``).

A client's own ``X-Request-Id`` is kept when it is a short token, so its logs and ours can
be matched; anything else gets a fresh id. Every failed request is logged with its id (so
an error body's ``trace_id`` leads to the log line); successful ones too when
``ERRORLEDGER_ACCESS_LOG`` is on.
"""

from __future__ import annotations

import logging
import random
import re
import time

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("errorledger.requests")
_CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Request ids name requests in logs; they guard nothing, so a seeded PRNG makes them
# without a system call per request.
_id_bits = random.Random().getrandbits  # noqa: S311


def new_request_id() -> str:
    return f"req_{_id_bits(64):016x}"


def request_id(request: Request) -> str:
    found: str = request.scope.get("state", {}).get("request_id") or new_request_id()
    return found


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp, *, log_successes: bool) -> None:
        self._app = app
        self._log_successes = log_successes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        rid = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                sent = value.decode("latin-1")
                rid = sent if _CLIENT_ID.fullmatch(sent) else ""
                break
        rid = rid or new_request_id()
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers", [])
                if isinstance(headers, list):  # ours always are: add to it, no copy
                    headers.append((b"x-request-id", rid.encode()))
                else:
                    message["headers"] = [*headers, (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self._app(scope, receive, send_with_id)
        finally:
            if status >= 400 or self._log_successes:
                level = logging.WARNING if status >= 500 or status == 0 else logging.INFO
                log.log(
                    level,
                    "%s %s %d %.1fms request_id=%s",
                    scope["method"],
                    scope["path"],
                    status,
                    (time.perf_counter() - started) * 1000,
                    rid,
                )
