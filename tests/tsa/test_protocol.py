"""TimeStampReq in, TimeStampResp out: granted tokens, and the right rejection for bad input."""

from __future__ import annotations

import hashlib
import random

import pytest
from asn1crypto import core, tsp

from errorledger.tsa import (
    DEFAULT_POLICY,
    FailureInfo,
    HashAlgorithm,
    Rejection,
    TimeStampAuthority,
    TimeStampRequest,
    TsaIdentity,
    parse_request,
    rejection_response,
    respond,
)
from tests.tsa.support import make_request, parse_response, response_status, tst_info

DIGEST_256 = hashlib.sha256(b"entry").digest()
DIGEST_512 = hashlib.sha512(b"entry").digest()


def _granted(response: bytes) -> object:
    parsed = parse_response(response)
    assert parsed["status"]["status"].native == "granted"
    return parsed["time_stamp_token"]


def _failure(response: bytes) -> set[str]:
    status = parse_response(response)["status"]
    assert status["status"].native == "rejection"
    assert parse_response(response)["time_stamp_token"].native is None
    failure: set[str] = status["fail_info"].native
    return failure


@pytest.mark.parametrize(("algorithm", "digest"), [("sha256", DIGEST_256), ("sha512", DIGEST_512)])
def test_a_request_is_granted_with_its_imprint_and_nonce(
    authority: TimeStampAuthority, algorithm: str, digest: bytes
) -> None:
    request = make_request(digest, algorithm=algorithm, nonce=0x1234567890ABCDEF)
    info = tst_info(_granted(respond(authority, request)))
    assert info["message_imprint"]["hash_algorithm"]["algorithm"].native == algorithm
    assert info["message_imprint"]["hashed_message"].native == digest
    assert info["nonce"].native == 0x1234567890ABCDEF


@pytest.mark.parametrize("parameters", [None, core.Null()])
def test_the_imprint_is_echoed_byte_for_byte(
    authority: TimeStampAuthority, parameters: core.Null | None
) -> None:
    request = make_request(DIGEST_256, parameters=parameters)
    sent = tsp.TimeStampReq.load(request)["message_imprint"].dump()
    token = _granted(respond(authority, request))
    assert tst_info(token)["message_imprint"].dump() == sent


def test_without_a_nonce_none_is_returned(authority: TimeStampAuthority) -> None:
    token = _granted(respond(authority, make_request(DIGEST_256)))
    assert tst_info(token)["nonce"].native is None


@pytest.mark.parametrize(("cert_req", "included"), [(None, False), (False, False), (True, True)])
def test_the_certificate_is_included_only_when_asked_for(
    authority: TimeStampAuthority,
    identity: TsaIdentity,
    cert_req: bool | None,
    included: bool,
) -> None:
    token = _granted(respond(authority, make_request(DIGEST_256, cert_req=cert_req)))
    certificates = token["content"]["certificates"]
    if included:
        assert [c.chosen.dump() for c in certificates] == [identity.certificate_der()]
    else:
        assert certificates.native is None


def test_our_own_policy_may_be_asked_for(authority: TimeStampAuthority) -> None:
    token = _granted(respond(authority, make_request(DIGEST_256, policy=DEFAULT_POLICY)))
    assert tst_info(token)["policy"].dotted == DEFAULT_POLICY


def test_parse_request_gives_typed_values() -> None:
    request = make_request(DIGEST_512, algorithm="sha512", nonce=7, cert_req=True)
    parsed = parse_request(request, policies=[DEFAULT_POLICY])
    assert isinstance(parsed, TimeStampRequest)
    assert parsed.imprint.hash_algorithm is HashAlgorithm.SHA512
    assert parsed.imprint.digest == DIGEST_512
    assert (parsed.nonce, parsed.policy, parsed.certificate_requested) == (7, None, True)


UNKNOWN_EXTENSION = tsp.Extensions(
    [{"extn_id": "1.2.3.4", "critical": False, "extn_value": b"\x05\x00"}]
)

REJECTED = {
    "version 2": (make_request(DIGEST_256, version=2), "bad_request"),
    "sha1": (make_request(bytes(20), algorithm="sha1"), "bad_alg"),
    "md5": (make_request(bytes(16), algorithm="md5"), "bad_alg"),
    "sha384": (make_request(bytes(48), algorithm="sha384"), "bad_alg"),
    "sha256 with parameters": (
        make_request(DIGEST_256, parameters=core.Integer(1)),
        "bad_alg",
    ),
    "short digest": (make_request(DIGEST_256[:31]), "bad_data_format"),
    "sha512 with a sha256 digest": (
        make_request(DIGEST_256, algorithm="sha512"),
        "bad_data_format",
    ),
    "other policy": (make_request(DIGEST_256, policy="1.2.3.4"), "unaccepted_policy"),
    "extension": (
        make_request(DIGEST_256, extensions=UNKNOWN_EXTENSION),
        "unaccepted_extensions",
    ),
    "empty": (b"", "bad_data_format"),
    "not DER": (b"hello, TSA", "bad_data_format"),
    "truncated": (make_request(DIGEST_256)[:-1], "bad_data_format"),
    "trailing bytes": (make_request(DIGEST_256) + b"\x00", "bad_data_format"),
    "wrong structure": (b"\x30\x03\x02\x01\x01", "bad_data_format"),
    "a response instead": (
        rejection_response(Rejection(FailureInfo.BAD_ALG, "x")),
        "bad_data_format",
    ),
}


@pytest.mark.parametrize(("request_der", "failure"), REJECTED.values(), ids=REJECTED.keys())
def test_bad_requests_get_the_right_failure(
    authority: TimeStampAuthority, request_der: bytes, failure: str
) -> None:
    assert _failure(respond(authority, request_der)) == {failure}


def test_a_rejection_says_why() -> None:
    response = rejection_response(Rejection(FailureInfo.UNACCEPTED_POLICY, "Not ours."))
    status = parse_response(response)["status"]
    assert status["status_string"].native == ["Not ours."]
    assert status["fail_info"].native == {"unaccepted_policy"}


def test_damaged_requests_never_raise(authority: TimeStampAuthority) -> None:
    """Random byte changes and cuts of good requests: each gets a well-formed response."""
    rng = random.Random(3161)
    seeds = [
        make_request(DIGEST_256, nonce=5, cert_req=True, policy=DEFAULT_POLICY),
        make_request(DIGEST_512, algorithm="sha512", parameters=core.Null()),
    ]
    statuses = set()
    for _ in range(10_000):
        damaged = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 3)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        if rng.random() < 0.3:
            del damaged[rng.randrange(len(damaged)) :]
        statuses.add(response_status(respond(authority, bytes(damaged))))
    assert statuses == {"granted", "rejection"}
