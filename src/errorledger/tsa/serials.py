"""Token serial numbers, unique per TSA as RFC 3161 section 2.4.2 requires.

A serial is 127 bits: a 1 (so that every serial encodes in the same 16 bytes), 62 random
bits drawn once per process, and 64 bits that count up from 1.
Within a process serials never repeat; two processes share a prefix, and so could repeat,
with probability about n²/2⁶³ for n processes, whatever the number of tokens.
"""

from __future__ import annotations

import itertools
import os
import secrets

_COUNTER_BITS = 64
_PREFIX_BITS = 62


class SerialNumbers:
    __slots__ = ("_counter", "_pid", "_prefix")

    def __init__(self) -> None:
        self._draw_prefix()

    def next(self) -> int:
        # A child forked from a process that had drawn its prefix would count the same
        # serials as its parent and siblings: it draws its own.
        if os.getpid() != self._pid:
            self._draw_prefix()
        count = next(self._counter)
        if count >> _COUNTER_BITS:
            self._draw_prefix()
            count = next(self._counter)
        return self._prefix | count

    def _draw_prefix(self) -> None:
        self._pid = os.getpid()
        prefix = secrets.randbits(_PREFIX_BITS) | (1 << _PREFIX_BITS)
        self._prefix = prefix << _COUNTER_BITS
        # next() on itertools.count is atomic under the GIL, so threads need no lock.
        self._counter = itertools.count(1)
