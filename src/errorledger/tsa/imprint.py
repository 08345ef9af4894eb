"""What a time-stamp token is about: a hash algorithm and a digest (RFC 3161 MessageImprint)."""

from __future__ import annotations

import dataclasses
import enum

from errorledger.tsa import _der


class HashAlgorithm(enum.Enum):
    """The hash algorithms we time-stamp; the value is the algorithm's OID."""

    SHA256 = "2.16.840.1.101.3.4.2.1"
    SHA512 = "2.16.840.1.101.3.4.2.3"

    @property
    def digest_size(self) -> int:
        return _DIGEST_SIZES[self]

    @classmethod
    def from_oid(cls, dotted: str) -> HashAlgorithm | None:
        try:
            return cls(dotted)
        except ValueError:
            return None


_DIGEST_SIZES = {HashAlgorithm.SHA256: 32, HashAlgorithm.SHA512: 64}

# RFC 5754 section 2: SHA-2 AlgorithmIdentifiers are generated without parameters and
# accepted with or without NULL. A request's form is echoed, since RFC 3161 section 2.4.2
# wants the token's messageImprint to equal the request's.
_ALGORITHM_IDENTIFIERS = {
    (algorithm, null): _der.tlv(
        _der.SEQUENCE,
        _der.object_identifier(algorithm.value),
        _der.tlv(_der.NULL) if null else b"",
    )
    for algorithm in HashAlgorithm
    for null in (False, True)
}


@dataclasses.dataclass(frozen=True, slots=True)
class MessageImprint:
    """``null_parameters`` says whether the AlgorithmIdentifier carries an explicit NULL."""

    hash_algorithm: HashAlgorithm
    digest: bytes
    null_parameters: bool = False

    def __post_init__(self) -> None:
        if len(self.digest) != self.hash_algorithm.digest_size:
            raise ValueError(
                f"a {self.hash_algorithm.name} digest has {self.hash_algorithm.digest_size}"
                f" bytes, got {len(self.digest)}"
            )

    def to_der(self) -> bytes:
        return _der.tlv(
            _der.SEQUENCE,
            _ALGORITHM_IDENTIFIERS[self.hash_algorithm, self.null_parameters],
            _der.tlv(_der.OCTET_STRING, self.digest),
        )
