"""JSON responses encoded with msgspec, and the guard that maps errors to a family's format."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from errorledger.api.body import ClientDisconnected
from errorledger.errors import ErrorledgerError

log = logging.getLogger("errorledger.api")
encode_json = msgspec.json.Encoder().encode

Handler = Callable[[Request], Awaitable[Response]]
ErrorRenderer = Callable[[Exception], Response]


def json_response(
    content: Any,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    media_type: str = "application/json",
) -> Response:
    return Response(
        encode_json(content), status_code=status, headers=headers, media_type=media_type
    )


def failure_response(exc: Exception, render: ErrorRenderer, method: str, path: str) -> Response:
    """A domain error in its family's format; anything else logged with its traceback and
    answered as a 500 that says nothing of the cause."""
    if not isinstance(exc, ErrorledgerError):
        log.exception("unhandled error in %s %s", method, path, exc_info=exc)
    return render(exc)


def guarded(render: ErrorRenderer) -> Callable[[Handler], Handler]:
    """Answer every failure of ``handler`` in its family's format: domain errors as such,
    anything else as a 500 that says nothing of the cause (the log has the traceback)."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except ClientDisconnected:
                return Response(status_code=400)  # nobody is left to read it
            except Exception as exc:
                return failure_response(exc, render, request.method, request.url.path)

        return endpoint

    return decorate
