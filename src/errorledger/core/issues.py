"""Issues of the caller's project: pages, one issue with its hint and histogram, its
entries, and its status as people set it (``open``, ``resolved``, ``ignored``)."""

from __future__ import annotations

import dataclasses

from sqlalchemy import Connection

from errorledger.clock import now_us
from errorledger.core.authn import Principal
from errorledger.core.cursor import decode_cursor, split_page
from errorledger.core.policies import ProjectPolicies
from errorledger.core.query import EntryQuery, Page, page_of
from errorledger.core.records import (
    EntryCursor,
    EntryFilter,
    EntryRecord,
    IssueCursor,
    IssueFilter,
    IssueRecord,
)
from errorledger.core.triage.hints import Hint
from errorledger.errors import NotFound
from errorledger.storage import entries as stored_entries
from errorledger.storage import issues as stored_issues
from errorledger.storage.issue_counts import HOUR_US
from errorledger.storage.writes import Writer

STATUSES = ("open", "resolved", "ignored")
SORTS = tuple(stored_issues.SORTS)
HISTOGRAM_HOURS = 14 * 24


@dataclasses.dataclass(frozen=True, slots=True)
class IssueView:
    issue: IssueRecord
    hint: Hint


@dataclasses.dataclass(frozen=True, slots=True)
class IssuePage:
    issues: list[IssueView]
    next_cursor: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class IssueDetail:
    view: IssueView
    histogram_start: int  # the first hour's start, microseconds since the epoch
    histogram: list[int]  # entries per hour, oldest first, HISTOGRAM_HOURS of them


class Issues:
    def __init__(self, entries: EntryQuery, writer: Writer, policies: ProjectPolicies) -> None:
        self._entries = entries
        self._writer = writer
        self._policies = policies

    async def page(
        self, principal: Principal, *, where: IssueFilter, cursor: str | None, page_size: int
    ) -> IssuePage:
        after = None
        if cursor is not None:
            found = decode_cursor(cursor)
            after = IssueCursor(found.occurred_at, found.id)
        rows = await self._entries.read(
            principal,
            lambda conn: stored_issues.search(
                conn,
                project_id=principal.project_id,
                where=where,
                after=after,
                limit=page_size + 1,
            ),
        )
        page, next_cursor = split_page(
            rows, page_size, lambda last: EntryCursor(getattr(last[0], where.sort), last[0].id)
        )
        return IssuePage(await self._views(principal.project_id, page), next_cursor)

    async def get(self, principal: Principal, issue_id: int) -> IssueDetail:
        last_hour = now_us() // HOUR_US
        first_hour = last_hour - HISTOGRAM_HOURS + 1

        def read(conn: Connection) -> tuple[tuple[IssueRecord, dict[str, str]], dict[int, int]]:
            found = _require(conn, principal, issue_id)
            counts = stored_issues.hours(conn, issue_id=issue_id, first=first_hour, last=last_hour)
            return found, counts

        found, counts = await self._entries.read(principal, read)
        histogram = [counts.get(hour, 0) for hour in range(first_hour, last_hour + 1)]
        (view,) = await self._views(principal.project_id, [found])
        return IssueDetail(view, first_hour * HOUR_US, histogram)

    async def entries(
        self, principal: Principal, issue_id: int, *, cursor: str | None, page_size: int
    ) -> Page:
        """Newest first; the issue's existence is checked in the same read."""
        after = None if cursor is None else decode_cursor(cursor)

        def read(conn: Connection) -> list[EntryRecord]:
            _require(conn, principal, issue_id)
            return stored_entries.search(
                conn,
                project_id=principal.project_id,
                where=EntryFilter(issue_id=issue_id),
                after=after,
                limit=page_size + 1,
            )

        return page_of(await self._entries.read(principal, read), page_size)

    async def set_status(self, principal: Principal, issue_id: int, status: str) -> IssueDetail:
        """Needs the ``admin`` scope. A resolved issue reopens by itself on its next entry."""
        principal.require("admin")
        at = now_us()
        changed = await self._writer.run(
            lambda conn: stored_issues.set_status(
                conn, project_id=principal.project_id, issue_id=issue_id, status=status, at=at
            )
        )
        if not changed:
            raise NotFound("Issue")
        return await self.get(principal, issue_id)

    async def _views(
        self, project_id: str, found: list[tuple[IssueRecord, dict[str, str]]]
    ) -> list[IssueView]:
        """Each issue with its hint, filled with its latest entry's facts."""
        classifier = (await self._policies.policy_for(project_id)).classifier
        return [IssueView(issue, classifier.hint(issue.cause, facts)) for issue, facts in found]


def _require(
    conn: Connection, principal: Principal, issue_id: int
) -> tuple[IssueRecord, dict[str, str]]:
    found = stored_issues.get(conn, project_id=principal.project_id, issue_id=issue_id)
    if found is None:
        raise NotFound("Issue")
    return found
