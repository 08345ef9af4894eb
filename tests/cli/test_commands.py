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
    """The settings of a database that ``db upgrade`` made, as a new user's first step."""
    env = {"ERRORLEDGER_DATA_DIR": str(tmp_path), "ERRORLEDGER_DATABASE_URL": database_url}
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    return env


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


def test_lists_show_what_exists_and_never_a_secret(env: dict[str, str]) -> None:
    assert run_json(env, "projects", "list") == {"projects": []}
    project = run_json(env, "projects", "create", "acme")
    key = run_json(env, "keys", "create", "--project", str(project["id"]), "--scope", "ingest")
    integration = run_json(
        env, "integrations", "create", "--project", str(project["id"]), "--name", "shopify"
    )
    run_json(env, "keys", "revoke", str(key["key_id"]))
    [listed_project] = run_json(env, "projects", "list")["projects"]  # type: ignore[misc]
    assert {k: listed_project[k] for k in ("id", "name")} == project
    keys = run_json(env, "keys", "list", "--project", str(project["id"]))
    [listed_key] = keys["keys"]  # type: ignore[misc]
    assert listed_key["key_id"] == key["key_id"]
    assert listed_key["scopes"] == ["ingest"]
    assert listed_key["revoked_at"] is not None
    assert str(key["secret"]) not in json.dumps(keys)
    integrations = run_json(env, "integrations", "list", "--project", str(project["id"]))
    assert [i["id"] for i in integrations["integrations"]] == [integration["id"]]  # type: ignore[index, union-attr]
    table = runner.invoke(app, ["keys", "list", "--project", str(project["id"])], env=env)
    assert table.exit_code == 0
    assert str(key["key_id"]) in table.stdout
    assert str(key["secret"]) not in table.stdout


@pytest.mark.parametrize("command", [["keys", "list"], ["integrations", "list"]])
def test_listing_another_projects_things_needs_a_real_project(
    env: dict[str, str], command: list[str]
) -> None:
    result = runner.invoke(app, [*command, "--project", "nope"], env=env)
    assert result.exit_code == 1
    assert "no such project" in result.stderr


@pytest.mark.parametrize(
    "command",
    [["projects", "list"], ["projects", "create", "x"], ["keys", "revoke", "elk_0000000000000000"]],
)
def test_commands_do_not_create_a_database_where_there_is_none(
    tmp_path: Path, command: list[str]
) -> None:
    data_dir = tmp_path / "elsewhere"
    result = runner.invoke(app, command, env={"ERRORLEDGER_DATA_DIR": str(data_dir)})
    assert result.exit_code == 1
    assert str(data_dir / "errorledger.db") in result.stderr.replace("\n", "")
    assert "ERRORLEDGER_DATA_DIR" in result.stderr
    assert not data_dir.exists()


def test_commands_refuse_a_postgres_database_that_holds_no_errorledger(
    empty_postgres_database: str,
) -> None:
    result = runner.invoke(
        app, ["projects", "list"], env={"ERRORLEDGER_DATABASE_URL": empty_postgres_database}
    )
    assert result.exit_code == 1
    assert "holds no errorledger database" in result.stderr
    upgraded = runner.invoke(
        app, ["db", "upgrade"], env={"ERRORLEDGER_DATABASE_URL": empty_postgres_database}
    )
    assert upgraded.exit_code == 0


def test_help_shows_flags_without_a_value(tmp_path: Path) -> None:
    for command in (["keys", "create"], ["projects", "list"], ["serve"], ["verify"]):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0
        assert "--json <bool>" not in result.stdout
        assert "<bool>" not in result.stdout
        assert "--help" in result.stdout
