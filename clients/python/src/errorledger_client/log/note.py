"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys: keys, parsing and
verification. Signing is the server's (``errorledger.tlog.signing``).

Key strings are those of Go's ``golang.org/x/mod/sumdb/note``, so keys move between our
tools and theirs: the verifier key is ``name+<hex key id>+base64(0x01 ‖ public key)``.

Only checking a signature needs ``cryptography`` (the ``audit`` extra), so it is imported
there: parsing notes and keys, and the rest of the package, work without it.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import re
from collections.abc import Sequence

from errorledger_client.log.verify import VerificationError

ED25519_TYPE = b"\x01"
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
MAX_SIGNATURES = 100  # Go's limit; the spec asks for at least 16
_KEY_ID_SIZE = 4
_HEX_KEY_ID = re.compile(r"[0-9a-fA-F]{8}")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


class MissingExtraError(ImportError):
    """A signature was to be checked without ``cryptography``: the ``audit`` extra is not
    installed."""


def key_id(name: str, public_key: bytes) -> bytes:
    """``SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]``."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519_TYPE + public_key).digest()[:_KEY_ID_SIZE]


def is_valid_key_name(name: str) -> bool:
    """Non-empty, with no Unicode space and no ``+``."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


@dataclasses.dataclass(frozen=True)
class Verifier:
    """An Ed25519 public key under a name."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        if not is_valid_key_name(self.name):
            raise ValueError(f"invalid key name {self.name!r}")
        if len(self.public_key) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")

    @classmethod
    def from_key(cls, vkey: str) -> Verifier:
        """Parse ``name+hexid+base64(0x01 ‖ public key)``; ValueError if malformed."""
        name, hex_id, key = split_key(vkey, "verifier")
        if not key.startswith(ED25519_TYPE) or len(key) != 33:
            raise ValueError("verifier key is not an Ed25519 key")
        verifier = cls(name, key[1:])
        if verifier.key_id.hex() != hex_id.lower():
            raise ValueError(f"verifier key id {hex_id} does not match its key")
        return verifier

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    @property
    def key(self) -> str:
        """The verifier key string."""
        encoded = base64.b64encode(ED25519_TYPE + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def verify(self, message: bytes, signature: bytes) -> None:
        """VerificationError unless ``signature`` is this key's over ``message``;
        MissingExtraError without ``cryptography``."""
        try:
            from cryptography.exceptions import InvalidSignature
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        except ModuleNotFoundError:
            raise MissingExtraError(
                "checking an Ed25519 signature needs the cryptography package: "
                "install errorledger-client[audit]"
            ) from None
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            raise VerificationError(
                f"invalid signature by {self.name}+{self.key_id.hex()}"
            ) from None


@dataclasses.dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes


@dataclasses.dataclass(frozen=True)
class Note:
    """An opened note: its text, the signatures verified, and those by unknown keys."""

    text: str
    verified: tuple[Signature, ...]
    unverified: tuple[Signature, ...] = ()


def open_note(message: str | bytes, verifiers: Sequence[Verifier]) -> Note:
    """Parse a signed note and check its signatures; VerificationError unless one verifies.

    Signatures by keys not in ``verifiers`` are kept aside, as the spec requires; a bad
    signature by a known key rejects the whole note.
    """
    if isinstance(message, bytes):
        try:
            message = message.decode()
        except UnicodeDecodeError:
            raise VerificationError("malformed note: not UTF-8") from None
    text, signatures = _split_note(message)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified: dict[tuple[str, bytes], Signature] = {}
    unverified: dict[Signature, None] = {}
    for signature in signatures:
        verifier = known.get((signature.name, signature.key_id))
        if verifier is None:
            unverified[signature] = None
        else:
            verifier.verify(text.encode(), signature.signature)
            verified.setdefault((signature.name, signature.key_id), signature)
    if not verified:
        names = ", ".join(f"{v.name}+{v.key_id.hex()}" for v in verifiers) or "none given"
        raise VerificationError(f"note has no signature by a known key ({names})")
    return Note(text, tuple(verified.values()), tuple(unverified))


def check_note_text(text: str) -> None:
    """ValueError unless ``text`` can be a note's text: what a signer must check first."""
    if not text.endswith("\n") or _CONTROL.search(text):
        raise ValueError("note text must end in a newline and hold no control characters")


def split_key(key: str, kind: str) -> tuple[str, str, bytes]:
    """``name+hexid+base64``'s three parts, the last decoded; ValueError if malformed."""
    name, _, rest = key.partition("+")
    hex_id, _, encoded = rest.partition("+")
    if not is_valid_key_name(name) or not _HEX_KEY_ID.fullmatch(hex_id):
        raise ValueError(f"malformed {kind} key")
    try:
        return name, hex_id, base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise ValueError(f"malformed {kind} key: bad base64") from None


def _split_note(message: str) -> tuple[str, list[Signature]]:
    if _CONTROL.search(message):
        raise VerificationError("malformed note: control character")
    split = message.rfind("\n\n")
    if split < 0:
        raise VerificationError("malformed note: no blank line before the signatures")
    text, block = message[: split + 1], message[split + 2 :]
    if not block.endswith("\n"):
        raise VerificationError("malformed note: signature block must end in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise VerificationError(f"malformed note: more than {MAX_SIGNATURES} signatures")
    return text, [_parse_signature_line(line) for line in lines]


def _parse_signature_line(line: str) -> Signature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise VerificationError(f"malformed note: signature line {line!r}")
    name, _, encoded = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raw = b""
    if not is_valid_key_name(name) or len(raw) <= _KEY_ID_SIZE:
        raise VerificationError(f"malformed note: signature line {line!r}")
    return Signature(name, raw[:_KEY_ID_SIZE], raw[_KEY_ID_SIZE:])
