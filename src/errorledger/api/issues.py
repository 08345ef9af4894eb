"""``/v1/projects/{project_id}/issues…``: the project's issues, one issue with its hint and
histogram, its entries, and its status (docs/issues.md). Errors as the native API's."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from errorledger.api import shapes
from errorledger.api.body import convert, parse_json, read_body
from errorledger.api.context import project_caller
from errorledger.api.native import (
    MAX_QUERY_LENGTH,
    MAX_SOURCE_LENGTH,
    failure_class,
    render_entries,
    render_hint,
)
from errorledger.api.params import cursor, next_page_headers, one_of, page_size, path_id, text
from errorledger.api.responses import json_response
from errorledger.clock import rfc3339_z
from errorledger.core.entries import EntryKind
from errorledger.core.issues import SORTS, STATUSES, IssueDetail, IssueView
from errorledger.core.records import IssueFilter


def render_issue(view: IssueView) -> shapes.Issue:
    issue = view.issue
    return shapes.Issue(
        id=issue.id,
        kind=EntryKind(issue.kind),
        source=issue.source,
        failure_class=issue.failure_class,
        cause=issue.cause,
        culprit=issue.culprit,
        message=issue.message,
        status=issue.status,  # type: ignore[arg-type]
        count=issue.count,
        first_seen=rfc3339_z(issue.first_seen),
        last_seen=rfc3339_z(issue.last_seen),
        last_entry_id=issue.last_entry_id,
        regressed_at=_time(issue.regressed_at),
        status_changed_at=_time(issue.status_changed_at),
        hint=render_hint(view.hint),
    )


def _time(at: int | None) -> str | None:
    return None if at is None else rfc3339_z(at)


def _filter(request: Request) -> IssueFilter:
    return IssueFilter(
        status=one_of(request, "status", STATUSES),
        kind=one_of(request, "kind", tuple(k.value for k in EntryKind)),
        source=text(request, "source", max_length=MAX_SOURCE_LENGTH),
        failure_class=failure_class(request),
        text=text(request, "q", max_length=MAX_QUERY_LENGTH),
        sort=one_of(request, "sort", SORTS) or "last_seen",
    )


def _detail(detail: IssueDetail) -> shapes.OneIssue:
    histogram = shapes.Histogram(rfc3339_z(detail.histogram_start), detail.histogram)
    return shapes.OneIssue(shapes.IssueDetail(render_issue(detail.view), histogram))


async def list_issues(request: Request) -> Response:
    rt, principal = await project_caller(request)
    size = page_size(request)
    page = await rt.issues.page(
        principal, where=_filter(request), cursor=cursor(request), page_size=size
    )
    body = shapes.IssuePage([render_issue(view) for view in page.issues], page.next_cursor)
    return json_response(body, headers=next_page_headers(request, page.next_cursor, size))


async def get_issue(request: Request) -> Response:
    rt, principal = await project_caller(request)
    return json_response(_detail(await rt.issues.get(principal, path_id(request, "issue_id"))))


async def list_issue_entries(request: Request) -> Response:
    rt, principal = await project_caller(request)
    size = page_size(request)
    issue_id = path_id(request, "issue_id")
    page = await rt.issues.entries(principal, issue_id, cursor=cursor(request), page_size=size)
    body = shapes.EntryPage(await render_entries(rt, principal, page.entries), page.next_cursor)
    return json_response(body, headers=next_page_headers(request, page.next_cursor, size))


async def change_issue(request: Request) -> Response:
    rt, principal = await project_caller(request)
    principal.require("admin")
    issue_id = path_id(request, "issue_id")
    raw = await read_body(request, max_bytes=rt.settings.max_body_bytes)
    change = convert(parse_json(raw, max_depth=rt.settings.max_json_depth), shapes.IssueChange)
    return json_response(_detail(await rt.issues.set_status(principal, issue_id, change.status)))
