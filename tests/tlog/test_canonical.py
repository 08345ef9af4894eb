"""canonical_json's msgspec fast path writes exactly what rfc8785 writes."""

import random
from typing import Any

import pytest
import rfc8785

from errorledger.tlog.leaf import canonical_json

ALPHABET = ["a", "Z", "0", " ", '"', "\\", "/", "\n", "\x00", "\x1f", "\x7f", "é", "€", "\u2028",
            "\ue000", "\uffff", "𝄞", "😀"]  # fmt: skip


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
        return rng.randint(-(2**53) + 1, 2**53 - 1)
    if kind == "float":
        return rng.choice([0.1, 1.0, -0.0, 1e21, 1e-7, 123.456, 5e-324, 1.7976931348623157e308])
    return {"str": text(rng), "bool": rng.random() < 0.5, "null": None}[kind]


@pytest.mark.parametrize("floats", [False, True])
def test_matches_rfc8785_on_random_documents(floats: bool) -> None:
    rng = random.Random(8785 + floats)
    for _ in range(2000):
        document = {"content": value(rng, 0, floats=floats)}
        assert canonical_json(document) == rfc8785.dumps(document), document


def test_keys_that_sort_differently_in_utf16_take_the_exact_path() -> None:
    document = {"\ue000": 1, "😀": 2}  # code points put U+E000 first, UTF-16 units the emoji
    assert canonical_json(document) == rfc8785.dumps(document)
    assert canonical_json(document).index("😀".encode()) < canonical_json(document).index(
        "\ue000".encode()
    )


def test_integers_beyond_ieee_doubles_keep_every_digit() -> None:
    assert canonical_json({"id": 2**63 + 1}) == b'{"id":9223372036854775809}'
