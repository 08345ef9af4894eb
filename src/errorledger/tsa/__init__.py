"""RFC 3161 time-stamping for log capsules and checkpoints (DESIGN.md section 4).

    identity   the ECDSA P-256 key and self-signed certificate (critical EKU timeStamping),
               loaded from given paths or created under a directory with mode 0600
    imprint    what is stamped: SHA-256 or SHA-512 and a digest
    authority  TimeStampAuthority: issues TimeStampTokens from pre-encoded DER
    protocol   DER TimeStampReq in, DER TimeStampResp out; bad input gets a rejection

A capsule's token::

    identity = load_or_create_identity(settings.data_dir / "tsa")
    authority = TimeStampAuthority(identity)
    token = authority.issue(MessageImprint(HashAlgorithm.SHA256, digest)).der

Anyone holding ``identity.certificate_pem()`` checks it with
``openssl ts -verify -digest <hex> -token_in -in token.tst -CAfile tsa.pem``.
"""

from errorledger.tsa.authority import DEFAULT_POLICY, IssuedToken, TimeStampAuthority
from errorledger.tsa.identity import (
    CERTIFICATE_FILE,
    KEY_FILE,
    TsaIdentity,
    check_identity,
    generate_identity,
    load_identity,
    load_or_create_identity,
    self_signed_certificate,
)
from errorledger.tsa.imprint import HashAlgorithm, MessageImprint
from errorledger.tsa.protocol import (
    REQUEST_MEDIA_TYPE,
    RESPONSE_MEDIA_TYPE,
    FailureInfo,
    Rejection,
    TimeStampRequest,
    granted_response,
    parse_request,
    rejection_response,
    respond,
)

__all__ = [
    "CERTIFICATE_FILE",
    "DEFAULT_POLICY",
    "KEY_FILE",
    "REQUEST_MEDIA_TYPE",
    "RESPONSE_MEDIA_TYPE",
    "FailureInfo",
    "HashAlgorithm",
    "IssuedToken",
    "MessageImprint",
    "Rejection",
    "TimeStampAuthority",
    "TimeStampRequest",
    "TsaIdentity",
    "check_identity",
    "generate_identity",
    "granted_response",
    "load_identity",
    "load_or_create_identity",
    "parse_request",
    "rejection_response",
    "respond",
    "self_signed_certificate",
]
