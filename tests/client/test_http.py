"""The auditor's HTTP reads, over ``httpx.MockTransport``: what is sent, what is retried,
and how what comes back is described."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from errorledger_client.audit import LogClient, TransportError, http
from errorledger_client.log import VerificationError

Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler, base_url: str = "https://log.example/base") -> LogClient:
    return LogClient(base_url, token="elk_t", transport=httpx.MockTransport(handler))


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits between retries, taken instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(http.time, "sleep", waits.append)
    return waits


def test_the_token_goes_only_to_the_log_routes() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/verifier-key"):
            return httpx.Response(200, text="errorledger+00000000+AA==\n")
        return httpx.Response(200, json={"hashes": []})

    with client(handler) as log:
        assert log.verifier_key() == "errorledger+00000000+AA=="
        assert log.consistency("a/b", 1, 2) == []
    key, proof = seen
    assert "authorization" not in key.headers
    assert proof.headers["authorization"] == "Bearer elk_t"
    assert str(proof.url) == (
        "https://log.example/base/v1/projects/a%2Fb/tlog/proof/consistency?first=1&second=2"
    )
    assert key.headers["user-agent"].startswith("errorledger-client/")


def test_redirects_are_not_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "https://elsewhere.example/"})

    with client(handler) as log, pytest.raises(TransportError, match="HTTP 302 Found"):
        log.checkpoint("p")


def test_429_and_503_are_retried_after_their_retry_after(slept: list[float]) -> None:
    replies = iter(
        [
            httpx.Response(429, headers={"retry-after": "3"}),
            httpx.Response(503, headers={"retry-after": "86400"}),
            httpx.Response(503),
            httpx.Response(200, content=b"note", headers={"timestamp-token": "dG9r"}),
        ]
    )
    with client(lambda request: next(replies)) as log:
        assert log.checkpoint("p") == (b"note", "dG9r")
    assert slept == [3.0, http.MAX_RETRY_WAIT_S, 2.0]


def test_retries_end(slept: list[float]) -> None:
    with (
        client(lambda request: httpx.Response(503)) as log,
        pytest.raises(TransportError, match="HTTP 503 Service Unavailable"),
    ):
        log.checkpoint("p")
    assert len(slept) == http.RETRIES


def test_no_answer_is_a_transport_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("", request=request)

    with client(handler) as log, pytest.raises(TransportError, match=r"/checkpoint: ReadTimeout"):
        log.checkpoint("p")


def test_entry_pages_follow_the_cursor_and_keep_integers_exact() -> None:
    pages = {
        None: {"data": [{"id": 2**63 + 1}], "next_cursor": "c1"},
        "c1": {"data": [{"id": 1}], "next_cursor": None},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.params["page_size"] == "100"
        return httpx.Response(200, json=pages[request.url.params.get("cursor")])

    with client(handler) as log:
        assert list(log.entry_pages("p")) == [[{"id": 2**63 + 1}], [{"id": 1}]]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>", "not JSON"),
        (b'{"data": [NaN]}', "not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
        (b'{"data": {}}', "no data array"),
        (b'{"data": [], "next_cursor": ""}', "next_cursor ''"),
    ],
)
def test_what_is_not_an_entry_page_fails_verification(body: bytes, message: str) -> None:
    with (
        client(lambda request: httpx.Response(200, content=body)) as log,
        pytest.raises(VerificationError, match=message),
    ):
        list(log.entry_pages("p"))


@pytest.mark.parametrize(
    ("body", "message"),
    [({"hashes": ["***"]}, "not base64"), ({"hashes": "AAAA"}, "no list of base64 hashes")],
)
def test_what_is_not_a_proof_fails_verification(body: object, message: str) -> None:
    with (
        client(lambda request: httpx.Response(200, json=body)) as log,
        pytest.raises(VerificationError, match=message),
    ):
        log.consistency("p", 1, 2)


def test_http_errors_are_described() -> None:
    problem = {"type": "/problems/not-found", "title": "Not Found.", "detail": "no project"}
    assert http._describe(httpx.Response(404, json=problem)) == "HTTP 404 Not Found: no project"
    assert http._describe(httpx.Response(502, text="<html>")) == "HTTP 502 Bad Gateway"
    assert http._describe(httpx.Response(599, content=json.dumps([1]).encode())) == "HTTP 599"


def test_only_http_urls_are_taken() -> None:
    for url in ["ftp://x", "http://", "log.example"]:
        with pytest.raises(TransportError, match="is not an http:// or https:// URL"):
            LogClient(url, token="t")
