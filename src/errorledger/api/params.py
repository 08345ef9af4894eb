"""Path and query parameters, validated into domain errors with their location."""

from __future__ import annotations

from starlette.requests import Request

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
