"""OpenSSL, an independent implementation, accepts our tokens and replies.

The commands are the ones an auditor runs; docs quote them. Each writes its files into the
test's temporary directory, next to ``tsa.pem`` (the certificate ``GET /v1/tsa/certificate``
serves).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from errorledger.tsa import (
    DEFAULT_POLICY,
    HashAlgorithm,
    MessageImprint,
    TimeStampAuthority,
    generate_identity,
    respond,
)
from tests.tsa.support import assert_not_verified, assert_verified, needs_openssl, openssl

pytestmark = needs_openssl

DATA = b"an integration error log entry\n"


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes(DATA)
    return path


def _token_file(tmp_path: Path, authority: TimeStampAuthority, imprint: MessageImprint) -> Path:
    path = tmp_path / "t.tst"
    path.write_bytes(authority.issue(imprint).der)
    return path


def _reply(tmp_path: Path, authority: TimeStampAuthority, query: Path) -> Path:
    path = tmp_path / "r.tsr"
    path.write_bytes(respond(authority, query.read_bytes()))
    return path


@pytest.mark.parametrize("algorithm", list(HashAlgorithm))
def test_a_token_verifies_against_its_digest(
    tmp_path: Path, authority: TimeStampAuthority, ca_file: Path, algorithm: HashAlgorithm
) -> None:
    digest = hashlib.new(algorithm.name.lower(), DATA).digest()
    token = _token_file(tmp_path, authority, MessageImprint(algorithm, digest))
    result = openssl(
        "ts", "-verify", "-digest", digest.hex(), "-token_in", "-in", token,
        "-CAfile", ca_file, cwd=tmp_path,
    )  # fmt: skip
    assert_verified(result)


def test_a_token_does_not_verify_against_another_digest(
    tmp_path: Path, authority: TimeStampAuthority, ca_file: Path
) -> None:
    imprint = MessageImprint(HashAlgorithm.SHA256, hashlib.sha256(DATA).digest())
    token = _token_file(tmp_path, authority, imprint)
    other = hashlib.sha256(DATA + b"!").hexdigest()
    result = openssl(
        "ts", "-verify", "-digest", other, "-token_in", "-in", token, "-CAfile", ca_file,
        cwd=tmp_path,
    )  # fmt: skip
    assert_not_verified(result)


@pytest.mark.parametrize("algorithm", ["-sha256", "-sha512"])
def test_an_openssl_query_gets_a_reply_openssl_accepts(
    tmp_path: Path, authority: TimeStampAuthority, ca_file: Path, data_file: Path, algorithm: str
) -> None:
    query = tmp_path / "q.tsq"
    made = openssl(
        "ts", "-query", "-data", data_file, algorithm, "-cert", "-out", query, cwd=tmp_path
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    reply = _reply(tmp_path, authority, query)

    text = openssl("ts", "-reply", "-in", reply, "-text", cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert "Status: Granted." in text.stdout
    assert f"Policy OID: {DEFAULT_POLICY}" in text.stdout
    assert f"Hash Algorithm: {algorithm[1:]}" in text.stdout

    assert_verified(
        openssl("ts", "-verify", "-queryfile", query, "-in", reply, "-CAfile", ca_file,
                cwd=tmp_path)
    )  # fmt: skip
    assert_verified(
        openssl("ts", "-verify", "-data", data_file, "-in", reply, "-CAfile", ca_file,
                cwd=tmp_path)
    )  # fmt: skip


def test_the_nonce_of_an_openssl_query_is_echoed(
    tmp_path: Path, authority: TimeStampAuthority, data_file: Path
) -> None:
    query = tmp_path / "q.tsq"
    openssl("ts", "-query", "-data", data_file, "-sha256", "-cert", "-out", query, cwd=tmp_path)
    reply = _reply(tmp_path, authority, query)
    asked = openssl("ts", "-query", "-in", query, "-text", cwd=tmp_path).stdout
    answered = openssl("ts", "-reply", "-in", reply, "-text", cwd=tmp_path).stdout
    [nonce_line] = [line for line in asked.splitlines() if line.startswith("Nonce:")]
    assert nonce_line != "Nonce: unspecified"
    assert nonce_line in answered.splitlines()


def test_without_cert_the_verifier_must_be_given_the_certificate(
    tmp_path: Path, authority: TimeStampAuthority, ca_file: Path, data_file: Path
) -> None:
    query = tmp_path / "q.tsq"
    openssl(
        "ts", "-query", "-data", data_file, "-sha256", "-no_nonce", "-out", query, cwd=tmp_path
    )  # fmt: skip
    reply = _reply(tmp_path, authority, query)
    verify = ("ts", "-verify", "-queryfile", query, "-in", reply, "-CAfile", ca_file)
    assert_not_verified(openssl(*verify, cwd=tmp_path))
    assert_verified(openssl(*verify, "-untrusted", ca_file, cwd=tmp_path))


# signingTime's OID and the head of its UTCTime value: only the signed attribute has it.
SIGNING_TIME_PREFIX = bytes.fromhex("06092a864886f70d010905310f170d")


def _offset(token: bytes, part: bytes) -> int:
    assert token.count(part) == 1
    return token.index(part)


TAMPERED = {  # where a bit is flipped, and what OpenSSL finds wrong
    "imprint": "PKCS7_signatureVerify:digest failure",  # the TSTInfo no longer has its hash
    "serial": "PKCS7_signatureVerify:digest failure",
    "signing time": "PKCS7_signatureVerify:signature failure",  # a signed attribute changed
    "signature": "PKCS7_signatureVerify:signature failure",
}


@pytest.mark.parametrize(("where", "reason"), TAMPERED.items(), ids=TAMPERED.keys())
def test_a_tampered_token_fails_verification(
    tmp_path: Path, authority: TimeStampAuthority, ca_file: Path, where: str, reason: str
) -> None:
    digest = hashlib.sha256(DATA).digest()
    issued = authority.issue(MessageImprint(HashAlgorithm.SHA256, digest))
    token = bytearray(issued.der)
    offsets = {
        "imprint": lambda: _offset(issued.der, digest) + 5,
        "serial": lambda: _offset(issued.der, issued.serial_number.to_bytes(16, "big")) + 15,
        "signing time": lambda: _offset(issued.der, SIGNING_TIME_PREFIX) + 20,
        "signature": lambda: len(token) - 1,
    }
    token[offsets[where]()] ^= 0x01
    path = tmp_path / "t.tst"
    path.write_bytes(bytes(token))
    result = openssl(
        "ts", "-verify", "-digest", digest.hex(), "-token_in", "-in", path, "-CAfile", ca_file,
        cwd=tmp_path,
    )  # fmt: skip
    assert_not_verified(result)
    assert reason in result.stderr


def test_openssl_checks_the_signing_certificate_attribute(
    tmp_path: Path, authority: TimeStampAuthority, ca_file: Path
) -> None:
    """A token validly signed but naming another certificate in its ESSCertIDv2 fails."""
    stranger = TimeStampAuthority(generate_identity())
    # Reaching inside: no public way should make such a token.
    authority._signing_certificate_attribute = stranger._signing_certificate_attribute
    digest = hashlib.sha256(DATA).digest()
    token = _token_file(tmp_path, authority, MessageImprint(HashAlgorithm.SHA256, digest))
    result = openssl(
        "ts", "-verify", "-digest", digest.hex(), "-token_in", "-in", token, "-CAfile", ca_file,
        cwd=tmp_path,
    )  # fmt: skip
    assert_not_verified(result)
    # OpenSSL 3 says the first, 1.1 the second.
    assert any(
        reason in result.stderr
        for reason in ("ess cert id not found", "ess signing certificate error")
    )


@pytest.mark.parametrize(
    ("options", "failure"),
    [
        (["-sha1"], "unrecognized or unsupported algorithm identifier"),
        (
            ["-sha256", "-tspolicy", "1.2.3.4"],
            "the requested TSA policy is not supported by the TSA",
        ),
    ],
)
def test_openssl_reads_our_rejections(
    tmp_path: Path, authority: TimeStampAuthority, data_file: Path, options: list[str], failure: str
) -> None:
    query = tmp_path / "q.tsq"
    openssl("ts", "-query", "-data", data_file, *options, "-out", query, cwd=tmp_path)
    reply = _reply(tmp_path, authority, query)
    text = openssl("ts", "-reply", "-in", reply, "-text", cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert "Status: Rejected." in text.stdout
    assert f"Failure info: {failure}" in text.stdout


def test_openssl_sees_the_critical_time_stamping_eku(tmp_path: Path, ca_file: Path) -> None:
    result = openssl("x509", "-in", ca_file, "-noout", "-ext", "extendedKeyUsage", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["X509v3", "Extended", "Key", "Usage:", "critical", "Time",
                                     "Stamping"]  # fmt: skip
