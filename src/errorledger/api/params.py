"""Path and query parameters, validated into domain errors with their location.

What no column can hold is refused here with a 400, the same on SQLite and PostgreSQL:
integers beyond 64 bits (before ``int()`` meets a 4,300-digit string) and text with NUL,
which PostgreSQL cannot compare and SQLite's LIKE reads as the end of the pattern.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from starlette.requests import Request

from errorledger.clock import to_us
from errorledger.errors import InvalidInput

MAX_ID_DIGITS = 18  # keeps ids inside a signed 64-bit column on every database
MAX_INT64 = 2**63 - 1


def whole_number(raw: str) -> int | None:
    """``raw`` as an integer when it is 1 to 19 ASCII digits (any 64-bit value), else None."""
    if 0 < len(raw) <= 19 and raw.isascii() and raw.isdigit():
        return int(raw)
    return None


def path_id(request: Request, name: str) -> int:
    return parse_id(request.path_params[name], name)


def parse_id(raw: str, name: str) -> int:
    """A path segment that must be a positive integer id."""
    if not raw.isdigit() or not raw.isascii() or len(raw) > MAX_ID_DIGITS:
        raise InvalidInput.single(("path", name), "invalid", "Input should be a valid integer")
    return int(raw)


def page_size(request: Request, *, default: int = 25, maximum: int = 100) -> int:
    found = integer(request, "page_size", minimum=1, maximum=maximum)
    return default if found is None else found


def cursor(request: Request) -> str | None:
    return request.query_params.get("cursor") or None


def text(request: Request, name: str, *, max_length: int) -> str | None:
    """A text parameter of 1 to ``max_length`` characters without NUL; None when absent."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not 1 <= len(raw) <= max_length:
        raise InvalidInput.single(
            ("query", name), "invalid", f"{name} is 1 to {max_length} characters"
        )
    if "\x00" in raw:
        raise InvalidInput.single(("query", name), "invalid", f"{name} must not contain NUL")
    return raw


def timestamp(request: Request, name: str) -> int | None:
    """An RFC 3339 date-time query parameter, as microseconds; UTC when it has no offset."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace(" ", "+"))  # "+" arrives as " " unescaped
    except ValueError:
        raise InvalidInput.single(
            ("query", name), "invalid", f"{name} is an RFC 3339 date-time"
        ) from None
    return to_us(moment)


def integer(request: Request, name: str, *, minimum: int, maximum: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    value = whole_number(raw)
    if value is not None and minimum <= value <= maximum:
        return value
    bound = f"of at least {minimum}" if maximum == MAX_INT64 else f"from {minimum} to {maximum}"
    raise InvalidInput.single(("query", name), "invalid", f"{name} is a whole number {bound}")


def next_page_headers(request: Request, next_cursor: str | None, size: int) -> dict[str, str]:
    """``Link: <…?cursor=…&page_size=…>; rel="next"`` when there is a next page."""
    if next_cursor is None:
        return {}
    next_url = request.url.include_query_params(cursor=next_cursor, page_size=size)
    return {"Link": f'<{next_url}>; rel="next"'}


def one_of(request: Request, name: str, allowed: Sequence[str]) -> str | None:
    """A parameter that must be one of ``allowed``; None when absent."""
    found = request.query_params.get(name)
    if found is not None and found not in allowed:
        message = f"{name} is one of {', '.join(allowed)}"
        raise InvalidInput.single(("query", name), "invalid", message)
    return found
