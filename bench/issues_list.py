"""The issue list at 1,000 and 1,000,000 entries: page 1 and a deep page cost the same,
and neither scans entries.

Builds two SQLite databases, migrated to head, each with one project whose entries are
grouped ten to an issue (1,000 entries: 100 issues; 1,000,000 entries: 100,000 issues),
with rows written straight into the tables (the write path is ``bench/ingest.py``'s
business). For each it times the list as the server reads it (``storage.issues.search``:
the page and each issue's latest entry's facts) in every order, unfiltered and filtered by
status, on page 1 and on the list's last full page (its cursor made from the issue before it),
and prints large / small per case: a list read by index costs about the same at a
thousand times the entries.

    .venv/bin/python bench/issues_list.py [--large 1000000] [--small 1000] [--samples 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import Connection, Engine

from errorledger.core.records import IssueCursor, IssueFilter
from errorledger.storage import issues as stored_issues
from errorledger.storage import migrate
from errorledger.storage.database import create_database_engine, create_sqlite_file

PAGE = 25
PER_ISSUE = 10
HOUR_US = 3_600_000_000
CASES = [
    ("last_seen", None),
    ("first_seen", None),
    ("count", None),
    ("last_seen", "open"),
]


def build(path: Path, entries: int) -> Engine:
    url = f"sqlite:///{path}"
    create_sqlite_file(url)
    engine = create_database_engine(url, writer=True)
    migrate.upgrade(engine)
    rng = random.Random(7)  # noqa: S311 (statuses for a benchmark)
    issues = entries // PER_ISSUE
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO projects (id, name, created_at) VALUES ('p', 'bench', 0)")
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        for start in range(0, entries, 50_000):
            rows = [
                (
                    i + 1,
                    f"uid-{i}",
                    "p",
                    "integration_log",
                    "1",
                    i * 1000,
                    i * 1000,
                    f"fp{i % issues}",
                    "[]",
                    "{}",
                    "k",
                    '{"host": "shop.example"}',
                    i % issues + 1,
                )
                for i in range(start, min(start + 50_000, entries))
            ]
            cursor.executemany(
                "INSERT INTO entries (id, uid, project_id, kind, source, received_at,"
                " occurred_at, fingerprint, protected, redactions, content, key_id, facts,"
                " issue_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)",
                rows,
            )
        cursor.executemany(
            "INSERT INTO issues (id, project_id, fingerprint, kind, source, failure_class,"
            " cause, culprit, message, status, count, first_seen, last_seen, last_entry_id)"
            " VALUES (?, 'p', ?, 'integration_log', '1', 'tls', 'tls.certificate_expired',"
            " 'shop.example', 'expired', ?, ?, ?, ?, ?)",
            [
                (
                    n + 1,
                    f"fp{n}",
                    rng.choice(("open", "open", "resolved", "ignored")),
                    rng.randint(1, 10_000),
                    n * 1000,
                    (entries - issues + n) * 1000,
                    entries - issues + n + 1,
                )
                for n in range(issues)
            ],
        )
    return engine


def timed(conn: Connection, where: IssueFilter, after: IssueCursor | None, samples: int) -> float:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        found = stored_issues.search(conn, project_id="p", where=where, after=after, limit=PAGE)
        times.append(time.perf_counter() - started)
        assert len(found) == PAGE, len(found)
    return statistics.median(times) * 1e6


def deep_cursor(conn: Connection, where: IssueFilter) -> IssueCursor:
    """The cursor of the last full page: the deepest the list goes."""
    everything = stored_issues.search(conn, project_id="p", where=where, after=None, limit=10**9)
    issue = everything[len(everything) - PAGE - 1][0]
    return IssueCursor(getattr(issue, where.sort), issue.id)


def measure(engine: Engine, samples: int) -> dict[str, float]:
    figures = {}
    with engine.connect() as conn:
        for sort, status in CASES:
            where = IssueFilter(sort=sort, status=status)
            name = f"sort={sort}" + (f" status={status}" if status else "")
            figures[f"{name}, page 1"] = timed(conn, where, None, samples)
            figures[f"{name}, deep page"] = timed(conn, where, deep_cursor(conn, where), samples)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="errorledger-bench-") as work:
        results = {}
        for size in (args.small, args.large):
            started = time.perf_counter()
            engine = build(Path(work) / f"{size}.db", size)
            print(f"built {size:,} entries in {time.perf_counter() - started:.0f} s")
            results[size] = measure(engine, args.samples)
            engine.dispose()
    print(f"\nmedian µs per page of {PAGE} issues (with each one's latest entry's facts):")
    print(f"{'case':<38} {args.small:>12,} {args.large:>12,}  large/small")
    for case, small in results[args.small].items():
        large = results[args.large][case]
        print(f"{case:<38} {small:>12.0f} {large:>12.0f}  {large / small:>10.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
