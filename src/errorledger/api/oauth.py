"""OAuth2 client credentials (RFC 6749 §4.4): ``POST /oauth2/token`` trades a key's
``client_id`` (key id) and ``client_secret`` for a short-lived Bearer access token.

Errors follow RFC 6749 §5.2: ``{"error": …, "error_description": …}``, unknown methods and
rate limits included. Tokens issued per key are limited by ``ERRORLEDGER_TOKEN_RATE_LIMIT``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from errorledger.api.auth import basic_credentials
from errorledger.api.body import read_body
from errorledger.api.context import runtime
from errorledger.api.failures import classify
from errorledger.api.family import Family
from errorledger.api.responses import json_response
from errorledger.errors import AuthenticationFailed, ErrorledgerError

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_FORM_LIMIT = 16 * 1024
# RFC 6749 §5.2 codes for what is not an OAuth error of its own.
_ERRORS = {401: "invalid_client", 429: "slow_down", 503: "temporarily_unavailable"}


class OAuthError(ErrorledgerError):
    """A request RFC 6749 §5.2 names the error of (a client's mistake, logged as such)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error, self.description = error, description


def render_error(_request: Request, exc: Exception) -> Response:
    """The one renderer of this endpoint's errors."""
    if isinstance(exc, OAuthError):
        return _answer(400, exc.error, exc.description, {})
    failure = classify(exc)
    description = failure.message
    if isinstance(exc, AuthenticationFailed):
        description = "Client authentication failed."
    elif failure.fields:
        description = "; ".join(field.message for field in failure.fields)
    error = _ERRORS.get(failure.status, "server_error" if failure.status >= 500 else "")
    return _answer(failure.status, error or "invalid_request", description, failure.headers)


FAMILY = Family("OAuth2 client credentials", render_error, "OAuthError", ("/oauth2/",))


def _answer(status: int, error: str, description: str, headers: dict[str, str]) -> Response:
    return json_response(
        {"error": error, "error_description": description},
        status=status,
        headers={**_NO_STORE, **headers},
    )


async def token(request: Request) -> Response:
    rt = runtime(request)
    raw = await read_body(request, max_bytes=_FORM_LIMIT)
    try:
        form = dict(parse_qsl(raw.decode(), keep_blank_values=True, strict_parsing=bool(raw)))
    except (UnicodeDecodeError, ValueError):
        raise OAuthError(
            "invalid_request", "Send an application/x-www-form-urlencoded body."
        ) from None
    if form.get("grant_type") != "client_credentials":
        raise OAuthError(
            "unsupported_grant_type" if form.get("grant_type") else "invalid_request",
            "grant_type must be client_credentials.",
        )
    header = request.headers.get("authorization")
    basic = basic_credentials(header) if header else None
    client_id, client_secret = basic or (form.get("client_id"), form.get("client_secret"))
    if not client_id or not client_secret:
        raise AuthenticationFailed()
    access_token, expires_in = await rt.authenticator.issue_access_token(client_id, client_secret)
    return json_response(
        {"access_token": access_token, "token_type": "Bearer", "expires_in": expires_in},
        headers=_NO_STORE,
    )
