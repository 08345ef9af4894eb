import pytest

from errorledger.core.cursor import decode_cursor, encode_cursor
from errorledger.errors import InvalidInput
from errorledger.storage.records import EntryCursor


def test_round_trip() -> None:
    cursor = EntryCursor(1_700_000_000_123_456, 42)
    text = encode_cursor(cursor)
    assert "=" not in text
    assert decode_cursor(text) == cursor


@pytest.mark.parametrize("text", ["", "!!!", "bm9wZQ", "MS4yLjM", "YS5i"])
def test_anything_else_is_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_cursor(text)
    assert caught.value.errors[0].location == ("query", "cursor")
