"""What an auditor remembers between runs: the log's key and the last checkpoint verified.

A small JSON file, replaced atomically (written beside, fsynced, renamed over), so a crash
leaves the old state or the new one, never half of each. It keeps the whole signed note,
so the state's size and root are re-verified with its key whenever it is read.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from errorledger_client.audit.errors import StateFileError

FORMAT = "errorledger-verify-state/1"


@dataclasses.dataclass(frozen=True)
class AuditState:
    project: str
    verifier_key: str
    key_trust: str  # how the key was first taken: "given" or "trusted on first use"
    checkpoint: str  # the signed note last verified
    size: int  # the note's, kept for people reading the file
    root_hash: str  # base64, the same
    verified_at: str  # RFC 3339


def load_state(path: Path) -> AuditState | None:
    """The state in ``path``, or None if there is no such file yet."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateFileError(f"cannot read the state file {path}: {exc.strerror}") from None
    try:
        data = json.loads(raw)
    except ValueError:  # not UTF-8, or not JSON
        raise StateFileError(f"the state file {path} is not JSON") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StateFileError(f"the state file {path} is not an errorledger verify state")
    return _state(path, data)


def _state(path: Path, data: dict[str, Any]) -> AuditState:
    values: dict[str, Any] = {}
    for field in dataclasses.fields(AuditState):
        value = data.get(field.name)
        expected = int if field.name == "size" else str
        if type(value) is not expected:
            raise StateFileError(f"the state file {path} has no valid {field.name!r}")
        values[field.name] = value
    return AuditState(**values)


def save_state(path: Path, state: AuditState) -> None:
    """Replace ``path`` with ``state``, atomically and durably."""
    body = json.dumps({"format": FORMAT, **dataclasses.asdict(state)}, indent=2).encode()
    directory = path.parent
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(body + b"\n")
                file.flush()
                os.fsync(file.fileno())
            Path(temporary).replace(path)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(temporary).unlink()
            raise
        _fsync_directory(directory)
    except OSError as exc:
        raise StateFileError(f"cannot write the state file {path}: {exc.strerror}") from None


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
