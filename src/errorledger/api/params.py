"""Path and query parameters, validated into domain errors with their location."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request

from errorledger.core.clock import to_us
from errorledger.errors import InvalidInput

MAX_ID_DIGITS = 18  # keeps ids inside a signed 64-bit column on every database


def path_id(request: Request, name: str) -> int:
    return parse_id(request.path_params[name], name)


def parse_id(raw: str, name: str) -> int:
    """A path segment that must be a positive integer id."""
    if not raw.isdigit() or not raw.isascii() or len(raw) > MAX_ID_DIGITS:
        raise InvalidInput.single(("path", name), "invalid", "Input should be a valid integer")
    return int(raw)


def page_size(request: Request, *, default: int = 25, maximum: int = 100) -> int:
    raw = request.query_params.get("page_size")
    if raw is None:
        return default
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= maximum:
        return int(raw)
    raise InvalidInput.single(
        ("query", "page_size"), "invalid", f"page_size is a whole number from 1 to {maximum}"
    )


def cursor(request: Request) -> str | None:
    return request.query_params.get("cursor") or None


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
    if raw.isascii() and raw.isdigit() and minimum <= int(raw) <= maximum:
        return int(raw)
    raise InvalidInput.single(
        ("query", name), "invalid", f"{name} is a whole number from {minimum} to {maximum}"
    )


def next_page_headers(request: Request, next_cursor: str | None, size: int) -> dict[str, str]:
    """``Link: <…?cursor=…&page_size=…>; rel="next"`` when there is a next page."""
    if next_cursor is None:
        return {}
    next_url = request.url.include_query_params(cursor=next_cursor, page_size=size)
    return {"Link": f'<{next_url}>; rel="next"'}
