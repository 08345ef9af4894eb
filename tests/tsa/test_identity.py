"""The TSA key and certificate: what the certificate says, and how the files are kept."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, SignatureAlgorithmOID

from errorledger.errors import ConfigurationError
from errorledger.tsa import (
    CERTIFICATE_FILE,
    KEY_FILE,
    TsaIdentity,
    generate_identity,
    load_identity,
    load_or_create_identity,
    self_signed_certificate,
)


@pytest.fixture
def zero_umask() -> Iterator[None]:
    """The most permissive umask: any mode wider than 0600 would show."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _private_value(identity: TsaIdentity) -> int:
    return identity.private_key.private_numbers().private_value


def test_certificate_has_a_critical_eku_of_exactly_time_stamping(identity: TsaIdentity) -> None:
    usage = identity.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert usage.critical
    assert list(usage.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def test_certificate_allows_only_digital_signatures(identity: TsaIdentity) -> None:
    usage = identity.certificate.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert not usage.value.key_cert_sign
    assert not usage.value.content_commitment


def test_certificate_is_not_a_ca(identity: TsaIdentity) -> None:
    constraints = identity.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical
    assert constraints.value.ca is False


def test_certificate_is_self_signed_p256_for_a_century(identity: TsaIdentity) -> None:
    certificate = identity.certificate
    [common_name] = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert common_name.value == "errorledger TSA"
    assert certificate.issuer == certificate.subject
    assert certificate.signature_algorithm_oid == SignatureAlgorithmOID.ECDSA_WITH_SHA256
    assert isinstance(identity.private_key.curve, ec.SECP256R1)
    certificate.verify_directly_issued_by(certificate)
    assert certificate.not_valid_before_utc <= datetime.now(UTC)
    assert certificate.not_valid_after_utc - datetime.now(UTC) > timedelta(days=99 * 365)


def test_certificate_pem_is_the_certificate(identity: TsaIdentity) -> None:
    pem = identity.certificate_pem()
    assert pem.startswith(b"-----BEGIN CERTIFICATE-----\n")
    assert x509.load_pem_x509_certificate(pem) == identity.certificate


def test_created_files_are_mode_0600_even_under_umask_0(tmp_path: Path, zero_umask: None) -> None:
    directory = tmp_path / "keys"
    load_or_create_identity(directory)
    assert _mode(directory) == 0o700
    assert _mode(directory / KEY_FILE) == 0o600
    assert _mode(directory / CERTIFICATE_FILE) == 0o600
    leftovers = {path.name for path in directory.iterdir()} - {KEY_FILE, CERTIFICATE_FILE}
    assert leftovers == {".tsa.lock"}


def test_reload_gives_the_same_identity(tmp_path: Path) -> None:
    created = load_or_create_identity(tmp_path)
    reloaded = load_or_create_identity(tmp_path)
    assert _private_value(reloaded) == _private_value(created)
    assert reloaded.certificate_der() == created.certificate_der()


def test_load_identity_from_given_paths(tmp_path: Path) -> None:
    created = load_or_create_identity(tmp_path / "a")
    key_path, certificate_path = tmp_path / "shared.key", tmp_path / "shared.pem"
    key_path.write_bytes((tmp_path / "a" / KEY_FILE).read_bytes())
    certificate_path.write_bytes((tmp_path / "a" / CERTIFICATE_FILE).read_bytes())
    loaded = load_identity(key_path, certificate_path)
    assert _private_value(loaded) == _private_value(created)
    assert loaded.certificate_der() == created.certificate_der()


def test_concurrent_first_starts_agree_on_one_identity(tmp_path: Path) -> None:
    found: list[bytes] = []

    def start() -> None:
        found.append(load_or_create_identity(tmp_path).certificate_der())

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 8
    assert len(set(found)) == 1


def test_a_key_left_without_its_certificate_gets_a_new_one(tmp_path: Path) -> None:
    created = load_or_create_identity(tmp_path)
    (tmp_path / CERTIFICATE_FILE).unlink()
    recovered = load_or_create_identity(tmp_path)
    assert _private_value(recovered) == _private_value(created)
    assert _mode(tmp_path / CERTIFICATE_FILE) == 0o600


def test_a_certificate_without_its_key_is_refused(tmp_path: Path) -> None:
    load_or_create_identity(tmp_path)
    (tmp_path / KEY_FILE).unlink()
    with pytest.raises(ConfigurationError, match="exists without its key"):
        load_or_create_identity(tmp_path)


def _write_pair(
    tmp_path: Path, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, certificate: bytes
) -> tuple[Path, Path]:
    key_path, certificate_path = tmp_path / "k.pem", tmp_path / "c.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    certificate_path.write_bytes(certificate)
    return key_path, certificate_path


def test_a_certificate_for_another_key_is_refused(tmp_path: Path, identity: TsaIdentity) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    paths = _write_pair(tmp_path, other, identity.certificate_pem())
    with pytest.raises(ConfigurationError, match="not for the TSA key"):
        load_identity(*paths)


def test_a_non_p256_key_is_refused(tmp_path: Path, identity: TsaIdentity) -> None:
    for key in (ec.generate_private_key(ec.SECP384R1()), rsa.generate_private_key(65537, 2048)):
        paths = _write_pair(tmp_path, key, identity.certificate_pem())
        with pytest.raises(ConfigurationError, match="not an ECDSA P-256 key"):
            load_identity(*paths)


@pytest.mark.parametrize("critical", [False, True])
def test_a_certificate_without_a_proper_eku_is_refused(tmp_path: Path, critical: bool) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "not a TSA")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(datetime.now(UTC))
        .not_valid_after(datetime.now(UTC) + timedelta(days=1))
    )
    usages = [ExtendedKeyUsageOID.TIME_STAMPING]
    if critical:  # critical, but timeStamping is not alone
        usages.append(ExtendedKeyUsageOID.CODE_SIGNING)
    builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=critical)
    certificate = builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)
    with pytest.raises(ConfigurationError, match="ExtendedKeyUsage"):
        load_identity(*_write_pair(tmp_path, key, certificate))


@pytest.mark.parametrize("which", ["key", "certificate"])
def test_unreadable_files_are_configuration_errors(tmp_path: Path, which: str) -> None:
    load_or_create_identity(tmp_path)
    paths = {"key": tmp_path / KEY_FILE, "certificate": tmp_path / CERTIFICATE_FILE}
    paths[which].write_bytes(b"-----BEGIN NONSENSE-----\n")
    with pytest.raises(ConfigurationError, match=f"cannot read the TSA {which}"):
        load_identity(paths["key"], paths["certificate"])
    paths[which] = tmp_path / "missing"
    with pytest.raises(ConfigurationError, match=f"cannot read the TSA {which}"):
        load_identity(paths["key"], paths["certificate"])


def test_generate_identity_takes_a_name_and_a_time() -> None:
    moment = datetime(2030, 1, 1, tzinfo=UTC)
    made = generate_identity(common_name="witness TSA", now=moment)
    assert made.certificate.subject.rfc4514_string() == "CN=witness TSA"
    assert made.certificate.not_valid_before_utc == moment - timedelta(hours=1)
    again = self_signed_certificate(made.private_key, common_name="witness TSA", now=moment)
    assert again.public_key() == made.certificate.public_key()
