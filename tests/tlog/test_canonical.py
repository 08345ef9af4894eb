"""canonical_json is RFC 8785 (checked against the ``rfc8785`` package) wherever RFC 8785
can represent the value, keeps every digit of integers beyond ±(2**53 - 1), and is stable
through a decode: what a verifier decodes from the served JSON hashes as the server hashed.
"""

import json
import random
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from errorledger.tlog.leaf import canonical_json, ecmascript_number

ALPHABET = ["a", "Z", "0", " ", '"', "\\", "/", "\n", "\x00", "\x1f", "\x7f", "é", "€", "\u2028",
            "\ue000", "\uffff", "𝄞", "😀"]  # fmt: skip
SAFE = 2**53 - 1

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


@pytest.mark.parametrize("floats", [False, True])
def test_matches_rfc8785_on_random_documents(floats: bool) -> None:
    rng = random.Random(8785 + floats)
    for _ in range(2000):
        document = {"content": value(rng, 0, floats=floats)}
        assert canonical_json(document) == rfc8785.dumps(document), document


@given(json_values(st.integers(-SAFE, SAFE)))
@settings(max_examples=400, deadline=None)
def test_matches_rfc8785_wherever_rfc8785_can_represent_the_value(document: Any) -> None:
    assert canonical_json(document) == rfc8785.dumps(document)


@given(floats)
@settings(max_examples=2000, deadline=None)
def test_numbers_are_written_as_ecmascript_writes_them(number: float) -> None:
    assert ecmascript_number(number).encode() == rfc8785.dumps(number)
    assert float(ecmascript_number(number)) == number


@given(json_values(st.integers()))
@settings(max_examples=400, deadline=None)
def test_a_decoded_copy_hashes_as_the_original(document: Any) -> None:
    # The verifier recomputes the digest from the JSON the native API serves.
    assert canonical_json(json.loads(json.dumps(document))) == canonical_json(document)


def test_keys_that_sort_differently_in_utf16_take_the_exact_path() -> None:
    document = {"\ue000": 1, "😀": 2}  # code points put U+E000 first, UTF-16 units the emoji
    assert canonical_json(document) == rfc8785.dumps(document)
    assert canonical_json(document).index("😀".encode()) < canonical_json(document).index(
        "\ue000".encode()
    )


def test_integers_beyond_ieee_doubles_keep_every_digit() -> None:
    assert canonical_json({"id": 2**63 + 1}) == b'{"id":9223372036854775809}'


def test_big_integers_beside_floats_keep_every_digit() -> None:
    document = {"payload": {"price": 1.5, "order_id": 9007199254740993, "total": 1e21}}
    expected = b'{"payload":{"order_id":9007199254740993,"price":1.5,"total":1e+21}}'
    assert canonical_json(document) == expected
