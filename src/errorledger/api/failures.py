"""What a failure means over HTTP, before a family puts it in its own format.

Every family answers the same failures with the same statuses and headers; they differ only
in the body's shape and codes. ``classify`` is the one place that maps the domain errors.
"""

from __future__ import annotations

import dataclasses

from errorledger.errors import (
    AuthenticationFailed,
    FieldError,
    InvalidInput,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    RateLimited,
    StorageUnavailable,
    UnsupportedMediaType,
)


@dataclasses.dataclass(frozen=True, slots=True)
class Failure:
    status: int
    message: str
    fields: list[FieldError] = dataclasses.field(default_factory=list)
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


def classify(exc: Exception, *, auth_scheme: str = "Basic") -> Failure:
    """``auth_scheme`` names the scheme the family's ``WWW-Authenticate`` challenge asks for."""
    if isinstance(exc, PayloadTooLarge):
        return Failure(413, exc.errors[0].message, exc.errors)
    if isinstance(exc, InvalidInput):
        return Failure(400, "The request is invalid.", exc.errors)
    if isinstance(exc, AuthenticationFailed):
        challenge = {"WWW-Authenticate": f'{auth_scheme} realm="errorledger"'}
        return Failure(401, exc.message, headers=challenge)
    if isinstance(exc, PermissionDenied):
        return Failure(403, str(exc))
    if isinstance(exc, NotFound):
        return Failure(404, str(exc))
    if isinstance(exc, MethodNotAllowed):
        return Failure(405, str(exc), headers={"Allow": exc.allowed} if exc.allowed else {})
    if isinstance(exc, UnsupportedMediaType):
        return Failure(415, str(exc))
    if isinstance(exc, RateLimited):
        return Failure(429, str(exc), headers=rate_limit_headers(exc))
    if isinstance(exc, StorageUnavailable):
        return Failure(
            503,
            "The service cannot store this now; try again shortly.",
            headers={"Retry-After": "1"},
        )
    return Failure(500, "An unexpected error occurred.")


def rate_limit_headers(exc: RateLimited) -> dict[str, str]:
    """``Retry-After`` and the ``RateLimit-*`` fields of the IETF draft."""
    return {
        "Retry-After": str(exc.reset_seconds),
        "RateLimit-Limit": str(exc.limit),
        "RateLimit-Remaining": str(exc.remaining),
        "RateLimit-Reset": str(exc.reset_seconds),
    }


def pointer(error: FieldError, separator: str = "/") -> str:
    return separator.join(map(str, error.location))
