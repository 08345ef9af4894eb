"""Docs are code: the README's tour runs against a live server, and its settings table
and the CLI contract it shows match the code."""

import json
import re
import subprocess
from pathlib import Path

import pytest

from errorledger.settings import Settings
from tests.serverproc import ServerProcess

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def first_start_values(output: str) -> dict[str, str]:
    return dict(re.findall(r"^  (key_id|secret|token)\s+(\S+)$", output, re.M))


@pytest.fixture
def fresh_server(tmp_path: Path) -> ServerProcess:
    data_dir = tmp_path / "data"
    server = ServerProcess(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'errorledger.db'}",
        log_path=tmp_path / "server.log",
    )
    try:
        server.wait_ready()
    except Exception:
        server.kill()
        raise
    return server


@pytest.mark.slow
def test_the_printed_curl_works(fresh_server: ServerProcess) -> None:
    try:
        output = fresh_server.output()
        curl = next(line.strip() for line in output.splitlines() if line.strip().startswith("curl"))
        assert f"http://127.0.0.1:{fresh_server.port}/api/v3/integrations/1/logs" in curl
        result = subprocess.run(["bash", "-c", curl], capture_output=True, text=True, check=True)
        assert json.loads(result.stdout)["data"]["integration_id"] == 1
        assert set(first_start_values(output)) == {"key_id", "secret", "token"}
        served_key = subprocess.run(
            ["curl", "-sS", f"{fresh_server.base_url}/v1/tlog/verifier-key"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert f"checkpoints are signed by {served_key}" in output
    finally:
        fresh_server.kill()


@pytest.mark.slow
def test_the_readme_tour_runs(fresh_server: ServerProcess) -> None:
    block = README.split("<!-- tour:", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    values = first_start_values(fresh_server.output())
    script = block.replace("http://127.0.0.1:8000", fresh_server.base_url)
    script = re.sub(
        r"^export KEY_ID=\S+ SECRET=\S+",
        f"export KEY_ID={values['key_id']} SECRET={values['secret']}",
        script,
        flags=re.M,
    )
    try:
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True
        )
    finally:
        fresh_server.kill()
    assert result.returncode == 0, result.stderr + result.stdout
    assert '"Authorization":"[REDACTED]"' in result.stdout
    assert '"protected":true' in result.stdout


def test_the_readme_lists_every_setting() -> None:
    listed = set(re.findall(r"^\| `(ERRORLEDGER_[A-Z_]+)` \|", README, re.M))
    assert listed == set(Settings.env_names())


def test_the_readme_gives_both_commands() -> None:
    assert "make run" in README
    assert "make test" in README
