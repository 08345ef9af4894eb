"""docs/redaction.md is code: every rule is listed with an example that fires it, and the
report it shows is what redaction makes of the record it shows."""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from errorledger.core.records import Finding
from errorledger.core.redaction import redactor
from errorledger.core.redaction.values import EMAIL, RULES

DOC = (Path(__file__).resolve().parents[1] / "docs" / "redaction.md").read_text()
ROWS = dict(re.findall(r'^\| `([a-z_]+)` \| .* \| `(".*")` \|$', DOC, re.M))
JSON_BLOCKS = re.findall(r"^```json\n(.*?)^```", DOC, re.M | re.S)


def test_every_value_rule_is_listed() -> None:
    assert set(ROWS) == {rule.name for rule in (*RULES, EMAIL)}


@pytest.mark.parametrize("rule", sorted(ROWS))
def test_each_listed_example_fires_its_rule(rule: str) -> None:
    example = json.loads(ROWS[rule])
    result = redactor(None, emails=True).redact({"text": example})
    assert rule in {finding.rule for finding in result.report}, result.report
    assert result.content["text"] != example


def test_the_report_shown_is_the_report_made() -> None:
    record: dict[str, Any] = json.loads(JSON_BLOCKS[0])
    shown = json.loads(JSON_BLOCKS[1])
    result = redactor(None, emails=False).redact(record)
    assert result.content == shown["content"]
    assert result.report == [Finding(**line) for line in shown["redactions"]]
