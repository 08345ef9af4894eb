"""The ASGI application: every family's routes on one runtime."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from errorledger.api import (
    docs,
    import_errors,
    import_logs,
    integration_logs,
    native,
    oauth,
    tlog,
)
from errorledger.api.request_id import RequestIdMiddleware
from errorledger.api.responses import json_response
from errorledger.runtime import Runtime
from errorledger.settings import Settings


async def health(_request: Request) -> Response:
    return json_response({"status": "ok"})


async def http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and wrong methods, in the format of the family the path belongs to."""
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith("/api/v3/"):
        return integration_logs.render_http_error(exc.status_code, exc.detail)
    return json_response({"detail": exc.detail}, status=exc.status_code)


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> ASGIApp:
    """The application; it builds its runtime from ``settings`` unless given one."""
    rt = runtime or Runtime(settings or Settings.from_env())

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        rt.start()
        try:
            yield
        finally:
            await rt.limiter.close()
            rt.close()

    app = Starlette(
        routes=[
            Route("/healthz", health, methods=["GET"]),
            *integration_logs.routes,
            *import_errors.routes,
            *import_logs.routes,
            *native.routes,
            *tlog.routes,
            *oauth.routes,
            *docs.routes,
        ],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.runtime = rt
    return integration_logs.IngestLane(
        RequestIdMiddleware(app, log_successes=rt.settings.access_log), rt
    )
