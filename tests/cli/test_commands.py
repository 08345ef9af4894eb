"""The CLI contract of DESIGN §6: other tools script these commands and parse --json."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from errorledger.cli import app
from errorledger.storage.migrate import MIGRATIONS

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"ERRORLEDGER_DATA_DIR": str(tmp_path), "ERRORLEDGER_DATABASE_URL": database_url}


def run_json(env: dict[str, str], *args: str) -> dict[str, object]:
    result = runner.invoke(app, [*args, "--json"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, "--json prints exactly one JSON object"
    parsed = json.loads(lines[0])
    assert isinstance(parsed, dict)
    return parsed


def test_projects_keys_and_integrations(env: dict[str, str]) -> None:
    project = run_json(env, "projects", "create", "acme")
    assert set(project) == {"id", "name"}
    assert project["name"] == "acme"
    key = run_json(env, "keys", "create", "--project", str(project["id"]))
    assert {"key_id", "secret", "token", "project_id"} <= set(key)
    assert key["project_id"] == project["id"]
    assert key["token"] == f"{key['key_id']}.{key['secret']}"
    assert key["scopes"] == ["ingest", "read"]
    integration = run_json(
        env, "integrations", "create", "--project", str(project["id"]), "--name", "shopify"
    )
    assert isinstance(integration["id"], int)
    assert integration["project_id"] == project["id"]
    revoked = run_json(env, "keys", "revoke", str(key["key_id"]))
    assert revoked == {"key_id": key["key_id"], "revoked": True}


def test_admin_scope_adds_to_the_defaults(env: dict[str, str]) -> None:
    project = run_json(env, "projects", "create", "acme")
    key = run_json(env, "keys", "create", "--project", str(project["id"]), "--scope", "admin")
    assert key["scopes"] == ["admin", "ingest", "read"]
    narrow = run_json(env, "keys", "create", "--project", str(project["id"]), "--scope", "ingest")
    assert narrow["scopes"] == ["ingest"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["keys", "create", "--project", "no-such-project"], "no such project"),
        (["keys", "create", "--project", "x", "--scope", "root"], "unknown scope"),
        (["integrations", "create", "--project", "nope", "--name", "n"], "no such project"),
        (["keys", "revoke", "elk_doesnotexist"], "no such key"),
        (["projects", "create", "  "], "1 to 200 characters"),
    ],
)
def test_mistakes_exit_1_with_a_message(env: dict[str, str], args: list[str], message: str) -> None:
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_db_upgrade_reports_the_revision(env: dict[str, str]) -> None:
    newest = sorted(p.name[:4] for p in (MIGRATIONS / "versions").glob("[0-9]*.py"))[-1]
    assert run_json(env, "db", "upgrade") == {"revision": newest}


def test_a_bad_setting_is_reported_not_raised(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["db", "upgrade"], env={"ERRORLEDGER_DATABASE_URL": "mysql://x@y/z"}
    )
    assert result.exit_code == 1
    assert "unsupported database" in result.stderr


def test_an_unreachable_database_is_reported(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["projects", "create", "x"],
        env={"ERRORLEDGER_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
    )
    assert result.exit_code == 1
    assert "cannot open the database" in result.stderr
