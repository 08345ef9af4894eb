"""The slow twin of ``authority``: the same token, built field by field with asn1crypto.

It exists to be compared with: the tests check that both give the same bytes for the same
inputs (the signature aside, ECDSA being randomized), and ``bench/tsa.py`` measures the
pre-encoded issuer against it. It mirrors the specs' structure, not the fast code.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from asn1crypto import algos, cms, core, tsp, x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from errorledger.tsa.identity import TsaIdentity
from errorledger.tsa.imprint import HashAlgorithm, MessageImprint

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UTC_TIME_END = datetime(2050, 1, 1, tzinfo=UTC)


def _digest_algorithm(algorithm: HashAlgorithm, *, null_parameters: bool) -> Any:
    # asn1crypto's DigestAlgorithm always adds NULL parameters to SHA-2; RFC 5754 generates
    # them absent. The plain AlgorithmIdentifier leaves them out.
    identifier = algos.AlgorithmIdentifier({"algorithm": algorithm.value})
    if null_parameters:
        identifier["parameters"] = core.Null()
    return algos.DigestAlgorithm.load(identifier.dump())


class ReferenceAuthority:
    def __init__(self, identity: TsaIdentity, *, policy: str) -> None:
        self._identity = identity
        self._policy = policy
        self._certificate_der = identity.certificate_der()
        self._certificate: Any = x509.Certificate.load(self._certificate_der)

    def issue(
        self,
        imprint: MessageImprint,
        *,
        serial_number: int,
        gen_time_us: int,
        nonce: int | None = None,
        include_certificate: bool = True,
        signature: bytes | None = None,
    ) -> bytes:
        """The DER token; ``signature`` replaces a fresh one, to compare with another token."""
        gen_time = _EPOCH + timedelta(microseconds=gen_time_us)
        tst_info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": self._policy,
                "message_imprint": {
                    "hash_algorithm": _digest_algorithm(
                        imprint.hash_algorithm, null_parameters=imprint.null_parameters
                    ),
                    "hashed_message": imprint.digest,
                },
                "serial_number": serial_number,
                "gen_time": gen_time,
                "nonce": nonce,
            }
        )
        signed_attrs = self._signed_attributes(tst_info, gen_time.replace(microsecond=0))
        if signature is None:
            signature = self._identity.private_key.sign(
                signed_attrs.dump(), ec.ECDSA(hashes.SHA256())
            )
        return self._content_info(tst_info, signed_attrs, signature, include_certificate)

    def _signed_attributes(self, tst_info: Any, signing_time: datetime) -> Any:
        certificate = self._certificate
        time_choice = "utc_time" if signing_time < _UTC_TIME_END else "generalized_time"
        signing_certificate = {
            "certs": [
                {
                    "hash_algorithm": {"algorithm": "sha256"},
                    "cert_hash": hashlib.sha256(self._certificate_der).digest(),
                    "issuer_serial": {
                        "issuer": [x509.GeneralName({"directory_name": certificate.issuer})],
                        "serial_number": certificate.serial_number,
                    },
                }
            ]
        }
        return cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {"type": "signing_time", "values": [cms.Time({time_choice: signing_time})]},
                {
                    "type": "message_digest",
                    "values": [hashlib.sha256(tst_info.dump()).digest()],
                },
                {"type": "signing_certificate_v2", "values": [signing_certificate]},
            ]
        )

    def _content_info(
        self, tst_info: Any, signed_attrs: Any, signature: bytes, include_certificate: bool
    ) -> bytes:
        certificate = self._certificate
        sha256 = _digest_algorithm(HashAlgorithm.SHA256, null_parameters=False)
        signer_info = {
            "version": "v1",
            "sid": {
                "issuer_and_serial_number": {
                    "issuer": certificate.issuer,
                    "serial_number": certificate.serial_number,
                }
            },
            "digest_algorithm": sha256,
            "signed_attrs": signed_attrs,
            "signature_algorithm": {"algorithm": "sha256_ecdsa"},
            "signature": signature,
        }
        signed_data = {
            "version": "v3",
            "digest_algorithms": [sha256],
            "encap_content_info": {
                "content_type": "tst_info",
                "content": core.ParsableOctetString(tst_info.dump()),
            },
            "signer_infos": [signer_info],
        }
        if include_certificate:
            signed_data["certificates"] = [certificate]
        content_info = cms.ContentInfo(
            {"content_type": "signed_data", "content": cms.SignedData(signed_data)}
        )
        return bytes(content_info.dump())
