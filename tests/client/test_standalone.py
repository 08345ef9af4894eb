"""The auditor installs and runs without the server: docs/transparency.md's lines for an
auditor, run in a new directory that holds a copy of clients/python, make a virtual
environment with httpx and cryptography and none of the server's dependencies, whose
``errorledger-audit`` verifies a live server's log."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.serverproc import ServerPool
from tests.sites import new_site, new_tenant, post_logs
from tests.support import transparency_doc_blocks

CLIENT = Path(__file__).resolve().parents[2] / "clients" / "python"
SERVER_ONLY = ["errorledger", "msgspec", "starlette", "sqlalchemy", "rfc8785"]
IMPORT_EVERY_MODULE = """
import importlib, pkgutil, errorledger_client
prefix = errorledger_client.__name__ + "."
for module in pkgutil.walk_packages(errorledger_client.__path__, prefix):
    importlib.import_module(module.name)
"""


@pytest.fixture
def pools() -> Iterator[list[ServerPool]]:
    started: list[ServerPool] = []
    try:
        yield started
    finally:
        for pool in started:
            pool.close()


def outside_env(**values: str) -> dict[str, str]:
    """This environment without what would let a new one import our sources or this one's
    packages (PYTHONPATH and the like), with this interpreter's ``python3`` first on PATH;
    pip's settings stay."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    return {**env, **values}


def run(*command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command), cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow
def test_the_auditor_installs_and_runs_without_the_server(
    tmp_path: Path, pools: list[ServerPool]
) -> None:
    site = new_site(tmp_path / "data", pools)
    tenant = new_tenant(site)
    post_logs(site, tenant, 2)
    clone = tmp_path / "clone"  # what the lines need of a clone; the build writes only here
    leftovers = shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    shutil.copytree(CLIENT, clone / "clients" / "python", ignore=leftovers)
    (clone / "vkey").write_text(httpx.get(f"{site.url}/v1/tlog/verifier-key").text)
    [script] = [body for mark, lang, body in transparency_doc_blocks() if mark == "standalone"]
    env = outside_env(URL=site.url, PROJECT=tenant.project_id, ERRORLEDGER_TOKEN=tenant.key.token)

    audited = run("bash", "-euo", "pipefail", "-c", script, cwd=clone, env=env)

    assert audited.returncode == 0, audited.stderr
    assert re.fullmatch(
        rf"verified errorledger/{tenant.project_id} at size 4 \(root [A-Za-z0-9+/=]{{44}}\): "
        r"4 leaves recomputed from their entries; key errorledger\+[0-9a-f]{8} given with --key\n",
        audited.stdout,
    )
    python = str(clone / "audit-env" / "bin" / "python")
    check = f"import importlib.util as u; print([m for m in {SERVER_ONLY!r} if u.find_spec(m)])"
    found = run(python, "-c", check, cwd=clone, env=env)
    assert (found.returncode, found.stdout) == (0, "[]\n"), found.stderr
    imported = run(python, "-c", IMPORT_EVERY_MODULE, cwd=clone, env=env)
    assert imported.returncode == 0, imported.stderr
