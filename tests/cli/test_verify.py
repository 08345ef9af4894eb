"""``errorledger verify``: a log that checks out verifies; a log rewritten in any way fails.

The first tests drive ``client.audit`` over a log built in memory; the rest run the command
against real ``errorledger serve`` processes on SQLite, and rewrite the database behind
the server's back as an insider would.
"""

from __future__ import annotations

import base64
import dataclasses
import http.client
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from errorledger.cli import app
from errorledger.client import (
    AuditState,
    ClientError,
    Hooks,
    StateFileError,
    audit,
    auditing,
    load_state,
    save_state,
)
from errorledger.client import http as http_module
from errorledger.client.state import FORMAT
from errorledger.clock import rfc3339_z
from errorledger.settings import Settings
from errorledger.tlog.leaf import content_digest
from errorledger.tlog.proofs import consistency_proof
from errorledger.tlog.signing import Signer, sign_checkpoint
from errorledger.tlog.stored import MemoryHashStore
from errorledger_client.log.canonical import leaf_data
from errorledger_client.log.checkpoint import Checkpoint
from errorledger_client.log.hashing import leaf_hash, root_hash
from errorledger_client.log.note import ED25519_TYPE
from errorledger_client.log.verify import VerificationError
from tests.serverproc import ServerPool, ServerProcess, free_port
from tests.support import SEED_EXAMPLE, Tenant, create_tenant

runner = CliRunner()
PROJECT = "p-1"
SIGNER = Signer("errorledger", bytes(range(32)))
OTHER_SIGNER = Signer("errorledger", bytes(32))


# a log in memory ------------------------------------------------------------------------------


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


# real servers ---------------------------------------------------------------------------------


@dataclasses.dataclass
class Site:
    """A server process on a SQLite database in ``data_dir``."""

    server: ServerProcess
    data_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "errorledger.db"

    @property
    def url(self) -> str:
        return self.server.base_url


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'errorledger.db'}"


@pytest.fixture(scope="module")
def pools() -> Iterator[list[ServerPool]]:
    """Every server pool the module starts; all of them killed at its end."""
    started: list[ServerPool] = []
    try:
        yield started
    finally:
        for pool in started:
            pool.close()


def start_site(data_dir: Path, log_dir: Path, pools: list[ServerPool]) -> Site:
    pool = ServerPool(data_dir=data_dir, database_url=sqlite_url(data_dir), log_dir=log_dir)
    pools.append(pool)
    [server] = pool.start()
    return Site(server, data_dir)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, pools: list[ServerPool]) -> Site:
    data_dir = tmp_path_factory.mktemp("site") / "data"
    # A project before the first start, so that serve creates no default one.
    create_tenant(Settings(data_dir=data_dir, database_url=sqlite_url(data_dir)))
    return start_site(data_dir, data_dir.parent, pools)


def new_tenant(site: Site) -> Tenant:
    settings = Settings(data_dir=site.data_dir, database_url=sqlite_url(site.data_dir))
    return create_tenant(settings, name=f"audited-{uuid.uuid4().hex[:8]}")


def post_logs(site: Site, tenant: Tenant, count: int, tag: str = "log") -> None:
    with httpx.Client(base_url=site.url, timeout=30) as client:
        for n in range(count):
            body = {**SEED_EXAMPLE, "exception": f"{tag} {n}"}
            reply = client.post(
                f"/api/v3/integrations/{tenant.integration_id}/logs", json=body, auth=tenant.basic
            )
            assert reply.status_code == 201, reply.text
            reply = client.post(
                f"/import/{tag}/errors",
                json={"error": f"{tag} {n}", "details": {"row": n, "ratio": n / 7}},
                headers=tenant.bearer,
            )
            assert reply.status_code == 201, reply.text


def verify(site: Site, tenant: Tenant, *args: str, token: str | None = None) -> Any:
    command = ["verify", "--url", site.url, "--project", tenant.project_id, *args]
    return runner.invoke(app, command, env={"ERRORLEDGER_TOKEN": token or tenant.key.token})


def summary(result: Any) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    [line] = result.stdout.splitlines()
    parsed: dict[str, Any] = json.loads(line)
    return parsed


def failure(result: Any, code: int, message: str) -> None:
    assert result.exit_code == code, result.output
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output


def write_sql(site: Site, sql: str, *params: Any) -> None:
    with sqlite3.connect(site.database, timeout=30) as conn:
        assert conn.execute(sql, params).rowcount == 1


@pytest.mark.slow
def test_an_empty_log_verifies(site: Site) -> None:
    tenant = new_tenant(site)
    result = verify(site, tenant, "--json")
    report = summary(result)
    assert (report["size"], report["leaves_recomputed"], report["ok"]) == (0, 0, True)
    assert report["root_hash"] == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    assert "trusted on first use" in result.stderr


@pytest.mark.slow
def test_a_fresh_log_then_a_grown_one_with_its_state(site: Site, tmp_path: Path) -> None:
    tenant = new_tenant(site)
    state = tmp_path / "audit.json"
    post_logs(site, tenant, 3)
    first = verify(site, tenant, "--state", str(state))
    assert first.exit_code == 0, first.output
    assert re.fullmatch(
        rf"verified errorledger/{tenant.project_id} at size 6 \(root [A-Za-z0-9+/=]{{44}}\): "
        r"6 leaves recomputed from their entries; "
        r"key errorledger\+[0-9a-f]{8} trusted on first use\n",
        first.stdout,
    )
    assert f"it is now pinned in {state}" in first.stderr
    pinned = json.loads(state.read_text())
    assert (pinned["size"], pinned["key_trust"]) == (6, "trusted on first use")
    assert pinned["verifier_key"] == httpx.get(f"{site.url}/v1/tlog/verifier-key").text.strip()

    post_logs(site, tenant, 2, tag="later")
    second = summary(verify(site, tenant, "--state", str(state), "--json"))
    assert (second["size"], second["consistent_with"], second["key_from"]) == (10, 6, "state file")
    assert json.loads(state.read_text())["size"] == 10
    again = verify(site, tenant, "--state", str(state), "--key", pinned["verifier_key"])
    assert again.exit_code == 0, again.output
    assert "consistent with size 10 from" in again.stdout
    assert again.stderr == ""


def _rewrite_content(site: Site, entry_id: int) -> None:
    """What an insider with the database can do: ``UPDATE entries SET content = …``."""
    write_sql(
        site,
        "UPDATE entries SET content = replace(content, 'log 1', 'all fine') WHERE id = ?",
        entry_id,
    )


def _rewrite_content_and_digest(site: Site, entry_id: int) -> None:
    _rewrite_content(site, entry_id)
    with sqlite3.connect(site.database) as conn:
        [(content,)] = conn.execute("SELECT content FROM entries WHERE id = ?", (entry_id,))
    digest = content_digest(json.loads(content))
    write_sql(site, "UPDATE entries SET content_sha256 = ? WHERE id = ?", digest, entry_id)


def _rewrite_everything_but_the_tree(site: Site, entry_id: int) -> None:
    _rewrite_content_and_digest(site, entry_id)
    with sqlite3.connect(site.database) as conn:
        [row] = conn.execute(
            "SELECT kind, project_id, received_at, content_sha256, source FROM entries "
            "WHERE id = ?",
            (entry_id,),
        )
    data = leaf_data(
        kind=row[0],
        entry_id=entry_id,
        project=row[1],
        source=row[4],
        received_at=row[2],
        content_sha256=row[3],
    )
    write_sql(site, "UPDATE entries SET leaf_hash = ? WHERE id = ?", leaf_hash(data), entry_id)


DATABASE_TAMPERINGS = {
    "content": (_rewrite_content, "its content hashes to"),
    "content and content_sha256": (_rewrite_content_and_digest, "not to its leaf_hash"),
    "content, content_sha256 and leaf_hash": (
        _rewrite_everything_but_the_tree,
        "the root recomputed from 6 leaves",
    ),
    "received_at": (
        lambda site, n: write_sql(
            site, "UPDATE entries SET received_at = received_at - 1000000 WHERE id = ?", n
        ),
        "not to its leaf_hash",
    ),
    "moved to another integration": (
        lambda site, n: write_sql(site, "UPDATE entries SET source = '999' WHERE id = ?", n),
        "not to its leaf_hash",
    ),
    "row deleted": (
        lambda site, n: write_sql(site, "DELETE FROM entries WHERE id = ?", n),
        "1 of 6 leaves have no entry in the list",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", DATABASE_TAMPERINGS)
def test_a_record_rewritten_in_the_database_fails(site: Site, tmp_path: Path, name: str) -> None:
    tenant = new_tenant(site)
    post_logs(site, tenant, 3)
    state = tmp_path / "audit.json"
    assert verify(site, tenant, "--state", str(state)).exit_code == 0
    before = state.read_bytes()
    entries = httpx.get(
        f"{site.url}/v1/projects/{tenant.project_id}/entries",
        params={"kind": "integration_log"},
        headers=tenant.bearer,
    ).json()["data"]
    [target] = [e["id"] for e in entries if e["content"]["exception"] == "log 1"]
    tamper, message = DATABASE_TAMPERINGS[name]
    tamper(site, target)
    result = verify(site, tenant, "--state", str(state), "--json")
    failure(result, 1, message)
    assert json.loads(result.stdout) == {
        "ok": False,
        "exit_code": 1,
        "error": result.stderr.strip().removeprefix("error: "),
    }
    assert state.read_bytes() == before, "a failed audit leaves the state as it was"


@pytest.mark.slow
def test_a_wrong_or_malformed_key_fails(site: Site) -> None:
    tenant = new_tenant(site)
    post_logs(site, tenant, 1)
    failure(verify(site, tenant, "--key", OTHER_SIGNER.verifier.key), 1, "no signature by")
    # Another key's name and id over this log's public key: the id gives it away.
    public = base64.b64encode(ED25519_TYPE + SIGNER.verifier.public_key).decode()
    forged = f"errorledger+{OTHER_SIGNER.verifier.key_id.hex()}+{public}"
    failure(verify(site, tenant, "--key", forged), 2, "--key is not a verifier key")


@pytest.mark.slow
def test_a_state_file_for_another_project_fails(site: Site, tmp_path: Path) -> None:
    one, other = new_tenant(site), new_tenant(site)
    state = tmp_path / "audit.json"
    assert verify(site, one, "--state", str(state)).exit_code == 0
    failure(verify(site, other, "--state", str(state)), 2, f"is for project {one.project_id}")
    state.write_text("{")
    failure(verify(site, one, "--state", str(state)), 2, "is not JSON")


def copy_site(site: Site, data_dir: Path, *, with_keys: bool) -> None:
    """A copy of the site's database (and keys): a second log that shares the first's past."""
    data_dir.mkdir(parents=True)
    with (
        sqlite3.connect(site.database) as source,
        sqlite3.connect(data_dir / "errorledger.db") as target,
    ):
        source.backup(target)
    if with_keys:
        shutil.copytree(site.data_dir / "keys", data_dir / "keys")


@pytest.mark.slow
def test_a_state_file_from_another_log_fails(
    site: Site, tmp_path: Path, pools: list[ServerPool]
) -> None:
    tenant = new_tenant(site)
    state = tmp_path / "audit.json"
    post_logs(site, tenant, 2)
    assert verify(site, tenant, "--state", str(state)).exit_code == 0
    copy_site(site, tmp_path / "fork", with_keys=True)  # same key, same first 4 leaves
    copy_site(site, tmp_path / "rekeyed", with_keys=False)  # same leaves, a new key
    post_logs(site, tenant, 1)
    assert verify(site, tenant, "--state", str(state)).exit_code == 0  # at 6 leaves

    fork = start_site(tmp_path / "fork", tmp_path / "fork", pools)
    failure(verify(fork, tenant, "--state", str(state)), 1, "the log shrank: 4 leaves now, 6")
    post_logs(fork, tenant, 2, tag="forked")
    failure(verify(fork, tenant, "--state", str(state)), 1, "does not extend the one of 6")
    assert summary(verify(fork, tenant, "--json"))["size"] == 8  # on its own, it is a log

    rekeyed = start_site(tmp_path / "rekeyed", tmp_path / "rekeyed", pools)
    post_logs(rekeyed, tenant, 2, tag="rekeyed")
    failure(verify(rekeyed, tenant, "--state", str(state)), 1, "checkpoint's signature")


@pytest.mark.slow
def test_what_stops_the_check_exits_2(site: Site) -> None:
    tenant = new_tenant(site)
    result = runner.invoke(
        app,
        ["verify", "--url", site.url, "--project", tenant.project_id],
        env={"ERRORLEDGER_TOKEN": ""},
    )
    failure(result, 2, "no API token")
    failure(verify(site, tenant, token="elk_nobody.nothing"), 2, "HTTP 401")
    other = new_tenant(site)
    failure(verify(site, other, token=tenant.key.token), 2, "HTTP 404")
    result = runner.invoke(
        app,
        ["verify", "--url", f"http://127.0.0.1:{free_port()}", "--project", tenant.project_id],
        env={"ERRORLEDGER_TOKEN": tenant.key.token},
    )
    failure(result, 2, "could not verify: GET http://127.0.0.1:")
    result = runner.invoke(
        app,
        ["verify", "--url", "ftp://x", "--project", tenant.project_id],
        env={"ERRORLEDGER_TOKEN": tenant.key.token},
    )
    failure(result, 2, "is not an http:// or https:// URL")


@pytest.mark.slow
def test_a_log_longer_than_a_page_is_read_through_one_connection(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = new_tenant(site)
    post_logs(site, tenant, 60)  # 120 entries: two pages of the native list
    connects: list[object] = []
    connect = http.client.HTTPConnection.connect

    def counted(self: http.client.HTTPConnection) -> None:
        connects.append(self)
        connect(self)

    monkeypatch.setattr(http.client.HTTPConnection, "connect", counted)
    report = summary(verify(site, tenant, "--json"))
    assert (report["size"], report["leaves_recomputed"]) == (120, 120)
    assert len(connects) == 1


# docs/transparency.md ------------------------------------------------------------------------

DOC = Path(__file__).resolve().parents[2] / "docs" / "transparency.md"
GOPATH = Path("/usr/share/gocode")
VENV_BIN = Path(sys.executable).parent


def doc_script(*, env_line: str, old: int, capsules: bool) -> tuple[str, str]:
    """The page's shell blocks as one script, and its Go program."""
    blocks = re.findall(r"(<!-- capsules[^\n]*-->\n)?```(sh|go)\n(.*?)```", DOC.read_text(), re.S)
    [go] = [body for _, lang, body in blocks if lang == "go"]
    shell = [body for mark, lang, body in blocks if lang == "sh" and (capsules or not mark)]
    script = "\n".join(shell)
    script, replaced = re.subn(
        r"^export URL=\S+ PROJECT=\S+ ERRORLEDGER_TOKEN=\S+$", env_line, script, flags=re.M
    )
    assert replaced == 1
    script, replaced = re.subn(r"^OLD=.*$", f"OLD={old}", script, flags=re.M)
    assert replaced == 1
    return script, go


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl (apt: openssl)")
@pytest.mark.skipif(shutil.which("go") is None, reason="no go toolchain (apt: golang-go)")
@pytest.mark.skipif(
    not (GOPATH / "src/golang.org/x/mod/sumdb/note").is_dir(),
    reason="no x/mod sources (apt: golang-golang-x-mod-dev)",
)
def test_the_transparency_doc_runs(site: Site, tmp_path: Path) -> None:
    tenant = new_tenant(site)
    post_logs(site, tenant, 2)
    base = f"{site.url}/v1/projects/{tenant.project_id}"
    assert httpx.get(f"{base}/tlog/checkpoint", headers=tenant.bearer).status_code == 200
    post_logs(site, tenant, 150, tag="more")  # 304 leaves: one full tile, one partial
    capsules = httpx.get(
        f"{site.url}/v4/applications/{tenant.project_id}/envs/PRODUCTION/log-capsules",
        headers=tenant.bearer,
    )
    served = capsules.status_code != 404
    script, go = doc_script(
        env_line=(
            f"export URL={site.url} PROJECT={tenant.project_id} "
            f"ERRORLEDGER_TOKEN={tenant.key.token}"
        ),
        old=4,
        capsules=served,
    )
    (tmp_path / "verifynote.go").write_text(go)
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
        "GOCACHE": str(tmp_path / "gocache"),
        "GOFLAGS": "",
    }
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    out = result.stdout
    assert out.count("Verification: OK") == (3 if served else 2)
    assert f"errorledger/{tenant.project_id}\n304\n" in out  # Go's note.Open printed the text
    assert f"verified errorledger/{tenant.project_id} at size 304 " in out
    assert "given with --key" in out
    assert "leaf 303 is in the tree of size 304" in out
    assert "the tree of size 304 extends the tree of size 4" in out
    assert "bundle entry 0 is leaf 0" in out
    assert "sha256sum of its canonical content is its content_sha256" in out
    assert "tile hash 0 is SHA-256(0x00 ‖ leaf 0)" in out


# the HTTP client ------------------------------------------------------------------------------


def test_http_errors_and_waits_are_described() -> None:
    problem = b'{"type": "/problems/not-found", "title": "Not Found.", "detail": "no project"}'
    assert http_module._describe(http_module.Reply(404, {}, problem)) == (
        "HTTP 404 Not Found: no project"
    )
    assert http_module._describe(http_module.Reply(502, {}, b"<html>")) == "HTTP 502 Bad Gateway"
    assert http_module._retry_wait("3", 0) == 3.0
    assert http_module._retry_wait("86400", 0) == http_module.MAX_RETRY_WAIT_S
    assert http_module._retry_wait(None, 2) == 2.0
    with pytest.raises(VerificationError, match="not JSON"):
        http_module._json(http_module.Reply(200, {}, b"<html>"))
    with pytest.raises(VerificationError, match="not base64"):
        http_module._hashes({"hashes": ["***"]}, "consistency proof")
