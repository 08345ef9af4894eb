"""C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): a tree head as note text.

The text is ``origin``, the tree size in decimal, the base64 root hash, then optional
extension lines, each line ending in a newline. The server signs that text as a note
(``errorledger.tlog.signing``); here it is opened and parsed.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from collections.abc import Sequence

from errorledger_client.log.hashing import HASH_SIZE
from errorledger_client.log.note import Verifier, open_note
from errorledger_client.log.verify import VerificationError

_DECIMAL = re.compile(r"0|[1-9][0-9]*")


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise ValueError("checkpoint origin must be one non-empty line")
        if self.size < 0:
            raise ValueError("checkpoint size must not be negative")
        if len(self.root_hash) != HASH_SIZE:
            raise ValueError(f"checkpoint root hash must be {HASH_SIZE} bytes")
        if any(not line or "\n" in line for line in self.extensions):
            raise ValueError("checkpoint extension lines must be non-empty single lines")

    def text(self) -> str:
        """The note text (the body that gets signed)."""
        root = base64.b64encode(self.root_hash).decode()
        lines = [self.origin, str(self.size), root, *self.extensions]
        return "".join(line + "\n" for line in lines)


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse checkpoint note text; ValueError if it is not exactly the C2SP form."""
    if not text.endswith("\n"):
        raise ValueError("checkpoint text must end in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise ValueError(f"checkpoint text has {len(lines)} lines, needs at least 3")
    origin, size, root, *extensions = lines
    if not _DECIMAL.fullmatch(size):
        raise ValueError(f"checkpoint size {size!r} is not a decimal without leading zeros")
    try:
        root_hash = base64.b64decode(root, validate=True)
    except binascii.Error:
        raise ValueError(f"checkpoint root hash {root!r} is not base64") from None
    if base64.b64encode(root_hash).decode() != root:
        raise ValueError(f"checkpoint root hash {root!r} is not canonical base64")
    return Checkpoint(origin, int(size), root_hash, tuple(extensions))


def open_checkpoint(
    message: str | bytes, verifiers: Sequence[Verifier], *, origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint and parse it; VerificationError on any failure.

    With ``origin``, the checkpoint must name that log.
    """
    note = open_note(message, verifiers)
    try:
        checkpoint = parse_checkpoint(note.text)
    except ValueError as exc:
        raise VerificationError(f"malformed checkpoint: {exc}") from None
    if origin is not None and checkpoint.origin != origin:
        raise VerificationError(f"checkpoint origin {checkpoint.origin!r}, expected {origin!r}")
    return checkpoint
