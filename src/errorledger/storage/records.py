"""Plain records that storage hands up to the core."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True, slots=True)
class ProjectRecord:
    id: str
    name: str
    created_at: int


@dataclasses.dataclass(frozen=True, slots=True)
class KeyRecord:
    key_id: str
    project_id: str
    secret_hash: bytes
    scopes: frozenset[str]
    revoked_at: int | None


@dataclasses.dataclass(frozen=True, slots=True)
class IntegrationRecord:
    id: int
    project_id: str
    name: str
    created_at: int


@dataclasses.dataclass(frozen=True, slots=True)
class EntryRecord:
    id: int
    uid: str
    project_id: str
    kind: str
    source: str
    received_at: int
    occurred_at: int
    status_code: int | None
    message: str | None
    url: str | None
    fingerprint: str
    protected: bool
    redactions: list[str]
    content: dict[str, Any]
    leaf_index: int | None = None
    leaf_hash: bytes | None = None
    content_sha256: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class EntryCursor:
    """Where a newest-first page ended: the next page starts strictly below it."""

    occurred_at: int
    id: int


@dataclasses.dataclass(frozen=True, slots=True)
class ImportLogMessage:
    code: str
    message: str
    path: str
    details: dict[str, Any] | None


@dataclasses.dataclass(frozen=True, slots=True)
class ImportLogRecord:
    id: str
    project_id: str
    api_reference_id: str
    status: str
    created_at: int
    error_count: int
    warning_count: int


@dataclasses.dataclass(frozen=True, slots=True)
class CheckpointRecord:
    project_id: str
    size: int
    root_hash: bytes
    note: str
    timestamp_token: bytes
    created_at: int
