"""Projects, API keys and integrations: creating them (CLI, first start) and key material.

A key is a public ``key_id`` and a random ``secret``. Only SHA-256 of the secret is stored:
secrets are 256 random bits, so a slow password hash would add nothing but latency. The
``token`` used after ``Bearer`` is ``<key_id>.<secret>``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
import uuid

from sqlalchemy import Connection, Engine

from errorledger.clock import now_us
from errorledger.core.records import IntegrationRecord, KeyRecord, ProjectRecord
from errorledger.errors import InvalidInput, NotFound
from errorledger.storage import accounts as stored_accounts

SCOPES = ("ingest", "read", "admin")
DEFAULT_SCOPES = frozenset({"ingest", "read"})
KEY_ID_PREFIX = "elk_"
TOKEN_SEPARATOR = "."  # noqa: S105  (a separator, not a secret)


KEY_ID_HEX_DIGITS = 16
_HEX = frozenset("0123456789abcdef")


def is_key_id(text: str) -> bool:
    """Whether ``text`` has the form of the key ids we make (``elk_`` and 16 hex digits):
    anything else is refused before a lookup, so no stray byte reaches a query."""
    return (
        len(text) == len(KEY_ID_PREFIX) + KEY_ID_HEX_DIGITS
        and text.startswith(KEY_ID_PREFIX)
        and _HEX.issuperset(text[len(KEY_ID_PREFIX) :])
    )


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def split_token(token: str) -> tuple[str, str] | None:
    """``(key_id, secret)`` from a key token, or None if it is not one."""
    key_id, sep, secret = token.partition(TOKEN_SEPARATOR)
    if not sep or not key_id.startswith(KEY_ID_PREFIX) or not secret:
        return None
    return key_id, secret


def expand_scopes(requested: list[str] | None) -> frozenset[str]:
    """No scope: ingest and read. ``admin`` adds administration to those."""
    if not requested:
        return DEFAULT_SCOPES
    unknown = sorted(set(requested) - set(SCOPES))
    if unknown:
        raise InvalidInput.single(
            ("scope",), "invalid_choice", f"unknown scope {unknown[0]!r}; use {', '.join(SCOPES)}"
        )
    scopes = frozenset(requested)
    return scopes | DEFAULT_SCOPES if "admin" in scopes else scopes


@dataclasses.dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key, the only time its secret is known."""

    key_id: str
    secret: str
    project_id: str
    scopes: frozenset[str]

    @property
    def token(self) -> str:
        return f"{self.key_id}{TOKEN_SEPARATOR}{self.secret}"


@dataclasses.dataclass(frozen=True, slots=True)
class ListedKey:
    """A key as listings show it: what it is and whether it works, not its secret."""

    key: KeyRecord
    created_at: int


@dataclasses.dataclass(frozen=True, slots=True)
class Bootstrap:
    project: ProjectRecord
    integration: IntegrationRecord
    key: IssuedKey


class Accounts:
    """Administration through a plain transaction per call (the CLI and first start), on a
    writing engine (``create_database_engine(..., writer=True)``)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create_project(self, name: str) -> ProjectRecord:
        with self._engine.begin() as conn:
            return _insert_project(conn, name)

    def create_key(self, project_id: str, *, scopes: list[str] | None = None) -> IssuedKey:
        with self._engine.begin() as conn:
            return _insert_key(conn, project_id, scopes)

    def revoke_key(self, key_id: str) -> bool:
        """Revoke at once; False when it was revoked already. Unknown keys raise NotFound."""
        with self._engine.begin() as conn:
            if stored_accounts.revoke_key(conn, key_id, at=now_us()):
                stored_accounts.delete_access_tokens(conn, key_id)  # dead with it; kept no longer
                return True
            if stored_accounts.get_key(conn, key_id) is None:
                raise NotFound("Key")
            return False

    def create_integration(self, project_id: str, name: str) -> IntegrationRecord:
        with self._engine.begin() as conn:
            return _insert_integration(conn, project_id, name)

    def projects(self) -> list[ProjectRecord]:
        with self._engine.connect() as conn:
            return stored_accounts.list_projects(conn)

    def keys(self, project_id: str) -> list[ListedKey]:
        """The project's keys, revoked ones included, never their secrets."""
        with self._engine.connect() as conn:
            _require_project(conn, project_id)
            return [
                ListedKey(key, created_at)
                for key, created_at in stored_accounts.list_keys(conn, project_id)
            ]

    def integrations(self, project_id: str) -> list[IntegrationRecord]:
        with self._engine.connect() as conn:
            _require_project(conn, project_id)
            return stored_accounts.list_integrations(conn, project_id)

    def bootstrap(self) -> Bootstrap | None:
        """On an empty database: a default project, integration and admin key.

        One transaction that first takes the accounts lock: two servers started at once on
        an empty database make one default project between them, not one each.
        """
        with self._engine.begin() as conn:
            stored_accounts.lock_accounts(conn)
            if stored_accounts.has_projects(conn):
                return None
            project = _insert_project(conn, "default")
            integration = _insert_integration(conn, project.id, "default")
            key = _insert_key(conn, project.id, ["admin"])
        return Bootstrap(project, integration, key)


def _insert_project(conn: Connection, name: str) -> ProjectRecord:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput.single(("name",), "invalid", "a project name has 1 to 200 characters")
    record = ProjectRecord(id=str(uuid.uuid4()), name=name, created_at=now_us())
    stored_accounts.insert_project(conn, record)
    return record


def _insert_key(conn: Connection, project_id: str, scopes: list[str] | None) -> IssuedKey:
    issued = IssuedKey(
        key_id=KEY_ID_PREFIX + secrets.token_hex(KEY_ID_HEX_DIGITS // 2),
        secret=secrets.token_urlsafe(32),
        project_id=project_id,
        scopes=expand_scopes(scopes),
    )
    record = KeyRecord(
        key_id=issued.key_id,
        project_id=project_id,
        secret_hash=hash_secret(issued.secret),
        scopes=issued.scopes,
        revoked_at=None,
    )
    _require_project(conn, project_id)
    stored_accounts.insert_key(conn, record, created_at=now_us())
    return issued


def _insert_integration(conn: Connection, project_id: str, name: str) -> IntegrationRecord:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput.single(
            ("name",), "invalid", "an integration name has 1 to 200 characters"
        )
    created_at = now_us()
    _require_project(conn, project_id)
    integration_id = stored_accounts.insert_integration(
        conn, project_id=project_id, name=name, created_at=created_at
    )
    return IntegrationRecord(integration_id, project_id, name, created_at)


def _require_project(conn: Connection, project_id: str) -> None:
    if stored_accounts.get_project(conn, project_id) is None:
        raise NotFound("Project")
