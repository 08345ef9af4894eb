"""A slow Merkle tree written straight from RFC 9162 §2.1, to check the fast one against.

Only memoization is added, so that every tree size up to a few hundred stays quick.
"""

from __future__ import annotations

import functools
import hashlib


class ReferenceTree:
    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves

    @functools.cache  # noqa: B019 - trees live as long as a test module; the cache is the point
    def mth(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) of §2.1.1."""
        n = end - start
        if n == 0:
            return hashlib.sha256(b"").digest()
        if n == 1:
            return hashlib.sha256(b"\x00" + self.leaves[start]).digest()
        k = largest_power_of_two_below(n)
        return hashlib.sha256(
            b"\x01" + self.mth(start, start + k) + self.mth(start + k, end)
        ).digest()

    def path(self, m: int, start: int, end: int) -> list[bytes]:
        """PATH(m, D[start:end]) of §2.1.3.1, m relative to start."""
        n = end - start
        if n == 1:
            return []
        k = largest_power_of_two_below(n)
        if m < k:
            return [*self.path(m, start, start + k), self.mth(start + k, end)]
        return [*self.path(m - k, start + k, end), self.mth(start, start + k)]

    def proof(self, m: int, n: int) -> list[bytes]:
        """PROOF(m, D[n]) of §2.1.4.1."""
        return self.subproof(m, 0, n, True)

    def subproof(self, m: int, start: int, end: int, b: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if b else [self.mth(start, end)]
        k = largest_power_of_two_below(n)
        if m <= k:
            return [*self.subproof(m, start, start + k, b), self.mth(start + k, end)]
        return [*self.subproof(m - k, start + k, end, False), self.mth(start, start + k)]


def largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k
