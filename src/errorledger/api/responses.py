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
# Families whose error bodies name the request (its path, its id) render with it.
RequestErrorRenderer = Callable[[Request, Exception], Response]


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
    log_unexpected(exc, method, path)
    return render(exc)


def log_unexpected(exc: Exception, method: str, path: str) -> None:
    if not isinstance(exc, ErrorledgerError):
        log.exception("unhandled error in %s %s", method, path, exc_info=exc)


def guarded(render: ErrorRenderer) -> Callable[[Handler], Handler]:
    return guarded_with_request(lambda _request, exc: render(exc))


def guarded_with_request(render: RequestErrorRenderer) -> Callable[[Handler], Handler]:
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
                log_unexpected(exc, request.method, request.url.path)
                return render(request, exc)

        return endpoint

    return decorate
