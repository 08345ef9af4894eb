"""What redaction costs per record, next to the content digest of the same record (a step
every record also pays, measured in the same run, so the machine cancels out).

Records: seed 000's example (nothing to redact, the common case); the same with the
credentials a failed exchange carries (an Authorization header, a token in the URL, a JWT
in the message); a 64 KiB HTML response body (a partner's error page, nothing to redact);
the same body with a secret every KiB; and the seed example under a project's own rules.

    .venv/bin/python bench/redaction.py [--count 2000] [--repeats 5] [--json]

docs/benchmarks.md has the figures; bench/lane_instructions.py counts what the whole
ingest lane spends per request.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import string
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from errorledger.core.redaction import RedactionRules, Redactor, redactor
from errorledger.core.redaction.policy import ProjectPattern
from errorledger.tlog.leaf import content_digest

SEED = json.loads((Path(__file__).parent / "seed_body.json").read_text())
KIB = 1024


def with_credentials() -> dict[str, Any]:
    record = copy.deepcopy(SEED)
    record["full_url"] = "https://shop.example/api/orders?page=2&access_token=9f8e7d6c5b4a3921"
    record["request"] = {
        "headers": {"Authorization": "Bearer 4f9c2a7e1b8d4e6f", "Accept": "application/json"},
        "payload": {"order": 1042, "card": "4111 1111 1111 1111"},
    }
    record["exception"] = "401: token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2ln rejected"
    return record


def html_body(size: int, *, secret_every: int | None = None) -> str:
    """A partner's error page: markup, prose, scripts; with ``secret_every``, a token
    every that many bytes."""
    rng = random.Random(size)  # noqa: S311  (test data, not a secret)
    words = ["error", "gateway", "the", "request", "failed", "retry", "later", "shop", "id"]
    parts: list[str] = ["<!doctype html><html><head><title>502</title></head><body>"]
    written = 0
    while written < size:
        line = " ".join(rng.choices(words, k=12)) + f" ref {rng.randrange(10**8)}"
        if rng.random() < 0.2:
            line = f"<script>var s='{''.join(rng.choices(string.ascii_letters, k=24))}';</script>"
        if secret_every and written // secret_every != (written + len(line)) // secret_every:
            line += " Bearer 4f9c2a7e1b8d4e6f "
        parts.append(f"<p>{line}</p>\n")
        written += len(parts[-1])
    return "".join(parts)


def large(body: str) -> dict[str, Any]:
    record = copy.deepcopy(SEED)
    record["response"] = {"headers": {"Content-Type": "text/html"}, "body": body}
    return record


def per_record(
    step: Callable[[dict[str, Any]], object], record: dict[str, Any], count: int, repeats: int
) -> float:
    """Best CPU per call, in µs, over fresh copies (redaction changes its input)."""
    best = float("inf")
    for _ in range(repeats):
        copies = [copy.deepcopy(record) for _ in range(count)]
        start = time.thread_time()
        for item in copies:
            step(item)
        best = min(best, (time.thread_time() - start) / count)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()

    built_in = redactor(None, emails=False)
    project = redactor(
        RedactionRules(
            names=("order-ref", "X-Shop-Secret"),
            patterns=(ProjectPattern("ticket", "TCK-[0-9]{6}"),),
            safe=("X-Trace-Token",),
        ),
        emails=True,
    )
    records: list[tuple[str, dict[str, Any], Redactor, int]] = [
        ("seed 000 example", SEED, built_in, options.count),
        ("seed 000 with credentials", with_credentials(), built_in, options.count),
        ("seed 000, a project's rules", SEED, project, options.count),
        ("64 KiB HTML body", large(html_body(64 * KIB)), built_in, max(1, options.count // 50)),
        (
            "64 KiB HTML body, a secret per KiB",
            large(html_body(64 * KIB, secret_every=KIB)),
            built_in,
            max(1, options.count // 50),
        ),
    ]
    figures = {}
    for name, record, engine, count in records:
        redact_us = per_record(engine.redact, record, count, options.repeats)
        digest_us = per_record(content_digest, record, count, options.repeats)
        findings = engine.redact(copy.deepcopy(record)).report
        figures[name] = {
            "redact_us": round(redact_us, 2),
            "digest_us": round(digest_us, 2),
            "redact_over_digest": round(redact_us / digest_us, 2),
            "findings": sum(finding.count for finding in findings),
        }
    if options.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{'record':38} {'redact µs':>10} {'digest µs':>10} {'ratio':>6} {'found':>6}")
    for name, row in figures.items():
        print(
            f"{name:38} {row['redact_us']:>10.1f} {row['digest_us']:>10.1f}"
            f" {row['redact_over_digest']:>6.2f} {row['findings']:>6}"
        )


if __name__ == "__main__":
    main()
