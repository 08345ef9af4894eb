"""The OpenAPI document of every route (``/openapi.json``) and interactive docs (``/docs``).

The document is written by hand (``openapi.yaml``, beside this module): the wire formats
are the seeds', not what a framework would derive, and a test checks that every route the
app serves is in it. Swagger UI is served from the ``swagger-ui-bundle`` package, so the
docs work on a machine with no way out to a CDN.
"""

from __future__ import annotations

import functools
import html
from importlib import resources

import msgspec
import yaml
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script src="/docs/static/swagger-init.js"></script>
</body>
</html>
"""
# A file of its own, not inline, so a Content-Security-Policy without 'unsafe-inline' holds.
_INIT = b"""window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui"});\n"""


@functools.cache
def document() -> dict[str, object]:
    text = resources.files("errorledger.api").joinpath("openapi.yaml").read_text("utf-8")
    loaded: dict[str, object] = yaml.safe_load(text)
    return loaded


@functools.cache
def _document_json() -> bytes:
    return msgspec.json.encode(document())


async def openapi_json(_request: Request) -> Response:
    return Response(_document_json(), media_type="application/json")


async def docs_page(_request: Request) -> Response:
    info = document().get("info")
    title = info.get("title", "API") if isinstance(info, dict) else "API"
    return HTMLResponse(_PAGE.format(title=html.escape(f"{title}: API docs")))


async def docs_init(_request: Request) -> Response:
    return Response(_INIT, media_type="text/javascript")
