"""Every error of seeds 001 and 003 and of the native API has its family's shape.

One test per family runs every error status the family can produce through one validator.
Seed 000's JSON:API errors are held to theirs in ``test_error_shape.py``.
"""

import dataclasses
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from starlette.testclient import TestClient

from errorledger.app import create_app
from errorledger.errors import StorageUnavailable
from errorledger.runtime import Runtime
from errorledger.settings import Settings
from tests.support import Tenant, scoped_bearer

LEAK = "secret internal detail"
TOO_LARGE = b"x" * (2 << 20)  # over the default 1 MiB body limit


@dataclasses.dataclass(frozen=True)
class Ctx:
    client: TestClient
    tenant: Tenant
    runtime: Runtime
    settings: Settings
    monkeypatch: pytest.MonkeyPatch
    tmp_path: Path

    def limited(self, request: Callable[[TestClient], Any], times: int = 3) -> Any:
        """The last of ``times`` requests to an app that allows two a minute."""
        settings = dataclasses.replace(
            self.settings,
            data_dir=self.tmp_path / "limited",
            write_rate_limit="2/minute",
            read_rate_limit="2/minute",
        )
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            responses = [request(client) for _ in range(times)]
        assert all(r.status_code < 400 for r in responses[:-1]), responses
        return responses[-1]

    def broken(self, target: object, name: str) -> None:
        async def fail(*_args: object, **_kwargs: object) -> Any:
            raise RuntimeError(LEAK)

        self.monkeypatch.setattr(target, name, fail)

    def storage_down(self) -> None:
        async def down(*_args: object) -> Any:
            raise StorageUnavailable("database unreachable")

        self.monkeypatch.setattr(self.runtime.writer, "append", down)

    def key(self, *scopes: str) -> dict[str, str]:
        return scoped_bearer(self.settings, self.tenant, *scopes)


Trigger = Callable[[Ctx], Any]


@pytest.fixture
def ctx(
    client: TestClient,
    tenant: Tenant,
    runtime: Runtime,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Ctx:
    return Ctx(client, tenant, runtime, settings, monkeypatch, tmp_path)


def run_all(
    ctx: Ctx,
    subtests: pytest.Subtests,
    triggers: dict[int, Trigger],
    validate: Callable[[Any, int], None],
) -> None:
    for status, trigger in triggers.items():
        with subtests.test(status=status), ctx.monkeypatch.context() as patch:
            response = trigger(dataclasses.replace(ctx, monkeypatch=patch))
            validate(response, status)


def assert_common(response: Any, status: int) -> None:
    """What every family's errors share: the status, the headers, no leaked cause."""
    assert response.status_code == status, response.text
    assert response.headers["x-request-id"]
    assert LEAK not in response.text
    assert "Traceback" not in response.text
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer ")
    if status == 429:
        assert int(response.headers["retry-after"]) >= 1


# Seed 001 ---------------------------------------------------------------------------------

IMPORT_ERROR_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}
IMPORT_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message", "details"],
    "additionalProperties": False,
    "properties": {
        "error": {"enum": sorted(IMPORT_ERROR_CODES.values())},
        "message": {"type": "string", "minLength": 1},
        "details": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "additionalProperties": False,
                "properties": {
                    "field": {"type": "string", "minLength": 1},
                    "message": {"type": "string", "minLength": 1},
                },
            },
        },
    },
}
ERRORS = "/import/shotgun/errors"


def assert_import_error_shape(response: Any, status: int) -> None:
    assert_common(response, status)
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    jsonschema.validate(body, IMPORT_ERROR_SCHEMA)
    assert body["error"] == IMPORT_ERROR_CODES[status]
    assert bool(body["details"]) == (status in {400, 413})


def post_error(ctx: Ctx, **kwargs: Any) -> Any:
    kwargs.setdefault("headers", ctx.tenant.bearer)
    return ctx.client.post(ERRORS, **kwargs)


def import_error_500(ctx: Ctx) -> Any:
    ctx.broken(ctx.runtime.ingestor, "append")
    return post_error(ctx, json={"error": "x"})


def import_error_503(ctx: Ctx) -> Any:
    ctx.storage_down()
    return post_error(ctx, json={"error": "x"})


IMPORT_ERROR_TRIGGERS: dict[int, Trigger] = {
    400: lambda c: post_error(c, json={"error": 5, "details": []}),
    401: lambda c: post_error(c, json={"error": "x"}, headers={}),
    403: lambda c: post_error(c, json={"error": "x"}, headers=c.key("read")),
    404: lambda c: c.client.get(f"{ERRORS}/{uuid.uuid4()}", headers=c.tenant.bearer),
    413: lambda c: post_error(c, content=TOO_LARGE),
    429: lambda c: c.limited(
        lambda client: client.post(ERRORS, json={"error": "x"}, headers=c.tenant.bearer)
    ),
    500: import_error_500,
    503: import_error_503,
}


def test_every_import_error_error_has_the_seed_001_shape(
    ctx: Ctx, subtests: pytest.Subtests
) -> None:
    run_all(ctx, subtests, IMPORT_ERROR_TRIGGERS, assert_import_error_shape)


# Seed 003 and the native API: RFC 7807 problem details -------------------------------------

# Transcribed from seed 003's "RFC 7807 Problem Details response for V3 API errors".
PROBLEM_SCHEMA = {
    "type": "object",
    "required": [
        "type",
        "title",
        "status",
        "detail",
        "instance",
        "trace_id",
        "errors",
        "warnings",
    ],
    "additionalProperties": False,
    "properties": {
        "type": {"type": "string", "minLength": 1},
        "title": {"type": "string", "minLength": 1},
        "status": {"type": "integer"},
        "detail": {"type": ["string", "null"]},
        "instance": {"type": ["string", "null"]},
        "trace_id": {"type": ["string", "null"]},
        "errors": {"type": ["array", "null"], "items": {"$ref": "#/$defs/error"}},
        "warnings": {"type": ["array", "null"], "items": {"$ref": "#/$defs/warning"}},
    },
    "$defs": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field", "details"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string", "minLength": 1},
                "message": {"type": "string", "minLength": 1},
                "field": {"type": ["string", "null"]},
                "details": {"type": ["object", "null"]},
            },
        },
        "warning": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        },
    },
}
PROBLEM_CODES = {
    400: "VALIDATION_ERROR",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "RESOURCE_NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}
# The type slug and title of the statuses seed 003 shows an example of.
SEED_003_TYPES = {
    401: ("unauthorized", "Unauthorized."),
    404: ("not-found", "Not Found."),
    429: ("too-many-requests", "Too Many Requests."),
    500: ("internal-error", "Internal Server Error."),
}


def problem_validator(type_base: str) -> Callable[[Any, int], None]:
    def validate(response: Any, status: int) -> None:
        assert_common(response, status)
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        jsonschema.validate(body, PROBLEM_SCHEMA)
        assert body["status"] == status
        assert body["trace_id"] == response.headers["x-request-id"]
        assert body["instance"] == response.url.path
        assert body["type"].startswith(type_base + "/")
        if status in SEED_003_TYPES:
            slug, title = SEED_003_TYPES[status]
            assert (body["type"], body["title"]) == (f"{type_base}/{slug}", title)
        assert body["detail"]
        assert body["errors"]
        assert {e["code"] for e in body["errors"]} == {PROBLEM_CODES[status]}
        assert body["warnings"] is None

    return validate


def logs_url(ctx: Ctx) -> str:
    return f"/v3/projects/{ctx.tenant.project_id}/api-references/ref-1/logs"


def import_logs_500(ctx: Ctx) -> Any:
    ctx.broken(ctx.runtime.import_logs, "page")
    return ctx.client.get(logs_url(ctx), headers=ctx.tenant.bearer)


def import_logs_503(ctx: Ctx) -> Any:
    ctx.storage_down()
    return ctx.client.post(logs_url(ctx), json={}, headers=ctx.tenant.bearer)


IMPORT_LOG_TRIGGERS: dict[int, Trigger] = {
    400: lambda c: c.client.get(f"{logs_url(c)}?page_size=101", headers=c.tenant.bearer),
    401: lambda c: c.client.get(logs_url(c)),
    403: lambda c: c.client.post(logs_url(c), json={}, headers=c.key("read")),
    404: lambda c: c.client.get(f"{logs_url(c)}/{uuid.uuid4()}", headers=c.tenant.bearer),
    413: lambda c: c.client.post(logs_url(c), content=TOO_LARGE, headers=c.tenant.bearer),
    429: lambda c: c.limited(
        lambda client: client.post(logs_url(c), json={}, headers=c.tenant.bearer)
    ),
    500: import_logs_500,
    503: import_logs_503,
}


def test_every_import_log_error_has_the_seed_003_shape(ctx: Ctx, subtests: pytest.Subtests) -> None:
    run_all(
        ctx,
        subtests,
        IMPORT_LOG_TRIGGERS,
        problem_validator("https://developer.document360.com/errors"),
    )


def entries_url(ctx: Ctx) -> str:
    return f"/v1/projects/{ctx.tenant.project_id}/entries"


def native_500(ctx: Ctx) -> Any:
    ctx.broken(ctx.runtime.entries, "search")
    return ctx.client.get(entries_url(ctx), headers=ctx.tenant.bearer)


NATIVE_TRIGGERS: dict[int, Trigger] = {
    400: lambda c: c.client.get(f"{entries_url(c)}?kind=nope", headers=c.tenant.bearer),
    401: lambda c: c.client.get(entries_url(c), headers={"Authorization": "Bearer nope"}),
    403: lambda c: c.client.get(entries_url(c), headers=c.key("ingest")),
    404: lambda c: c.client.get(f"{entries_url(c)}/999999", headers=c.tenant.bearer),
    429: lambda c: c.limited(lambda client: client.get(entries_url(c), headers=c.tenant.bearer)),
    500: native_500,
}


def test_every_native_error_has_the_problem_shape(ctx: Ctx, subtests: pytest.Subtests) -> None:
    run_all(ctx, subtests, NATIVE_TRIGGERS, problem_validator("/problems"))


# Errors the router answers before any family's handler runs --------------------------------

ROUTING_ERRORS: dict[str, tuple[Callable[[Ctx], Any], Callable[[Any, int], None], int]] = {
    "001-405": (
        lambda c: c.client.put(ERRORS, headers=c.tenant.bearer),
        assert_import_error_shape,
        405,
    ),
    "003-405": (
        lambda c: c.client.put(logs_url(c), headers=c.tenant.bearer),
        problem_validator("https://developer.document360.com/errors"),
        405,
    ),
    "native-405": (
        lambda c: c.client.post(entries_url(c), json={}, headers=c.tenant.bearer),
        problem_validator("/problems"),
        405,
    ),
}


@pytest.mark.parametrize("case", sorted(ROUTING_ERRORS))
def test_wrong_methods_have_the_family_shape(ctx: Ctx, case: str) -> None:
    trigger, validate, status = ROUTING_ERRORS[case]
    validate(trigger(ctx), status)


# Seed 003's success envelopes ------------------------------------------------------------

SUMMARY_PROPERTIES: dict[str, Any] = {
    "id": {"type": "string", "format": "uuid"},
    "status": {"type": "string", "minLength": 1},
    "created_at": {"type": "string", "format": "date-time"},
    "error_count": {"type": "integer", "minimum": 0},
    "warning_count": {"type": "integer", "minimum": 0},
}
MESSAGE = {
    "type": "object",
    "required": ["code", "message", "path", "details"],
    "additionalProperties": False,
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "path": {"type": "string"},
        "details": {"type": ["object", "null"]},
    },
}


def envelope(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["data", "success", "request_id", "errors", "warnings"],
        "additionalProperties": False,
        "properties": {
            "data": data,
            "success": {"const": True},
            "request_id": {"type": "string", "minLength": 1},
            "errors": {"type": "null"},
            "warnings": {"type": "null"},
        },
    }


def obj(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": sorted(properties),
        "additionalProperties": False,
        "properties": properties,
    }


LIST_ENVELOPE = envelope({"type": "array", "minItems": 1, "items": obj(SUMMARY_PROPERTIES)})
DETAIL_ENVELOPE = envelope(
    obj(
        {
            **SUMMARY_PROPERTIES,
            "errors": {"type": "array", "items": MESSAGE},
            "warnings": {"type": "array", "items": MESSAGE},
        }
    )
)


def assert_envelope(response: Any, schema: dict[str, Any]) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    jsonschema.validate(
        body,
        schema,
        cls=jsonschema.Draft202012Validator,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    assert body["request_id"] == response.headers["x-request-id"]


def test_the_seed_003_envelopes_are_exact(client: TestClient, tenant: Tenant) -> None:
    url = f"/v3/projects/{tenant.project_id}/api-references/ref-1/logs"
    warning = {"code": "W", "message": "careful", "path": "/info", "details": {"line": 3}}
    report = {"status": "Failed", "errors": [{"code": "E", "message": "m", "path": ""}]}
    log_id = client.post(url, json={**report, "warnings": [warning]}, headers=tenant.bearer)
    log_id = log_id.json()["data"]["id"]
    assert_envelope(client.get(url, headers=tenant.bearer), LIST_ENVELOPE)
    assert_envelope(client.get(f"{url}/{log_id}", headers=tenant.bearer), DETAIL_ENVELOPE)
