"""Every response the suite receives is held to the served OpenAPI document.

``conftest.py`` routes every response of a ``TestClient``, and of ``httpx`` to the servers
the tests start, through ``ResponseCheck.check``: the path and method must be a documented
operation (or a path no route has, answered 404 in its family's format), the status one it
documents, the content type one the response lists, and a JSON body valid against its
schema. A mismatch fails the test that made the request, naming what differs, so the
document cannot drift from what the service does.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import msgspec

JSON_TYPES = ("application/json", "application/problem+json")
# Paths that match no route answer 404 in the format of their family (api/routes.py).
UNMATCHED = (
    ("/api/v3/", "#/components/schemas/errors"),
    ("/import/", "#/components/responses/ImportErrorProblem"),
    ("/v4/applications/", "#/components/responses/CapsuleError"),
    ("/v3/projects/", "#/components/responses/Problem"),
    ("/oauth2/", "#/components/responses/OAuthError"),
    ("/", "#/components/responses/Problem"),
)


class ResponseMismatch(AssertionError):
    """A response the document does not describe."""


@dataclasses.dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    responses: dict[str, Any]


def _operations(document: dict[str, Any]) -> Iterator[Operation]:
    for template, item in document["paths"].items():
        # {path} may hold slashes (the tile routes); every other parameter is one segment.
        regex = re.sub(r"\\\{path\\\}", "(?:.+)", re.escape(template))
        regex = re.sub(r"\\\{\w+\\\}", "[^/]+", regex)
        pattern = re.compile(regex)
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield Operation(method.upper(), template, pattern, operation["responses"])


class ResponseCheck:
    def __init__(self, document: dict[str, Any]) -> None:
        self._document = document
        self._operations = list(_operations(document))
        self._validators: dict[str, Any] = {}

    def check(
        self, method: str, path: str, status: int, content_type: str | None, body: bytes
    ) -> None:
        where = f"{method} {path} → {status}"
        if method == "HEAD" or (method == "GET" and path.startswith("/docs")):
            return  # no body; and the docs page serves Swagger UI's own files
        media = (content_type or "").partition(";")[0].strip()
        operations = [op for op in self._operations if op.pattern.fullmatch(path)]
        if not operations:
            if status != 404:
                raise ResponseMismatch(f"{where}: an undocumented path answered {status}")
            self._validate(where, self._unmatched(path), media, body)
            return
        operation = next((op for op in operations if op.method == method), None)
        if operation is None:
            if status != 405:
                raise ResponseMismatch(f"{where}: an undocumented method answered {status}")
            self._validate(where, self._unmatched(path), media, body)
            return
        spec = self._response(operation, status)
        if spec is None:
            raise ResponseMismatch(
                f"{where}: {operation.method} {operation.template} documents no {status}"
            )
        self._validate(where, spec, media, body)

    def _response(self, operation: Operation, status: int) -> dict[str, Any] | None:
        responses = operation.responses
        found = responses.get(str(status)) or responses.get(f"{status // 100}XX")
        if found is None:
            return None
        return self._resolve(found)

    def _unmatched(self, path: str) -> dict[str, Any]:
        reference = next(ref for prefix, ref in UNMATCHED if path.startswith(prefix))
        if "/schemas/" in reference:
            return {"content": {"application/json": {"schema": {"$ref": reference}}}}
        return self._resolve({"$ref": reference})

    def _resolve(self, spec: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in spec:
            node: Any = self._document
            for part in spec["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            spec = node
        return spec

    def _validate(self, where: str, spec: dict[str, Any], media: str, body: bytes) -> None:
        content = spec.get("content") or {}
        if not content:
            if body:
                raise ResponseMismatch(f"{where}: a body the document does not describe")
            return
        if media not in content:
            raise ResponseMismatch(f"{where}: content type {media!r}, documented {list(content)}")
        schema = content[media].get("schema")
        if schema is None or media not in JSON_TYPES:
            return
        try:
            instance = msgspec.json.decode(body)
        except msgspec.DecodeError as exc:
            raise ResponseMismatch(f"{where}: {media} body is not JSON: {exc}") from None
        error = jsonschema.exceptions.best_match(self._validator(schema).iter_errors(instance))
        if error is not None:
            raise ResponseMismatch(
                f"{where}: the body does not match the document at "
                f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
            )

    def _validator(self, schema: dict[str, Any]) -> Any:
        key = msgspec.json.encode(schema, order="sorted").decode()
        validator = self._validators.get(key)
        if validator is None:
            # A root of its own whose "#/components/…" references resolve in the document.
            root = {"allOf": [schema], "components": self._document["components"]}
            validator = jsonschema.Draft202012Validator(root)
            self._validators[key] = validator
        return validator
