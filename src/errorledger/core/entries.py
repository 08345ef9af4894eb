"""What an entry is: the kinds, and the draft an API family hands to ingest."""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from typing import Any


class EntryKind(StrEnum):
    INTEGRATION_LOG = "integration_log"
    IMPORT_ERROR = "import_error"
    IMPORT_LOG = "import_log"
    IMPORT_LOG_UPDATE = "import_log_update"
    CAPSULE = "capsule"


@dataclasses.dataclass(slots=True, kw_only=True)  # not frozen: see records.py
class EntryDraft:
    """A validated record, before redaction.

    ``content`` is the record as its family defines it; the other fields are what the core
    indexes for search and grouping. ``occurred_at`` (microseconds, UTC) is the client's
    timestamp, or None for "when received". ``size`` is the request body's length in bytes:
    the work on a large record moves off the event loop (``core.offload``). ``redact`` is
    False only for content the service made itself from no text of the client's (a
    capsule's digest and time-stamp token, which redaction must never alter).
    """

    kind: EntryKind
    source: str
    content: dict[str, Any]
    occurred_at: int | None = None
    status_code: int | None = None
    message: str | None = None
    url: str | None = None
    exception_type: str | None = None
    integration_id: int | None = None
    size: int = 0
    redact: bool = True
