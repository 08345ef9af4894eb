"""Log capsules (seed 002): a SHA-256 timestamped by the service's TSA, kept as an entry.

The RFC 3161 token is signed only once the write is admitted (scope, rate limit): a refused
request costs no signature.
"""

from __future__ import annotations

import base64

from errorledger.core.authn import Principal
from errorledger.core.entries import EntryDraft, EntryKind
from errorledger.core.ingest import Ingestor
from errorledger.tsa import HashAlgorithm, MessageImprint, TimeStampAuthority

HASH_FIELD = "hashSha256_b64"
TIMESTAMP_FIELD = "timestamp_b64"


class Capsules:
    def __init__(self, ingestor: Ingestor, tsa: TimeStampAuthority) -> None:
        self._ingestor = ingestor
        self._tsa = tsa

    async def create(self, principal: Principal, *, app_env: str, digest: bytes) -> dict[str, str]:
        """Timestamp ``digest`` (32 bytes) and store the capsule under ``app_env``; the
        capsule as the seed answers it."""
        await self._ingestor.admit(principal)
        token = self._tsa.issue(MessageImprint(HashAlgorithm.SHA256, digest))
        capsule = {
            HASH_FIELD: base64.b64encode(digest).decode(),
            TIMESTAMP_FIELD: base64.b64encode(token.der).decode(),
        }
        draft = EntryDraft(kind=EntryKind.CAPSULE, source=app_env, content=capsule, redact=False)
        await self._ingestor.append(principal, draft, admitted=True)
        return capsule
