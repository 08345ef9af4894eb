"""The rate limiter: one contract on memory:// and on Redis, then what is each backend's own.

Redis is the local server, database 15, with keys under a prefix of the test's own that
is deleted afterwards. Where no server answers, the Redis cases are skipped with the reason,
unless ERRORLEDGER_TEST_REQUIRE_REDIS=1 (CI), which turns the skip into a failure.
"""

import asyncio
import logging
import os
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import pytest
import redis

from errorledger.core.ratelimit import REDIS_RETRY_AFTER_S, WARN_EVERY_S, Action, RateLimiter
from errorledger.errors import ConfigurationError, RateLimited

REDIS_URL = "redis://127.0.0.1:6379/15"
REQUIRE_REDIS = os.environ.get("ERRORLEDGER_TEST_REQUIRE_REDIS") == "1"
UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/15"

T = TypeVar("T")
MakeLimiter = Callable[..., RateLimiter]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1) as client:
            client.ping()
    except redis.RedisError as exc:
        message = f"Redis not reachable at {REDIS_URL}: {exc}"
        if REQUIRE_REDIS:
            pytest.fail(message)
        pytest.skip(message)
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    prefix = f"errorledger-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    with redis.Redis.from_url(redis_url) as client:
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)


@pytest.fixture(params=["memory", "redis"])
def make_limiter(request: pytest.FixtureRequest) -> MakeLimiter:
    """Builds limiters on one backend; on Redis, every limiter built shares the counters."""
    if request.param == "memory":
        return lambda **rates: RateLimiter(storage_uri="memory://", **rates)
    url = request.getfixturevalue("redis_url")
    prefix = request.getfixturevalue("redis_prefix")
    return lambda **rates: RateLimiter(storage_uri=url, key_prefix=prefix, **rates)


def drive(scenario: Callable[[], Awaitable[T]], *limiters: RateLimiter) -> T:
    """Runs ``scenario`` and closes the limiters on the same event loop, as a server would."""

    async def main() -> T:
        try:
            return await scenario()
        finally:
            for limiter in limiters:
                await limiter.close()

    return asyncio.run(main())


async def hits(limiter: RateLimiter, key_id: str, action: Action, count: int) -> None:
    for _ in range(count):
        await limiter.hit(key_id, action)


async def refusal(limiter: RateLimiter, key_id: str, action: Action) -> RateLimited:
    with pytest.raises(RateLimited) as refused:
        await limiter.hit(key_id, action)
    return refused.value


def test_a_burst_is_refused_right_after_the_limit(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(write="5/minute", read="3/minute")

    async def scenario() -> tuple[RateLimited, RateLimited]:
        await hits(limiter, "key-a", "write", 5)
        return await refusal(limiter, "key-a", "write"), await refusal(limiter, "key-a", "write")

    first, again = drive(scenario, limiter)
    assert (first.limit, first.remaining) == (5, 0)
    assert 1 <= first.reset_seconds <= 60
    assert (again.limit, again.remaining) == (5, 0)
    assert again.reset_seconds <= first.reset_seconds


def test_reads_are_counted_apart_from_writes(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(write="5/minute", read="3/minute")

    async def scenario() -> RateLimited:
        await hits(limiter, "key-a", "write", 5)
        await refusal(limiter, "key-a", "write")
        await hits(limiter, "key-a", "read", 3)
        return await refusal(limiter, "key-a", "read")

    assert drive(scenario, limiter).limit == 3


def test_keys_do_not_share_counters(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(write="5/minute", read="3/minute")

    async def scenario() -> None:
        await hits(limiter, "key-a", "write", 5)
        await refusal(limiter, "key-a", "write")
        await hits(limiter, "key-b", "write", 5)
        await refusal(limiter, "key-b", "write")

    drive(scenario, limiter)


def test_every_rate_of_several_applies(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(write="10/minute; 3/hour", read="3/minute")

    async def scenario() -> RateLimited:
        await hits(limiter, "key-a", "write", 3)
        return await refusal(limiter, "key-a", "write")

    refused = drive(scenario, limiter)
    assert refused.limit == 3
    assert 60 < refused.reset_seconds <= 3600


def test_the_window_starts_over_when_it_ends() -> None:
    clock = FakeClock()
    limiter = RateLimiter(write="5/minute", read="3/minute", clock=clock)

    async def scenario() -> list[int]:
        await hits(limiter, "key-a", "write", 5)
        clock.advance(20.5)
        early = await refusal(limiter, "key-a", "write")
        clock.advance(39.0)
        late = await refusal(limiter, "key-a", "write")
        clock.advance(0.5)
        await hits(limiter, "key-a", "write", 5)
        return [
            early.reset_seconds,
            late.reset_seconds,
            (await refusal(limiter, "key-a", "write")).reset_seconds,
        ]

    assert drive(scenario, limiter) == [40, 1, 60]


def test_idle_keys_do_not_pile_up_in_memory() -> None:
    clock = FakeClock()
    limiter = RateLimiter(write="5/second", read="5/second", clock=clock)

    async def scenario() -> None:
        for n in range(20_000):
            await limiter.hit(f"key-{n}", "write")
            clock.advance(0.01)

    drive(scenario, limiter)
    # Reaching in: the bound on memory is the point, and nothing public shows it.
    (windows,) = limiter._memory["write"]
    assert len(windows._windows) < 3_000


def test_limiters_on_one_redis_share_counters(redis_url: str, redis_prefix: str) -> None:
    first, second = (
        RateLimiter(
            write="5/minute", read="3/minute", storage_uri=redis_url, key_prefix=redis_prefix
        )
        for _ in range(2)
    )

    async def scenario() -> RateLimited:
        await hits(first, "key-a", "write", 3)
        await hits(second, "key-a", "write", 2)
        await refusal(first, "key-a", "write")
        return await refusal(second, "key-a", "write")

    refused = drive(scenario, first, second)
    assert (refused.limit, refused.remaining) == (5, 0)


def test_a_redis_window_starts_over_when_it_ends(redis_url: str, redis_prefix: str) -> None:
    limiter = RateLimiter(
        write="2/second", read="2/second", storage_uri=redis_url, key_prefix=redis_prefix
    )

    async def scenario() -> None:
        await hits(limiter, "key-a", "write", 2)
        refused = await refusal(limiter, "key-a", "write")
        assert refused.reset_seconds == 1
        # The window began before the refusal, so it is over once that much has passed.
        await asyncio.sleep(refused.reset_seconds)
        await hits(limiter, "key-a", "write", 2)

    drive(scenario, limiter)


def test_an_unreachable_redis_lets_requests_through(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    limiter = RateLimiter(
        write="1/minute", read="1/minute", storage_uri=UNREACHABLE_REDIS_URL, clock=clock
    )
    caplog.set_level(logging.WARNING, logger="errorledger.core.ratelimit")

    async def scenario() -> None:
        await hits(limiter, "key-a", "write", 20)
        clock.advance(REDIS_RETRY_AFTER_S)
        await hits(limiter, "key-a", "read", 1)
        clock.advance(WARN_EVERY_S)
        await hits(limiter, "key-a", "write", 1)

    drive(scenario, limiter)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2, warnings
    assert "unreachable" in warnings[0]
    assert "1 request(s)" in warnings[0]
    assert "21 request(s)" in warnings[1]


@pytest.mark.parametrize(
    ("write", "storage_uri", "problem"),
    [("often", "memory://", "often"), ("5/minute", "memcached://x", "memcached")],
)
def test_unusable_options_are_configuration_errors(
    write: str, storage_uri: str, problem: str
) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        RateLimiter(write=write, read="3/minute", storage_uri=storage_uri)
