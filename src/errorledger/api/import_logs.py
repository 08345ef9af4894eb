"""Import logs (seed 003): ``/v3/projects/{project_id}/api-references/{api_reference_id}/logs``.

The reads are the seed's: ``GET …/logs?page=&page_size=`` (1-based, newest first) and
``GET …/logs/{log_id}``, in the envelope ``{data, success, request_id, errors, warnings}``.
``POST …/logs`` and ``PATCH …/logs/{log_id}`` are ours, for the importer that reports.
Errors are RFC 7807 problem details with the seed's ``trace_id`` and ``errors`` extensions.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from errorledger.api.body import parse_json, read_body
from errorledger.api.context import project_caller
from errorledger.api.failures import classify
from errorledger.api.family import Family
from errorledger.api.params import MAX_INT64, integer
from errorledger.api.problem import problem
from errorledger.api.request_id import request_id
from errorledger.api.responses import json_response
from errorledger.clock import rfc3339_z
from errorledger.core.authn import Principal
from errorledger.core.import_logs import ImportReport
from errorledger.core.offload import run_sized
from errorledger.core.records import ImportLogMessage, ImportLogRecord
from errorledger.errors import FieldError, InvalidInput, NotFound
from errorledger.runtime import Runtime

STATUSES = (
    "Pending",
    "InProgress",
    "Completed",
    "Success",
    "PartialSuccess",
    "Failed",
    "Cancelled",
)
MAX_PAGE_SIZE = 100
MAX_REFERENCE_LENGTH = 200  # import_logs.api_reference_id
MAX_CODE_LENGTH = 200  # import_log_messages.code
_MESSAGE_FIELDS = {"code", "message", "path", "details"}


def render_error(request: Request, exc: Exception) -> Response:
    """The one renderer of this family's errors: RFC 7807 as the seed writes it."""
    return problem(request, classify(exc, auth_scheme="Bearer"), type_base=TYPE_BASE)


TYPE_BASE = "https://developer.document360.com/errors"
FAMILY = Family("import logs (seed 003)", render_error, "Problem", ("/v3/projects/",))


def _envelope(request: Request, data: Any) -> dict[str, Any]:
    return {
        "data": data,
        "success": True,
        "request_id": request_id(request),
        "errors": None,
        "warnings": None,
    }


def _summary(log: ImportLogRecord) -> dict[str, Any]:
    return {
        "id": log.id,
        "status": log.status,
        "created_at": rfc3339_z(log.created_at),
        "error_count": log.error_count,
        "warning_count": log.warning_count,
    }


def _message(m: ImportLogMessage) -> dict[str, Any]:
    return {"code": m.code, "message": m.message, "path": m.path, "details": m.details}


async def _caller(request: Request) -> tuple[Runtime, Principal, str]:
    """The runtime, the authenticated caller (whose project the path must name) and the API
    reference id."""
    rt, principal = await project_caller(request)
    api_reference_id: str = request.path_params["api_reference_id"]
    if len(api_reference_id) > MAX_REFERENCE_LENGTH or _has_control(api_reference_id):
        raise InvalidInput.single(
            ("path", "api_reference_id"),
            "invalid",
            f"An API reference id is 1 to {MAX_REFERENCE_LENGTH} characters, none of them"
            " control characters",
        )
    return rt, principal, api_reference_id


def _has_control(text: str) -> bool:
    """C0 controls and DEL: NUL cannot be stored, and none belongs in an identifier."""
    return not text.isprintable() and any(c < " " or c == "\x7f" for c in text)


def _log_id(request: Request) -> str:
    try:
        return str(uuid.UUID(request.path_params["log_id"]))
    except ValueError:
        raise NotFound("Import log") from None


def _is_json_pointer(text: str) -> bool:
    """RFC 6901: empty (the whole document) or ``/``-separated tokens, ``~`` only as ~0/~1."""
    if text and not text.startswith("/"):
        return False
    return "~" not in text.replace("~0", "").replace("~1", "")


def _parse_messages(value: Any, name: str, errors: list[FieldError]) -> list[ImportLogMessage]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors.append(FieldError(("body", name), "invalid", "Input should be an array"))
        return []
    parsed = []
    for index, item in enumerate(value):
        at = ("body", name, index)
        if not isinstance(item, dict):
            errors.append(FieldError(at, "invalid", "Input should be an object"))
            continue
        problems = [
            FieldError((*at, key), "extra_forbidden", "Extra inputs are not permitted")
            for key in item
            if key not in _MESSAGE_FIELDS
        ]
        for field in ("code", "message"):
            if not isinstance(item.get(field), str) or not item[field]:
                problems.append(FieldError((*at, field), "invalid", "A non-empty string"))
        code = item.get("code")
        if isinstance(code, str) and len(code) > MAX_CODE_LENGTH:
            problems.append(
                FieldError((*at, "code"), "invalid", f"At most {MAX_CODE_LENGTH} characters")
            )
        path = item.get("path")
        if not isinstance(path, str) or not _is_json_pointer(path):
            problems.append(
                FieldError((*at, "path"), "invalid", "A JSON pointer (RFC 6901) is required")
            )
        problems += [
            FieldError((*at, field), "invalid", "Must not contain NUL (U+0000)")
            for field in ("code", "message", "path")
            if isinstance(item.get(field), str) and "\x00" in item[field]
        ]
        details = item.get("details")
        if details is not None and not isinstance(details, dict):
            problems.append(FieldError((*at, "details"), "invalid", "Input should be an object"))
        errors.extend(problems)
        if not problems:
            parsed.append(ImportLogMessage(item["code"], item["message"], item["path"], details))
    return parsed


def parse_report(body: Any, *, creating: bool) -> ImportReport:
    if not isinstance(body, dict):
        raise InvalidInput.single(("body",), "invalid", "The body must be a JSON object.")
    errors = [
        FieldError(("body", key), "extra_forbidden", "Extra inputs are not permitted")
        for key in body
        if key not in {"status", "errors", "warnings"}
    ]
    status = body.get("status")
    if status is None and creating:
        status = "Pending"
    elif status is not None and status not in STATUSES:
        errors.append(
            FieldError(("body", "status"), "invalid", f"status is one of {', '.join(STATUSES)}")
        )
    report = ImportReport(
        status=status,
        errors=_parse_messages(body.get("errors"), "errors", errors),
        warnings=_parse_messages(body.get("warnings"), "warnings", errors),
    )
    if errors:
        raise InvalidInput(errors)
    return report


def _positive(request: Request, name: str, default: int, maximum: int = MAX_INT64) -> int:
    found = integer(request, name, minimum=1, maximum=maximum)
    return default if found is None else found


async def _report(request: Request, rt: Runtime, *, creating: bool) -> ImportReport:
    raw = await read_body(request, max_bytes=rt.settings.max_body_bytes)
    report = await run_sized(
        len(raw),
        lambda: parse_report(
            parse_json(raw, max_depth=rt.settings.max_json_depth), creating=creating
        ),
    )
    return dataclasses.replace(report, size=len(raw))


async def create(request: Request) -> Response:
    rt, principal, api_reference_id = await _caller(request)
    report = await _report(request, rt, creating=True)
    log = await rt.import_logs.create(principal, api_reference_id=api_reference_id, report=report)
    return json_response(_envelope(request, _summary(log)), status=201)


async def update(request: Request) -> Response:
    rt, principal, api_reference_id = await _caller(request)
    log_id = _log_id(request)
    report = await _report(request, rt, creating=False)
    log = await rt.import_logs.update(
        principal, api_reference_id=api_reference_id, log_id=log_id, report=report
    )
    return json_response(_envelope(request, _summary(log)))


async def list_logs(request: Request) -> Response:
    rt, principal, api_reference_id = await _caller(request)
    page = _positive(request, "page", 1)
    size = _positive(request, "page_size", 25, MAX_PAGE_SIZE)
    logs = await rt.import_logs.page(
        principal, api_reference_id=api_reference_id, page=page, page_size=size
    )
    return json_response(_envelope(request, [_summary(log) for log in logs]))


async def get_log(request: Request) -> Response:
    rt, principal, api_reference_id = await _caller(request)
    detail = await rt.import_logs.get(
        principal, api_reference_id=api_reference_id, log_id=_log_id(request)
    )
    data = _summary(detail.log) | {
        "errors": [_message(m) for m in detail.errors],
        "warnings": [_message(m) for m in detail.warnings],
    }
    return json_response(_envelope(request, data))
