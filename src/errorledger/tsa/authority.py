"""Issues RFC 3161 time-stamp tokens by splicing per-token values into pre-encoded DER.

A token is CMS SignedData (RFC 5652) over a TSTInfo (RFC 3161 section 2.4.2), signed with
ECDSA P-256 and naming its certificate in an ESSCertIDv2 (RFC 5035). Parts marked * change
per token; everything else is encoded once, when the authority is made::

    ContentInfo { id-signedData, [0] SignedData {
      version 3, digestAlgorithms { sha256 },
      encapContentInfo { id-ct-TSTInfo, [0] OCTET STRING TSTInfo {
        version 1, policy, messageImprint*, serialNumber*, genTime*, nonce* } },
      certificates [0] { the TSA certificate }                  -- when asked for
      signerInfos { SignerInfo {
        version 1, issuerAndSerialNumber, digestAlgorithm sha256,
        signedAttrs [0] { contentType, signingTime*, messageDigest*, signingCertificateV2 },
        signatureAlgorithm ecdsa-with-SHA256, signature* } } } }

genTime has microseconds; no accuracy is claimed, since the host's clock discipline is not
ours to vouch for. ``errorledger.tsa._reference`` builds the same bytes with asn1crypto.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from errorledger.clock import now_us
from errorledger.tsa import _der
from errorledger.tsa.identity import TsaIdentity, check_identity
from errorledger.tsa.imprint import HashAlgorithm, MessageImprint
from errorledger.tsa.serials import SerialNumbers

# An OID under 2.25 (ITU-T X.667) is derived from a UUID and needs no registration; this
# one is UUID 206cbb92-e408-4747-af70-4e68f224174e. It names errorledger's policy: the time
# is the server's system clock in UTC when the token was made, no accuracy claimed.
DEFAULT_POLICY = "2.25.43099868374319269517970082373445097294"

ID_SIGNED_DATA = "1.2.840.113549.1.7.2"
ID_CT_TST_INFO = "1.2.840.113549.1.9.16.1.4"
ID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
ID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
ID_SIGNING_TIME = "1.2.840.113549.1.9.5"
ID_SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47"
ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2"


def _algorithm_identifier(dotted: str) -> bytes:
    # RFC 5754 (SHA-2) and RFC 5758 (ECDSA): these AlgorithmIdentifiers have no parameters.
    return _der.tlv(_der.SEQUENCE, _der.object_identifier(dotted))


def _attribute(dotted: str, value: bytes) -> bytes:
    return _der.tlv(_der.SEQUENCE, _der.object_identifier(dotted), _der.tlv(_der.SET, value))


_SHA256 = _algorithm_identifier(HashAlgorithm.SHA256.value)
_SIGNED_DATA_TYPE = _der.object_identifier(ID_SIGNED_DATA)
_SIGNED_DATA_HEAD = _der.integer(3) + _der.tlv(_der.SET, _SHA256)  # v3: content is not id-data
_TST_INFO_TYPE = _der.object_identifier(ID_CT_TST_INFO)
_CONTENT_TYPE_ATTRIBUTE = _attribute(ID_CONTENT_TYPE, _TST_INFO_TYPE)
_SIGNATURE_ALGORITHM = _algorithm_identifier(ECDSA_WITH_SHA256)
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())


@dataclasses.dataclass(frozen=True, slots=True)
class IssuedToken:
    """A DER TimeStampToken and the two values of it that callers tend to want."""

    der: bytes
    serial_number: int
    gen_time_us: int  # microseconds since the Unix epoch, UTC


class TimeStampAuthority:
    """Issues tokens under one identity and policy; safe to share between threads."""

    def __init__(
        self,
        identity: TsaIdentity,
        *,
        policy: str = DEFAULT_POLICY,
        clock: Callable[[], int] = now_us,
    ) -> None:
        check_identity(identity)
        self._identity = identity
        self._policy = policy
        self._clock = clock
        self._serials = SerialNumbers()
        certificate = identity.certificate_der()
        issuer, serial = _issuer_and_serial(certificate)
        self._tst_info_head = _der.integer(1) + _der.object_identifier(policy)
        self._certificates = _der.tlv(_der.CONTEXT_0, certificate)
        self._signer_info_head = _der.integer(1) + _der.tlv(_der.SEQUENCE, issuer, serial) + _SHA256
        self._signing_certificate_attribute = _attribute(
            ID_SIGNING_CERTIFICATE_V2, _signing_certificate_v2(certificate, issuer, serial)
        )

    @property
    def identity(self) -> TsaIdentity:
        return self._identity

    @property
    def policy(self) -> str:
        return self._policy

    def issue(
        self,
        imprint: MessageImprint,
        *,
        nonce: int | None = None,
        include_certificate: bool = True,
    ) -> IssuedToken:
        serial = self._serials.next()
        gen_time_us = self._clock()
        tst_info = _der.tlv(
            _der.SEQUENCE,
            self._tst_info_head,
            imprint.to_der(),
            _der.integer(serial),
            _der.generalized_time(gen_time_us),
            b"" if nonce is None else _der.integer(nonce),
        )
        certificates = self._certificates if include_certificate else b""
        signer_info = self._signer_info(tst_info, gen_time_us)
        return IssuedToken(_content_info(tst_info, certificates, signer_info), serial, gen_time_us)

    def _signer_info(self, tst_info: bytes, gen_time_us: int) -> bytes:
        digest = hashlib.sha256(tst_info).digest()
        signed_attributes = _der.set_of(
            (
                _CONTENT_TYPE_ATTRIBUTE,
                _attribute(ID_SIGNING_TIME, _der.cms_time(gen_time_us // 1_000_000)),
                _attribute(ID_MESSAGE_DIGEST, _der.tlv(_der.OCTET_STRING, digest)),
                self._signing_certificate_attribute,
            )
        )
        signature = self._identity.private_key.sign(signed_attributes, _ECDSA_SHA256)
        return _der.tlv(
            _der.SEQUENCE,
            self._signer_info_head,
            # Signed as a SET (RFC 5652 section 5.4), carried as [0] IMPLICIT.
            bytes((_der.CONTEXT_0,)) + signed_attributes[1:],
            _SIGNATURE_ALGORITHM,
            _der.tlv(_der.OCTET_STRING, signature),
        )


def _content_info(tst_info: bytes, certificates: bytes, signer_info: bytes) -> bytes:
    encapsulated = _der.tlv(
        _der.SEQUENCE,
        _TST_INFO_TYPE,
        _der.tlv(_der.CONTEXT_0, _der.tlv(_der.OCTET_STRING, tst_info)),
    )
    signed_data = _der.tlv(
        _der.SEQUENCE,
        _SIGNED_DATA_HEAD,
        encapsulated,
        certificates,
        _der.tlv(_der.SET, signer_info),
    )
    return _der.tlv(_der.SEQUENCE, _SIGNED_DATA_TYPE, _der.tlv(_der.CONTEXT_0, signed_data))


def _issuer_and_serial(certificate: bytes) -> tuple[bytes, bytes]:
    """The certificate's issuer Name and serial INTEGER, byte for byte as it encodes them."""
    fields = _der.children(_der.children(certificate)[0])
    if fields[0][0] == _der.CONTEXT_0:  # the explicit version is absent only from v1
        fields = fields[1:]
    return fields[2], fields[0]


def _signing_certificate_v2(certificate: bytes, issuer: bytes, serial: bytes) -> bytes:
    """SigningCertificateV2 { certs { ESSCertIDv2 } } (RFC 5035 section 5.4.1.1).

    hashAlgorithm is left out: it is SHA-256, the DEFAULT, which DER omits.
    """
    general_names = _der.tlv(_der.SEQUENCE, _der.tlv(_der.CONTEXT_4, issuer))
    ess_cert_id = _der.tlv(
        _der.SEQUENCE,
        _der.tlv(_der.OCTET_STRING, hashlib.sha256(certificate).digest()),
        _der.tlv(_der.SEQUENCE, general_names, serial),
    )
    return _der.tlv(_der.SEQUENCE, _der.tlv(_der.SEQUENCE, ess_cert_id))
