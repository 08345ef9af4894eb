"""Tokens from the pre-encoded issuer: their structure, signature and serials (their speed
is measured in bench/tsa.py, never asserted here)."""

from __future__ import annotations

import hashlib
import itertools
import os
from datetime import UTC, datetime

import pytest
from asn1crypto import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from errorledger.tsa import (
    DEFAULT_POLICY,
    HashAlgorithm,
    MessageImprint,
    TimeStampAuthority,
    TsaIdentity,
)
from errorledger.tsa._reference import ReferenceAuthority
from errorledger.tsa.serials import SerialNumbers
from tests.tsa.support import parse_token, signed_attribute, signer_info, tst_info

SHA256_IMPRINT = MessageImprint(HashAlgorithm.SHA256, hashlib.sha256(b"capsule").digest())
SHA512_IMPRINT = MessageImprint(HashAlgorithm.SHA512, hashlib.sha512(b"capsule").digest())
FIXED_TIME_US = 1_700_000_000_123_400  # 2023-11-14T22:13:20.1234Z


def _fixed(identity: TsaIdentity, micros: int = FIXED_TIME_US) -> TimeStampAuthority:
    return TimeStampAuthority(identity, clock=lambda: micros)


def test_tst_info_carries_what_was_asked(authority: TimeStampAuthority) -> None:
    issued = authority.issue(SHA512_IMPRINT, nonce=2**70 + 3)
    info = tst_info(parse_token(issued.der))
    assert info["version"].native == "v1"
    assert info["policy"].dotted == DEFAULT_POLICY
    assert info["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha512"
    assert info["message_imprint"]["hashed_message"].native == SHA512_IMPRINT.digest
    assert info["serial_number"].native == issued.serial_number
    assert info["nonce"].native == 2**70 + 3
    assert info["accuracy"].native is None
    assert info["tsa"].native is None


def test_sha2_parameters_are_absent_unless_asked_for(authority: TimeStampAuthority) -> None:
    absent = tst_info(parse_token(authority.issue(SHA256_IMPRINT).der))
    assert absent["message_imprint"]["hash_algorithm"].dump() == bytes.fromhex(
        "300b0609608648016503040201"
    )
    with_null = MessageImprint(HashAlgorithm.SHA256, SHA256_IMPRINT.digest, null_parameters=True)
    null = tst_info(parse_token(authority.issue(with_null).der))
    assert null["message_imprint"]["hash_algorithm"].dump().endswith(b"\x05\x00")


def test_gen_time_is_utc_with_microseconds(identity: TsaIdentity) -> None:
    issued = _fixed(identity).issue(SHA256_IMPRINT)
    info = tst_info(parse_token(issued.der))
    assert info["gen_time"].contents == b"20231114221320.1234Z"
    assert info["gen_time"].native == datetime(2023, 11, 14, 22, 13, 20, 123400, tzinfo=UTC)
    assert issued.gen_time_us == FIXED_TIME_US
    signing_time = signed_attribute(parse_token(issued.der), "signing_time")
    assert signing_time.name == "utc_time"
    assert signing_time.chosen.contents == b"231114221320Z"


def test_signing_time_after_2049_is_generalized_time(identity: TsaIdentity) -> None:
    token = parse_token(_fixed(identity, 2_600_000_000_000_000).issue(SHA256_IMPRINT).der)
    assert signed_attribute(token, "signing_time").name == "generalized_time"


def test_signed_data_is_cms_v3_over_tst_info(authority: TimeStampAuthority) -> None:
    token = parse_token(authority.issue(SHA256_IMPRINT).der)
    assert token["content_type"].native == "signed_data"
    signed_data = token["content"]
    assert signed_data["version"].native == "v3"
    assert [a["algorithm"].native for a in signed_data["digest_algorithms"]] == ["sha256"]
    assert signed_data["encap_content_info"]["content_type"].native == "tst_info"
    info = signer_info(token)
    assert info["version"].native == "v1"
    assert info["digest_algorithm"]["algorithm"].native == "sha256"
    assert info["signature_algorithm"]["algorithm"].native == "sha256_ecdsa"
    assert signed_attribute(token, "content_type").native == "tst_info"


def test_signature_and_message_digest_verify(
    authority: TimeStampAuthority, identity: TsaIdentity
) -> None:
    token = parse_token(authority.issue(SHA256_IMPRINT).der)
    content = token["content"]["encap_content_info"]["content"].contents
    assert signed_attribute(token, "message_digest").native == hashlib.sha256(content).digest()
    info = signer_info(token)
    signed = b"\x31" + info["signed_attrs"].dump()[1:]  # signed as SET OF, carried as [0]
    identity.private_key.public_key().verify(
        info["signature"].native, signed, ec.ECDSA(hashes.SHA256())
    )


def test_signer_is_named_by_issuer_and_serial(
    authority: TimeStampAuthority, identity: TsaIdentity
) -> None:
    certificate = x509.Certificate.load(identity.certificate_der())
    sid = signer_info(parse_token(authority.issue(SHA256_IMPRINT).der))["sid"]
    assert sid.name == "issuer_and_serial_number"
    assert sid.chosen["issuer"] == certificate.issuer
    assert sid.chosen["serial_number"].native == certificate.serial_number


def test_signing_certificate_v2_holds_the_certificate_hash(
    authority: TimeStampAuthority, identity: TsaIdentity
) -> None:
    certificate = x509.Certificate.load(identity.certificate_der())
    attribute = signed_attribute(
        parse_token(authority.issue(SHA256_IMPRINT).der), "signing_certificate_v2"
    )
    [ess_cert_id] = attribute["certs"]
    assert ess_cert_id["cert_hash"].native == hashlib.sha256(identity.certificate_der()).digest()
    # hashAlgorithm is the DEFAULT sha256, so DER leaves it out: the first field is certHash.
    assert ess_cert_id.contents[0] == 0x04
    assert ess_cert_id["hash_algorithm"]["algorithm"].native == "sha256"
    [issuer] = ess_cert_id["issuer_serial"]["issuer"]
    assert issuer.chosen == certificate.issuer
    assert ess_cert_id["issuer_serial"]["serial_number"].native == certificate.serial_number
    assert attribute["policies"].native is None


def test_certificate_is_included_on_request(
    authority: TimeStampAuthority, identity: TsaIdentity
) -> None:
    included = parse_token(authority.issue(SHA256_IMPRINT).der)["content"]["certificates"]
    assert [c.chosen.dump() for c in included] == [identity.certificate_der()]
    left_out = authority.issue(SHA256_IMPRINT, include_certificate=False)
    assert parse_token(left_out.der)["content"]["certificates"].native is None


@pytest.mark.parametrize(
    ("imprint", "null_parameters", "nonce", "include_certificate"),
    list(
        itertools.product(
            [SHA256_IMPRINT, SHA512_IMPRINT], [False, True], [None, 0, -5, 2**64], [True, False]
        )
    ),
)
def test_same_bytes_as_the_asn1crypto_reference(
    identity: TsaIdentity,
    imprint: MessageImprint,
    null_parameters: bool,
    nonce: int | None,
    include_certificate: bool,
) -> None:
    imprint = MessageImprint(imprint.hash_algorithm, imprint.digest, null_parameters)
    issued = TimeStampAuthority(identity).issue(
        imprint, nonce=nonce, include_certificate=include_certificate
    )
    signature = signer_info(parse_token(issued.der))["signature"].native
    expected = ReferenceAuthority(identity, policy=DEFAULT_POLICY).issue(
        imprint,
        serial_number=issued.serial_number,
        gen_time_us=issued.gen_time_us,
        nonce=nonce,
        include_certificate=include_certificate,
        signature=signature,
    )
    assert issued.der == expected


def test_policy_is_a_constructor_argument(identity: TsaIdentity) -> None:
    authority = TimeStampAuthority(identity, policy="1.3.6.1.4.1.99999.1")
    assert tst_info(parse_token(authority.issue(SHA256_IMPRINT).der))["policy"].dotted == (
        "1.3.6.1.4.1.99999.1"
    )


def test_serials_are_unique_over_ten_thousand_tokens(authority: TimeStampAuthority) -> None:
    issued = [authority.issue(SHA256_IMPRINT) for _ in range(10_000)]
    serials = {token.serial_number for token in issued}
    assert len(serials) == 10_000
    for token in issued[::997]:
        assert tst_info(parse_token(token.der))["serial_number"].native == token.serial_number
    # Always 127 bits, so always a 16-byte positive INTEGER.
    assert all(2**126 <= serial < 2**127 for serial in serials)


def test_authorities_draw_different_prefixes(identity: TsaIdentity) -> None:
    first = TimeStampAuthority(identity).issue(SHA256_IMPRINT).serial_number
    second = TimeStampAuthority(identity).issue(SHA256_IMPRINT).serial_number
    assert first >> 64 != second >> 64


def test_forked_children_do_not_repeat_their_parents_serials() -> None:
    serials = SerialNumbers()
    parent = [serials.next() for _ in range(100)]
    children: list[int] = []
    for _ in range(2):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child reports its serials and leaves, whatever happens
            try:
                os.write(write_end, " ".join(str(serials.next()) for _ in range(100)).encode())
            finally:
                os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            children.extend(int(serial) for serial in pipe.read().split())
        os.waitpid(pid, 0)
    parent.extend(serials.next() for _ in range(100))
    assert len(children) == 200
    assert len(set(parent + children)) == 400
    assert len({serial >> 64 for serial in parent + children}) == 3


def test_a_spent_counter_draws_a_new_prefix() -> None:
    serials = SerialNumbers()
    prefix = serials.next() >> 64
    serials._counter = itertools.count(2**64)  # as if 2**64 serials had been issued
    serial = serials.next()
    assert serial >> 64 != prefix
    assert serial & (2**64 - 1) == 1


def test_a_digest_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="SHA256 digest has 32 bytes, got 64"):
        MessageImprint(HashAlgorithm.SHA256, bytes(64))
