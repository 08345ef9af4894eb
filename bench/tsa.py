"""RFC 3161 token issuing: the pre-encoded issuer against a token built with asn1crypto.

Three ways to make a SHA-256 token with the TSA certificate included, one process, one
thread, measured alternately for the same time in each round, after a short warm-up:

(a) ``TimeStampAuthority.issue``: constant DER encoded once, per-token values spliced in;
(b) ``respond``: (a) behind the protocol, from a DER TimeStampReq (parsed by asn1crypto,
    with nonce and certReq) to a DER TimeStampResp: what ``POST`` of a query costs;
(c) the baseline: ``errorledger.tsa._reference``, the same bytes built field by field with
    asn1crypto for every token, as a straightforward implementation would.

All three sign with the same ECDSA P-256 key; the tests prove that (a) and (c) give the
same bytes. The report gives tokens/s (median of the rounds) and the ratio a/c.

    .venv/bin/python bench/tsa.py [--seconds 2] [--rounds 3] [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import platform
import statistics
import time
from collections.abc import Callable

import cryptography
from asn1crypto import tsp
from cryptography.hazmat.backends.openssl.backend import backend

from errorledger.clock import now_us
from errorledger.tsa import (
    DEFAULT_POLICY,
    HashAlgorithm,
    MessageImprint,
    TimeStampAuthority,
    generate_identity,
    respond,
)
from errorledger.tsa._reference import ReferenceAuthority
from errorledger.tsa.serials import SerialNumbers

WARMUP_SECONDS = 0.3
GOAL_SECONDS_PER_TOKEN = 0.001  # the requirement: well under a millisecond


@dataclasses.dataclass(frozen=True, slots=True)
class Result:
    name: str
    rates: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.rates)


def tokens_per_second(issue: Callable[[], object], seconds: float) -> float:
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        for _ in range(8):  # reading the clock every token would cost a few percent
            issue()
        count += 8
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - started)


def contenders() -> dict[str, Callable[[], object]]:
    identity = generate_identity()
    digest = hashlib.sha256(b"an integration error log entry").digest()
    imprint = MessageImprint(HashAlgorithm.SHA256, digest)
    authority = TimeStampAuthority(identity)
    reference = ReferenceAuthority(identity, policy=DEFAULT_POLICY)
    serials = SerialNumbers()
    query = tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": digest,
            },
            "nonce": 0x1234_5678_9ABC_DEF0,
            "cert_req": True,
        }
    ).dump()
    return {
        "pre-encoded issue()": lambda: authority.issue(imprint),
        "respond() to a query": lambda: respond(authority, query),
        "asn1crypto baseline": lambda: reference.issue(
            imprint, serial_number=serials.next(), gen_time_us=now_us()
        ),
    }


def run(seconds: float, rounds: int) -> list[Result]:
    issuers = contenders()
    for issue in issuers.values():
        tokens_per_second(issue, WARMUP_SECONDS)
    rates: dict[str, list[float]] = {name: [] for name in issuers}
    for _ in range(rounds):
        for name, issue in issuers.items():
            rates[name].append(tokens_per_second(issue, seconds))
    return [Result(name, values) for name, values in rates.items()]


def report(results: list[Result], *, as_json: bool) -> None:
    fast, _, baseline = results
    ratio = fast.median / baseline.median
    meets_goal = 1 / fast.median < GOAL_SECONDS_PER_TOKEN
    environment = {
        "python": platform.python_version(),
        "cryptography": cryptography.__version__,
        "openssl": backend.openssl_version_text(),
        "machine": platform.machine(),
    }
    if as_json:
        document = {
            "results": [
                {"name": r.name, "tokens_per_second": r.median, "rounds": r.rates} for r in results
            ],
            "ratio": ratio,
            "meets_goal": meets_goal,
            "environment": environment,
        }
        print(json.dumps(document, indent=2))
        return
    print(", ".join(f"{key} {value}" for key, value in environment.items()))
    for result in results:
        spread = f"{min(result.rates):,.0f}-{max(result.rates):,.0f}"
        print(
            f"{result.name:22} {result.median:9,.0f} tokens/s  {1e6 / result.median:8.1f} µs"
            f"  (rounds {spread})"
        )
    print(f"pre-encoded / asn1crypto: {ratio:.1f}x")
    print(f"under {GOAL_SECONDS_PER_TOKEN * 1000:g} ms a token: {'yes' if meets_goal else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per contender and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true", dest="as_json")
    options = parser.parse_args()
    report(run(options.seconds, options.rounds), as_json=options.as_json)


if __name__ == "__main__":
    main()
