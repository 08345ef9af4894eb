"""The few HTTP reads an auditor needs, on the standard library alone.

One keep-alive connection (``http.client``), so a walk through a long log costs one TCP and
TLS handshake, not one per page. A 429 or 503 is retried after its ``Retry-After``; any
other error status, or no answer, raises ``TransportError``. What the server serves is
handed up unjudged: checking it is the auditor's job (``client.auditing``).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import http.client
import ssl
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import Any

import msgspec

from errorledger import __version__
from errorledger.client.errors import TransportError
from errorledger_client.log.verify import VerificationError

RETRIES = 5
MAX_RETRY_WAIT_S = 10.0
PAGE_SIZE = 100  # the native list's maximum
_RETRIED_STATUSES = frozenset({429, 503})


@dataclasses.dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes


class LogClient:
    """Reads one server's transparency log and native entry list, with a Bearer token."""

    def __init__(self, base_url: str, *, token: str | None, timeout: float = 60.0) -> None:
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise TransportError(f"{base_url!r} is not an http:// or https:// URL")
        self.base_url = base_url.rstrip("/")
        self._parts = parts
        self._prefix = parts.path.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def __enter__(self) -> LogClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    # the endpoints ----------------------------------------------------------------------------

    def verifier_key(self) -> str:
        """``GET /v1/tlog/verifier-key``: the log's key, as the server says it is."""
        return self._get("/v1/tlog/verifier-key", authenticated=False).body.decode().strip()

    def checkpoint(self, project: str) -> tuple[bytes, str | None]:
        """The signed checkpoint note, and the base64 RFC 3161 token over it, if any."""
        reply = self._get(_tlog(project, "checkpoint"))
        return reply.body, reply.headers.get("timestamp-token")

    def consistency(self, project: str, first: int, second: int) -> list[bytes]:
        query = {"first": first, "second": second}
        reply = self._get(_tlog(project, "proof/consistency"), query)
        return _hashes(_json(reply), "consistency proof")

    def entry_pages(self, project: str) -> Iterator[list[Any]]:
        """Every page of the native entry list, following ``next_cursor`` to the end."""
        path = f"/v1/projects/{_quote(project)}/entries"
        cursor: str | None = None
        while True:
            query: dict[str, str | int] = {"page_size": PAGE_SIZE}
            if cursor is not None:
                query["cursor"] = cursor
            page = _json(self._get(path, query))
            data, cursor = _page(page)
            yield data
            if cursor is None:
                return

    # transport --------------------------------------------------------------------------------

    def _get(
        self, path: str, query: Mapping[str, str | int] | None = None, *, authenticated: bool = True
    ) -> Reply:
        target = self._prefix + path
        if query:
            target += "?" + urllib.parse.urlencode(query)
        headers = {"User-Agent": f"errorledger-verify/{__version__}", "Accept": "*/*"}
        if authenticated and self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        for attempt in range(RETRIES + 1):
            reply = self._request(target, headers)
            if reply.status not in _RETRIED_STATUSES or attempt == RETRIES:
                break
            time.sleep(_retry_wait(reply.headers.get("retry-after"), attempt))
        if not 200 <= reply.status < 300:
            raise TransportError(f"GET {self.base_url}{path}: {_describe(reply)}")
        return reply

    def _request(self, target: str, headers: dict[str, str]) -> Reply:
        # A kept-alive connection the server has since closed fails on first use: one
        # reconnection covers that, and a second failure is a real one.
        for attempt in range(2):
            connection = self._connect()
            try:
                connection.request("GET", target, headers=headers)
                response = connection.getresponse()
                body = response.read()
            except (http.client.HTTPException, OSError) as exc:
                self.close()
                if attempt == 1 or not isinstance(exc, _STALE_CONNECTION):
                    where = f"{self.base_url}{target.removeprefix(self._prefix)}"
                    raise TransportError(f"GET {where}: {exc or type(exc).__name__}") from None
                continue
            if response.will_close:
                self.close()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
        raise AssertionError("unreachable")

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            host, port = self._parts.hostname or "", self._parts.port
            if self._parts.scheme == "https":
                self._connection = http.client.HTTPSConnection(
                    host, port, timeout=self._timeout, context=ssl.create_default_context()
                )
            else:
                self._connection = http.client.HTTPConnection(host, port, timeout=self._timeout)
        return self._connection


_STALE_CONNECTION = (
    http.client.RemoteDisconnected,
    ConnectionResetError,
    BrokenPipeError,
)


def _tlog(project: str, rest: str) -> str:
    return f"/v1/projects/{_quote(project)}/tlog/{rest}"


def _quote(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")


def _retry_wait(retry_after: str | None, attempt: int) -> float:
    if retry_after is not None and retry_after.strip().isdigit():
        return min(float(retry_after.strip()), MAX_RETRY_WAIT_S)
    return min(0.5 * (1 << attempt), MAX_RETRY_WAIT_S)


def _describe(reply: Reply) -> str:
    """``HTTP 404 Not Found: <detail>``, the detail from a problem-details body if any."""
    text = f"HTTP {reply.status} {http.client.responses.get(reply.status, '')}".rstrip()
    try:
        body = msgspec.json.decode(reply.body)
    except msgspec.DecodeError:
        return text
    if isinstance(body, dict):
        detail = body.get("detail") or body.get("title") or body.get("message")
        if isinstance(detail, str) and detail:
            return f"{text}: {detail}"
    return text


def _json(reply: Reply) -> Any:
    try:
        return msgspec.json.decode(reply.body)
    except msgspec.DecodeError as exc:
        raise VerificationError(f"the server's answer is not JSON: {exc}") from None


def _page(page: Any) -> tuple[list[Any], str | None]:
    if not isinstance(page, dict) or not isinstance(page.get("data"), list):
        raise VerificationError("an entry list page has no data array")
    cursor = page.get("next_cursor")
    if cursor is not None and (not isinstance(cursor, str) or not cursor):
        raise VerificationError(f"an entry list page has next_cursor {cursor!r}")
    return page["data"], cursor


def _hashes(body: Any, what: str) -> list[bytes]:
    hashes = body.get("hashes") if isinstance(body, dict) else None
    if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
        raise VerificationError(f"the {what} has no list of base64 hashes")
    try:
        return [base64.b64decode(h, validate=True) for h in hashes]
    except binascii.Error:
        raise VerificationError(f"the {what} has a hash that is not base64") from None
