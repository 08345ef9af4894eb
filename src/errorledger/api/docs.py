"""The OpenAPI document of every route (``/openapi.json``) and interactive docs (``/docs``).

The document is ``openapi.yaml`` (beside this module) completed from the route table:

- by hand, what must be: each operation, with its success answer and the seed families'
  exact shapes;
- from the msgspec types the native API renders (``api.shapes``), their schemas;
- from the table (``api.routes``), what follows from it: each operation answers every
  error of its family (400, 401, 403, 404, 429, 500 and 503, and 413 where it takes a
  body) with the family's error response, unless the operation says otherwise; a public
  operation (``security: []``) only 500.

The test suite holds every response it receives to this document (tests/openapi_check.py).
Swagger UI is served from the ``swagger-ui-bundle`` package, so the docs work on a machine
with no way out to a CDN.
"""

from __future__ import annotations

import functools
import html
from importlib import resources
from typing import Any

import msgspec
import yaml
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from errorledger.api import shapes

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


FAMILY_ERRORS = ("400", "401", "403", "404", "429", "500", "503")
BODY_ERRORS = ("413",)
PUBLIC_ERRORS = ("500",)


@functools.cache
def document() -> dict[str, Any]:
    text = resources.files("errorledger.api").joinpath("openapi.yaml").read_text("utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    schemas = loaded["components"]["schemas"]
    generated = shapes.schema_components()
    written_twice = sorted(set(schemas) & set(generated))
    if written_twice:
        raise RuntimeError(f"openapi.yaml writes by hand what is generated: {written_twice}")
    schemas.update(generated)
    _add_family_errors(loaded)
    return loaded


def _add_family_errors(loaded: dict[str, Any]) -> None:
    from errorledger.api.routes import TABLE  # the table imports this module's handlers

    for family, endpoints in TABLE:
        reference = {"$ref": f"#/components/responses/{family.error_response}"}
        for method, path, _ in endpoints:
            template = path.replace(":path}", "}")
            operation = loaded["paths"].get(template, {}).get(method.lower())
            if operation is None:
                continue  # not documented: a test says which
            public = operation.get("security") == []
            statuses: tuple[str, ...] = PUBLIC_ERRORS if public else FAMILY_ERRORS
            if method in {"POST", "PATCH", "PUT"} and not public:
                statuses += BODY_ERRORS
            responses = operation.setdefault("responses", {})
            for status in statuses:
                responses.setdefault(status, reference)


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
