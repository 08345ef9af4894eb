"""How a matched path reaches its handler, and how every failure reaches its family's
renderer: the one place where exceptions become error responses.

Each path of the route table is one ``PathEndpoint``: an ASGI app that picks the handler of
the request's method (a 405 with every method of the path in ``Allow`` otherwise), runs it,
and answers any exception with the family's renderer. A handler is either a function of a
``Request`` that returns a ``Response``, or, on the busiest route, a plain ASGI app that
writes its own answer (``Lane``) and skips the framework's per-request objects.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from errorledger.api.body import ClientDisconnected
from errorledger.api.family import Family
from errorledger.errors import ErrorledgerError, MethodNotAllowed, NotFound

log = logging.getLogger("errorledger.api")

Handler = Callable[[Request], Awaitable[Response]]


@dataclasses.dataclass(frozen=True, slots=True)
class Lane:
    """A handler that is a plain ASGI app: it reads ``scope["path_params"]`` and sends its
    own response; it raises (before sending anything) to fail."""

    app: ASGIApp


Endpoint = Handler | Lane


class PathEndpoint:
    """The ASGI app of one path: its handlers by method, and its family's errors."""

    def __init__(self, family: Family, handlers: dict[str, Endpoint]) -> None:
        self.family = family
        self._handlers = dict(handlers)
        if "GET" in handlers:
            self._handlers.setdefault("HEAD", handlers["GET"])
        self.allow = ", ".join(sorted(self._handlers))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self._handlers.get(scope["method"])
        if handler is None:
            await self._fail(scope, receive, send, MethodNotAllowed(self.allow))
            return
        try:
            if isinstance(handler, Lane):
                await handler.app(scope, receive, send)
                return
            response = await handler(Request(scope, receive))
        except ClientDisconnected:
            return  # nobody is left to read an answer
        except Exception as exc:
            await self._fail(scope, receive, send, exc)
            return
        await response(scope, receive, send)

    async def _fail(self, scope: Scope, receive: Receive, send: Send, exc: Exception) -> None:
        await answer_failure(self.family, scope, receive, send, exc)


async def answer_failure(
    family: Family, scope: Scope, receive: Receive, send: Send, exc: Exception
) -> None:
    """``exc`` answered in ``family``'s format; anything but a domain error is logged with
    its traceback (the answer, a 500, says nothing of the cause)."""
    if not isinstance(exc, ErrorledgerError):
        request_id = scope.get("state", {}).get("request_id")
        log.error(
            "unhandled error in %s %s request_id=%s",
            scope["method"],
            scope["path"],
            request_id,
            exc_info=exc,
        )
    await family.render(Request(scope, receive), exc)(scope, receive, send)


class Unmatched:
    """The router's default: a path no route has, answered as its prefix's family does."""

    def __init__(self, families: list[Family], fallback: Family) -> None:
        self._by_prefix = [(prefix, f) for f in families for prefix in f.prefixes]
        self._fallback = fallback

    def family_of(self, path: str) -> Family:
        for prefix, family in self._by_prefix:
            if path.startswith(prefix):
                return family
        return self._fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # no websockets here; the server closes the connection
        family = self.family_of(scope["path"])
        await answer_failure(family, scope, receive, send, NotFound("Resource"))


class Guarded:
    """A framework ASGI app (static files) whose HTTP errors answer in a family's format."""

    def __init__(self, app: ASGIApp, family: Family) -> None:
        self._app = app
        self._family = family

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._app(scope, receive, send)
        except HTTPException as exc:
            domain: Exception = (
                MethodNotAllowed((exc.headers or {}).get("Allow", "GET, HEAD"))
                if exc.status_code == 405
                else NotFound("Resource")
            )
            await answer_failure(self._family, scope, receive, send, domain)
