import base64

import pytest

from errorledger.core.cursor import decode_cursor, encode_cursor
from errorledger.core.records import EntryCursor
from errorledger.errors import InvalidInput


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


@pytest.mark.parametrize(
    "raw",
    [f"{2**63}.1", f"{-(2**63) - 1}.1", f"1.{2**63}", "1.-1", "9" * 5000 + ".1"],
    ids=["time past int64", "time before int64", "id past int64", "negative id", "4300+ digits"],
)
def test_values_no_64_bit_column_holds_are_invalid_input(raw: str) -> None:
    text = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    with pytest.raises(InvalidInput):
        decode_cursor(text)


def test_the_extremes_of_64_bits_round_trip() -> None:
    for cursor in (EntryCursor(-(2**63), 0), EntryCursor(2**63 - 1, 2**63 - 1)):
        assert decode_cursor(encode_cursor(cursor)) == cursor
