"""Each project's redaction policy: the built-in rules, the server's settings and the
project's own rules (``GET/PUT /v1/projects/{p}/redaction``).

The ingest path asks for a project's redactor on every write, so policies are kept in
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

import anyio
import msgspec
from anyio import to_thread
from sqlalchemy import Engine

from errorledger.clock import now_us
from errorledger.core.authn import Principal
from errorledger.core.redaction import RedactionRules, Redactor, check_rules, redactor
from errorledger.storage import project_rules
from errorledger.storage.writes import Writer

log = logging.getLogger(__name__)

REFRESH_S = 5.0
_NO_RULES = RedactionRules()
_CACHED_PROJECTS = 10_000


@dataclasses.dataclass(frozen=True, slots=True)
class _Known:
    rules: RedactionRules
    redactor: Redactor
    read_at: float


class RedactionPolicies:
    def __init__(self, engine: Engine, writer: Writer, *, enabled: bool, emails: bool) -> None:
        self._engine = engine
        self._writer = writer
        self._enabled = enabled
        self._emails = emails
        self._known: dict[str, _Known] = {}
        self._reading: dict[str, anyio.Event] = {}
        if not enabled:
            log.warning(
                "redaction is off (ERRORLEDGER_REDACT=false): records are stored with every "
                "secret they carry"
            )

    async def redactor_for(self, project_id: str) -> Redactor | None:
        """The redactor of ``project_id``'s writes; None when redaction is off."""
        if not self._enabled:
            return None
        while True:
            known = self._known.get(project_id)
            if known is not None and time.monotonic() - known.read_at <= REFRESH_S:
                return known.redactor
            reading = self._reading.get(project_id)
            if reading is None:
                return (await self._refresh(project_id)).redactor
            if known is not None:
                return known.redactor  # stale by seconds at most; the read under way renews it
            await reading.wait()

    async def _refresh(self, project_id: str) -> _Known:
        done = self._reading[project_id] = anyio.Event()
        try:
            return await to_thread.run_sync(self._reread, project_id)
        finally:
            del self._reading[project_id]
            done.set()

    async def rules(self, principal: Principal) -> RedactionRules:
        principal.require("admin")
        return await to_thread.run_sync(self._read, principal.project_id)

    async def set_rules(self, principal: Principal, rules: RedactionRules) -> RedactionRules:
        """Check ``rules`` (``InvalidInput`` naming what is wrong), store them, and apply
        them to the project's next write."""
        principal.require("admin")
        await to_thread.run_sync(check_rules, rules)
        text = msgspec.json.encode(rules).decode()
        updated_at = now_us()
        await self._writer.run(
            lambda conn: project_rules.put_redaction_rules(
                conn, principal.project_id, text, updated_at=updated_at
            )
        )
        await to_thread.run_sync(self._remember, principal.project_id, rules)
        return rules

    def _read(self, project_id: str) -> RedactionRules:
        with self._engine.connect() as conn:
            text = project_rules.get_redaction_rules(conn, project_id)
        return _NO_RULES if text is None else msgspec.json.decode(text, type=RedactionRules)

    def _reread(self, project_id: str) -> _Known:
        return self._remember(project_id, self._read(project_id))

    def _remember(self, project_id: str, rules: RedactionRules) -> _Known:
        """Keep ``rules`` and their redactor (compiled here, off the event loop)."""
        if len(self._known) >= _CACHED_PROJECTS:
            self._known.clear()
        known = _Known(
            rules,
            redactor(None if rules == _NO_RULES else rules, emails=self._emails),
            time.monotonic(),
        )
        self._known[project_id] = known
        return known
