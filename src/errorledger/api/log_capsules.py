"""Log capsules (seed 002): ``/v4/applications/{appId}/envs/{appEnv}/log-capsules``.

A capsule proves that a SHA-256 existed at a time. ``POST`` takes ``{"hashSha256_b64"}``
and answers 201 ``{"hashSha256_b64", "timestamp_b64"}``: the same string, and the base64 of
a DER RFC 3161 TimeStampToken (certificate included) whose MessageImprint is SHA-256 over
those 32 bytes, so that ``openssl ts -verify -digest <hex> -token_in -in t.tst -CAfile
tsa.pem`` accepts it with the PEM of ``GET /v1/tsa/certificate``. Each capsule is also an
entry (kind ``capsule``, source the app env) in its project's transparency log; ``GET``
lists an app env's capsules newest first, keyset-paged (``cursor``, ``page_size``,
``Link``) as ``{"data": [{hashSha256_b64, timestamp_b64, created_at}], "next_cursor"}``.

``hashSha256_b64`` is the standard base64 of RFC 4648 section 4 of exactly 32 bytes: 44
characters, ``=``-padded, canonical (the unused low bits zero). URL-safe, unpadded or
whitespace-broken forms are refused rather than guessed at: the string is echoed back and
stored as sent, so it has one spelling per digest. ``appId`` is the key's project id;
any other is 404, never 403, so a key cannot learn what exists elsewhere. ``appEnv`` is
DEVELOPMENT, STAGING or PRODUCTION; anything else is 400.

Errors are ``{message, timestamp, status, code, context}``: ``timestamp`` is UTC with
milliseconds (``2024-07-29T15:51:28.071Z``), ``context`` an object with the ``requestId``
(also sent as ``X-Request-Id``) and, for a 400 or 413, ``errors``: ``[{field, code,
message}]`` with ``field`` a dotted path such as ``body.hashSha256_b64``. The codes:

    400  INVALID_BODY          the body is not {"hashSha256_b64": <base64 of 32 bytes>}
    400  INVALID_PARAMETER     appEnv, page_size or cursor is not valid
    401  UNAUTHORIZED          no, unknown or revoked credentials; WWW-Authenticate: Bearer
    403  FORBIDDEN             the key lacks the ingest (POST) or read (GET) scope
    404  NOT_FOUND             appId is not the key's project
    405  METHOD_NOT_ALLOWED
    413  PAYLOAD_TOO_LARGE     the body is over ERRORLEDGER_MAX_BODY_BYTES
    429  RATE_LIMITED          over the key's rate limit; Retry-After says when to retry
    500  INTERNAL_ERROR
    503  SERVICE_UNAVAILABLE   nothing was stored; Retry-After
"""

from __future__ import annotations

import base64
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from errorledger.api.body import parse_json, read_body
from errorledger.api.context import project_caller
from errorledger.api.failures import Failure, classify, pointer
from errorledger.api.family import Family
from errorledger.api.params import cursor, next_page_headers, page_size
from errorledger.api.request_id import request_id
from errorledger.api.responses import json_response
from errorledger.clock import now_us, rfc3339_z
from errorledger.core.authn import Principal
from errorledger.core.capsules import HASH_FIELD, TIMESTAMP_FIELD
from errorledger.core.entries import EntryKind
from errorledger.core.offload import run_sized
from errorledger.core.records import EntryRecord
from errorledger.errors import FieldError, InvalidInput
from errorledger.runtime import Runtime

KIND = EntryKind.CAPSULE
APP_ENVS = ("DEVELOPMENT", "STAGING", "PRODUCTION")
SHA256_SIZE = 32
_HASH_MESSAGE = (
    f"Input should be the standard base64 of exactly {SHA256_SIZE} bytes: 44 characters,"
    " padded with '=', not URL-safe"
)
_CODES = {
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
    503: "SERVICE_UNAVAILABLE",
}


def millis_z(micros: int) -> str:
    """The seed's time format: UTC, milliseconds, ``Z`` (``2024-07-29T15:51:28.071Z``)."""
    return rfc3339_z(micros, digits=3)


def _code(failure: Failure) -> str:
    if failure.status == 400:
        in_body = all(e.location[0] == "body" for e in failure.fields)
        return "INVALID_BODY" if failure.fields and in_body else "INVALID_PARAMETER"
    return _CODES.get(failure.status, "INTERNAL_ERROR")


def render_error(request: Request, exc: Exception) -> Response:
    failure = classify(exc, auth_scheme="Bearer")
    context: dict[str, Any] = {"requestId": request_id(request)}
    message = failure.message
    if failure.fields:
        context["errors"] = [
            {"field": pointer(e, "."), "code": e.code, "message": e.message} for e in failure.fields
        ]
        message = "; ".join(f"{pointer(e, '.')}: {e.message}" for e in failure.fields)
    body = {
        "message": message,
        "timestamp": millis_z(now_us()),
        "status": failure.status,
        "code": _code(failure),
        "context": context,
    }
    return json_response(body, status=failure.status, headers=failure.headers)


FAMILY = Family("log capsules (seed 002)", render_error, "CapsuleError", ("/v4/applications/",))


def sha256_digest(text: str) -> bytes | None:
    """The 32 bytes ``text`` is the canonical standard base64 of, else None."""
    if len(text) != 44 or not text.isascii():
        return None
    try:
        digest = base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error is one
        return None
    if len(digest) != SHA256_SIZE or base64.b64encode(digest).decode() != text:
        return None  # the round trip refuses non-zero unused bits: one spelling per digest
    return digest


def parse_capsule(body: Any) -> bytes:
    """The digest of ``{"hashSha256_b64": …}``; every problem is reported at once."""
    if not isinstance(body, dict):
        raise InvalidInput.single(("body",), "invalid", "The body must be a JSON object.")
    errors = [
        FieldError(("body", key), "extra_forbidden", "Extra inputs are not permitted")
        for key in body
        if key != HASH_FIELD
    ]
    value = body.get(HASH_FIELD)
    digest = sha256_digest(value) if isinstance(value, str) else None
    if HASH_FIELD not in body:
        errors.append(FieldError(("body", HASH_FIELD), "required", "Field required"))
    elif not isinstance(value, str):
        errors.append(FieldError(("body", HASH_FIELD), "invalid", "Input should be a string"))
    elif digest is None:
        errors.append(FieldError(("body", HASH_FIELD), "invalid", _HASH_MESSAGE))
    if errors or digest is None:
        raise InvalidInput(errors)
    return digest


def render_capsule(entry: EntryRecord) -> dict[str, Any]:
    return {
        HASH_FIELD: entry.content[HASH_FIELD],
        TIMESTAMP_FIELD: entry.content[TIMESTAMP_FIELD],
        "created_at": millis_z(entry.received_at),
    }


async def _caller(request: Request) -> tuple[Runtime, Principal, str]:
    """The runtime, the caller and the app env, once the path names the caller's project."""
    rt, principal = await project_caller(request, param="appId", resource="Application")
    app_env: str = request.path_params["appEnv"]
    if app_env not in APP_ENVS:
        raise InvalidInput.single(
            ("path", "appEnv"), "invalid", f"appEnv is one of {', '.join(APP_ENVS)}"
        )
    return rt, principal, app_env


async def create(request: Request) -> Response:
    rt, principal, app_env = await _caller(request)
    raw = await read_body(request, max_bytes=rt.settings.max_body_bytes)
    digest = await run_sized(
        len(raw), lambda: parse_capsule(parse_json(raw, max_depth=rt.settings.max_json_depth))
    )
    capsule = await rt.capsules.create(principal, app_env=app_env, digest=digest)
    return json_response(capsule, status=201)


async def list_capsules(request: Request) -> Response:
    rt, principal, app_env = await _caller(request)
    size = page_size(request)
    page = await rt.entries.page(
        principal, kind=KIND, source=app_env, cursor=cursor(request), page_size=size
    )
    headers = next_page_headers(request, page.next_cursor, size)
    body = {"data": [render_capsule(e) for e in page.entries], "next_cursor": page.next_cursor}
    return json_response(body, headers=headers)
