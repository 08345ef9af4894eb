"""Each project's policies: its redaction (the built-in rules, the server's settings and
the project's own rules, ``/v1/projects/{p}/redaction``) and its triage (the catalogue and
the project's own rules and hint texts, ``/v1/projects/{p}/hint-rules``).

The ingest path asks for a project's policy on every write, so policies are kept in
memory. A change made through this process applies to its next write; one made through
another process sharing the database applies here within ``REFRESH_S`` seconds.

One read at a time per project: while a project's policy is re-read, its other writes use
the one they have (and a project's very first writes wait for the one read). Every write
re-reading at once, one worker thread and one database connection each, cost the served
ingest a burst of forty threads every ``REFRESH_S`` seconds.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import TypeVar

import anyio
import msgspec
from anyio import to_thread
from sqlalchemy import Engine

from errorledger.clock import now_us
from errorledger.core.authn import Principal
from errorledger.core.redaction import RedactionRules, Redactor, check_rules, redactor
from errorledger.core.triage import rules as triage
from errorledger.core.triage.classify import Classifier
from errorledger.storage import project_rules
from errorledger.storage.writes import Writer

log = logging.getLogger(__name__)

REFRESH_S = 5.0
_NO_REDACTION_RULES = RedactionRules()
_CACHED_PROJECTS = 10_000
R = TypeVar("R", RedactionRules, triage.TriageRules)


@dataclasses.dataclass(frozen=True, slots=True)
class Policy:
    redaction_rules: RedactionRules
    redactor: Redactor | None  # None when redaction is off
    triage_rules: triage.TriageRules
    classifier: Classifier
    read_at: float


class ProjectPolicies:
    def __init__(self, engine: Engine, writer: Writer, *, redact: bool, emails: bool) -> None:
        self._engine = engine
        self._writer = writer
        self._redact = redact
        self._emails = emails
        self._known: dict[str, Policy] = {}
        self._reading: dict[str, anyio.Event] = {}
        if not redact:
            log.warning(
                "redaction is off (ERRORLEDGER_REDACT=false): records are stored with every "
                "secret they carry"
            )

    def prepare(self) -> None:
        """Read and check the triage catalogue and build the policy of a project without
        rules of its own, at start-up: a catalogue that cannot be used stops the server
        here, not on a write; and what lives as long as the process exists before the
        served process freezes it out of the garbage collector (``app.served_app``), so
        the collector does not walk the catalogue's thousand objects again and again."""
        triage.classifier(triage.NO_RULES)
        if self._redact:
            redactor(None, emails=self._emails)

    async def policy_for(self, project_id: str) -> Policy:
        """The policy of ``project_id``'s writes."""
        while True:
            known = self._known.get(project_id)
            if known is not None and time.monotonic() - known.read_at <= REFRESH_S:
                return known
            reading = self._reading.get(project_id)
            if reading is None:
                return await self._refresh(project_id)
            if known is not None:
                return known  # stale by seconds at most; the read under way renews it
            await reading.wait()

    async def _refresh(self, project_id: str) -> Policy:
        done = self._reading[project_id] = anyio.Event()
        try:
            return await to_thread.run_sync(self._reread, project_id)
        finally:
            del self._reading[project_id]
            done.set()

    async def redaction_rules(self, principal: Principal) -> RedactionRules:
        principal.require("admin")
        return (await to_thread.run_sync(self._reread, principal.project_id)).redaction_rules

    async def triage_rules(self, principal: Principal) -> triage.TriageRules:
        principal.require("admin")
        return (await to_thread.run_sync(self._reread, principal.project_id)).triage_rules

    async def set_redaction_rules(
        self, principal: Principal, rules: RedactionRules
    ) -> RedactionRules:
        """Check ``rules`` (``InvalidInput`` naming what is wrong), store them, and apply
        them to the project's next write."""
        return await self._set(principal, rules, check_rules, project_rules.REDACTION)

    async def set_triage_rules(
        self, principal: Principal, rules: triage.TriageRules
    ) -> triage.TriageRules:
        """As ``set_redaction_rules``, for the project's triage rules and hint texts."""
        return await self._set(principal, rules, triage.check_rules, project_rules.TRIAGE)

    async def _set(
        self, principal: Principal, rules: R, check: Callable[[R], None], kind: str
    ) -> R:
        principal.require("admin")
        await to_thread.run_sync(check, rules)
        text = msgspec.json.encode(rules).decode()
        updated_at = now_us()
        project_id = principal.project_id
        await self._writer.run(
            lambda conn: project_rules.put_rules(
                conn, kind, project_id, text, updated_at=updated_at
            )
        )
        await to_thread.run_sync(self._reread, project_id)
        return rules

    def _reread(self, project_id: str) -> Policy:
        """Read the project's rules and keep its policy (compiled here, off the event
        loop); an admin's GET reads through here too, so it sees what writes will use."""
        with self._engine.connect() as conn:
            found = project_rules.get_all_rules(conn, project_id)
        redaction_rules = _decoded(found.get(project_rules.REDACTION), RedactionRules)
        triage_rules = _decoded(found.get(project_rules.TRIAGE), triage.TriageRules)
        if len(self._known) >= _CACHED_PROJECTS:
            self._known.clear()
        policy = Policy(
            redaction_rules,
            redactor(
                None if redaction_rules == _NO_REDACTION_RULES else redaction_rules,
                emails=self._emails,
            )
            if self._redact
            else None,
            triage_rules,
            triage.classifier(triage_rules),
            time.monotonic(),
        )
        self._known[project_id] = policy
        return policy


def _decoded(text: str | None, type_: type[R]) -> R:
    """Stored rules; a project without any has the empty rules."""
    return type_() if text is None else msgspec.json.decode(text, type=type_)
