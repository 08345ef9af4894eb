"""The native API: every kind of every family in one list, with filters and text search.

``GET /v1/projects/{project_id}/entries`` and ``…/entries/{entry_id}``. Errors are RFC 7807
problem details, in the same shape as seed 003's.
"""

from __future__ import annotations

import base64

from starlette.requests import Request
from starlette.responses import Response

from errorledger.api import shapes
from errorledger.api.context import project_caller
from errorledger.api.failures import classify
from errorledger.api.family import Family
from errorledger.api.params import (
    cursor,
    integer,
    next_page_headers,
    one_of,
    page_size,
    path_id,
    text,
    timestamp,
)
from errorledger.api.problem import problem
from errorledger.api.responses import json_response
from errorledger.clock import rfc3339_z
from errorledger.core.authn import Principal
from errorledger.core.entries import EntryKind
from errorledger.core.records import EntryFilter, EntryRecord
from errorledger.core.triage.catalogue import CLASSES
from errorledger.core.triage.classify import Classifier
from errorledger.core.triage.hints import Hint
from errorledger.errors import InvalidInput
from errorledger.runtime import Runtime
from errorledger.tlog.leaf import canonical_json

MAX_QUERY_LENGTH = 200
MAX_SOURCE_LENGTH = 200  # entries.source


def render_error(request: Request, exc: Exception) -> Response:
    """The one renderer of the native API's errors: RFC 7807 problem details."""
    return problem(request, classify(exc, auth_scheme="Bearer"), type_base="/problems")


FAMILY = Family("native API", render_error, "Problem", ("/v1/",))


def render_hint(hint: Hint) -> shapes.Hint:
    return shapes.Hint(hint.title, hint.text, hint.actor, hint.retryable)  # type: ignore[arg-type]


def render_entry(entry: EntryRecord, classifier: Classifier) -> shapes.Entry:
    return shapes.Entry(
        id=entry.id,
        uid=entry.uid,
        kind=EntryKind(entry.kind),
        source=entry.source,
        received_at=rfc3339_z(entry.received_at),
        received_at_us=entry.received_at,
        occurred_at=rfc3339_z(entry.occurred_at),
        status_code=entry.status_code,
        message=entry.message,
        url=entry.url,
        fingerprint=entry.fingerprint,
        leaf_index=entry.leaf_index,
        leaf_hash=base64.b64encode(entry.leaf_hash).decode(),
        content_sha256=entry.content_sha256,
        protected=entry.protected,
        redactions=[shapes.RedactionFinding(f.pointer, f.rule, f.count) for f in entry.redactions],
        content=entry.content,
        failure_class=entry.failure_class,
        cause=entry.cause,
        hint=render_hint(classifier.hint(entry.cause, entry.facts)),
        issue_id=entry.issue_id,
    )


async def render_entries(
    rt: Runtime, principal: Principal, found: list[EntryRecord]
) -> list[shapes.Entry]:
    classifier = (await rt.policies.policy_for(principal.project_id)).classifier
    return [render_entry(entry, classifier) for entry in found]


def _kinds(request: Request) -> list[str] | None:
    """``kind=a,b`` or ``kind=a&kind=b``; every one must be a kind we store."""
    asked = [k for raw in request.query_params.getlist("kind") for k in raw.split(",") if k]
    if not asked:
        return None
    unknown = sorted(set(asked) - {k.value for k in EntryKind})
    if unknown:
        known = ", ".join(k.value for k in EntryKind)
        raise InvalidInput.single(
            ("query", "kind"), "invalid", f"unknown kind {unknown[0]!r}; kinds are {known}"
        )
    return asked


def _filter(request: Request) -> EntryFilter:
    source = None
    if request.query_params.get("source"):  # empty: any source
        source = text(request, "source", max_length=MAX_SOURCE_LENGTH)
    return EntryFilter(
        kinds=_kinds(request),
        source=source,
        since=timestamp(request, "since"),
        until=timestamp(request, "until"),
        status_code=integer(request, "status_code", minimum=0, maximum=2**31 - 1),
        text=text(request, "q", max_length=MAX_QUERY_LENGTH),
        failure_class=failure_class(request),
    )


def failure_class(request: Request) -> str | None:
    """``class=tls``: one of the classes (docs/issues.md)."""
    return one_of(request, "class", CLASSES)


async def list_entries(request: Request) -> Response:
    rt, principal = await project_caller(request)
    size = page_size(request)
    page = await rt.entries.search(
        principal, where=_filter(request), cursor=cursor(request), page_size=size
    )
    headers = next_page_headers(request, page.next_cursor, size)
    body = shapes.EntryPage(await render_entries(rt, principal, page.entries), page.next_cursor)
    return json_response(body, headers=headers)


async def get_entry(request: Request) -> Response:
    rt, principal = await project_caller(request)
    entry_id = path_id(request, "entry_id")
    entry = await rt.entries.get(principal, kind=None, entry_id=entry_id, source=None)
    return json_response(shapes.OneEntry((await render_entries(rt, principal, [entry]))[0]))


async def get_entry_content(request: Request) -> Response:
    """The canonical bytes of the entry's content: ``content_sha256`` is their SHA-256, so
    ``curl … | sha256sum`` checks it (docs/transparency.md)."""
    rt, principal = await project_caller(request)
    entry_id = path_id(request, "entry_id")
    entry = await rt.entries.get(principal, kind=None, entry_id=entry_id, source=None)
    return Response(canonical_json(entry.content), media_type="application/json")
