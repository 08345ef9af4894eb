"""OAuth2 client credentials (RFC 6749 §4.4): ``POST /oauth2/token`` trades a key's
``client_id`` (key id) and ``client_secret`` for a short-lived Bearer access token.

Errors follow RFC 6749 §5.2: ``{"error": …, "error_description": …}``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from errorledger.api.auth import basic_credentials
from errorledger.api.body import read_body
from errorledger.api.context import runtime
from errorledger.api.responses import guarded, json_response
from errorledger.errors import AuthenticationFailed, InvalidInput, PayloadTooLarge

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_FORM_LIMIT = 16 * 1024


class _OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def render_error(exc: Exception) -> Response:
    """The one renderer of this endpoint's errors."""
    headers = dict(_NO_STORE)
    if isinstance(exc, _OAuthError):
        error, description, status = exc.error, exc.description, exc.status
    elif isinstance(exc, AuthenticationFailed):
        error, description, status = "invalid_client", "Client authentication failed.", 401
        headers["WWW-Authenticate"] = 'Basic realm="errorledger"'
    elif isinstance(exc, PayloadTooLarge):
        error, description, status = "invalid_request", str(exc.errors[0].message), 413
    elif isinstance(exc, InvalidInput):
        error, description, status = "invalid_request", str(exc), 400
    else:
        error, description, status = "server_error", "An unexpected error occurred.", 500
    return json_response(
        {"error": error, "error_description": description}, status=status, headers=headers
    )


@guarded(render_error)
async def token(request: Request) -> Response:
    rt = runtime(request)
    raw = await read_body(request, max_bytes=_FORM_LIMIT)
    try:
        form = dict(parse_qsl(raw.decode(), keep_blank_values=True, strict_parsing=bool(raw)))
    except (UnicodeDecodeError, ValueError):
        raise _OAuthError(
            "invalid_request", "Send an application/x-www-form-urlencoded body."
        ) from None
    if form.get("grant_type") != "client_credentials":
        raise _OAuthError(
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


routes = [
    Route("/oauth2/token", token, methods=["POST"]),
    Route("/oauth2/token/", token, methods=["POST"]),
]
