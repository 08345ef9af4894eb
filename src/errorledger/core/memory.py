"""Bounded memories of the write path: what was worked out once for a text (a name's
verdict, a clean key, a message's rules) is kept, so that a record that repeats its texts
costs a lookup. A memory is bounded in entries and in the length of what it keeps: texts
sent long on purpose are worked out afresh each time and never fill it."""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")

# Sized for names and keys; messages keep longer texts, fewer of them.
NAME_LENGTH = 128
NAMES = 8192


def remember(
    memo: dict[K, V],
    text: str,
    key: K,
    value: V,
    *,
    longest: int = NAME_LENGTH,
    most: int = NAMES,
) -> None:
    """Keep ``value`` under ``key`` (made from ``text``) unless ``text`` is longer than
    ``longest``; a memory of ``most`` entries starts over."""
    if len(text) > longest:
        return
    if len(memo) >= most:
        memo.clear()
    memo[key] = value
