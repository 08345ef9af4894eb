"""RFC 8785 canonical JSON, and the leaf data the log commits to."""

from __future__ import annotations

import hashlib
import json

import pytest

from errorledger.tlog.leaf import canonical_json, content_digest, leaf_data


def test_rfc8785_example() -> None:
    """The sample of RFC 8785 §3.2.2 (escaped, as the RFC prints it)."""
    source = (
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}'
    )
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonical_json(json.loads(source)) == expected.encode()


def test_keys_sort_by_utf16_code_units() -> None:
    assert canonical_json({"\ufb01": 1, "\U0001f600": 2}) == '{"\U0001f600":2,"\ufb01":1}'.encode()


def test_what_json_cannot_carry_is_refused() -> None:
    for value in [float("nan"), float("inf"), [1, float("-inf")]]:
        with pytest.raises(ValueError, match="not a JSON number"):
            canonical_json(value)


def test_content_digest_is_sha256_of_canonical_json() -> None:
    expected = hashlib.sha256(b'{"a":"x","b":[1,2.5]}').hexdigest()
    assert content_digest({"b": [1, 2.5], "a": "x"}) == expected


def test_leaf_data_names_the_entry() -> None:
    digest = "ab" * 32
    data = leaf_data(
        kind="import_error",
        entry_id=42,
        project="p-1",
        source="shopify",
        received_at=1_700_000_000_123_456,
        content_sha256=digest,
    )
    assert data == (
        b'{"content_sha256":"' + digest.encode() + b'","id":42,"kind":"import_error",'
        b'"project":"p-1","received_at":1700000000123456,"source":"shopify"}'
    )


@pytest.mark.parametrize("digest", ["AB" * 32, "ab" * 31, "zz" * 32, ""])
def test_leaf_data_wants_a_lowercase_hex_digest(digest: str) -> None:
    with pytest.raises(ValueError, match="64 lowercase hex"):
        leaf_data(
            kind="k", entry_id=1, project="p", source="s", received_at=0, content_sha256=digest
        )
