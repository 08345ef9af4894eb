"""RFC 3161 time-stamping for any RFC 3161 client (``POST /v1/tsa``).

Each request counts against the key's write limit and re-checks that the key is active
before anything is signed: a refused request costs no signature.
"""

from __future__ import annotations

from errorledger.core.authn import Authenticator, Principal
from errorledger.core.ratelimit import RateLimiter
from errorledger.tsa import TimeStampAuthority, respond


class Timestamping:
    def __init__(
        self, authenticator: Authenticator, limiter: RateLimiter, tsa: TimeStampAuthority
    ) -> None:
        self._authenticator = authenticator
        self._limiter = limiter
        self._tsa = tsa

    async def respond(self, principal: Principal, query: bytes) -> bytes:
        """The DER TimeStampResp to a DER TimeStampReq (a rejection, when it cannot be
        granted)."""
        await self._limiter.hit(principal.key_id, "write")
        await self._authenticator.require_active(principal)
        return respond(self._tsa, query)
