"""The audit over a log built in memory: a log that checks out verifies; a log rewritten in
any way fails, with a message that says what does not hold."""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from errorledger.clock import rfc3339_z
from errorledger.tlog.proofs import consistency_proof
from errorledger.tlog.signing import Signer, sign_checkpoint
from errorledger.tlog.stored import MemoryHashStore
from errorledger_client.audit import (
    AuditState,
    ClientError,
    Hooks,
    StateFileError,
    audit,
    auditing,
    load_state,
    save_state,
)
from errorledger_client.audit.state import FORMAT
from errorledger_client.log import (
    Checkpoint,
    VerificationError,
    content_digest,
    leaf_data,
    leaf_hash,
    root_hash,
)

PROJECT = "p-1"
SIGNER = Signer("errorledger", bytes(range(32)))
OTHER_SIGNER = Signer("errorledger", bytes(32))


def make_entry(n: int, project: str = PROJECT) -> dict[str, Any]:
    """An entry as the native list renders it, for leaf ``n - 1``."""
    content = {"exception": f"failure {n}", "n": n, "ratio": n / 3}
    received_at = 1_700_000_000_000_000 + n * 1_234_567
    digest = content_digest(content)
    data = leaf_data(
        kind="import_error",
        entry_id=n,
        project=project,
        source="batch",
        received_at=received_at,
        content_sha256=digest,
    )
    return {
        "id": n,
        "kind": "import_error",
        "source": "batch",
        "received_at": rfc3339_z(received_at),
        "received_at_us": received_at,
        "leaf_index": n - 1,
        "leaf_hash": base64.b64encode(leaf_hash(data)).decode(),
        "content_sha256": digest,
        "content": content,
    }


@dataclasses.dataclass
class MemoryLog:
    """A LogSource over a list of entries, signed by SIGNER, served newest first."""

    entries: list[dict[str, Any]]
    signer: Signer = SIGNER
    project: str = PROJECT
    extra: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def _hashes(self) -> list[bytes]:
        return [base64.b64decode(e["leaf_hash"]) for e in self.entries]

    def verifier_key(self) -> str:
        return self.signer.verifier.key

    def checkpoint(self, project: str) -> tuple[bytes, str | None]:
        hashes = self._hashes()
        origin = f"errorledger/{self.project}"
        note = sign_checkpoint(Checkpoint(origin, len(hashes), root_hash(hashes)), self.signer)
        return note.encode(), None

    def consistency(self, project: str, first: int, second: int) -> list[bytes]:
        store = MemoryHashStore()
        store.append(self._hashes()[:second])
        return consistency_proof(first, second, store.hashes)

    def entry_pages(self, project: str) -> Iterator[list[Any]]:
        listed = sorted(self.entries + self.extra, key=lambda e: e["id"], reverse=True)
        for start in range(0, len(listed), 3):
            yield listed[start : start + 3]


def run_audit(log: MemoryLog, state: AuditState | None = None, **kwargs: Any) -> Any:
    return audit(log, PROJECT, key=kwargs.pop("key", None), state=state, **kwargs)


def test_a_log_in_memory_verifies_and_grows() -> None:
    log = MemoryLog([make_entry(n) for n in range(1, 11)])
    warnings: list[str] = []
    first = run_audit(log, hooks=Hooks(warning=warnings.append))
    assert (first.checkpoint.size, first.leaves, first.key_trust) == (
        10,
        10,
        "trusted on first use",
    )
    assert "trusted on first use" in warnings[0]
    log.entries += [make_entry(n) for n in range(11, 18)]
    second = run_audit(log, first.state(PROJECT))
    assert (second.checkpoint.size, second.previous_size, second.key_from) == (17, 10, "state file")


def test_entries_past_the_checkpoint_are_left_for_the_next_audit() -> None:
    log = MemoryLog([make_entry(n) for n in range(1, 6)], extra=[make_entry(6), make_entry(7)])
    report = run_audit(log)
    assert (report.leaves, report.newer_entries) == (5, 2)


def test_progress_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auditing, "PROGRESS_EVERY", 4)
    seen: list[tuple[int, int]] = []
    run_audit(
        MemoryLog([make_entry(n) for n in range(1, 10)]),
        hooks=Hooks(progress=lambda *a: seen.append(a)),
    )
    assert seen == [(4, 9), (8, 9)]


def _set(entry: dict[str, Any], **values: Any) -> dict[str, Any]:
    return {**entry, **values}


MEMORY_TAMPERINGS = {
    "content": (lambda e: _set(e, content={"exception": "forged"}), "its content hashes to"),
    "kind": (lambda e: _set(e, kind="capsule"), "not to its leaf_hash"),
    "received_at_us": (
        lambda e: _set(e, received_at_us=e["received_at_us"] + 1),
        "is not received_at_us",
    ),
    "received_at both": (
        lambda e: _set(
            e,
            received_at_us=e["received_at_us"] + 1,
            received_at=rfc3339_z(e["received_at_us"] + 1),
        ),
        "not to its leaf_hash",
    ),
    "received_at without an offset": (
        lambda e: _set(e, received_at=e["received_at"].removesuffix("Z")),
        "is not RFC 3339",
    ),
    "content beyond canonical JSON": (
        lambda e: _set(e, content={"x": float("inf")}),  # what json reads from 1e400
        "its content has no canonical JSON",
    ),
    "no received_at_us": (
        lambda e: {k: v for k, v in e.items() if k != "received_at_us"},
        "older than this verifier",
    ),
    "leaf index": (lambda e: _set(e, leaf_index=-1), "leaf_index -1"),
    "leaf hash": (lambda e: _set(e, leaf_hash="AAAA"), "is not a base64 SHA-256"),
    "id is a bool": (lambda e: _set(e, id=True), "of the wrong type"),
}


@pytest.mark.parametrize("name", MEMORY_TAMPERINGS)
def test_an_entry_that_does_not_match_its_leaf_fails(name: str) -> None:
    tamper, message = MEMORY_TAMPERINGS[name]
    log = MemoryLog([make_entry(n) for n in range(1, 6)])
    log.entries[2] = tamper(log.entries[2])
    with pytest.raises(VerificationError, match=message):
        run_audit(log)


def test_a_leaf_listed_twice_or_missing_fails() -> None:
    entries = [make_entry(n) for n in range(1, 6)]
    log = MemoryLog(entries)
    log.entries = entries[:2] + entries[3:]
    with pytest.raises(VerificationError, match=r"1 of 4 leaves have no entry in the list \(leaf"):
        run_audit(log)
    log = MemoryLog(entries, extra=[entries[1]])
    with pytest.raises(VerificationError, match="leaf 1 is listed twice"):
        run_audit(log)


def test_a_log_that_forks_or_shrinks_fails_against_its_state() -> None:
    entries = [make_entry(n) for n in range(1, 9)]
    state = run_audit(MemoryLog(entries[:6])).state(PROJECT)
    with pytest.raises(VerificationError, match="the log shrank: 5 leaves now, 6"):
        run_audit(MemoryLog(entries[:5]), state)
    forked = entries[:3] + [make_entry(n + 100) for n in range(4, 9)]
    for index, entry in enumerate(forked):
        entry["leaf_index"] = index
    with pytest.raises(VerificationError, match="does not extend the one of 6"):
        run_audit(MemoryLog(forked), state)
    with pytest.raises(VerificationError, match="it was rewritten"):
        run_audit(MemoryLog(forked[:6]), state)


def test_the_origin_must_name_the_project() -> None:
    with pytest.raises(VerificationError, match="is not <prefix>/p-1"):
        run_audit(MemoryLog([make_entry(1)], project="p-2"))


def test_keys_given_pinned_and_wrong() -> None:
    log = MemoryLog([make_entry(n) for n in range(1, 4)])
    report = run_audit(log, key=SIGNER.verifier.key)
    assert (report.key_trust, report.key_from) == ("given", "--key")
    with pytest.raises(VerificationError, match="no signature by a known key"):
        run_audit(log, key=OTHER_SIGNER.verifier.key)
    with pytest.raises(ClientError, match="not a verifier key"):
        run_audit(log, key="errorledger+00000000+AAAA")
    with pytest.raises(VerificationError, match="the state file pins the key"):
        run_audit(log, report.state(PROJECT), key=OTHER_SIGNER.verifier.key)
    # The server's key changed: the pinned key no longer verifies its checkpoints.
    with pytest.raises(VerificationError, match="checkpoint's signature"):
        run_audit(MemoryLog(log.entries, signer=OTHER_SIGNER), report.state(PROJECT))


def test_the_state_file_round_trips_and_rejects_what_is_not_one(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    assert load_state(path) is None
    state = run_audit(MemoryLog([make_entry(1)])).state(PROJECT)
    save_state(path, state)
    assert load_state(path) == state
    assert json.loads(path.read_text())["format"] == FORMAT
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary left
    for text in ["not json", "{}", json.dumps({"format": FORMAT, "size": "1"})]:
        path.write_text(text)
        with pytest.raises(StateFileError):
            load_state(path)
    edited = dataclasses.replace(state, size=7)
    with pytest.raises(StateFileError, match="not its checkpoint's"):
        run_audit(MemoryLog([make_entry(1)]), edited)
    with pytest.raises(StateFileError, match="is for project p-1, not p-2"):
        audit(MemoryLog([make_entry(1)]), "p-2", key=None, state=state)
