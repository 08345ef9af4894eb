"""An audit of one project's transparency log, from its server's API alone.

1. Take the log's key: the one given, else the one the state file pinned, else the
   server's (trusted on first use, and pinned from then on if there is a state file).
2. Verify the checkpoint's signature, and that its origin is ``<prefix>/<project id>``.
3. Prove it consistent with the last checkpoint verified (from the state file): the tree
   may only grow, and only by appending (RFC 9162 §2.1.4).
4. Recompute every leaf below the checkpoint's size from the entries the native list
   serves (``audit.leaves``), and from those the root (RFC 9162 §2.1.1): it must be the
   checkpoint's.

Nothing is taken on the server's word but the key on first use: every failure raises
``VerificationError``; what stops the audit before a verdict raises ``ClientError`` (or
``MissingExtraError``, without the ``audit`` extra's cryptography: ``audit.errors``).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, Protocol

from errorledger_client.audit.errors import ClientError, StateFileError
from errorledger_client.audit.leaves import LeafTable, entry_leaf
from errorledger_client.audit.state import AuditState
from errorledger_client.log.checkpoint import Checkpoint, open_checkpoint
from errorledger_client.log.hashing import root_hash
from errorledger_client.log.note import SIGNATURE_PREFIX, Verifier
from errorledger_client.log.verify import VerificationError, verify_consistency

KEY_GIVEN = "given"
KEY_TOFU = "trusted on first use"
PROGRESS_EVERY = 10_000  # leaves between two progress reports


class LogSource(Protocol):
    """What an audit reads; ``audit.http.LogClient`` reads it from a server."""

    def verifier_key(self) -> str: ...
    def checkpoint(self, project: str) -> tuple[bytes, str | None]: ...
    def consistency(self, project: str, first: int, second: int) -> list[bytes]: ...
    def entry_pages(self, project: str) -> Iterator[list[Any]]: ...


@dataclasses.dataclass(frozen=True)
class AuditReport:
    checkpoint: Checkpoint
    leaves: int  # leaves recomputed: the checkpoint's size
    newer_entries: int  # entries past the checkpoint, left for the next audit
    previous_size: int | None  # the state's checkpoint, proven consistent
    verifier_key: str
    key_trust: str  # KEY_GIVEN or KEY_TOFU
    key_from: str  # "--key", "state file" or "server"
    note: str
    timestamp_token: str | None  # base64 RFC 3161 token over the note, unverified here

    def state(self, project: str) -> AuditState:
        """What the next audit starts from."""
        return AuditState(
            project=project,
            verifier_key=self.verifier_key,
            key_trust=self.key_trust,
            checkpoint=self.note,
            size=self.checkpoint.size,
            root_hash=_b64(self.checkpoint.root_hash),
            verified_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        )


@dataclasses.dataclass(frozen=True)
class Hooks:
    """Where the audit reports as it goes: leaves done so far, and warnings."""

    progress: Callable[[int, int], None] = lambda done, total: None
    warning: Callable[[str], None] = lambda message: None


def audit(
    client: LogSource,
    project: str,
    *,
    key: str | None,
    state: AuditState | None,
    hooks: Hooks | None = None,
) -> AuditReport:
    """Audit ``project``'s log on ``client``'s server; VerificationError on any failure."""
    hooks = hooks or Hooks()
    raw_note, token = client.checkpoint(project)  # first: a bad token or project stops here
    verifier, trust, key_from = _choose_key(client, key, state, hooks)
    previous = None if state is None else _previous(state, project, verifier)
    checkpoint = _open(raw_note, verifier)
    _check_origin(checkpoint, project, previous)
    if previous is not None:
        _check_consistency(client, project, previous, checkpoint)
    table, newer = _recompute_leaves(client, project, checkpoint.size, hooks)
    root = root_hash(table.hashes())
    if root != checkpoint.root_hash:
        raise VerificationError(
            f"the root recomputed from {checkpoint.size} leaves is {_b64(root)}, "
            f"but the checkpoint says {_b64(checkpoint.root_hash)}"
        )
    return AuditReport(
        checkpoint=checkpoint,
        leaves=table.count,
        newer_entries=newer,
        previous_size=None if previous is None else previous.size,
        verifier_key=verifier.key,
        key_trust=trust,
        key_from=key_from,
        note=raw_note.decode(),
        timestamp_token=token,
    )


def _choose_key(
    client: LogSource, key: str | None, state: AuditState | None, hooks: Hooks
) -> tuple[Verifier, str, str]:
    if key is not None:
        try:
            verifier = Verifier.from_key(key.strip())
        except ValueError as exc:
            raise ClientError(f"--key is not a verifier key (name+hexid+base64): {exc}") from None
        if state is not None and state.verifier_key != verifier.key:
            raise VerificationError(
                f"the state file pins the key {state.verifier_key}, not --key {verifier.key}: "
                "a log's key does not change (if this one did, start a new state file)"
            )
        return verifier, KEY_GIVEN, "--key"
    if state is not None:
        try:
            return Verifier.from_key(state.verifier_key), state.key_trust, "state file"
        except ValueError as exc:
            raise StateFileError(f"the state file's verifier key is malformed: {exc}") from None
    served = client.verifier_key()
    try:
        verifier = Verifier.from_key(served)
    except ValueError as exc:
        raise VerificationError(
            f"the server's verifier key {served!r} is malformed: {exc}"
        ) from None
    hooks.warning(
        f"the log's key {verifier.key} was fetched from the server and trusted on first use; "
        "pass --key to check it against a key you got elsewhere"
    )
    return verifier, KEY_TOFU, "server"


def _previous(state: AuditState, project: str, verifier: Verifier) -> Checkpoint:
    """The state's checkpoint, re-verified: the file says nothing its note does not sign."""
    if state.project != project:
        raise StateFileError(f"the state file is for project {state.project}, not {project}")
    try:
        previous = open_checkpoint(state.checkpoint, [verifier])
    except VerificationError as exc:
        raise StateFileError(f"the state file's checkpoint does not verify: {exc}") from None
    if previous.size != state.size or _b64(previous.root_hash) != state.root_hash:
        raise StateFileError("the state file's size or root_hash is not its checkpoint's")
    return previous


def _open(note: bytes, verifier: Verifier) -> Checkpoint:
    try:
        return open_checkpoint(note, [verifier])
    except VerificationError as exc:
        signers = _signers(note)
        by = f" (it is signed by {', '.join(signers)})" if signers else ""
        raise VerificationError(f"the checkpoint's signature: {exc}{by}") from None


def _signers(note: bytes) -> list[str]:
    """``name+hexid`` of each signature line, read leniently, to say who did sign."""
    found = []
    for line in note.decode(errors="replace").split("\n"):
        name, _, encoded = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
        if not line.startswith(SIGNATURE_PREFIX) or not encoded:
            continue
        try:
            found.append(f"{name}+{base64.b64decode(encoded, validate=True)[:4].hex()}")
        except binascii.Error:
            continue
    return found


def _check_origin(checkpoint: Checkpoint, project: str, previous: Checkpoint | None) -> None:
    prefix, _, named = checkpoint.origin.rpartition("/")
    if not prefix or named != project:
        raise VerificationError(
            f"the checkpoint's origin {checkpoint.origin!r} is not <prefix>/{project}: "
            "it is another project's log"
        )
    if previous is not None and previous.origin != checkpoint.origin:
        raise VerificationError(
            f"the checkpoint's origin is {checkpoint.origin!r}, the state's {previous.origin!r}"
        )


def _check_consistency(
    client: LogSource, project: str, previous: Checkpoint, current: Checkpoint
) -> None:
    if current.size < previous.size:
        raise VerificationError(
            f"the log shrank: {current.size} leaves now, {previous.size} at the last audit"
        )
    if current.size == previous.size and current.root_hash != previous.root_hash:
        raise VerificationError(
            f"the log of {current.size} leaves has the root {_b64(current.root_hash)} now, "
            f"{_b64(previous.root_hash)} at the last audit: it was rewritten"
        )
    proof = (
        client.consistency(project, previous.size, current.size)
        if 0 < previous.size < current.size
        else []
    )
    try:
        verify_consistency(
            previous.size, current.size, previous.root_hash, current.root_hash, proof
        )
    except VerificationError as exc:
        raise VerificationError(
            f"the log of {current.size} leaves does not extend the one of {previous.size} "
            f"verified last time: {exc}"
        ) from None


def _recompute_leaves(
    client: LogSource, project: str, size: int, hooks: Hooks
) -> tuple[LeafTable, int]:
    """Every leaf below ``size`` from the native list; and how many entries came after."""
    table = LeafTable(size)
    newer = 0
    for page in client.entry_pages(project):
        for entry in page:
            index, digest = entry_leaf(entry, project)
            if index is None:
                raise VerificationError(f"entry {entry['id']} has no place in the log")
            if index >= size:
                newer += 1  # committed after the checkpoint was made
                continue
            table.add(index, digest, entry["id"])
            if table.count % PROGRESS_EVERY == 0:
                hooks.progress(table.count, size)
    table.check_complete()
    return table, newer


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()
