"""The TSA's identity: an ECDSA P-256 key and the self-signed certificate that names it.

The certificate has what RFC 3161 section 2.3 and OpenSSL's ``ts -verify`` demand of a
TSA: a critical ExtendedKeyUsage of exactly id-kp-timeStamping. Key and certificate are
PEM files, either given by path (so that several servers can share one TSA) or created on
first use under a directory, mode 0600 from the moment they exist.
"""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from errorledger.errors import ConfigurationError
from errorledger.files import locked, write_private_file

KEY_FILE = "tsa-key.pem"
CERTIFICATE_FILE = "tsa-cert.pem"
DEFAULT_COMMON_NAME = "errorledger TSA"
# Tokens stay verifiable only while the certificate is valid, and a self-signed TSA has no
# one to renew it for: it lasts a century.
VALIDITY = timedelta(days=36525)
# Tolerates servers whose clocks run a little behind the one that made the certificate.
BACKDATE = timedelta(hours=1)
_LOCK_FILE = ".tsa.lock"


@dataclasses.dataclass(frozen=True, slots=True)
class TsaIdentity:
    private_key: ec.EllipticCurvePrivateKey = dataclasses.field(repr=False)
    certificate: x509.Certificate

    def certificate_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    def certificate_pem(self) -> bytes:
        """What ``GET /v1/tsa/certificate`` serves; ``openssl ts -verify -CAfile`` takes it."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def generate_identity(
    *, common_name: str = DEFAULT_COMMON_NAME, now: datetime | None = None
) -> TsaIdentity:
    private_key = ec.generate_private_key(ec.SECP256R1())
    certificate = self_signed_certificate(private_key, common_name=common_name, now=now)
    return TsaIdentity(private_key, certificate)


def self_signed_certificate(
    private_key: ec.EllipticCurvePrivateKey,
    *,
    common_name: str = DEFAULT_COMMON_NAME,
    now: datetime | None = None,
) -> x509.Certificate:
    now = now or datetime.now(UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    public_key = private_key.public_key()
    key_usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(private_key, hashes.SHA256())
    )


def load_identity(key_path: Path, certificate_path: Path) -> TsaIdentity:
    """Reads a PEM PKCS#8 (or SEC 1) key and a PEM certificate, and checks that they fit."""
    private_key = _load_private_key(key_path)
    certificate = _load_certificate(certificate_path)
    identity = TsaIdentity(private_key, certificate)
    check_identity(identity)
    return identity


def load_or_create_identity(
    directory: Path, *, common_name: str = DEFAULT_COMMON_NAME
) -> TsaIdentity:
    """The identity in ``directory``, created there with mode 0600 files if it has none.

    A lock file makes concurrent first starts agree on one key. A key left without its
    certificate by a crash gets a new certificate; a certificate without its key is an
    error, since a key is never made up to match a certificate.
    """
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key_path, certificate_path = directory / KEY_FILE, directory / CERTIFICATE_FILE
    with locked(directory / _LOCK_FILE):
        if not key_path.exists():
            if certificate_path.exists():
                raise ConfigurationError(f"{certificate_path} exists without its key {key_path}")
            private_key = ec.generate_private_key(ec.SECP256R1())
            write_private_file(key_path, _private_key_pem(private_key))
        if not certificate_path.exists():
            certificate = self_signed_certificate(
                _load_private_key(key_path), common_name=common_name
            )
            write_private_file(certificate_path, certificate.public_bytes(_PEM))
        return load_identity(key_path, certificate_path)


def check_identity(identity: TsaIdentity) -> None:
    """Raises ``ConfigurationError`` unless the pair can sign tokens OpenSSL accepts."""
    certificate = identity.certificate
    certified = certificate.public_key()
    expected = _public_der(identity.private_key.public_key())
    if not isinstance(certified, ec.EllipticCurvePublicKey) or _public_der(certified) != expected:
        raise ConfigurationError("the TSA certificate is not for the TSA key")
    extensions = certificate.extensions
    try:
        usage = extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        raise ConfigurationError("the TSA certificate has no ExtendedKeyUsage") from None
    if not usage.critical or list(usage.value) != [ExtendedKeyUsageOID.TIME_STAMPING]:
        raise ConfigurationError(
            "the TSA certificate's ExtendedKeyUsage must be critical and only timeStamping"
        )
    with contextlib.suppress(x509.ExtensionNotFound):
        key_usage = extensions.get_extension_for_class(x509.KeyUsage).value
        if not (key_usage.digital_signature or key_usage.content_commitment):
            raise ConfigurationError("the TSA certificate's KeyUsage forbids signatures")


def _public_der(public_key: ec.EllipticCurvePublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


_PEM = serialization.Encoding.PEM


def _private_key_pem(private_key: ec.EllipticCurvePrivateKey) -> bytes:
    return private_key.private_bytes(
        _PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load_private_key(path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigurationError(f"cannot read the TSA key {path}: {exc}") from exc
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
        private_key.curve, ec.SECP256R1
    ):
        raise ConfigurationError(f"the TSA key {path} is not an ECDSA P-256 key")
    return private_key


def _load_certificate(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the TSA certificate {path}: {exc}") from exc
