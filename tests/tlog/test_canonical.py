"""Canonical JSON is written twice: by the client in the standard library, which auditors
recompute with, and by the server in msgspec, which digests every entry it stores. The two
write the same bytes for any JSON value; both are RFC 8785 (checked against the ``rfc8785``
package) wherever RFC 8785 can represent the value, keep every digit of integers beyond
±(2**53 - 1), and are stable through a decode: what a verifier decodes from the served JSON
hashes as the server hashed.
"""

import json
import random
from collections.abc import Callable
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from errorledger.tlog import leaf as server
from errorledger_client.log import canonical as client

ALPHABET = ["a", "Z", "0", " ", '"', "\\", "/", "\n", "\x00", "\x1f", "\x7f", "é", "€", "\u2028",
            "\ue000", "\uffff", "𝄞", "😀"]  # fmt: skip
SAFE = 2**53 - 1
WRITERS: dict[str, Callable[[Any], bytes]] = {
    "client": client.canonical_json,
    "server": server.canonical_json,
}

# Every code point but the surrogates (category Cs), which JSON text cannot hold alone.
texts = st.text(st.sampled_from(ALPHABET) | st.characters(exclude_categories=["Cs"]), max_size=8)
floats = st.floats(allow_nan=False, allow_infinity=False)


def json_values(integers: st.SearchStrategy[int]) -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | integers | floats | texts
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4)
        ),
        max_leaves=24,
    )


def text(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 6)))


def value(rng: random.Random, depth: int, *, floats: bool) -> Any:
    kinds = ["str", "int", "bool", "null"] + (["float"] if floats else [])
    if depth < 4:
        kinds += ["dict", "list"]
    kind = rng.choice(kinds)
    if kind == "dict":
        return {text(rng): value(rng, depth + 1, floats=floats) for _ in range(rng.randint(0, 5))}
    if kind == "list":
        return [value(rng, depth + 1, floats=floats) for _ in range(rng.randint(0, 4))]
    if kind == "int":
        return rng.randint(-SAFE, SAFE)
    if kind == "float":
        return rng.choice([0.1, 1.0, -0.0, 1e21, 1e-7, 123.456, 5e-324, 1.7976931348623157e308])
    return {"str": text(rng), "bool": rng.random() < 0.5, "null": None}[kind]


@given(json_values(st.integers()))
@settings(max_examples=1000, deadline=None)
def test_the_server_writes_the_bytes_the_client_recomputes(document: Any) -> None:
    assert server.canonical_json(document) == client.canonical_json(document)
    assert server.content_digest(document) == client.content_digest(document)


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("floats", [False, True])
def test_matches_rfc8785_on_random_documents(writer: str, floats: bool) -> None:
    rng = random.Random(8785 + floats)
    for _ in range(2000):
        document = {"content": value(rng, 0, floats=floats)}
        assert WRITERS[writer](document) == rfc8785.dumps(document), document


@pytest.mark.parametrize("writer", WRITERS)
@given(document=json_values(st.integers(-SAFE, SAFE)))
@settings(max_examples=400, deadline=None)
def test_matches_rfc8785_wherever_rfc8785_can_represent_the_value(
    writer: str, document: Any
) -> None:
    assert WRITERS[writer](document) == rfc8785.dumps(document)


@given(floats)
@settings(max_examples=2000, deadline=None)
def test_numbers_are_written_as_ecmascript_writes_them(number: float) -> None:
    assert client.ecmascript_number(number).encode() == rfc8785.dumps(number)
    assert float(client.ecmascript_number(number)) == number


@pytest.mark.parametrize("writer", WRITERS)
@given(document=json_values(st.integers()))
@settings(max_examples=400, deadline=None)
def test_a_decoded_copy_hashes_as_the_original(writer: str, document: Any) -> None:
    # The verifier recomputes the digest from the JSON the native API serves.
    canonical_json = WRITERS[writer]
    assert canonical_json(json.loads(json.dumps(document))) == canonical_json(document)


@pytest.mark.parametrize("writer", WRITERS)
def test_keys_that_sort_differently_in_utf16_take_the_exact_path(writer: str) -> None:
    document = {"\ue000": 1, "😀": 2}  # code points put U+E000 first, UTF-16 units the emoji
    written = WRITERS[writer](document)
    assert written == rfc8785.dumps(document)
    assert written.index("😀".encode()) < written.index("\ue000".encode())


@pytest.mark.parametrize("writer", WRITERS)
def test_integers_beyond_ieee_doubles_keep_every_digit(writer: str) -> None:
    assert WRITERS[writer]({"id": 2**63 + 1}) == b'{"id":9223372036854775809}'


@pytest.mark.parametrize("writer", WRITERS)
def test_big_integers_beside_floats_keep_every_digit(writer: str) -> None:
    document = {"payload": {"price": 1.5, "order_id": 9007199254740993, "total": 1e21}}
    expected = b'{"payload":{"order_id":9007199254740993,"price":1.5,"total":1e+21}}'
    assert WRITERS[writer](document) == expected


@pytest.mark.parametrize("writer", WRITERS)
def test_what_canonical_json_cannot_carry_is_refused(writer: str) -> None:
    for document in [float("nan"), [1, float("-inf")], {"a": "\ud800"}, "\udfff"]:
        with pytest.raises(ValueError):  # noqa: PT011  (each writer says it its own way)
            WRITERS[writer](document)


def test_what_is_not_json_is_refused_by_the_client() -> None:
    for document in [{1: "a"}, b"bytes", {"a": object()}]:
        with pytest.raises(TypeError):
            client.canonical_json(document)
