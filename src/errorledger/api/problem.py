"""RFC 7807 problem details (``application/problem+json``), as seed 003 writes them:
``{type, title, status, detail, instance, trace_id, errors: [{code, message, field,
details}], warnings}``. Seed 003 and the native API render their errors with ``problem``,
each with its own ``type`` base."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from errorledger.api import shapes
from errorledger.api.failures import Failure, pointer
from errorledger.api.request_id import request_id
from errorledger.api.responses import json_response

MEDIA_TYPE = "application/problem+json"

# status: (type slug, title, code)
_KINDS: dict[int, tuple[str, str, str]] = {
    400: ("bad-request", "Bad Request.", "VALIDATION_ERROR"),
    401: ("unauthorized", "Unauthorized.", "UNAUTHORIZED"),
    403: ("forbidden", "Forbidden.", "FORBIDDEN"),
    404: ("not-found", "Not Found.", "RESOURCE_NOT_FOUND"),
    405: ("method-not-allowed", "Method Not Allowed.", "METHOD_NOT_ALLOWED"),
    413: ("payload-too-large", "Payload Too Large.", "PAYLOAD_TOO_LARGE"),
    415: ("unsupported-media-type", "Unsupported Media Type.", "UNSUPPORTED_MEDIA_TYPE"),
    429: ("too-many-requests", "Too Many Requests.", "TOO_MANY_REQUESTS"),
    500: ("internal-error", "Internal Server Error.", "INTERNAL_SERVER_ERROR"),
    503: ("service-unavailable", "Service Unavailable.", "SERVICE_UNAVAILABLE"),
}


def problem(request: Request, failure: Failure, *, type_base: str) -> Response:
    slug, title, code = _KINDS.get(failure.status, _KINDS[500])
    if failure.fields:
        errors = [
            shapes.ProblemError(code, e.message, pointer(e, "."), None) for e in failure.fields
        ]
        detail = "; ".join(f"{pointer(e, '.')}: {e.message}" for e in failure.fields)
    else:
        errors = [shapes.ProblemError(code, failure.message, None, None)]
        detail = failure.message
    body = shapes.Problem(
        type=f"{type_base}/{slug}",
        title=title,
        status=failure.status,
        detail=detail,
        instance=request.url.path,
        trace_id=request_id(request),
        errors=errors,
        warnings=None,
    )
    return json_response(
        body, status=failure.status, headers=failure.headers, media_type=MEDIA_TYPE
    )
