"""Hand-written DER (ITU-T X.690) for the handful of types a time-stamp token needs.

The issuer splices per-token values into pre-encoded constant parts; building each token
with a generic ASN.1 library instead costs over 100 times as much (``bench/tsa.py``).
Everything here is checked against asn1crypto and OpenSSL by the tests.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

BOOLEAN = 0x01
INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
NULL = 0x05
OBJECT_IDENTIFIER = 0x06
UTF8_STRING = 0x0C
UTC_TIME = 0x17
GENERALIZED_TIME = 0x18
SEQUENCE = 0x30
SET = 0x31
CONTEXT_0 = 0xA0  # [0], constructed: EXPLICIT wrappers and IMPLICIT SET/SEQUENCE OF
CONTEXT_4 = 0xA4  # [4], constructed: GeneralName's directoryName

# RFC 5652 section 11.3: signingTime is UTCTime for 1950 to 2049, GeneralizedTime after.
_UTC_TIME_LAST_SECOND = 2524607999  # 2049-12-31T23:59:59Z


def length(size: int) -> bytes:
    """The definite length octets for ``size`` content octets (X.690 8.1.3)."""
    if size < 0x80:
        return bytes((size,))
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(octets),)) + octets


def tlv(tag: int, *contents: bytes) -> bytes:
    body = b"".join(contents)
    return bytes((tag,)) + length(len(body)) + body


def integer(value: int) -> bytes:
    """Minimal two's complement, as DER requires (X.690 8.3.2)."""
    size = (value + (value < 0)).bit_length() // 8 + 1
    return tlv(INTEGER, value.to_bytes(size, "big", signed=True))


def object_identifier(dotted: str) -> bytes:
    arcs = [int(arc) for arc in dotted.split(".")]
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] > 39):
        raise ValueError(f"not an object identifier: {dotted!r}")
    body = bytearray()
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return tlv(OBJECT_IDENTIFIER, bytes(body))


def set_of(elements: Iterable[bytes]) -> bytes:
    """DER orders a SET OF by the elements' encodings (X.690 11.6)."""
    return tlv(SET, *sorted(elements))


def named_bit_string(bits: Iterable[int]) -> bytes:
    """A BIT STRING of named bits, trailing zero bits removed (X.690 11.2.2)."""
    value = 0
    for bit in bits:
        value |= 1 << bit
    if not value:
        return tlv(BIT_STRING, b"\x00")
    size = value.bit_length()
    octets = (size + 7) // 8
    unused = octets * 8 - size
    # Bit 0 is the most significant bit of the first octet, so the number is mirrored.
    mirrored = int(f"{value:0{size}b}"[::-1], 2) << unused
    return tlv(BIT_STRING, bytes((unused,)), mirrored.to_bytes(octets, "big"))


def generalized_time(micros: int) -> bytes:
    """UTC, with the fraction of a second if any, its trailing zeros removed (X.690 11.7)."""
    seconds, fraction = divmod(micros, 1_000_000)
    text = time.strftime("%Y%m%d%H%M%S", time.gmtime(seconds))
    if fraction:
        text += f".{fraction:06d}".rstrip("0")
    return tlv(GENERALIZED_TIME, text.encode("ascii"), b"Z")


def cms_time(seconds: int) -> bytes:
    """RFC 5652 ``Time``: UTCTime until the end of 2049, GeneralizedTime afterwards."""
    if seconds > _UTC_TIME_LAST_SECOND:
        return generalized_time(seconds * 1_000_000)
    return tlv(UTC_TIME, time.strftime("%y%m%d%H%M%SZ", time.gmtime(seconds)).encode("ascii"))


def children(element: bytes) -> list[bytes]:
    """The complete encodings inside a constructed ``element``, in order.

    Only for DER we made or that a library already parsed (a certificate): it checks
    bounds but does not validate.
    """
    content_start, end = _content_span(element, 0)
    found: list[bytes] = []
    offset = content_start
    while offset < end:
        _, stop = _content_span(element, offset)
        found.append(element[offset:stop])
        offset = stop
    return found


def _content_span(data: bytes, offset: int) -> tuple[int, int]:
    """Where the content of the element at ``offset`` starts, and where the element ends."""
    if offset + 2 > len(data) or data[offset] & 0x1F == 0x1F:
        raise ValueError("truncated or multi-byte tag")
    first = data[offset + 1]
    start = offset + 2
    size = first
    if first & 0x80:
        count = first & 0x7F
        if count == 0 or start + count > len(data):
            raise ValueError("indefinite or truncated length")
        size = int.from_bytes(data[start : start + count], "big")
        start += count
    if start + size > len(data):
        raise ValueError("element runs past its container")
    return start, start + size
