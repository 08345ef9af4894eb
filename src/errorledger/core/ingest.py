"""The write path of every family (DESIGN §3): admit → prepare (redact, classify, group,
digest) → append (group commit: counted into its issue and sequenced into the project's
log) → the stored entry."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from errorledger.clock import now_us
from errorledger.core.authn import Principal
from errorledger.core.entries import EntryDraft
from errorledger.core.offload import run_sized
from errorledger.core.policies import ProjectPolicies
from errorledger.core.prepare import prepare
from errorledger.core.ratelimit import RateLimiter
from errorledger.core.records import EntryRecord, Placement
from errorledger.storage.writes import PendingEntry, Writer

Effect = Callable[[Connection, EntryRecord], None]


class Ingestor:
    def __init__(self, writer: Writer, limiter: RateLimiter, policies: ProjectPolicies) -> None:
        self._writer = writer
        self._limiter = limiter
        self._policies = policies

    async def admit(self, principal: Principal) -> None:
        """May the caller write now? ``PermissionDenied`` or ``RateLimited`` if not. Done
        before any work the write costs, so a refused request costs nothing."""
        principal.require("ingest")
        await self._limiter.hit(principal.key_id, "write")

    async def append(
        self,
        principal: Principal,
        draft: EntryDraft,
        *,
        effect: Effect | None = None,
        admitted: bool = False,
    ) -> EntryRecord:
        """Store ``draft`` for the caller's project; returns once it is committed.

        ``effect`` runs in the transaction that stores the entry, given the stored entry: what
        a family keeps beside its entries changes with them. ``admitted``: the caller has
        already called ``admit`` for this write.
        """
        if not admitted:
            await self.admit(principal)
        policy = await self._policies.policy_for(principal.project_id)
        received_at = now_us()
        prepared = await run_sized(
            draft.size,
            lambda: prepare(
                draft,
                project_id=principal.project_id,
                key_id=principal.key_id,
                received_at=received_at,
                redactor=policy.redactor if draft.redact else None,
                classifier=policy.classifier,
            ),
        )

        def apply(conn: Connection, placement: Placement) -> None:
            assert effect is not None
            effect(conn, prepared.record(placement))

        pending = PendingEntry(
            prepared.entry, draft.integration_id, None if effect is None else apply
        )
        return prepared.record(await self._writer.append(pending))
