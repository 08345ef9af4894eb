"""``GET/PUT /v1/projects/{project_id}/redaction``: a project's own redaction rules, beside
the built-in ones (docs/redaction.md). Admin keys only."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from errorledger.api.body import parse_json, read_body
from errorledger.api.context import project_caller
from errorledger.api.responses import json_response
from errorledger.core.redaction import RedactionRules
from errorledger.errors import InvalidInput

_WHERE = " - at `$"


async def get_rules(request: Request) -> Response:
    rt, principal = await project_caller(request)
    return json_response(await rt.policies.redaction_rules(principal))


async def put_rules(request: Request) -> Response:
    rt, principal = await project_caller(request)
    principal.require("admin")
    raw = await read_body(request, max_bytes=rt.settings.max_body_bytes)
    rules = _rules(parse_json(raw, max_depth=rt.settings.max_json_depth))
    return json_response(await rt.policies.set_redaction_rules(principal, rules))


def _rules(document: Any) -> RedactionRules:
    try:
        return msgspec.convert(document, RedactionRules)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(_WHERE)
        location: list[str | int] = ["body"]
        for part in where.rstrip("`").replace("]", "").replace("[", ".").split("."):
            if part:
                location.append(int(part) if part.isdigit() else part)
        raise InvalidInput.single(tuple(location), "invalid", message) from None
