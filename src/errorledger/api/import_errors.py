"""Import error records (seed 001): ``/import/{source}/errors``.

A record is ``{id (uuid), source, event_data, created_at}``; ``event_data`` is what the
importer reported (``error``, ``details`` and any other field it sent). A source is a slug
and exists from its first record. Errors are ``{"error": code, "message": text,
"details": [{"field", "message"}]}``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from errorledger.api.auth import authenticate
from errorledger.api.body import parse_json, read_body
from errorledger.api.context import runtime
from errorledger.api.failures import classify, pointer
from errorledger.api.family import Family
from errorledger.api.params import cursor, next_page_headers, page_size
from errorledger.api.responses import json_response
from errorledger.clock import rfc3339_z
from errorledger.core.entries import EntryDraft, EntryKind
from errorledger.core.offload import run_sized
from errorledger.core.records import EntryRecord
from errorledger.errors import FieldError, InvalidInput, NotFound

KIND = EntryKind.IMPORT_ERROR
_SLUG = re.compile(r"[a-z0-9_-]{1,64}")
_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "unavailable",
}


def render_error(_request: Request, exc: Exception) -> Response:
    """The one renderer of this family's errors."""
    failure = classify(exc, auth_scheme="Bearer")
    details = [{"field": pointer(e, "."), "message": e.message} for e in failure.fields]
    body = {
        "error": _CODES.get(failure.status, "internal_error"),
        "message": failure.message,
        "details": details,
    }
    return json_response(body, status=failure.status, headers=failure.headers)


FAMILY = Family(
    "import error records (seed 001)", render_error, "ImportErrorProblem", ("/import/",)
)


def render_record(entry: EntryRecord) -> dict[str, Any]:
    return {
        "id": entry.uid,
        "source": entry.source,
        "event_data": entry.content,
        "created_at": rfc3339_z(entry.received_at),
    }


def _source(request: Request) -> str:
    source: str = request.path_params["source"]
    if not _SLUG.fullmatch(source):
        raise InvalidInput.single(
            ("path", "source"), "invalid", "A source is 1 to 64 of a-z, 0-9, _ and -."
        )
    return source


def parse_event(body: Any) -> dict[str, Any]:
    """The reported event: an object with a non-empty string ``error`` and, optionally, an
    object ``details``. Every problem is reported at once."""
    if not isinstance(body, dict):
        raise InvalidInput.single(("body",), "invalid", "The body must be a JSON object.")
    errors: list[FieldError] = []
    error = body.get("error")
    if error is None:
        errors.append(FieldError(("body", "error"), "required", "Field required"))
    elif not isinstance(error, str):
        errors.append(FieldError(("body", "error"), "invalid", "Input should be a string"))
    elif not error.strip():
        errors.append(FieldError(("body", "error"), "invalid", "Input should not be empty"))
    details = body.get("details")
    if details is not None and not isinstance(details, dict):
        errors.append(FieldError(("body", "details"), "invalid", "Input should be an object"))
    if errors:
        raise InvalidInput(errors)
    if details is None:
        body.pop("details", None)
    return body


async def create(request: Request) -> Response:
    rt = runtime(request)
    principal = await authenticate(request, rt.authenticator)
    source = _source(request)
    raw = await read_body(request, max_bytes=rt.settings.max_body_bytes)
    event = await run_sized(
        len(raw), lambda: parse_event(parse_json(raw, max_depth=rt.settings.max_json_depth))
    )
    draft = EntryDraft(
        kind=KIND, source=source, content=event, message=event["error"], size=len(raw)
    )
    entry = await rt.ingestor.append(principal, draft)
    return json_response(render_record(entry), status=201)


async def list_records(request: Request) -> Response:
    rt = runtime(request)
    principal = await authenticate(request, rt.authenticator)
    source = _source(request)
    size = page_size(request)
    page = await rt.entries.page(
        principal, kind=KIND, source=source, cursor=cursor(request), page_size=size
    )
    headers = next_page_headers(request, page.next_cursor, size)
    body = {"data": [render_record(e) for e in page.entries], "next_cursor": page.next_cursor}
    return json_response(body, headers=headers)


async def get_record(request: Request) -> Response:
    rt = runtime(request)
    principal = await authenticate(request, rt.authenticator)
    source = _source(request)
    try:
        uid = str(uuid.UUID(request.path_params["id"]))
    except ValueError:
        raise NotFound("Import error") from None
    entry = await rt.entries.get_by_uid(principal, kind=KIND, uid=uid, source=source)
    return json_response(render_record(entry))
