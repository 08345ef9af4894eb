"""Transparency log proofs: what one costs at 1,000,000 leaves against 1,000.

Builds one log of ``--size`` leaves in memory with ``errorledger.tlog``'s append (in
batches, as ingest would), keeping the stored hashes in a dict. Stored hashes never change
as the log grows, so the same dict holds the tree of every smaller size too. For the
small and the large size it times random root, inclusion and consistency requests through
the path the server takes (plan, read the planned hashes, compute) and counts the stored
hashes each reads, then checks each proof with the client verifier. The last column is
large / small: a proof that reads O(log n) hashes costs about twice as much at a thousand
times the leaves.

    .venv/bin/python bench/tlog_proofs.py [--size 1000000] [--small 1000] [--samples 2000]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from errorledger.tlog.proofs import (
    consistency_plan,
    consistency_proof,
    inclusion_plan,
    inclusion_proof,
)
from errorledger.tlog.stored import MemoryHashStore, root_plan, stored_root
from errorledger_client.log.hashing import leaf_hash
from errorledger_client.log.verify import verify_consistency, verify_inclusion

BATCH = 1000


@dataclass
class Cost:
    reads: float
    micros: float


def build(size: int) -> tuple[MemoryHashStore, list[bytes], float]:
    store = MemoryHashStore()
    leaf_hashes = [leaf_hash(b"entry %d" % i) for i in range(size)]
    started = time.perf_counter()
    for start in range(0, size, BATCH):
        store.append(leaf_hashes[start : start + BATCH])
    return store, leaf_hashes, time.perf_counter() - started


Request = Callable[[MemoryHashStore, int, int], int]
"""Serve one request on the tree of the given size; returns the stored hashes it read."""


def root_request(store: MemoryHashStore, size: int, tree_size: int) -> int:
    stored = store.read(root_plan(tree_size))
    stored_root(tree_size, stored)
    return len(stored)


def inclusion_request(store: MemoryHashStore, size: int, index: int) -> int:
    stored = store.read(inclusion_plan(index, size))
    inclusion_proof(index, size, stored)
    return len(stored)


def consistency_request(store: MemoryHashStore, size: int, first: int) -> int:
    stored = store.read(consistency_plan(first, size))
    consistency_proof(first, size, stored)
    return len(stored)


KINDS: dict[str, tuple[Request, Callable[[random.Random, int], int]]] = {
    "root": (root_request, lambda rng, size: rng.randint(size // 2, size)),
    "inclusion": (inclusion_request, lambda rng, size: rng.randrange(size)),
    "consistency": (consistency_request, lambda rng, size: rng.randint(1, size)),
}


def measure(store: MemoryHashStore, size: int, request: Request, params: list[int]) -> Cost:
    reads: list[int] = []
    started = time.perf_counter()
    for param in params:
        reads.append(request(store, size, param))
    elapsed = time.perf_counter() - started
    return Cost(statistics.fmean(reads), elapsed / len(params) * 1e6)


def check_proofs(
    store: MemoryHashStore, leaf_hashes: list[bytes], size: int, rng: random.Random
) -> None:
    """Every timed path produces proofs the client verifier accepts."""
    root = stored_root(size, store.hashes)
    for _ in range(50):
        index, first = rng.randrange(size), rng.randint(1, size)
        proof = inclusion_proof(index, size, store.hashes)
        verify_inclusion(leaf_hashes[index], index, size, proof, root)
        proof = consistency_proof(first, size, store.hashes)
        verify_consistency(first, size, stored_root(first, store.hashes), root, proof)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--samples", type=int, default=2_000)
    args = parser.parse_args()

    store, leaf_hashes, build_seconds = build(args.size)
    print(
        f"built {args.size:,} leaves in {build_seconds:.1f} s "
        f"({build_seconds / args.size * 1e6:.1f} µs/leaf, {len(store.hashes):,} stored hashes, "
        f"{store.reads / (args.size / BATCH):.1f} hashes read per {BATCH}-leaf append)"
    )
    rng = random.Random(9162)  # noqa: S311 - sampling indices, not keys
    print(f"{'request':<12} {'leaves':>10} {'hashes read':>12} {'µs each':>9}   ratio")
    for name, (request, sample) in KINDS.items():
        costs = {}
        for size in (args.small, args.size):
            params = [sample(rng, size) for _ in range(args.samples)]
            measure(store, size, request, params[: args.samples // 10])  # warm-up
            costs[size] = cost = measure(store, size, request, params)
            print(f"{name:<12} {size:>10,} {cost.reads:>12.1f} {cost.micros:>9.1f}")
        small, large = costs[args.small], costs[args.size]
        print(
            f"{'':<12} {'':>10} {large.reads / small.reads:>11.2f}x "
            f"{large.micros / small.micros:>8.2f}x   (large / small)"
        )
    for size in (args.small, args.size):
        check_proofs(store, leaf_hashes, size, rng)
    digest = hashlib.sha256(stored_root(args.size, store.hashes)).hexdigest()[:16]
    print(f"proofs verified; root of {args.size:,} leaves hashes to {digest}…")


if __name__ == "__main__":
    main()
