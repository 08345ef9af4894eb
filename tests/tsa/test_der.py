"""The hand-written DER encoders give what asn1crypto gives."""

from __future__ import annotations

import datetime

import pytest
from asn1crypto import core, tsp

from errorledger.tsa import _der

EDGE_INTEGERS = [0, 1, 127, 128, 255, 256, 2**63, 2**127 - 1, -1, -128, -129, -(2**64)]


@pytest.mark.parametrize("size", [0, 1, 127, 128, 255, 256, 65535, 65536, 2**24])
def test_length_matches_asn1crypto(size: int) -> None:
    expected = core.OctetString(b"\x00" * size).dump()
    assert _der.tlv(_der.OCTET_STRING, b"\x00" * size) == expected


@pytest.mark.parametrize("value", EDGE_INTEGERS)
def test_integer_matches_asn1crypto(value: int) -> None:
    assert _der.integer(value) == core.Integer(value).dump()


@pytest.mark.parametrize(
    "dotted",
    [
        "1.2.840.113549.1.9.16.2.47",
        "2.16.840.1.101.3.4.2.1",
        "2.25.43099868374319269517970082373445097294",
        "0.0",
    ],
)
def test_object_identifier_matches_asn1crypto(dotted: str) -> None:
    assert _der.object_identifier(dotted) == core.ObjectIdentifier(dotted).dump()


@pytest.mark.parametrize("dotted", ["1", "3.1", "1.40", "1.2.x"])
def test_object_identifier_rejects_non_oids(dotted: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011  (int() and our check both raise it)
        _der.object_identifier(dotted)


@pytest.mark.parametrize("bit", sorted(tsp.PKIFailureInfo._map))
def test_named_bit_string_matches_asn1crypto(bit: int) -> None:
    name = tsp.PKIFailureInfo._map[bit]
    assert _der.named_bit_string([bit]) == tsp.PKIFailureInfo({name}).dump()


@pytest.mark.parametrize(
    "micros",
    [0, 1_700_000_000_000_000, 1_700_000_000_100_000, 1_700_000_000_000_001, 4_102_444_800_000_005],
)
def test_generalized_time_matches_asn1crypto(micros: int) -> None:
    moment = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(
        microseconds=micros
    )
    assert _der.generalized_time(micros) == core.GeneralizedTime(moment).dump()


def test_generalized_time_drops_trailing_zeros_of_the_fraction() -> None:
    assert _der.generalized_time(1_700_000_000_120_000)[2:] == b"20231114221320.12Z"
    assert _der.generalized_time(1_700_000_000_000_000)[2:] == b"20231114221320Z"


def test_cms_time_is_utc_time_until_2049_and_generalized_time_after() -> None:
    assert _der.cms_time(2524607999) == b"\x17\x0d491231235959Z"
    assert _der.cms_time(2524608000) == b"\x18\x0f20500101000000Z"


def test_set_of_is_sorted_like_asn1crypto() -> None:
    class Octets(core.SetOf):
        _child_spec = core.OctetString

    values = [b"\x02", b"\x01\x01", b"\x01", b"\xff" * 200]
    elements = [core.OctetString(value).dump() for value in values]
    assert _der.set_of(elements) == Octets(values).dump()


def test_children_splits_a_constructed_element() -> None:
    parts = [_der.integer(5), _der.tlv(_der.OCTET_STRING, b"x" * 300), _der.tlv(_der.NULL)]
    assert _der.children(_der.tlv(_der.SEQUENCE, *parts)) == parts


@pytest.mark.parametrize("broken", [b"\x30", b"\x30\x05\x02\x01", b"\x30\x80\x00\x00", b"\x1f\x00"])
def test_children_refuses_truncated_or_unsupported_encodings(broken: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        _der.children(broken)
