"""``errorledger verify`` and ``errorledger-audit`` against real ``errorledger serve``
processes on SQLite: a log that checks out verifies; a log rewritten in the database behind
the server's back, as an insider would, fails. (The audit itself, over logs built in memory,
is tests/client/test_auditing.py.)
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from errorledger.cli import app
from errorledger.tlog.signing import Signer
from errorledger_client.audit import cli
from errorledger_client.log import content_digest, leaf_data, leaf_hash
from errorledger_client.log.note import ED25519_TYPE
from tests.serverproc import ServerPool, free_port
from tests.sites import Site, new_site, new_tenant, post_logs, start_site
from tests.support import Tenant, transparency_doc_blocks

runner = CliRunner()
SIGNER = Signer("errorledger", bytes(range(32)))
OTHER_SIGNER = Signer("errorledger", bytes(32))


@pytest.fixture(scope="module")
def pools() -> Iterator[list[ServerPool]]:
    """Every server pool the module starts; all of them killed at its end."""
    started: list[ServerPool] = []
    try:
        yield started
    finally:
        for pool in started:
            pool.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, pools: list[ServerPool]) -> Site:
    return new_site(tmp_path_factory.mktemp("site") / "data", pools)


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
    connect = socket.create_connection  # how httpx (httpcore) opens every connection

    def counted(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        connects.append(address)
        return connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", counted)
    report = summary(verify(site, tenant, "--json"))
    assert (report["size"], report["leaves_recomputed"]) == (120, 120)
    assert len(connects) == 1


@pytest.mark.slow
def test_proxy_variables_are_not_used(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    tenant = new_tenant(site)
    nowhere = f"http://127.0.0.1:{free_port()}"  # a proxy that would refuse every connection
    for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"]:
        monkeypatch.setenv(name, nowhere)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert summary(verify(site, tenant, "--json"))["ok"]


# errorledger-audit ----------------------------------------------------------------------------


def audit_command(
    capsys: pytest.CaptureFixture[str], site: Site, tenant: Tenant, *args: str
) -> tuple[int, str, str]:
    """``errorledger-audit`` run in this process: its exit status, stdout and stderr."""
    try:
        code = cli.main(["--url", site.url, "--project", tenant.project_id, *args])
    except SystemExit as usage_error:  # argparse's way out
        code = int(usage_error.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_errorledger_audit_prints_and_exits_as_errorledger_verify(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = new_tenant(site)
    post_logs(site, tenant, 2)
    monkeypatch.setenv("ERRORLEDGER_TOKEN", tenant.key.token)
    for args in [
        ("--json",),
        ("--key", SIGNER.verifier.key),  # not the log's key: exit 1
        ("--key", "errorledger+00000000+AAAA", "--json"),  # not a key at all: exit 2
        ("--state", str(tmp_path)),  # a directory: a usage error, exit 2
    ]:
        expected = verify(site, tenant, *args)
        code, out, err = audit_command(capsys, site, tenant, *args)
        assert code == expected.exit_code, (args, err)
        if code != 2 or "--json" in args:  # usage errors are worded by Typer and argparse
            assert (out, err) == (expected.stdout, expected.stderr), args
    state, copy = tmp_path / "audit.json", tmp_path / "copy.json"
    code, out, err = audit_command(capsys, site, tenant, "--state", str(state))
    assert (code, err.count("trusted on first use")) == (0, 1)
    post_logs(site, tenant, 1)
    shutil.copy(state, copy)
    expected = verify(site, tenant, "--state", str(copy))
    code, out, err = audit_command(capsys, site, tenant, "--state", str(state))
    assert (code, out.replace(str(state), str(copy)), err) == (0, expected.stdout, "")
    assert re.search(r"at size 6 .*, consistent with size 4 from .* by the state file\n$", out)


def test_errorledger_audit_without_a_token_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ERRORLEDGER_TOKEN", raising=False)
    assert cli.main(["--url", "http://127.0.0.1:1", "--project", "p", "--json"]) == 2
    out, err = capsys.readouterr()
    assert json.loads(out) == {"ok": False, "exit_code": 2, "error": err[7:].strip()}
    assert err.startswith("error: could not verify: no API token: set ERRORLEDGER_TOKEN")
    with pytest.raises(SystemExit) as exited:
        cli.main(["--project", "p"])
    assert exited.value.code == 2
    assert "--url" in capsys.readouterr().err


@pytest.mark.slow
def test_without_cryptography_the_audit_says_which_extra_to_install(
    site: Site, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = new_tenant(site)
    post_logs(site, tenant, 1)
    monkeypatch.setenv("ERRORLEDGER_TOKEN", tenant.key.token)
    for name in [n for n in sys.modules if n.partition(".")[0] == "cryptography"]:
        monkeypatch.setitem(sys.modules, name, None)  # what an uninstalled package is
    code, out, err = audit_command(capsys, site, tenant)
    assert (code, out) == (2, "")
    assert err.endswith(
        "could not verify: checking an Ed25519 signature needs the "
        "cryptography package: install errorledger-client[audit]\n"
    )


# docs/transparency.md ------------------------------------------------------------------------

GOPATH = Path("/usr/share/gocode")
VENV_BIN = Path(sys.executable).parent


def doc_script(*, env_line: str, old: int, capsules: bool) -> tuple[str, str]:
    """The page's shell blocks as one script, and its Go program. The block for an auditor
    without the server runs in tests/client/test_standalone.py."""
    blocks = transparency_doc_blocks()
    [go] = [body for _, lang, body in blocks if lang == "go"]
    runs = {"", "capsules"} if capsules else {""}
    shell = [body for mark, lang, body in blocks if lang == "sh" and mark in runs]
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
