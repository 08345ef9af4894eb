"""A project's own redaction rules (``GET/PUT /v1/projects/{p}/redaction``), the report on
the native entry, and the server that runs without redaction."""

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from errorledger.app import create_app
from errorledger.runtime import Runtime
from errorledger.settings import Settings
from tests.serverproc import ServerProcess
from tests.support import Tenant, create_tenant, post_log, scoped_bearer

RULES = {
    "names": ["order-ref"],
    "patterns": [{"name": "ticket", "pattern": "TCK-[0-9]{6}"}],
    "safe": ["X-Trace-Token"],
}
NO_RULES = {"names": [], "patterns": [], "safe": []}


def rules_url(tenant: Tenant) -> str:
    return f"/v1/projects/{tenant.project_id}/redaction"


@pytest.fixture
def admin(settings: Settings, tenant: Tenant) -> dict[str, str]:
    return scoped_bearer(settings, tenant, "admin")


def test_a_project_starts_with_no_rules_of_its_own(
    client: TestClient, tenant: Tenant, admin: dict[str, str]
) -> None:
    response = client.get(rules_url(tenant), headers=admin)
    assert response.status_code == 200
    assert response.json() == NO_RULES


def test_rules_apply_to_the_next_record_and_the_report_names_them(
    client: TestClient, tenant: Tenant, admin: dict[str, str]
) -> None:
    record = {
        "exception": "ticket TCK-123456 for jane@example.com",
        "request": {"headers": {"Order-Ref": "or-1", "X-Trace-Token": "t-9f8e7d6c5b4a"}},
    }
    before = post_log(client, tenant, record)
    assert before["content"]["exception"] == record["exception"]
    assert before["content"]["request"]["headers"]["Order-Ref"] == "or-1"
    assert before["redactions"] == [
        {"pointer": "/request/headers/X-Trace-Token", "rule": "secret_name", "count": 1}
    ]

    put = client.put(rules_url(tenant), json=RULES, headers=admin)
    assert put.status_code == 200, put.text
    assert put.json() == RULES
    assert client.get(rules_url(tenant), headers=admin).json() == RULES

    after = post_log(client, tenant, record)
    assert after["content"]["exception"] == "ticket [REDACTED] for jane@example.com"
    assert after["content"]["request"]["headers"] == {
        "Order-Ref": "[REDACTED]",
        "X-Trace-Token": "t-9f8e7d6c5b4a",
    }
    assert after["protected"] is True
    assert after["message"] == "ticket [REDACTED] for jane@example.com"
    assert sorted(after["redactions"], key=lambda line: line["pointer"]) == [
        {"pointer": "/exception", "rule": "project:ticket", "count": 1},
        {"pointer": "/request/headers/Order-Ref", "rule": "secret_name", "count": 1},
    ]


def test_rules_are_the_projects_own(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, admin: dict[str, str]
) -> None:
    assert client.put(rules_url(tenant), json=RULES, headers=admin).status_code == 200
    record = {"exception": "ticket TCK-123456"}
    assert post_log(client, other_tenant, record)["content"]["exception"] == "ticket TCK-123456"
    theirs = client.get(rules_url(other_tenant), headers=admin)
    assert theirs.status_code == 404


def test_rules_outlive_the_process(
    client: TestClient, settings: Settings, tenant: Tenant, admin: dict[str, str]
) -> None:
    assert client.put(rules_url(tenant), json=RULES, headers=admin).status_code == 200
    runtime = Runtime(settings)
    with TestClient(create_app(runtime=runtime)) as restarted:
        assert restarted.get(rules_url(tenant), headers=admin).json() == RULES
        assert post_log(restarted, tenant, {"exception": "TCK-000001"})["redactions"] == [
            {"pointer": "/exception", "rule": "project:ticket", "count": 1}
        ]


def test_only_an_admin_key_reads_or_changes_them(client: TestClient, tenant: Tenant) -> None:
    for response in (
        client.get(rules_url(tenant), headers=tenant.bearer),
        client.put(rules_url(tenant), json=RULES, headers=tenant.bearer),
    ):
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"patterns": [{"name": "p", "pattern": "(?<=a)b"}]}, "body.patterns.0.pattern"),
        ({"patterns": [{"name": "p", "pattern": "x*"}]}, "body.patterns.0.pattern"),
        ({"patterns": [{"name": "p", "pattern": "(abc|def){500}"}]}, "body.patterns.0.pattern"),
        ({"patterns": [{"name": "Bad Name", "pattern": "x"}]}, "body.patterns.0.name"),
        ({"names": [7]}, "body.names.0"),
        ({"names": ["x"], "extra": 1}, "body"),
        ({"safe": ["-"]}, "body.safe.0"),
        ([], "body"),
    ],
)
def test_rules_that_cannot_be_accepted_are_a_400_and_change_nothing(
    client: TestClient, tenant: Tenant, admin: dict[str, str], body: Any, field: str
) -> None:
    assert client.put(rules_url(tenant), json=RULES, headers=admin).status_code == 200
    response = client.put(rules_url(tenant), json=body, headers=admin)
    assert response.status_code == 400, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert client.get(rules_url(tenant), headers=admin).json() == RULES


def test_emails_are_redacted_where_the_server_asks(tmp_path: Path, database_url: str) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url, redact_emails=True)
    with TestClient(create_app(runtime=Runtime(settings))) as client:
        tenant = create_tenant(settings)
        entry = post_log(client, tenant, {"exception": "no customer jane.doe@example.com"})
    assert entry["content"]["exception"] == "no customer [REDACTED]"
    assert entry["redactions"] == [{"pointer": "/exception", "rule": "email", "count": 1}]


@pytest.mark.slow
def test_a_server_without_redaction_warns_at_every_start(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    for start in (1, 2):
        server = ServerProcess(
            data_dir=data_dir,
            database_url=f"sqlite:///{data_dir / 'errorledger.db'}",
            log_path=tmp_path / f"server-{start}.log",
            env={"ERRORLEDGER_REDACT": "false"},
        )
        try:
            server.wait_ready()
            assert "redaction is off (ERRORLEDGER_REDACT=false)" in server.output()
        finally:
            server.kill()
