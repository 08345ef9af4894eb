"""Per-key rate limits for the HTTP API, counted separately for writes, reads and OAuth2
access tokens issued.

Every adapter calls ``await limiter.hit(key_id, "write")`` (or ``"read"``) before doing any
work; over the limit it raises :class:`~errorledger.errors.RateLimited`. Rates use the
``limits`` notation (``1000/second``; several joined by ``;`` all apply).

**Strategy: fixed window.** One counter per key, action and limit, started by the key's
first hit and dropped when its window ends. On Redis that is a single round trip per hit
(``limits``' INCRBY + EXPIRE script) and one small key; a moving window stores one entry
per request in the window (1,000 per key at ``1000/second``) and a sliding-window counter
reads two keys, both to smooth the one weakness of fixed windows: a client can fit up to
twice the limit across a window boundary. For a per-key ceiling that protects capacity
that is an acceptable price for the cheapest check on the ingest path.

**Backends.** ``redis://`` and ``rediss://`` use ``limits.aio``'s
``FixedWindowRateLimiter`` over its Redis storage (redis-py), so every server process on
the database shares the counters. ``memory://`` does *not* use ``limits``' own async
memory storage, only its parser: that storage schedules an expiry task on every
event-loop turn that saw a hit, and the task walks every key it holds. Measured with
``bench/ratelimit.py``, one hit per loop turn as in a server, it costs 5 µs more than the
turn itself with one key, 12 µs with 100 keys and 69 µs with 1,000 (the whole request
budget), against 0.3 µs at any number of keys for the dict of windows here. That dict
keeps the semantics of ``limits``' Redis script: the window starts at the key's first
hit, the ``limit``-th hit passes and the next is refused until the window ends.

**Redis down: fail open.** The limiter protects capacity; refusing every request because
its store is unreachable would turn a degraded limiter into an outage of the API. A failed
call lets the request through and Redis is then left alone for ``REDIS_RETRY_AFTER_S``,
so a hung server delays only the requests that meet a probe timing out
(``REDIS_TIMEOUT_S``, about once a second), not every request. A warning is logged at most
every ``WARN_EVERY_S``, with how many requests went through unchecked since the last one.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Literal

import limits
import redis.asyncio
from limits.aio.storage import RedisStorage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError

from errorledger.errors import ConfigurationError, RateLimited

__all__ = ["Action", "RateLimiter"]

Action = Literal["write", "read", "token"]
Clock = Callable[[], float]

log = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "errorledger:ratelimit"
# A local Redis answers in well under a millisecond; a quarter second means it is in
# trouble, and every request waiting on it would be waiting for nothing (we fail open).
REDIS_TIMEOUT_S = 0.25
REDIS_RETRY_AFTER_S = 1.0
WARN_EVERY_S = 60.0
# Below this many windows, sweeping expired ones is not worth a pass over the dict.
_MIN_SWEEP_SIZE = 1024


class RateLimiter:
    """Counts requests per API key and action; ``hit`` raises ``RateLimited`` when over."""

    def __init__(
        self,
        *,
        write: str,
        read: str,
        token: str = "10/second",  # noqa: S107  (a rate, not a secret)
        storage_uri: str = "memory://",
        key_prefix: str = DEFAULT_KEY_PREFIX,
        clock: Clock = time.monotonic,
    ) -> None:
        rates = {"write": _parse(write), "read": _parse(read), "token": _parse(token)}
        self._redis: _RedisWindows | None = None
        self._memory: dict[str, tuple[_MemoryWindows, ...]] = {}
        if storage_uri.startswith("memory://"):
            self._memory = {
                action: tuple(_MemoryWindows(item, clock) for item in items)
                for action, items in rates.items()
            }
        elif storage_uri.startswith(("redis://", "rediss://")):
            self._redis = _RedisWindows(rates, storage_uri, key_prefix=key_prefix, clock=clock)
        else:
            raise ConfigurationError(
                f"rate limit storage: expected memory:// or redis://, got {storage_uri!r}"
            )

    async def hit(self, key_id: str, action: Action) -> None:
        """Counts one request of ``key_id``; raises ``RateLimited`` once it is over a limit."""
        if self._redis is not None:
            await self._redis.hit(key_id, action)
            return
        for windows in self._memory[action]:
            windows.hit(key_id)

    async def close(self) -> None:
        """Closes the Redis connections; nothing to do for ``memory://``."""
        if self._redis is not None:
            await self._redis.close()


def _parse(rate: str) -> tuple[limits.RateLimitItem, ...]:
    try:
        return tuple(limits.parse_many(rate))
    except ValueError as exc:
        raise ConfigurationError(
            f"rate limit: expected a rate such as 100/second, got {rate!r}"
        ) from exc


class _Window:
    __slots__ = ("ends_at", "hits")

    def __init__(self, ends_at: float) -> None:
        self.ends_at = ends_at
        self.hits = 1


class _MemoryWindows:
    """The fixed windows of one limit, in this process only."""

    __slots__ = ("_amount", "_clock", "_length", "_sweep_at", "_windows")

    def __init__(self, item: limits.RateLimitItem, clock: Clock) -> None:
        self._amount = item.amount
        self._length = item.get_expiry()
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._sweep_at = _MIN_SWEEP_SIZE

    def hit(self, key_id: str) -> None:
        now = self._clock()
        window = self._windows.get(key_id)
        if window is None or window.ends_at <= now:
            if len(self._windows) >= self._sweep_at:
                self._sweep(now)
            self._windows[key_id] = _Window(now + self._length)
        elif window.hits < self._amount:
            window.hits += 1
        else:
            reset = math.ceil(window.ends_at - now)
            raise RateLimited(limit=self._amount, remaining=0, reset_seconds=reset)

    def _sweep(self, now: float) -> None:
        # Idle keys would otherwise stay forever; sweeping only when the dict has doubled
        # keeps the cost per hit constant.
        self._windows = {key: w for key, w in self._windows.items() if w.ends_at > now}
        self._sweep_at = max(_MIN_SWEEP_SIZE, 2 * len(self._windows))


class _RedisWindows:
    """Fixed windows in Redis through ``limits``, failing open when Redis does not answer."""

    def __init__(
        self,
        rates: dict[str, tuple[limits.RateLimitItem, ...]],
        uri: str,
        *,
        key_prefix: str,
        clock: Clock,
    ) -> None:
        self._rates = rates
        self._clock = clock
        # Our own pool, because limits' storage has no way to close its connections.
        self._pool: redis.asyncio.ConnectionPool = redis.asyncio.ConnectionPool.from_url(
            uri, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S
        )
        storage = RedisStorage(
            f"async+{uri}",
            implementation="redispy",
            key_prefix=key_prefix,
            wrap_exceptions=True,
            connection_pool=self._pool,  # type: ignore[arg-type]  # documented; typed too narrowly
        )
        self._strategy = FixedWindowRateLimiter(storage)
        self._skip_until = -math.inf
        self._warned_at = -math.inf
        self._unchecked = 0
        self._failing = False

    async def hit(self, key_id: str, action: Action) -> None:
        if self._failing and self._clock() < self._skip_until:
            self._unchecked += 1
            return
        try:
            for item in self._rates[action]:
                if not await self._strategy.hit(item, key_id, action):
                    await self._refuse(item, key_id, action)
        except StorageError as exc:
            self._fail_open(exc)
            return
        if self._failing:
            self._failing = False
            log.info("Rate-limit storage answers again; limits are enforced.")

    async def _refuse(self, item: limits.RateLimitItem, key_id: str, action: Action) -> None:
        stats = await self._strategy.get_window_stats(item, key_id, action)
        reset = math.ceil(stats.reset_time - time.time())
        raise RateLimited(limit=item.amount, remaining=stats.remaining, reset_seconds=reset)

    def _fail_open(self, exc: StorageError) -> None:
        now = self._clock()
        self._failing = True
        self._skip_until = now + REDIS_RETRY_AFTER_S
        self._unchecked += 1
        if now - self._warned_at >= WARN_EVERY_S:
            log.warning(
                "Rate-limit storage unreachable (%s); %d request(s) let through unchecked.",
                exc.storage_error,
                self._unchecked,
            )
            self._warned_at = now
            self._unchecked = 0

    async def close(self) -> None:
        await self._pool.aclose()
