"""``GET/PUT /v1/projects/{project_id}/redaction``: a project's own redaction rules, beside
the built-in ones (docs/redaction.md), and ``GET/PUT …/hint-rules``: its own triage rules
and hint texts, beside the catalogue's (docs/issues.md). Admin keys only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import Response

from errorledger.api.body import convert, parse_json, read_body
from errorledger.api.context import project_caller
from errorledger.api.responses import json_response
from errorledger.core.authn import Principal
from errorledger.core.policies import ProjectPolicies
from errorledger.core.redaction import RedactionRules
from errorledger.core.triage.rules import TriageRules

R = TypeVar("R", RedactionRules, TriageRules)
Handler = Callable[[Request], Awaitable[Response]]


def _endpoints(
    type_: type[R],
    read: Callable[[ProjectPolicies, Principal], Awaitable[R]],
    write: Callable[[ProjectPolicies, Principal, R], Awaitable[R]],
) -> tuple[Handler, Handler]:
    """The GET and the PUT of one kind of a project's rules."""

    async def get(request: Request) -> Response:
        rt, principal = await project_caller(request)
        return json_response(await read(rt.policies, principal))

    async def put(request: Request) -> Response:
        rt, principal = await project_caller(request)
        principal.require("admin")
        raw = await read_body(request, max_bytes=rt.settings.max_body_bytes)
        rules = convert(parse_json(raw, max_depth=rt.settings.max_json_depth), type_)
        return json_response(await write(rt.policies, principal, rules))

    return get, put


get_rules, put_rules = _endpoints(
    RedactionRules, ProjectPolicies.redaction_rules, ProjectPolicies.set_redaction_rules
)
get_hint_rules, put_hint_rules = _endpoints(
    TriageRules, ProjectPolicies.triage_rules, ProjectPolicies.set_triage_rules
)
