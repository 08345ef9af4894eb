"""Opaque keyset cursors: where the previous newest-first page ended."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TypeVar

from errorledger.core.records import EntryCursor
from errorledger.errors import InvalidInput

T = TypeVar("T")
_INT64 = range(-(2**63), 2**63)
_MAX_LENGTH = 64  # two 64-bit integers and a dot, in base64, with room to spare


def encode_cursor(cursor: EntryCursor) -> str:
    raw = f"{cursor.occurred_at}.{cursor.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> EntryCursor:
    """The cursor ``text`` encodes; ``InvalidInput`` for anything ``encode_cursor`` cannot
    have written, such as values outside the 64-bit columns they are compared with."""
    try:
        if len(text) > _MAX_LENGTH:
            raise ValueError(text)
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
        occurred_at, entry_id = map(int, raw.split("."))
        if occurred_at not in _INT64 or entry_id not in _INT64 or entry_id < 0:
            raise ValueError(raw)
        return EntryCursor(occurred_at, entry_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput.single(
            ("query", "cursor"), "invalid", "The cursor is not one this API returned."
        ) from None


def split_page(
    rows: list[T], page_size: int, cursor_of: Callable[[T], EntryCursor]
) -> tuple[list[T], str | None]:
    """A page and the cursor of the next one: ``rows`` holds up to ``page_size + 1``, and
    one more means there is a next page, which starts after the page's last row."""
    if len(rows) <= page_size:
        return rows, None
    return rows[:page_size], encode_cursor(cursor_of(rows[page_size - 1]))
