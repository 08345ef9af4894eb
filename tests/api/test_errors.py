"""Every error of every family, in the family's format.

For each family, one trigger per error it can answer; each response is held to the OpenAPI
document by the hook in conftest.py (the shape), and here to what the document cannot say
(the code for the status, the request id in the body, the headers, nothing leaked). Unknown
paths and wrong methods are routing errors: they too answer in their family's format.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import inspect
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from errorledger.app import create_app
from errorledger.errors import StorageUnavailable
from errorledger.runtime import Runtime
from errorledger.settings import Settings
from tests.support import SEED_EXAMPLE, Tenant, scoped_bearer

LEAK = "secret internal detail"
TOO_LARGE = b"x" * (2 << 20)  # over the default 1 MiB body limit
HASH = base64.b64encode(hashlib.sha256(b"capsule").digest()).decode()


@dataclasses.dataclass(frozen=True)
class Ctx:
    client: TestClient
    tenant: Tenant
    runtime: Runtime
    settings: Settings
    monkeypatch: pytest.MonkeyPatch
    tmp_path: Path

    @property
    def bearer(self) -> dict[str, str]:
        return self.tenant.bearer

    def key(self, *scopes: str) -> dict[str, str]:
        """Another key of the tenant's project, with only ``scopes``."""
        return scoped_bearer(self.settings, self.tenant, *scopes)

    def limited(self, request: Callable[[TestClient], Any], **rates: str) -> Any:
        """The third of three requests to an app that allows two a minute (of each kind
        unless ``rates`` says otherwise)."""
        limits = {"write_rate_limit": "2/minute", "read_rate_limit": "2/minute", **rates}
        settings = dataclasses.replace(self.settings, data_dir=self.tmp_path / "limited", **limits)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            responses = [request(client) for _ in range(3)]
        assert all(r.status_code < 400 for r in responses[:2]), responses
        return responses[-1]

    def broken(self, target: object, name: str, exc: Exception | None = None) -> Ctx:
        """``target.name`` raises: an unexpected error (a 500) unless ``exc`` says."""

        def fail(*_args: object, **_kwargs: object) -> Any:
            raise exc or RuntimeError(LEAK)

        async def fail_async(*args: object, **kwargs: object) -> Any:
            fail(*args, **kwargs)

        is_async = inspect.iscoroutinefunction(getattr(target, name))
        self.monkeypatch.setattr(target, name, fail_async if is_async else fail)
        return self

    def storage_down(self) -> Ctx:
        return self.broken(self.runtime.writer, "append", StorageUnavailable(LEAK))


Trigger = Callable[[Ctx], Any]
Check = Callable[[Any, int], None]


def common(response: Any, status: int, *, challenge: str = "Bearer") -> None:
    """What every family's errors share: the status, the request id, the headers, and no
    cause leaked."""
    assert response.status_code == status, response.text
    assert response.headers["x-request-id"]
    assert LEAK not in response.text
    assert "Traceback" not in response.text
    if status == 401:
        assert response.headers["www-authenticate"].startswith(f"{challenge} ")
    if status in {429, 503}:
        assert int(response.headers["retry-after"]) >= 1
    if status == 405:
        assert response.headers["allow"]


# Seed 000: JSON:API --------------------------------------------------------------------------

JSONAPI_CODES = {
    401: "authentication_failed",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "too_many_requests",
    500: "server_error",
    503: "service_unavailable",
}


def jsonapi(response: Any, status: int) -> None:
    common(response, status, challenge="Basic")
    assert response.headers["content-type"] == "application/json"
    errors = response.json()["errors"]
    assert errors
    assert {e["status"] for e in errors} == {str(status)}
    if status in JSONAPI_CODES:
        assert {e["code"] for e in errors} == {JSONAPI_CODES[status]}
    if status in {400, 413}:
        assert all(
            e["source"]["pointer"].split("/")[0] in {"body", "query", "path"} for e in errors
        )


def logs(c: Ctx) -> str:
    return f"/api/v3/integrations/{c.tenant.integration_id}/logs"


def post_log(c: Ctx, **kwargs: Any) -> Any:
    kwargs.setdefault("auth", c.tenant.basic)
    kwargs.setdefault("json", SEED_EXAMPLE)
    return c.client.post(logs(c), **kwargs)


SEED_000: dict[str, tuple[Trigger, int]] = {
    "unknown field": (lambda c: post_log(c, json={"nope": 1}), 400),
    "bad page_size": (lambda c: c.client.get(f"{logs(c)}?page_size=0", auth=c.tenant.basic), 400),
    "no credentials": (lambda c: c.client.get(logs(c)), 401),
    "read-only key writes": (lambda c: post_log(c, auth=None, headers=c.key("read")), 403),
    "no such log": (lambda c: c.client.get(f"{logs(c)}/999999", auth=c.tenant.basic), 404),
    "wrong method": (lambda c: c.client.put(logs(c), auth=c.tenant.basic), 405),
    "unknown path": (lambda c: c.client.get("/api/v3/nothing", auth=c.tenant.basic), 404),
    "too large": (lambda c: post_log(c, json=None, content=TOO_LARGE), 413),
    "rate limited": (
        lambda c: c.limited(
            lambda client: client.post(logs(c), json=SEED_EXAMPLE, auth=c.tenant.basic)
        ),
        429,
    ),
    "unexpected": (lambda c: post_log(c.broken(c.runtime.ingestor, "append")), 500),
    "storage down": (lambda c: post_log(c.storage_down()), 503),
}


# Seed 001: {error, message, details} ----------------------------------------------------------

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
IMPORT_ERRORS = "/import/shotgun/errors"


def import_error(response: Any, status: int) -> None:
    common(response, status)
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error"] == IMPORT_ERROR_CODES[status]
    assert bool(body["details"]) == (status in {400, 413})


def post_error(c: Ctx, **kwargs: Any) -> Any:
    kwargs.setdefault("headers", c.bearer)
    kwargs.setdefault("json", {"error": "x"})
    return c.client.post(IMPORT_ERRORS, **kwargs)


SEED_001: dict[str, tuple[Trigger, int]] = {
    "bad body": (lambda c: post_error(c, json={"error": 5, "details": []}), 400),
    "no credentials": (lambda c: post_error(c, headers={}), 401),
    "read-only key writes": (lambda c: post_error(c, headers=c.key("read")), 403),
    "no such record": (
        lambda c: c.client.get(f"{IMPORT_ERRORS}/{uuid.uuid4()}", headers=c.bearer),
        404,
    ),
    "wrong method": (lambda c: c.client.put(IMPORT_ERRORS, headers=c.bearer), 405),
    "unknown path": (lambda c: c.client.get("/import/x/nothing", headers=c.bearer), 404),
    "too large": (lambda c: post_error(c, json=None, content=TOO_LARGE), 413),
    "rate limited": (
        lambda c: c.limited(
            lambda client: client.post(IMPORT_ERRORS, json={"error": "x"}, headers=c.bearer)
        ),
        429,
    ),
    "unexpected": (lambda c: post_error(c.broken(c.runtime.ingestor, "append")), 500),
    "storage down": (lambda c: post_error(c.storage_down()), 503),
}


# Seed 002: {message, timestamp, status, code, context} ---------------------------------------

CAPSULE_CODES = {
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def capsule_error(response: Any, status: int) -> None:
    common(response, status)
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["status"] == status
    if status == 400:
        assert body["code"] in {"INVALID_BODY", "INVALID_PARAMETER"}
    else:
        assert body["code"] == CAPSULE_CODES[status]
    assert datetime.fromisoformat(body["timestamp"]).utcoffset() is not None
    assert body["context"]["requestId"] == response.headers["x-request-id"]
    assert ("errors" in body["context"]) == (status in {400, 413})


def capsules(c: Ctx, env: str = "PRODUCTION", app_id: str = "") -> str:
    return f"/v4/applications/{app_id or c.tenant.project_id}/envs/{env}/log-capsules"


def post_capsule(c: Ctx, **kwargs: Any) -> Any:
    kwargs.setdefault("headers", c.bearer)
    kwargs.setdefault("json", {"hashSha256_b64": HASH})
    return c.client.post(capsules(c), **kwargs)


SEED_002: dict[str, tuple[Trigger, int]] = {
    "bad body": (lambda c: post_capsule(c, json={"hashSha256_b64": "x"}), 400),
    "bad app env": (lambda c: c.client.get(capsules(c, "QA"), headers=c.bearer), 400),
    "no credentials": (lambda c: post_capsule(c, headers={}), 401),
    "read-only key writes": (lambda c: post_capsule(c, headers=c.key("read")), 403),
    "another app": (
        lambda c: c.client.get(capsules(c, app_id=str(uuid.uuid4())), headers=c.bearer),
        404,
    ),
    "wrong method": (lambda c: c.client.put(capsules(c), headers=c.bearer), 405),
    "unknown path": (lambda c: c.client.get("/v4/applications/x/nothing", headers=c.bearer), 404),
    "too large": (lambda c: post_capsule(c, json=None, content=TOO_LARGE), 413),
    "rate limited": (
        lambda c: c.limited(
            lambda client: client.post(capsules(c), json={"hashSha256_b64": HASH}, headers=c.bearer)
        ),
        429,
    ),
    "unexpected": (lambda c: post_capsule(c.broken(c.runtime.ingestor, "append")), 500),
    "storage down": (lambda c: post_capsule(c.storage_down()), 503),
}


# Seed 003 and the native API: RFC 7807 problem details ---------------------------------------

PROBLEM_CODES = {
    400: "VALIDATION_ERROR",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "RESOURCE_NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
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


def problem_of(type_base: str, *, challenge: str = "Bearer") -> Check:
    def check(response: Any, status: int) -> None:
        common(response, status, challenge=challenge)
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == status
        assert body["trace_id"] == response.headers["x-request-id"]
        assert body["instance"] == response.url.path
        assert body["type"].startswith(type_base + "/")
        if status in SEED_003_TYPES:
            slug, title = SEED_003_TYPES[status]
            assert (body["type"], body["title"]) == (f"{type_base}/{slug}", title)
        assert body["detail"]
        assert {e["code"] for e in body["errors"]} == {PROBLEM_CODES[status]}

    return check


def import_logs(c: Ctx) -> str:
    return f"/v3/projects/{c.tenant.project_id}/api-references/ref-1/logs"


SEED_003: dict[str, tuple[Trigger, int]] = {
    "bad paging": (
        lambda c: c.client.get(f"{import_logs(c)}?page_size=101", headers=c.bearer),
        400,
    ),
    "no credentials": (lambda c: c.client.get(import_logs(c)), 401),
    "read-only key writes": (
        lambda c: c.client.post(import_logs(c), json={}, headers=c.key("read")),
        403,
    ),
    "no such log": (
        lambda c: c.client.get(f"{import_logs(c)}/{uuid.uuid4()}", headers=c.bearer),
        404,
    ),
    "wrong method": (lambda c: c.client.put(import_logs(c), headers=c.bearer), 405),
    "unknown path": (
        lambda c: c.client.get(f"/v3/projects/{c.tenant.project_id}/x", headers=c.bearer),
        404,
    ),
    "too large": (
        lambda c: c.client.post(import_logs(c), content=TOO_LARGE, headers=c.bearer),
        413,
    ),
    "rate limited": (
        lambda c: c.limited(lambda client: client.post(import_logs(c), json={}, headers=c.bearer)),
        429,
    ),
    "unexpected": (
        lambda c: c.broken(c.runtime.import_logs, "page").client.get(
            import_logs(c), headers=c.bearer
        ),
        500,
    ),
    "storage down": (
        lambda c: c.storage_down().client.post(import_logs(c), json={}, headers=c.bearer),
        503,
    ),
}


def entries(c: Ctx) -> str:
    return f"/v1/projects/{c.tenant.project_id}/entries"


NATIVE: dict[str, tuple[Trigger, int]] = {
    "bad filter": (lambda c: c.client.get(f"{entries(c)}?kind=nope", headers=c.bearer), 400),
    "bad token": (
        lambda c: c.client.get(entries(c), headers={"Authorization": "Bearer nope"}),
        401,
    ),
    "ingest-only key reads": (lambda c: c.client.get(entries(c), headers=c.key("ingest")), 403),
    "no such entry": (lambda c: c.client.get(f"{entries(c)}/999999", headers=c.bearer), 404),
    "wrong method": (lambda c: c.client.post(entries(c), json={}, headers=c.bearer), 405),
    "unknown path": (lambda c: c.client.get("/v1/nothing", headers=c.bearer), 404),
    "outside every family": (lambda c: c.client.get("/nothing"), 404),
    "rate limited": (
        lambda c: c.limited(lambda client: client.get(entries(c), headers=c.bearer)),
        429,
    ),
    "unexpected": (
        lambda c: c.broken(c.runtime.entries, "search").client.get(entries(c), headers=c.bearer),
        500,
    ),
}


# RFC 3161 over HTTP: problem details, challenging with Basic ----------------------------------


def stamp(c: Ctx, body: bytes = b"\x30\x00", **kwargs: Any) -> Any:
    kwargs.setdefault("auth", c.tenant.basic)
    headers = kwargs.pop("headers", {"Content-Type": "application/timestamp-query"})
    return c.client.post("/v1/tsa", content=body, headers=headers, **kwargs)


TSA: dict[str, tuple[Trigger, int]] = {
    "no credentials": (lambda c: stamp(c, auth=None), 401),
    "wrong secret": (lambda c: stamp(c, auth=(c.tenant.key.key_id, "no")), 401),
    "too large": (lambda c: stamp(c, b"\x30" * 70_000), 413),
    "wrong media type": (lambda c: stamp(c, headers={}), 415),
    "rate limited": (
        lambda c: c.limited(
            lambda client: client.post(
                "/v1/tsa",
                content=b"\x30\x00",
                auth=c.tenant.basic,
                headers={"Content-Type": "application/timestamp-query"},
            )
        ),
        429,
    ),
    "unexpected": (lambda c: stamp(c.broken(c.runtime.timestamping, "respond")), 500),
}


# OAuth2 token endpoint: RFC 6749 §5.2 ---------------------------------------------------------

OAUTH_ERRORS = {
    400: "invalid_request",
    401: "invalid_client",
    405: "invalid_request",
    429: "slow_down",
    500: "server_error",
}


def oauth_error(response: Any, status: int) -> None:
    common(response, status, challenge="Basic")
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["error"] == OAUTH_ERRORS[status]


def token(c: Ctx, **form: str) -> Any:
    data = {
        "grant_type": "client_credentials",
        "client_id": c.tenant.key.key_id,
        "client_secret": c.tenant.key.secret,
        **form,
    }
    return c.client.post("/oauth2/token", data=data)


OAUTH: dict[str, tuple[Trigger, int]] = {
    "no grant type": (lambda c: c.client.post("/oauth2/token", data={}), 400),
    "wrong secret": (lambda c: token(c, client_secret="no"), 401),
    "wrong method": (lambda c: c.client.get("/oauth2/token"), 405),
    "rate limited": (
        lambda c: c.limited(
            lambda client: client.post(
                "/oauth2/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": c.tenant.key.key_id,
                    "client_secret": c.tenant.key.secret,
                },
            ),
            token_rate_limit="2/minute",
        ),
        429,
    ),
    "unexpected": (lambda c: token(c.broken(c.runtime.authenticator, "issue_access_token")), 500),
}


FAMILIES: dict[str, tuple[dict[str, tuple[Trigger, int]], Check]] = {
    "seed 000": (SEED_000, jsonapi),
    "seed 001": (SEED_001, import_error),
    "seed 002": (SEED_002, capsule_error),
    "seed 003": (SEED_003, problem_of("https://developer.document360.com/errors")),
    "native": (NATIVE, problem_of("/problems")),
    "rfc 3161": (TSA, problem_of("/problems", challenge="Basic")),
    "oauth2": (OAUTH, oauth_error),
}
CASES = [(family, case) for family, (triggers, _) in FAMILIES.items() for case in triggers]


@pytest.mark.parametrize(("family", "case"), CASES, ids=[f"{f}: {c}" for f, c in CASES])
def test_every_error_of_every_family_has_the_family_format(
    client: TestClient,
    tenant: Tenant,
    runtime: Runtime,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    family: str,
    case: str,
) -> None:
    triggers, check = FAMILIES[family]
    trigger, status = triggers[case]
    check(trigger(Ctx(client, tenant, runtime, settings, monkeypatch, tmp_path)), status)


def test_each_family_answers_every_status_it_can() -> None:
    statuses = {
        family: {s for _, s in triggers.values()} for family, (triggers, _) in FAMILIES.items()
    }
    everything = {400, 401, 403, 404, 405, 413, 429, 500, 503}
    assert statuses["seed 000"] == everything
    assert statuses["seed 001"] == everything
    assert statuses["seed 002"] == everything
    assert statuses["seed 003"] == everything
    assert statuses["native"] >= everything - {413, 503}  # it stores nothing
    assert statuses["rfc 3161"] == {401, 413, 415, 429, 500}
    assert statuses["oauth2"] == {400, 401, 405, 429, 500}
