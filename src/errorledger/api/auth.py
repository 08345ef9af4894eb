"""Credentials from the ``Authorization`` header: HTTP Basic ``key_id:secret`` or Bearer."""

from __future__ import annotations

import base64
import binascii

from starlette.requests import Request

from errorledger.core.authn import Authenticator, Principal
from errorledger.errors import AuthenticationFailed


def basic_credentials(header: str) -> tuple[str, str] | None:
    """``(user, password)`` from a Basic ``Authorization`` header value, else None."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationFailed("The Basic credentials are not valid base64.") from None
    user, sep, password = decoded.partition(":")
    if not sep:
        raise AuthenticationFailed("Basic credentials are key_id:secret.")
    return user, password


async def authenticate(request: Request, authenticator: Authenticator) -> Principal:
    return await authenticate_header(request.headers.get("authorization"), authenticator)


async def authenticate_header(header: str | None, authenticator: Authenticator) -> Principal:
    """The caller behind an ``Authorization`` header value."""
    if not header:
        raise AuthenticationFailed("Authentication credentials were not provided.")
    basic = basic_credentials(header)
    if basic is not None:
        return await authenticator.with_secret(*basic)
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return await authenticator.with_token(token.strip())
    raise AuthenticationFailed("Use HTTP Basic key_id:secret or a Bearer token.")
