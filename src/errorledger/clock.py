"""Time as the core keeps it: integer microseconds since the Unix epoch, UTC.

RFC 3339 writes years 0000 to 9999 only, and Python's ``datetime`` years 1 to 9999: the
instants the service accepts from clients lie in ``[MIN_US, MAX_US]`` (validated at the
door), and the formatters below never raise for any stored integer (they clamp to that
range, so a value stored before that validation still renders).
"""

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


MIN_US = to_us(datetime(1, 1, 1, tzinfo=UTC))
MAX_US = to_us(datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC))


def in_range(micros: int) -> bool:
    """Whether ``micros`` is an instant of the years 0001 to 9999, in UTC."""
    return MIN_US <= micros <= MAX_US


def from_us(micros: int) -> datetime:
    """The UTC datetime of ``micros``, clamped to the years 0001 to 9999."""
    return _EPOCH + timedelta(microseconds=min(max(micros, MIN_US), MAX_US))


def isoformat_us(micros: int) -> str:
    """RFC 3339 with an explicit ``+00:00`` offset, as the seed's examples write it."""
    return from_us(micros).isoformat()


def rfc3339_z(micros: int, *, digits: int = 6) -> str:
    """RFC 3339 in UTC with a ``Z`` and ``digits`` (0 to 6) of the second's fraction:
    ``2024-01-15T10:30:00.123456Z``. Years are always four digits (``strftime("%Y")``
    writes year 1 as ``1``)."""
    moment = from_us(micros)
    fraction = f".{moment.microsecond:06d}"[: digits + 1] if digits else ""
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}{fraction}Z"
    )
