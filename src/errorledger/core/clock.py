"""Time as the core keeps it: integer microseconds since the Unix epoch, UTC."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def now_us() -> int:
    return time.time_ns() // 1000


def to_us(moment: datetime) -> int:
    """Microseconds since the epoch; a naive ``moment`` is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def isoformat_us(micros: int) -> str:
    """RFC 3339 with an explicit ``+00:00`` offset, as the seed's examples write it."""
    return from_us(micros).isoformat()


def rfc3339_z(micros: int) -> str:
    """RFC 3339 in UTC with a ``Z``, microseconds included: ``2024-01-15T10:30:00.123456Z``."""
    return from_us(micros).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
