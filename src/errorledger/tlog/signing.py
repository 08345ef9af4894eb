"""Signing checkpoints: the server's half of C2SP signed notes (https://c2sp.org/signed-note).

Keys, parsing and verification are the client's (``errorledger_client.log.note``), which
auditors install without the server; only the holder of the private key needs this. The
signer key string is Go's ``golang.org/x/mod/sumdb/note``'s,
``PRIVATE+KEY+name+<hex key id>+base64(0x01 ‖ seed)``, so keys move between our tools and
theirs.
"""

from __future__ import annotations

import base64
import dataclasses

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from errorledger_client.log.checkpoint import Checkpoint
from errorledger_client.log.note import (
    ED25519_TYPE,
    SIGNATURE_PREFIX,
    Signature,
    Verifier,
    check_note_text,
    is_valid_key_name,
    split_key,
)


@dataclasses.dataclass(frozen=True)
class Signer:
    """An Ed25519 private key (its 32-byte seed) under a name."""

    name: str
    seed: bytes = dataclasses.field(repr=False)

    def __post_init__(self) -> None:
        if not is_valid_key_name(self.name):
            raise ValueError(f"invalid key name {self.name!r}")
        if len(self.seed) != 32:
            raise ValueError("an Ed25519 seed is 32 bytes")

    @classmethod
    def generate(cls, name: str) -> Signer:
        private = Ed25519PrivateKey.generate().private_bytes_raw()
        return cls(name, private)

    @classmethod
    def from_key(cls, skey: str) -> Signer:
        """Parse ``PRIVATE+KEY+name+hexid+base64(0x01 ‖ seed)``; ValueError if malformed."""
        if not skey.startswith("PRIVATE+KEY+"):
            raise ValueError("signer key does not start with PRIVATE+KEY+")
        name, hex_id, key = split_key(skey.removeprefix("PRIVATE+KEY+"), "signer")
        if not key.startswith(ED25519_TYPE) or len(key) != 33:
            raise ValueError("signer key is not an Ed25519 key")
        signer = cls(name, key[1:])
        if signer.verifier.key_id.hex() != hex_id.lower():
            raise ValueError(f"signer key id {hex_id} does not match its key")
        return signer

    @property
    def key(self) -> str:
        """The signer key string: a secret."""
        encoded = base64.b64encode(ED25519_TYPE + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{encoded}"

    @property
    def verifier(self) -> Verifier:
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key()
        return Verifier(self.name, public.public_bytes(Encoding.Raw, PublicFormat.Raw))

    def sign(self, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)


def sign_note(text: str, *signers: Signer) -> str:
    """The signed note: ``text``, a blank line, one signature line per signer."""
    check_note_text(text)
    if not signers:
        raise ValueError("a signed note needs at least one signer")
    message = text.encode()
    signatures = [Signature(s.name, s.verifier.key_id, s.sign(message)) for s in signers]
    return text + "\n" + "".join(map(signature_line, signatures))


def sign_checkpoint(checkpoint: Checkpoint, *signers: Signer) -> str:
    """The checkpoint as a signed note."""
    return sign_note(checkpoint.text(), *signers)


def signature_line(signature: Signature) -> str:
    """``— name base64(key id ‖ signature)``, the line ``open_note`` parses back."""
    encoded = base64.b64encode(signature.key_id + signature.signature).decode()
    return f"{SIGNATURE_PREFIX}{signature.name} {encoded}\n"
