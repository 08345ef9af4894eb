"""Opaque keyset cursors: where the previous newest-first page ended."""

from __future__ import annotations

import base64
import binascii

from errorledger.errors import InvalidInput
from errorledger.storage.records import EntryCursor


def encode_cursor(cursor: EntryCursor) -> str:
    raw = f"{cursor.occurred_at}.{cursor.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> EntryCursor:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
        occurred_at, entry_id = raw.split(".")
        return EntryCursor(int(occurred_at), int(entry_id))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput.single(
            ("query", "cursor"), "invalid", "The cursor is not one this API returned."
        ) from None
