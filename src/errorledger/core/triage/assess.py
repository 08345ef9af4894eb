"""An entry's triage, in one call from the write path (``prepare``) and from the migration
that triages entries stored before triage existed: what its record says (by kind), its
verdict, and its group."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from errorledger.core.triage.address import parse
from errorledger.core.triage.classify import Classifier, Symptoms, Verdict
from errorledger.core.triage.grouping import Group, group


@dataclasses.dataclass(slots=True)  # not frozen: see records.py
class Assessment:
    verdict: Verdict
    group: Group


def assess(
    classifier: Classifier,
    *,
    kind: str,
    source: str,
    content: Mapping[str, Any],
    status: int | None,
    message: str | None,
    url: str | None,
    exception_type: str | None,
) -> Assessment:
    """``content`` is the record as stored (redacted); the other fields are the entry's
    columns, also redacted."""
    method = headers = body = code = pointer = None
    if kind == "integration_log":
        method = _text(content.get("method"))
        response = content.get("response")
        if isinstance(response, Mapping):
            found = response.get("headers")
            headers = found if isinstance(found, Mapping) else None
            body = _text(response.get("body"))
    elif kind in ("import_log", "import_log_update"):
        first = _first_message(content)
        if first is not None:
            code, pointer = _text(first.get("code")) or "", _text(first.get("path")) or ""
    address = parse(url)
    symptoms = Symptoms(
        exception_types=(exception_type,) if exception_type else (),
        messages=(message,) if message else (),
        status=status,
        headers=headers,
        body=body,
        url=url,
        method=method,
        address=address,
    )
    verdict = classifier.classify(symptoms)
    verdict.facts["source"] = source
    found_group = group(
        kind=kind,
        source=source,
        verdict=verdict,
        status=status,
        method=method,
        address=address,
        exception_type=exception_type,
        message=message,
        code=code,
        pointer=pointer,
    )
    return Assessment(verdict, found_group)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _first_message(content: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for severity in ("errors", "warnings"):
        messages = content.get(severity)
        if isinstance(messages, list) and messages and isinstance(messages[0], Mapping):
            return messages[0]
    return None
