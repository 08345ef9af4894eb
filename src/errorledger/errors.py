"""The domain error tree. The core and storage raise these; each API family renders them.

    ErrorledgerError
     ├── ConfigurationError       a setting or key file is unusable (start-up only)
     ├── InvalidInput             a request body, path or query failed validation
     │    ├── PayloadTooLarge     the body is over ERRORLEDGER_MAX_BODY_BYTES
     │    └── Unstorable          the database refused a value validation let through
     ├── AuthenticationFailed     no credentials, unknown or revoked key, wrong secret
     ├── PermissionDenied         the key lacks the scope the operation needs
     ├── NotFound                 no such resource in the caller's project
     ├── MethodNotAllowed         the path exists, not with this method
     ├── UnsupportedMediaType     a body of a type the route does not take
     ├── RateLimited              the key is over its read or write rate limit
     └── StorageUnavailable       the database could not commit; nothing was stored

Other tenants' resources raise ``NotFound``, never ``PermissionDenied``, so a key cannot
learn what exists outside its project.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with the input.

    ``location`` is the path to the offending value, starting with where it came from:
    ``("body", "response", "headers")``, ``("query", "page_size")`` or ``("path", "id")``.
    """

    location: tuple[str | int, ...]
    code: str
    message: str


class ErrorledgerError(Exception):
    """Base of every error the service raises on purpose."""


class ConfigurationError(ErrorledgerError):
    pass


class InvalidInput(ErrorledgerError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(
            "; ".join(f"{'/'.join(map(str, e.location))}: {e.message}" for e in errors)
        )
        self.errors = errors

    @classmethod
    def single(cls, location: tuple[str | int, ...], code: str, message: str) -> InvalidInput:
        return cls([FieldError(location, code, message)])


class PayloadTooLarge(InvalidInput):
    def __init__(self, limit: int) -> None:
        super().__init__(
            [FieldError(("body",), "payload_too_large", f"The body is larger than {limit} bytes.")]
        )
        self.limit = limit


class Unstorable(InvalidInput):
    """A value that passed validation but that the database cannot hold or compare (out of
    range, too long, NUL): a 400, since sending it again cannot succeed (a 503 would tell
    the client to retry forever). ``where`` is ``body`` or ``query``."""

    def __init__(self, where: str) -> None:
        super().__init__(
            [FieldError((where,), "unstorable", "A value is out of what the database can hold.")]
        )


class AuthenticationFailed(ErrorledgerError):
    def __init__(self, message: str = "Invalid or missing credentials.") -> None:
        super().__init__(message)
        self.message = message


class PermissionDenied(ErrorledgerError):
    def __init__(self, scope: str) -> None:
        super().__init__(f"This key lacks the {scope!r} scope.")
        self.scope = scope


class NotFound(ErrorledgerError):
    def __init__(self, resource: str) -> None:
        super().__init__(f"The {resource} could not be found with the search criteria given")
        self.resource = resource


class MethodNotAllowed(ErrorledgerError):
    def __init__(self, allowed: str) -> None:
        super().__init__("This method is not allowed here.")
        self.allowed = allowed


class UnsupportedMediaType(ErrorledgerError):
    pass


class RateLimited(ErrorledgerError):
    """Over the limit: ``limit`` requests per window, ``remaining`` left (0), the window
    starts over in ``reset_seconds``, the earliest sensible retry (whole seconds, ≥ 1)."""

    def __init__(self, *, limit: int, remaining: int, reset_seconds: int) -> None:
        super().__init__("Rate limit exceeded. Retry after the duration in Retry-After.")
        self.limit = limit
        self.remaining = remaining
        self.reset_seconds = max(1, reset_seconds)


class StorageUnavailable(ErrorledgerError):
    pass


class Overloaded(StorageUnavailable):
    """More writes wait for the writer than it is allowed to hold: refused at once (503,
    ``Retry-After``) rather than kept waiting without bound."""

    def __init__(self) -> None:
        super().__init__("The server has more writes waiting than it takes; retry later.")
