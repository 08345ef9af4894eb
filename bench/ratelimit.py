"""What one ``RateLimiter.hit`` costs, next to baselines measured in the same run.

    .venv/bin/python bench/ratelimit.py [--redis redis://127.0.0.1:6379/15] [--repeat 5]

Each figure is µs per hit, best and median of ``--repeat`` runs after a warm-up (the best
is the cost, the median shows how noisy the machine was). "+ loop turn" rows yield to the
event loop after every hit, as a server does between requests, because ``limits``' memory
storage does its housekeeping there: compare them with the loop turn alone. "x32"
rows keep 32 hits in flight, as under load, and give wall-clock and CPU time per hit: on
Redis the CPU figure is what a hit takes from the request budget. Redis rows are skipped,
with the reason, when no server answers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable

import limits
import redis.asyncio
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import FixedWindowRateLimiter

from errorledger.core.ratelimit import RateLimiter
from errorledger.errors import RateLimited

UNLIMITED = "1000000000/hour"  # never refuses, so every run times the same path
IN_FLIGHT = 32
Step = Callable[[int], Awaitable[object]]


async def sequential_us(step: Step, calls: int, *, turns: bool = False) -> float:
    start = time.perf_counter()
    for i in range(calls):
        await step(i)
        if turns:
            await asyncio.sleep(0)
    return (time.perf_counter() - start) / calls * 1e6


async def in_flight_us(step: Step, calls: int) -> tuple[float, float]:
    async def caller(first: int) -> None:
        for i in range(first, calls, IN_FLIGHT):
            await step(i)

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(caller(t) for t in range(IN_FLIGHT)))
    return (
        (time.perf_counter() - wall) / calls * 1e6,
        (time.process_time() - cpu) / calls * 1e6,
    )


def row(label: str, samples: list[float]) -> None:
    best, median = min(samples), statistics.median(samples)
    print(f"  {label:<52} {best:9.2f} {median:9.2f}")


async def measure(label: str, step: Step, calls: int, runs: int, *, turns: bool = False) -> None:
    await sequential_us(step, max(1, calls // 10), turns=turns)
    row(label, [await sequential_us(step, calls, turns=turns) for _ in range(runs)])


async def measure_in_flight(label: str, step: Step, calls: int, runs: int) -> None:
    await in_flight_us(step, max(IN_FLIGHT, calls // 10))
    pairs = [await in_flight_us(step, calls) for _ in range(runs)]
    row(f"{label} x{IN_FLIGHT}, wall", [wall for wall, _ in pairs])
    row(f"{label} x{IN_FLIGHT}, CPU", [cpu for _, cpu in pairs])


async def baselines(runs: int, calls: int) -> None:
    async def noop(_: int) -> None:
        return None

    counts: dict[str, int] = {}

    async def dict_increment(_: int) -> None:
        counts["k"] = counts.get("k", 0) + 1

    print(f"{'baselines':<54} {'best µs':>9} {'median':>9}")
    await measure("await of a no-op coroutine", noop, calls, runs)
    await measure("dict increment (inside a coroutine)", dict_increment, calls, runs)
    await measure("no-op + loop turn (asyncio.sleep(0))", noop, calls // 5, runs, turns=True)


def ours(key_count: int) -> Step:
    limiter = RateLimiter(write=UNLIMITED, read=UNLIMITED, storage_uri="memory://")
    names = [f"key-{n}" for n in range(key_count)]

    async def hit(i: int) -> None:
        await limiter.hit(names[i % key_count], "write")

    return hit


def theirs(key_count: int) -> Step:
    strategy = FixedWindowRateLimiter(MemoryStorage())
    item = limits.parse(UNLIMITED)
    names = [f"key-{n}" for n in range(key_count)]

    async def hit(i: int) -> bool:
        return await strategy.hit(item, names[i % key_count], "write")

    return hit


def refused(limiter: RateLimiter) -> Step:
    async def hit(_: int) -> None:
        with contextlib.suppress(RateLimited):
            await limiter.hit("abuser", "write")

    return hit


async def memory(runs: int, calls: int) -> None:
    print("memory:// (µs per hit)")
    for key_count in (1, 100, 1000):
        for label, make in (("RateLimiter", ours), ("limits MemoryStorage", theirs)):
            name = f"{label}, {key_count} key(s)"
            await measure(name, make(key_count), calls, runs)
            await measure(f"{name} + loop turn", make(key_count), calls // 5, runs, turns=True)
    limiter = RateLimiter(write="1/hour", read="1/hour", storage_uri="memory://")
    await limiter.hit("abuser", "write")
    await measure("RateLimiter, refused hit", refused(limiter), calls, runs)


async def on_redis(url: str, runs: int, calls: int) -> None:
    client = redis.asyncio.Redis.from_url(url)
    try:
        await client.ping()
    except (redis.RedisError, OSError) as exc:
        print(f"redis: skipped, {url} does not answer ({exc})")
        return
    prefix = f"errorledger-bench-{uuid.uuid4().hex[:8]}"
    limiter = RateLimiter(write=UNLIMITED, read=UNLIMITED, storage_uri=url, key_prefix=prefix)
    refusing = RateLimiter(write="1/hour", read="1/hour", storage_uri=url, key_prefix=prefix)
    try:
        await refusing.hit("abuser", "write")
        await _redis_rows(url, client, limiter, refusing, runs, calls)
    finally:
        await limiter.close()
        await refusing.close()
        async for key in client.scan_iter(match=f"{prefix}:*"):
            await client.delete(key)
        await client.aclose()


async def _redis_rows(
    url: str,
    client: redis.asyncio.Redis,
    limiter: RateLimiter,
    refusing: RateLimiter,
    runs: int,
    calls: int,
) -> None:
    async def ping(_: int) -> object:
        return await client.ping()

    async def hit(i: int) -> None:
        await limiter.hit(f"key-{i % 100}", "write")

    print(f"{url} (µs per hit)")
    await measure("baseline: PING round trip (redis-py)", ping, calls, runs)
    await measure("RateLimiter, one at a time", hit, calls, runs)
    await measure("RateLimiter, refused hit", refused(refusing), calls, runs)
    await measure_in_flight("baseline: PING", ping, calls, runs)
    await measure_in_flight("RateLimiter", hit, calls, runs)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--calls", type=int, default=100_000, help="memory hits per run")
    args = parser.parse_args()
    await baselines(args.repeat, args.calls)
    await memory(args.repeat, args.calls)
    await on_redis(args.redis, args.repeat, max(1000, args.calls // 50))


if __name__ == "__main__":
    asyncio.run(main())
