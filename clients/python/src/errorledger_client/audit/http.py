"""The few HTTP reads an auditor needs, over one ``httpx.Client``.

One client, so one kept-alive connection: a walk through a long log costs one TCP and TLS
handshake, not one per page (httpx replaces a connection the server has closed before
reusing it). A 429 or 503 is retried after its ``Retry-After``, waiting at most
``MAX_RETRY_WAIT_S``; any other error status, or no answer, raises ``TransportError``.

The token goes only to the log's own routes: not to the public verifier key, and never to
another host, since no redirect is followed. Proxy variables, ``.netrc`` and the like are
not read unless ``trust_env`` asks for them: an auditor talks to the server it named.
Certificates are checked against the system's trust store, as ``ssl`` has it.

What the server serves is handed up unjudged: checking it is the auditor's job
(``audit.auditing``). JSON is decoded by the standard library, so integers stay exact.
"""

from __future__ import annotations

import base64
import binascii
import json
import ssl
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import Any

import httpx

from errorledger_client.__version__ import __version__
from errorledger_client.audit.errors import TransportError
from errorledger_client.log.verify import VerificationError

RETRIES = 5
MAX_RETRY_WAIT_S = 10.0
PAGE_SIZE = 100  # the native list's maximum
_RETRIED_STATUSES = frozenset({429, 503})


class LogClient:
    """Reads one server's transparency log and native entry list, with a Bearer token.

    ``transport`` replaces the network (tests pass an ``httpx.MockTransport``).
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None,
        timeout: float = 60.0,
        trust_env: bool = False,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise TransportError(f"{base_url!r} is not an http:// or https:// URL")
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"User-Agent": f"errorledger-client/{__version__}", "Accept": "*/*"},
            timeout=timeout,
            trust_env=trust_env,
            verify=ssl.create_default_context(),
            transport=transport,
        )

    def __enter__(self) -> LogClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # the endpoints ----------------------------------------------------------------------------

    def verifier_key(self) -> str:
        """``GET /v1/tlog/verifier-key``: the log's key, as the server says it is."""
        return self._get("/v1/tlog/verifier-key", authenticated=False).text.strip()

    def checkpoint(self, project: str) -> tuple[bytes, str | None]:
        """The signed checkpoint note, and the base64 RFC 3161 token over it, if any."""
        reply = self._get(_tlog(project, "checkpoint"))
        return reply.content, reply.headers.get("timestamp-token")

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
    ) -> httpx.Response:
        headers = (
            {"Authorization": f"Bearer {self._token}"} if authenticated and self._token else {}
        )
        for attempt in range(RETRIES + 1):
            try:
                reply = self._http.get(path, params=query, headers=headers)
            except httpx.HTTPError as exc:
                raise TransportError(f"GET {self.base_url}{path}: {_reason(exc)}") from None
            if reply.status_code not in _RETRIED_STATUSES or attempt == RETRIES:
                break
            time.sleep(_retry_wait(reply.headers.get("retry-after"), attempt))
        if not reply.is_success:
            raise TransportError(f"GET {self.base_url}{path}: {_describe(reply)}")
        return reply


def _tlog(project: str, rest: str) -> str:
    return f"/v1/projects/{_quote(project)}/tlog/{rest}"


def _quote(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")


def _retry_wait(retry_after: str | None, attempt: int) -> float:
    if retry_after is not None and retry_after.strip().isdigit():
        return min(float(retry_after.strip()), MAX_RETRY_WAIT_S)
    return min(0.5 * (1 << attempt), MAX_RETRY_WAIT_S)


def _reason(exc: httpx.HTTPError) -> str:
    # Some of httpx's errors carry no message (a bare ReadTimeout): their name says enough.
    return str(exc) or type(exc).__name__


def _describe(reply: httpx.Response) -> str:
    """``HTTP 404 Not Found: <detail>``, the detail from a problem-details body if any."""
    status = reply.status_code
    text = f"HTTP {status} {httpx.codes.get_reason_phrase(status)}".rstrip()
    detail = _problem_detail(reply.content)
    return f"{text}: {detail}" if detail else text


def _problem_detail(body: bytes) -> str | None:
    try:
        problem = json.loads(body)
    except ValueError:
        return None
    if not isinstance(problem, dict):
        return None
    detail = problem.get("detail") or problem.get("title") or problem.get("message")
    return detail if isinstance(detail, str) else None


def _json(reply: httpx.Response) -> Any:
    try:
        return json.loads(reply.content, parse_constant=_not_json)
    except (ValueError, RecursionError) as exc:
        raise VerificationError(f"the server's answer is not JSON: {exc}") from None


def _not_json(constant: str) -> None:
    """``NaN`` and ``Infinity``, which Python's json reads and JSON does not have."""
    raise ValueError(f"{constant} is not JSON")


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
