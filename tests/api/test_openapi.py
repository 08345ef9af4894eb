"""The OpenAPI document covers every route the app serves, and is a valid OpenAPI 3.1."""

import re
from typing import Any

import pytest
from openapi_spec_validator import validate
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from errorledger.api.docs import document
from errorledger.app import create_app
from errorledger.settings import Settings

# The document and the docs serve themselves; they are not part of any API family.
UNDOCUMENTED = {"/openapi.json", "/docs", "/docs/static/swagger-init.js"}
INGEST_LANE = ("/api/v3/integrations/{id}/logs", "POST")  # served in front of Starlette


def served_routes(settings: Settings) -> set[tuple[str, str]]:
    app: Any = create_app(settings)
    starlette = app._app._app  # IngestLane → RequestIdMiddleware → Starlette
    found = {INGEST_LANE}
    for route in starlette.routes:
        if isinstance(route, Mount) or not isinstance(route, Route):
            continue
        if route.path in UNDOCUMENTED:
            continue
        path = re.sub(r"{(\w+):\w+}", r"{\1}", route.path)  # {path:path} is {path} in OpenAPI
        found.update((path, method) for method in route.methods or () if method != "HEAD")
    return found


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_route_is_in_the_document(settings: Settings) -> None:
    documented = {
        (path, method.upper())
        for path, operations in document()["paths"].items()  # type: ignore[attr-defined]
        for method in operations
        if method != "parameters"
    }
    missing = served_routes(settings) - documented
    assert not missing, f"routes missing from openapi.yaml: {sorted(missing)}"
    assert len(served_routes(settings)) > 10  # the walk found the app's routes at all


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
