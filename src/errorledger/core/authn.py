"""Who is calling: keys and access tokens checked against their stored hashes.

Verified keys are cached per process so the ingest path does not read the database for
every request. The cache cannot outlive a revocation: every write re-checks its key inside
the transaction that stores it, and every read inside the transaction that reads, so a key
revoked by any process stops working at once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from collections import OrderedDict
from typing import Generic, TypeVar

from anyio import to_thread
from sqlalchemy import Connection, Engine

from errorledger.clock import now_us
from errorledger.core.accounts import hash_secret, is_key_id, split_token
from errorledger.core.ratelimit import RateLimiter
from errorledger.core.records import KeyRecord
from errorledger.errors import AuthenticationFailed, NotFound, PermissionDenied
from errorledger.storage import accounts as stored_accounts
from errorledger.storage.writes import Writer

ACCESS_TOKEN_PREFIX = "elat_"  # noqa: S105  (a prefix, not a secret)
_CACHE_SIZE = 10_000

K = TypeVar("K")
V = TypeVar("V")


@dataclasses.dataclass(frozen=True, slots=True)
class Principal:
    key_id: str
    project_id: str
    scopes: frozenset[str]

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise PermissionDenied(scope)

    def require_project(self, project_id: str, *, resource: str = "Project") -> None:
        """A project named in a path must be the key's own; any other is not found."""
        if project_id != self.project_id:
            raise NotFound(resource)


class _LRU(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self._size:
            self._items.popitem(last=False)


def _principal(key: KeyRecord) -> Principal:
    return Principal(key.key_id, key.project_id, key.scopes)


class Authenticator:
    def __init__(
        self, engine: Engine, writer: Writer, limiter: RateLimiter, *, token_ttl_seconds: int
    ) -> None:
        self._engine = engine
        self._writer = writer
        self._limiter = limiter
        self._token_ttl = token_ttl_seconds
        self._keys: _LRU[str, KeyRecord] = _LRU(_CACHE_SIZE)
        self._tokens: _LRU[bytes, tuple[KeyRecord, int]] = _LRU(_CACHE_SIZE)

    async def with_secret(self, key_id: str, secret: str) -> Principal:
        """HTTP Basic ``key_id:secret``, or the two halves of a key token."""
        if not is_key_id(key_id):
            raise AuthenticationFailed()
        key = self._keys.get(key_id)
        if key is None:
            key = await to_thread.run_sync(self._load_key, key_id)
            if key is not None and key.revoked_at is None:
                self._keys.put(key_id, key)  # only on the loop's thread: the LRU is not locked
        if key is None or key.revoked_at is not None:
            raise AuthenticationFailed()
        if not hmac.compare_digest(key.secret_hash, hash_secret(secret)):
            raise AuthenticationFailed()
        return _principal(key)

    async def with_token(self, token: str) -> Principal:
        """A ``Bearer`` token: a key token, or an access token from ``POST /oauth2/token``."""
        parts = split_token(token)
        if parts is not None:
            return await self.with_secret(*parts)
        if not token.startswith(ACCESS_TOKEN_PREFIX):
            raise AuthenticationFailed()
        digest = hashlib.sha256(token.encode()).digest()
        found = self._tokens.get(digest)
        if found is None:
            found = await to_thread.run_sync(self._load_token, digest)
            if found is not None and found[0].revoked_at is None:
                self._tokens.put(digest, found)
        if found is None:
            raise AuthenticationFailed()
        key, expires_at = found
        if key.revoked_at is not None or expires_at <= now_us():
            raise AuthenticationFailed("The access token has expired or was revoked.")
        return _principal(key)

    async def issue_access_token(self, key_id: str, secret: str) -> tuple[str, int]:
        """OAuth2 client credentials: a new access token and its lifetime in seconds.

        Counted against the key's token limit once the secret is right (a wrong secret must
        not spend a key's budget). The key is re-checked in the transaction that stores the
        token, as every write re-checks its key: a key revoked by any process gets no new
        token, whatever this process cached. The same transaction deletes the key's expired
        tokens, so the table holds at most a token lifetime's worth per key.
        """
        principal = await self.with_secret(key_id, secret)
        await self._limiter.hit(principal.key_id, "token")
        token = ACCESS_TOKEN_PREFIX + secrets.token_urlsafe(32)
        digest = hashlib.sha256(token.encode()).digest()
        now = now_us()

        def store(conn: Connection) -> bool:
            if not stored_accounts.active_key_ids(conn, [principal.key_id]):
                return False
            stored_accounts.delete_access_tokens(conn, principal.key_id, expired_by=now)
            stored_accounts.insert_access_token(
                conn,
                token_hash=digest,
                key_id=principal.key_id,
                expires_at=now + self._token_ttl * 1_000_000,
            )
            return True

        if not await self._writer.run(store):
            raise AuthenticationFailed("The key was revoked.")
        return token, self._token_ttl

    async def require_active(self, principal: Principal) -> None:
        """For what stores nothing (a write re-checks its key in the transaction that
        stores it; a read in the transaction that reads): ask the database now, so a
        revocation by any process holds at once despite the cache."""

        def active() -> bool:
            with self._engine.connect() as conn:
                return bool(stored_accounts.active_key_ids(conn, [principal.key_id]))

        if not await to_thread.run_sync(active):
            raise AuthenticationFailed("The key was revoked.")

    def _load_key(self, key_id: str) -> KeyRecord | None:
        with self._engine.connect() as conn:
            return stored_accounts.get_key(conn, key_id)

    def _load_token(self, digest: bytes) -> tuple[KeyRecord, int] | None:
        with self._engine.connect() as conn:
            return stored_accounts.get_access_token(conn, digest)
