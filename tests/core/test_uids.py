"""Entry uids: UUIDv7, so they are valid UUIDs to every client and sort by time."""

import uuid

from errorledger.core.prepare import new_uid


def test_uids_are_version_7_rfc_uuids_with_the_millisecond_first() -> None:
    now_us = 1_795_000_000_123_456
    parsed = uuid.UUID(new_uid(now_us))
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    assert parsed.int >> 80 == now_us // 1000


def test_later_uids_sort_after_earlier_ones_and_never_repeat() -> None:
    uids = [new_uid(1_795_000_000_000_000 + step * 1000) for step in range(1000)]
    assert uids == sorted(uids)
    same_ms = {new_uid(1_795_000_000_000_000) for _ in range(10_000)}
    assert len(same_ms) == 10_000
