"""The OpenAPI document covers every route the app serves, and is a valid OpenAPI 3.1."""

import re
from typing import Any

import pytest
from openapi_spec_validator import validate
from starlette.responses import Response
from starlette.testclient import TestClient

from errorledger.api.docs import document
from errorledger.api.responses import json_response
from errorledger.api.routes import TABLE
from tests.openapi_check import ResponseCheck, ResponseMismatch

# The document and the docs serve themselves; they are not part of any API family.
UNDOCUMENTED = {"/openapi.json", "/docs", "/docs/static/swagger-init.js"}


def served_routes() -> set[tuple[str, str]]:
    """Every (path, method) of the app's one route table."""
    return {
        (re.sub(r"{(\w+):\w+}", r"{\1}", path), method)  # {path:path} is {path} in OpenAPI
        for _, endpoints in TABLE
        for method, path, _ in endpoints
        if path not in UNDOCUMENTED
    }


def test_every_route_is_in_the_document() -> None:
    documented = {
        (path, method.upper())
        for path, operations in document()["paths"].items()  # type: ignore[attr-defined]
        for method in operations
        if method != "parameters"
    }
    missing = served_routes() - documented
    assert not missing, f"routes missing from openapi.yaml: {sorted(missing)}"
    assert len(served_routes()) > 10  # the walk found the app's routes at all


def test_the_document_is_valid_openapi() -> None:
    validate(document())  # raises on any violation


def test_every_path_parameter_is_declared() -> None:
    for path, operations in document()["paths"].items():  # type: ignore[attr-defined]
        named = set(re.findall(r"{(\w+)}", path))
        declared = {p.get("name") for p in operations.get("parameters", [])}
        for method, operation in operations.items():
            if method == "parameters":
                continue
            own = {p.get("name") for p in operation.get("parameters", [])}
            refs = {
                p["$ref"].rsplit("/", 1)[-1]
                for p in [*operations.get("parameters", []), *operation.get("parameters", [])]
                if "$ref" in p
            }
            assert named <= declared | own | refs, f"{method.upper()} {path}"


def test_docs_and_document_are_served(client: TestClient) -> None:
    spec = client.get("/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["paths"].keys() == document()["paths"].keys()  # type: ignore[attr-defined]
    page = client.get("/docs")
    assert page.status_code == 200
    assert "swagger-ui-bundle.js" in page.text
    assert client.get("/docs/static/swagger-ui-bundle.js").status_code == 200
    assert "/openapi.json" in client.get("/docs/static/swagger-init.js").text


def test_a_response_the_document_does_not_describe_fails_the_test_that_got_it(
    client: TestClient, tenant: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The hook in conftest.py holds every response to the document; here, one that drifted.
    async def drifted(_request: Any) -> Response:
        return json_response({"data": [], "next_cursor": None, "total": 0})

    path, handlers = next(
        (route.path, route.endpoint)
        for route in client.app.router.routes  # type: ignore[attr-defined]
        if getattr(route, "path", "") == "/v1/projects/{project_id}/entries"
    )
    monkeypatch.setitem(handlers._handlers, "GET", drifted)
    with pytest.raises(ResponseMismatch, match="total"):
        client.get(f"/v1/projects/{tenant.project_id}/entries", headers=tenant.bearer)
    assert path.startswith("/v1/")


@pytest.mark.parametrize(
    ("method", "path", "status", "media", "body", "complaint"),
    [
        ("GET", "/v1/projects/p/entries", 200, "application/json", b'{"data": []}', "next_cursor"),
        ("GET", "/v1/projects/p/entries", 418, "application/json", b"{}", "documents no 418"),
        ("GET", "/v1/projects/p/entries", 200, "text/html", b"<p>", "content type"),
        ("GET", "/nowhere", 200, "application/json", b"{}", "undocumented path"),
        ("POST", "/api/v3/integrations/1/logs", 400, "application/json", b"{}", "errors"),
    ],
)
def test_the_check_names_what_differs(
    method: str, path: str, status: int, media: str, body: bytes, complaint: str
) -> None:
    with pytest.raises(ResponseMismatch, match=complaint):
        ResponseCheck(document()).check(method, path, status, media, body)
