"""Every leaf of a log recomputed from the entries the native list serves.

An entry names its leaf (``leaf_index``, ``leaf_hash``) and carries what the leaf commits to
(``kind``, ``id``, ``received_at_us``, ``content_sha256``, and ``content`` itself). The
leaf is rebuilt from those and the project id, never taken from the server; the content
must hash to the digest the leaf holds, so content rewritten in the database is caught.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, overload

from errorledger_client.log.canonical import content_digest, leaf_data
from errorledger_client.log.hashing import HASH_SIZE, leaf_hash
from errorledger_client.log.verify import VerificationError

MAX_REPORTED = 5  # missing leaves named in a failure message
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def entry_leaf(entry: Any, project: str) -> tuple[int | None, bytes]:
    """The entry's leaf index and its leaf hash, recomputed and checked against the served one.

    VerificationError if the content does not hash to ``content_sha256``, or the leaf rebuilt
    from the entry's fields is not the ``leaf_hash`` served.
    """
    if not isinstance(entry, dict):
        raise VerificationError(f"the entry list holds {type(entry).__name__}, not an entry")
    entry_id = _field(entry, "id", int, "an entry")
    where = f"entry {entry_id}"
    index = _field(entry, "leaf_index", int | None, where)
    if index is not None:
        if index < 0:
            raise VerificationError(f"{where} has leaf_index {index}")
        where += f" (leaf {index})"
    served_digest = _field(entry, "content_sha256", str, where)
    try:
        digest = content_digest(entry.get("content"))
    except (ValueError, RecursionError) as exc:  # JSON can spell 1e400 and "\ud800"; JCS cannot
        raise VerificationError(f"{where}: its content has no canonical JSON: {exc}") from None
    if digest != served_digest:
        raise VerificationError(
            f"{where}: its content hashes to {digest}, not to its content_sha256 "
            f"{served_digest}: the content was changed after it was logged"
        )
    received_at = _received_at(entry, where)
    data = leaf_data(
        kind=_field(entry, "kind", str, where),
        entry_id=entry_id,
        project=project,
        source=_field(entry, "source", str, where),
        received_at=received_at,
        content_sha256=digest,
    )
    recomputed = leaf_hash(data)
    served = _base64_hash(_field(entry, "leaf_hash", str, where), f"{where}: leaf_hash")
    if recomputed != served:
        raise VerificationError(
            f"{where}: the leaf recomputed from kind, id, project, received_at and "
            f"content_sha256 hashes to {_b64(recomputed)}, not to its leaf_hash {_b64(served)}"
        )
    return index, recomputed


class LeafTable:
    """The hash of each leaf below ``size``, each given exactly once: 33 bytes a leaf."""

    def __init__(self, size: int) -> None:
        try:
            self._hashes = bytearray(size * HASH_SIZE)
            self._seen = bytearray(size)
        except MemoryError:
            raise VerificationError(
                f"the checkpoint claims {size} leaves: not enough memory to check them"
            ) from None
        self.size = size
        self.count = 0

    def add(self, index: int, digest: bytes, entry_id: int | str) -> None:
        if not 0 <= index < self.size:
            raise ValueError(f"leaf {index} is not below {self.size}")
        if self._seen[index]:
            raise VerificationError(f"leaf {index} is listed twice (again by entry {entry_id})")
        self._seen[index] = 1
        self._hashes[index * HASH_SIZE : (index + 1) * HASH_SIZE] = digest
        self.count += 1

    def check_complete(self) -> None:
        """VerificationError naming the first leaves that no entry claimed."""
        if self.count == self.size:
            return
        missing: list[int] = []
        position = self._seen.find(0)
        while position >= 0 and len(missing) < MAX_REPORTED:
            missing.append(position)
            position = self._seen.find(0, position + 1)
        shown = ", ".join(map(str, missing))
        more = "" if self.size - self.count <= len(missing) else ", …"
        raise VerificationError(
            f"{self.size - self.count} of {self.size} leaves have no entry in the list "
            f"(leaf {shown}{more}): entries were deleted or are being hidden"
        )

    def hashes(self) -> Sequence[bytes]:
        """The leaf hashes in leaf order, without copying them out."""
        return _HashView(self._hashes)


class _HashView(Sequence[bytes]):
    def __init__(self, data: bytearray) -> None:
        self._data = memoryview(data)

    def __len__(self) -> int:
        return len(self._data) // HASH_SIZE

    @overload
    def __getitem__(self, index: int) -> bytes: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[bytes]: ...
    def __getitem__(self, index: int | slice) -> bytes | Sequence[bytes]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not 0 <= index < len(self):
            raise IndexError(index)
        return bytes(self._data[index * HASH_SIZE : (index + 1) * HASH_SIZE])


def _received_at(entry: Mapping[str, Any], where: str) -> int:
    """``received_at_us``, which must be the instant ``received_at`` shows."""
    if "received_at_us" not in entry:
        raise VerificationError(
            f"{where} has no received_at_us: the server is older than this verifier"
        )
    micros: int = _field(entry, "received_at_us", int, where)
    text: str = _field(entry, "received_at", str, where)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise VerificationError(f"{where}: received_at {text!r} is not RFC 3339")
    shown = (moment - _EPOCH) // _MICROSECOND
    if shown != micros:
        raise VerificationError(
            f"{where}: received_at {text} is not received_at_us {micros}, "
            "the time the log committed to"
        )
    return micros


def _field(entry: Mapping[str, Any], name: str, kind: Any, where: str) -> Any:
    value = entry.get(name)
    # bool is an int to isinstance, and never an id, index or time here.
    if isinstance(value, bool) or not isinstance(value, kind):
        if name not in entry:
            raise VerificationError(f"{where} has no {name}")
        raise VerificationError(f"{where} has {name} {value!r}, of the wrong type")
    return value


def _base64_hash(text: str, what: str) -> bytes:
    try:
        value = base64.b64decode(text, validate=True)
    except binascii.Error:
        value = b""
    if len(value) != HASH_SIZE:
        raise VerificationError(f"{what} {text!r} is not a base64 SHA-256")
    return value


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()
