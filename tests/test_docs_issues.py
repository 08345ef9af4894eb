"""docs/issues.md is code: its record reads back as it shows, its rules are accepted as
they are written, and its class list is the classifier's."""

import json
import re
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from errorledger.core.triage.catalogue import CLASSES
from errorledger.settings import Settings
from tests.support import Tenant, post_log, scoped_bearer

DOC = (Path(__file__).resolve().parents[1] / "docs" / "issues.md").read_text()
BLOCKS = dict(re.findall(r"^<!-- (\w+: \w+) -->\n```json\n(.*?)^```", DOC, re.M | re.S))


def block(name: str) -> Any:
    return json.loads(BLOCKS[name])


def test_the_classes_listed_are_the_classifiers() -> None:
    first_paragraph = DOC.split("- a **cause**")[0]
    assert re.findall(r"`([a-z_]+)`", first_paragraph.split("- a **class**")[1]) == list(CLASSES)


def test_the_record_shown_reads_back_as_shown(client: TestClient, tenant: Tenant) -> None:
    entry = post_log(client, tenant, block("example: expired"))
    shown = block("shown: expired")
    assert {key: entry[key] for key in shown} == shown


def test_the_rules_shown_are_accepted_and_classify(
    client: TestClient, tenant: Tenant, settings: Settings
) -> None:
    admin = scoped_bearer(settings, tenant, "admin", "read")
    rules = block("example: rules")
    response = client.put(f"/v1/projects/{tenant.project_id}/hint-rules", json=rules, headers=admin)
    assert response.status_code == 200, response.text
    entry = post_log(
        client,
        tenant,
        {
            "full_url": "https://partner.example/orders",
            "response_code": 403,
            "exception": "scope write_orders missing",
        },
    )
    assert entry["cause"] == "auth.partner_scope"
    assert entry["hint"]["title"] == "The partner key of partner.example lacks a scope"
