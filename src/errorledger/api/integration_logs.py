"""Integration exception logs (seed 000), wire-compatible with the original API.

Errors use JSON:API: ``{"errors": [{status, code, title, detail, source: {pointer}}]}``,
where ``status`` is the HTTP status as a string (the seed's ``ErrorObject`` and JSON:API
say so) and a pointer reads ``body/<field>``, ``query/<name>`` or ``path/<name>``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from errorledger.api.auth import authenticate, authenticate_header
from errorledger.api.body import receive_body
from errorledger.api.context import runtime, scope_runtime
from errorledger.api.failures import classify, pointer
from errorledger.api.family import Family
from errorledger.api.integration_log_input import decode_integration_log
from errorledger.api.params import cursor, next_page_headers, page_size, parse_id, path_id
from errorledger.api.responses import encode_json, json_response
from errorledger.core.entries import EntryDraft, EntryKind
from errorledger.core.offload import run_sized
from errorledger.core.query import Page
from errorledger.core.records import EntryRecord
from errorledger.runtime import Runtime

KIND = EntryKind.INTEGRATION_LOG


def _error(status: int, code: str, detail: str, pointer: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {
        "status": str(status),
        "code": code,
        "title": code.replace("_", " ").title(),
        "detail": detail,
    }
    if pointer is not None:
        error["source"] = {"pointer": pointer}
    return error


_CODES = {
    401: "authentication_failed",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    503: "service_unavailable",
}


def render_error(_request: Request, exc: Exception) -> Response:
    """The one renderer of this family's errors."""
    failure = classify(exc)
    if failure.status == 400:
        errors = [_error(400, e.code, e.message, pointer(e)) for e in failure.fields]
    elif failure.status == 413:
        errors = [_error(413, "payload_too_large", failure.message, "body")]
    else:
        code = _CODES.get(failure.status, "server_error")
        errors = [_error(failure.status, code, failure.message)]
    return json_response({"errors": errors}, status=failure.status, headers=failure.headers)


FAMILY = Family(
    "integration exception logs (seed 000)", render_error, "JsonApiError", ("/api/v3/",)
)


def render_log(entry: EntryRecord) -> dict[str, Any]:
    content = entry.content
    return {
        "id": entry.id,
        "integration_id": int(entry.source),
        **content,
        "protected": entry.protected,
        "additional_data": "",
    }


def _page_response(request: Request, page: Page, size: int) -> Response:
    headers = next_page_headers(request, page.next_cursor, size)
    return json_response({"data": [render_log(e) for e in page.entries]}, headers=headers)


async def create_log(
    rt: Runtime,
    *,
    authorization: str | None,
    integration_id: str,
    receive: Receive,
    content_length: str | None,
) -> bytes:
    """``POST /api/v3/integrations/{id}/logs``: the 201 body, once the log is committed."""
    principal = await authenticate_header(authorization, rt.authenticator)
    source = parse_id(integration_id, "id")
    raw = await receive_body(
        receive, content_length=content_length, max_bytes=rt.settings.max_body_bytes
    )
    content, occurred_at = await run_sized(
        len(raw), lambda: decode_integration_log(raw, max_depth=rt.settings.max_json_depth)
    )
    draft = EntryDraft(
        kind=KIND,
        source=str(source),
        content=content,
        occurred_at=occurred_at,
        status_code=content["response_code"],
        message=content["exception"],
        url=content["full_url"] or content["base_url"],
        exception_type=content["exception_type"],
        integration_id=source,
        size=len(raw),
    )
    entry = await rt.ingestor.append(principal, draft)
    return encode_json({"data": render_log(entry)})


_CREATED_HEADERS = [(b"content-type", b"application/json")]


async def create_log_lane(scope: Scope, receive: Receive, send: Send) -> None:
    """``create_log`` as plain ASGI: the busiest route skips the framework's per-request
    objects (measurements in docs/benchmarks.md)."""
    authorization = content_length = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
        elif name == b"content-length":
            content_length = value.decode("latin-1")
    body = await create_log(
        scope_runtime(scope),
        authorization=authorization,
        integration_id=scope["path_params"]["id"],
        receive=receive,
        content_length=content_length,
    )
    headers = [*_CREATED_HEADERS, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 201, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def list_integration_logs(request: Request) -> Response:
    rt = runtime(request)
    principal = await authenticate(request, rt.authenticator)
    integration_id = path_id(request, "id")
    size = page_size(request)
    page = await rt.entries.page(
        principal,
        kind=KIND,
        source=str(integration_id),
        cursor=cursor(request),
        page_size=size,
        integration_id=integration_id,
    )
    return _page_response(request, page, size)


async def list_project_logs(request: Request) -> Response:
    rt = runtime(request)
    principal = await authenticate(request, rt.authenticator)
    size = page_size(request)
    page = await rt.entries.page(
        principal, kind=KIND, source=None, cursor=cursor(request), page_size=size
    )
    return _page_response(request, page, size)


async def get_log(request: Request) -> Response:
    rt = runtime(request)
    principal = await authenticate(request, rt.authenticator)
    integration_id = path_id(request, "id")
    log_id = path_id(request, "log_id")
    entry = await rt.entries.get(
        principal,
        kind=KIND,
        entry_id=log_id,
        source=str(integration_id),
        integration_id=integration_id,
    )
    return json_response({"data": render_log(entry)})
