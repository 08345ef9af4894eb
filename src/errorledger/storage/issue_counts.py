"""Issues counted in the group-commit batch that stores their entries.

One upsert per issue the batch touches (``INSERT … ON CONFLICT DO UPDATE … RETURNING``,
which SQLite and PostgreSQL share): the count grows by the batch's entries, the times
widen, a resolved issue reopens as a regression, an ignored one stays ignored. The
batch's issues are upserted in fingerprint order, so that writers of several processes on
one PostgreSQL take the rows' locks in one order and never deadlock. Then one statement
adds the batch's entries to the issues' hourly counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from errorledger.core.records import NewEntry

HOUR_US = 3_600_000_000

_UPSERT = """
INSERT INTO issues (project_id, fingerprint, kind, source, failure_class, cause, culprit,
    message, status, count, first_seen, last_seen, last_entry_id)
VALUES ({m}, {m}, {m}, {m}, {m}, {m}, {m}, {m}, 'open', {m}, {m}, {m}, {m})
ON CONFLICT (project_id, fingerprint) DO UPDATE SET
    count = issues.count + excluded.count,
    first_seen = CASE WHEN excluded.first_seen < issues.first_seen
        THEN excluded.first_seen ELSE issues.first_seen END,
    last_seen = CASE WHEN excluded.last_seen > issues.last_seen
        THEN excluded.last_seen ELSE issues.last_seen END,
    last_entry_id = CASE WHEN excluded.last_entry_id > issues.last_entry_id
        THEN excluded.last_entry_id ELSE issues.last_entry_id END,
    message = excluded.message,
    regressed_at = CASE WHEN issues.status = 'resolved'
        THEN excluded.last_seen ELSE issues.regressed_at END,
    status_changed_at = CASE WHEN issues.status = 'resolved'
        THEN excluded.last_seen ELSE issues.status_changed_at END,
    status = CASE WHEN issues.status = 'resolved' THEN 'open' ELSE issues.status END
RETURNING id
"""

_HOURS = """
INSERT INTO issue_hours (issue_id, hour, count) VALUES ({m}, {m}, {m})
ON CONFLICT (issue_id, hour) DO UPDATE SET count = issue_hours.count + excluded.count
"""


class IssueCounts:
    def __init__(self, marker: str) -> None:
        self._upsert = _UPSERT.format(m=marker)
        self._hours = _HOURS.format(m=marker)

    def count(self, cursor: Any, new: Sequence[NewEntry], ids: Sequence[int]) -> list[int]:
        """Count each entry (id ``ids[i]``) into its issue; the issue ids, in order."""
        groups: dict[tuple[str, str], list[int]] = {}
        for index, entry in enumerate(new):
            groups.setdefault((entry.project_id, entry.fingerprint), []).append(index)
        issue_of = [0] * len(new)
        hours: dict[tuple[int, int], int] = {}
        for key in sorted(groups):
            members = groups[key]
            last = new[members[-1]]
            times = [new[i].received_at for i in members]
            cursor.execute(
                self._upsert,
                (
                    last.project_id,
                    last.fingerprint,
                    last.kind,
                    last.source,
                    last.failure_class,
                    last.cause,
                    last.culprit,
                    last.message,
                    len(members),
                    min(times),
                    max(times),
                    max(ids[i] for i in members),
                ),
            )
            issue_id = int(cursor.fetchone()[0])
            for index in members:
                issue_of[index] = issue_id
                hour = (issue_id, new[index].received_at // HOUR_US)
                hours[hour] = hours.get(hour, 0) + 1
        cursor.executemany(self._hours, [(i, h, n) for (i, h), n in sorted(hours.items())])
        return issue_of
