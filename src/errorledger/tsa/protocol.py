"""The RFC 3161 protocol over HTTP (section 3.4): a DER TimeStampReq in, a TimeStampResp out.

Bad input never raises: it gets a rejection with the PKIFailureInfo OpenSSL's own TSA would
give (``ts_RESP_check_request``): an undecodable request is badDataFormat, a version other
than 1 badRequest, a hash other than SHA-256/SHA-512 or with parameters other than NULL
badAlg, a digest of the wrong length badDataFormat, a reqPolicy other than ours
unacceptedPolicy, and any extension (we support none) unacceptedExtension.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Collection
from typing import Any, TypeVar

from asn1crypto import algos, tsp

from errorledger.tsa import _der
from errorledger.tsa.authority import TimeStampAuthority
from errorledger.tsa.imprint import HashAlgorithm, MessageImprint

REQUEST_MEDIA_TYPE = "application/timestamp-query"
RESPONSE_MEDIA_TYPE = "application/timestamp-reply"

_T = TypeVar("_T")

_NULL = _der.tlv(_der.NULL)
_GRANTED = _der.tlv(_der.SEQUENCE, _der.integer(0))
_REJECTION = 2


class FailureInfo(enum.IntEnum):
    """PKIFailureInfo: the value is the bit's number in the BIT STRING."""

    BAD_ALG = 0
    BAD_REQUEST = 2
    BAD_DATA_FORMAT = 5
    TIME_NOT_AVAILABLE = 14
    UNACCEPTED_POLICY = 15
    UNACCEPTED_EXTENSION = 16
    ADD_INFO_NOT_AVAILABLE = 17
    SYSTEM_FAILURE = 25


@dataclasses.dataclass(frozen=True, slots=True)
class TimeStampRequest:
    imprint: MessageImprint
    policy: str | None
    nonce: int | None
    certificate_requested: bool


@dataclasses.dataclass(frozen=True, slots=True)
class Rejection:
    failure: FailureInfo
    text: str


@dataclasses.dataclass(frozen=True, slots=True)
class _Decoded:
    """A TimeStampReq as plain values, before any of them is judged."""

    version: int
    algorithm: str
    parameters: bytes
    digest: bytes
    policy: str | None
    nonce: int | None
    certificate_requested: bool
    has_extensions: bool


def respond(authority: TimeStampAuthority, request: bytes) -> bytes:
    """The DER TimeStampResp to a DER TimeStampReq: a token, or a rejection saying why."""
    parsed = parse_request(request, policies=(authority.policy,))
    if isinstance(parsed, Rejection):
        return rejection_response(parsed)
    token = authority.issue(
        parsed.imprint,
        nonce=parsed.nonce,
        # certReq DEFAULT FALSE: RFC 3161 section 2.4.1 leaves the certificate out unless asked.
        include_certificate=parsed.certificate_requested,
    )
    return granted_response(token.der)


def parse_request(request: bytes, *, policies: Collection[str]) -> TimeStampRequest | Rejection:
    """Decodes and judges a TimeStampReq; ``policies`` are the reqPolicy values accepted."""
    try:
        decoded = _decode(request)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        return Rejection(FailureInfo.BAD_DATA_FORMAT, "Bad request format or system error.")
    return _judge(decoded, policies)


def granted_response(token: bytes) -> bytes:
    return _der.tlv(_der.SEQUENCE, _GRANTED, token)


def rejection_response(rejection: Rejection) -> bytes:
    status_info = _der.tlv(
        _der.SEQUENCE,
        _der.integer(_REJECTION),
        _der.tlv(_der.SEQUENCE, _der.tlv(_der.UTF8_STRING, rejection.text.encode())),
        _der.named_bit_string([rejection.failure]),
    )
    return _der.tlv(_der.SEQUENCE, status_info)


def _judge(decoded: _Decoded, policies: Collection[str]) -> TimeStampRequest | Rejection:
    if decoded.version != 1:
        return Rejection(FailureInfo.BAD_REQUEST, "Bad request version.")
    algorithm = HashAlgorithm.from_oid(decoded.algorithm)
    if algorithm is None:
        return Rejection(FailureInfo.BAD_ALG, "Message digest algorithm is not supported.")
    if decoded.parameters not in (b"", _NULL):
        return Rejection(FailureInfo.BAD_ALG, "Superfluous message digest parameter.")
    if len(decoded.digest) != algorithm.digest_size:
        return Rejection(FailureInfo.BAD_DATA_FORMAT, "Bad message digest.")
    if decoded.policy is not None and decoded.policy not in policies:
        return Rejection(FailureInfo.UNACCEPTED_POLICY, "Requested policy is not supported.")
    if decoded.has_extensions:
        return Rejection(FailureInfo.UNACCEPTED_EXTENSION, "Unsupported extension.")
    imprint = MessageImprint(algorithm, decoded.digest, null_parameters=decoded.parameters != b"")
    return TimeStampRequest(imprint, decoded.policy, decoded.nonce, decoded.certificate_requested)


def _decode(request: bytes) -> _Decoded:
    """Everything asn1crypto (untyped) hands back is checked into a typed value here."""
    parsed: Any = tsp.TimeStampReq.load(request, strict=True)
    imprint = parsed["message_imprint"]
    # asn1crypto's DigestAlgorithm insists on NULL parameters for SHA-2, so that any others
    # would look like a format error; read as a plain AlgorithmIdentifier they are badAlg.
    algorithm = algos.AlgorithmIdentifier.load(imprint["hash_algorithm"].dump(), strict=True)
    policy = parsed["req_policy"]
    return _Decoded(
        version=int(parsed["version"]),  # .native would map 1 to "v1"
        algorithm=_typed(algorithm["algorithm"].dotted, str),
        parameters=_typed(algorithm["parameters"].dump(), bytes),
        digest=_typed(imprint["hashed_message"].native, bytes),
        policy=None if policy.native is None else _typed(policy.dotted, str),
        nonce=_optional(parsed["nonce"].native, int),
        certificate_requested=_typed(parsed["cert_req"].native, bool),
        has_extensions=parsed["extensions"].native is not None,
    )


def _typed(value: object, kind: type[_T]) -> _T:
    if not isinstance(value, kind):
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
    return value


def _optional(value: object, kind: type[_T]) -> _T | None:
    return None if value is None else _typed(value, kind)
