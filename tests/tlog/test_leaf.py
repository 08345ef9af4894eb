"""RFC 8785 canonical JSON, and the leaf data the log commits to."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errorledger.tlog import leaf as server
from errorledger_client.log import canonical as client

WRITERS: dict[str, Callable[[Any], bytes]] = {
    "client": client.canonical_json,
    "server": server.canonical_json,
}
TEXTS = st.text(st.characters(exclude_categories=["Cs"]))
DIGESTS: dict[str, Callable[[Any], str]] = {
    "client": client.content_digest,
    "server": server.content_digest,
}


@pytest.mark.parametrize("writer", WRITERS)
def test_rfc8785_example(writer: str) -> None:
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
    assert WRITERS[writer](json.loads(source)) == expected.encode()


@pytest.mark.parametrize("writer", WRITERS)
def test_keys_sort_by_utf16_code_units(writer: str) -> None:
    written = WRITERS[writer]({"\ufb01": 1, "\U0001f600": 2})
    assert written == '{"\U0001f600":2,"\ufb01":1}'.encode()


@pytest.mark.parametrize("writer", WRITERS)
def test_what_json_cannot_carry_is_refused(writer: str) -> None:
    for value in [float("nan"), float("inf"), [1, float("-inf")]]:
        with pytest.raises(ValueError, match="not a JSON number"):
            WRITERS[writer](value)


@pytest.mark.parametrize("digest", DIGESTS)
def test_content_digest_is_sha256_of_canonical_json(digest: str) -> None:
    expected = hashlib.sha256(b'{"a":"x","b":[1,2.5]}').hexdigest()
    assert DIGESTS[digest]({"b": [1, 2.5], "a": "x"}) == expected


def test_leaf_data_names_the_entry() -> None:
    digest = "ab" * 32
    data = client.leaf_data(
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


@given(
    kind=TEXTS,
    entry_id=st.integers(),
    project=TEXTS,
    source=TEXTS,
    received_at=st.integers(),
    content_sha256=st.binary(min_size=32, max_size=32).map(bytes.hex),
)
@settings(max_examples=300, deadline=None)
def test_leaf_data_is_the_canonical_json_of_its_members(
    kind: str, entry_id: int, project: str, source: str, received_at: int, content_sha256: str
) -> None:
    members = {
        "kind": kind,
        "id": entry_id,
        "project": project,
        "source": source,
        "received_at": received_at,
        "content_sha256": content_sha256,
    }
    data = client.leaf_data(
        kind=kind,
        entry_id=entry_id,
        project=project,
        source=source,
        received_at=received_at,
        content_sha256=content_sha256,
    )
    assert data == client.canonical_json(members) == server.canonical_json(members)


@pytest.mark.parametrize("digest", ["AB" * 32, "ab" * 31, "zz" * 32, ""])
def test_leaf_data_wants_a_lowercase_hex_digest(digest: str) -> None:
    with pytest.raises(ValueError, match="64 lowercase hex"):
        client.leaf_data(
            kind="k", entry_id=1, project="p", source="s", received_at=0, content_sha256=digest
        )
