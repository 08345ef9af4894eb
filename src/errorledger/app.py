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
    log_capsules,
    native,
    oauth,
    tlog,
    tsa,
)
from errorledger.api.request_id import RequestIdMiddleware
from errorledger.api.responses import RequestErrorRenderer, json_response
from errorledger.errors import MethodNotAllowed, NotFound
from errorledger.runtime import Runtime
from errorledger.settings import Settings


async def health(_request: Request) -> Response:
    return json_response({"status": "ok"})


# Each family's path prefix and the renderer of its errors.
_FAMILIES: list[tuple[str, RequestErrorRenderer]] = [
    ("/import/", lambda _request, exc: import_errors.render_error(exc)),
    ("/v3/projects/", import_logs.render_error),
    ("/v1/", native.render_error),
    ("/v4/applications/", log_capsules.render_error),
    ("/oauth2/", lambda _request, exc: oauth.render_error(exc)),
]


async def http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and wrong methods, in the format of the family the path belongs to."""
    assert isinstance(exc, HTTPException)
    path = request.url.path
    if path.startswith("/api/v3/"):
        return integration_logs.render_http_error(exc.status_code, exc.detail)
    domain: Exception = (
        MethodNotAllowed((exc.headers or {}).get("Allow", ""))
        if exc.status_code == 405
        else NotFound("Resource")
    )
    for prefix, render in _FAMILIES:
        if path.startswith(prefix):
            return render(request, domain)
    return json_response({"detail": exc.detail}, status=exc.status_code, headers=exc.headers)


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
            *log_capsules.routes,
            *native.routes,
            *tlog.routes,
            *tsa.routes,
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
