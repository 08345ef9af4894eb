"""The triage catalogue, walked whole, and the failures the product promises to name.

Every rule of ``catalogue.toml`` is checked against the classifier: each message rule's
example, each exception name, each status and each signature lands on the rule's cause.
Then the examples the product promises, and last, real exceptions that ``requests`` and
``httpx`` raise on this machine (a closed port, self-signed, expired and misnamed
certificates from a local TLS server, a name that does not resolve, a server that never
answers), classified from their type names and messages as a client would report them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from errorledger.core.triage.catalogue import (
    CLASSES,
    FACTS,
    UNKNOWN,
    Cause,
    MessageRule,
    Signature,
    builtin,
    compile_pattern,
)
from errorledger.core.triage.classify import Classifier, Symptoms, Verdict
from errorledger.core.triage.hints import parse_template

CATALOGUE = builtin()
CLASSIFIER = Classifier(CATALOGUE)
MESSAGES = {rule.id: rule for rule in CATALOGUE.message}
EXCEPTION_NAMES = [(name, rule.cause) for rule in CATALOGUE.exception for name in rule.names]
GENERIC_NAMES = [name for rule in CATALOGUE.generic for name in rule.names]
MIN_EXCEPTION_NAMES = 150


def _first_cause_by_status() -> dict[int, str]:
    causes: dict[int, str] = {}
    for rule in CATALOGUE.status:
        for code in rule.statuses():
            causes.setdefault(code, rule.cause)
    return causes


STATUSES = sorted(_first_cause_by_status().items())


def classify(symptoms: Symptoms) -> Verdict:
    return CLASSIFIER.classify(symptoms)


# ---------------------------------------------------------------- the whole file


@pytest.mark.parametrize("rule", CATALOGUE.message, ids=lambda rule: rule.id)
def test_each_message_example_classifies_to_its_cause(rule: MessageRule) -> None:
    verdict = classify(Symptoms(messages=[rule.example]))
    assert verdict.cause == rule.cause, verdict
    # Its own rule decides, or an earlier one of the same cause.
    kind, _, decided_by = verdict.rule.partition(":")
    assert kind == "message", verdict
    assert MESSAGES[decided_by].cause == rule.cause, verdict


@pytest.mark.parametrize(("name", "cause"), EXCEPTION_NAMES, ids=[n for n, _ in EXCEPTION_NAMES])
def test_each_exception_name_alone_classifies_to_its_cause(name: str, cause: str) -> None:
    assert classify(Symptoms(exception_types=[name])).cause == cause


@pytest.mark.parametrize("name", GENERIC_NAMES)
def test_each_generic_name_says_nothing_alone_and_defers_to_the_status(name: str) -> None:
    alone = classify(Symptoms(exception_types=[name]))
    assert (alone.cause, alone.rule) == (UNKNOWN, "none")
    with_status = classify(Symptoms(exception_types=[name], status=401))
    assert (with_status.cause, with_status.rule) == ("auth.invalid_credentials", "status:401")


@pytest.mark.parametrize(("status", "cause"), STATUSES, ids=[str(code) for code, _ in STATUSES])
def test_each_status_alone_classifies_to_the_first_table_listing_it(
    status: int, cause: str
) -> None:
    verdict = classify(Symptoms(status=status))
    assert (verdict.cause, verdict.rule) == (cause, f"status:{status}")


def _carrying_marker(signature: Signature, status: int | None) -> Symptoms:
    if signature.header:
        headers = {signature.header.title(): f"before {signature.contains.upper()} after"}
        return Symptoms(status=status, headers=headers)
    return Symptoms(status=status, body=f"<html><body>\n{signature.body}\n</body></html>")


@pytest.mark.parametrize("signature", CATALOGUE.signature, ids=lambda sig: sig.id)
def test_each_signature_classifies_to_its_cause(signature: Signature) -> None:
    assert signature.example_status is not None
    if signature.statuses:
        assert signature.example_status in signature.statuses
    verdict = classify(_carrying_marker(signature, signature.example_status))
    assert (verdict.cause, verdict.rule) == (signature.cause, f"signature:{signature.id}")


@pytest.mark.parametrize(
    "signature", [sig for sig in CATALOGUE.signature if sig.statuses], ids=lambda sig: sig.id
)
def test_a_signature_limited_to_statuses_ignores_others(signature: Signature) -> None:
    verdict = classify(_carrying_marker(signature, 200))
    assert not verdict.rule.startswith("signature:"), verdict


def test_every_cause_is_reachable_by_some_rule() -> None:
    named = {rule.cause for rule in CATALOGUE.signature}
    named |= {rule.cause for rule in CATALOGUE.message}
    named |= {rule.cause for rule in CATALOGUE.exception}
    named |= {rule.cause for rule in CATALOGUE.status}
    unreachable = {cause.id for cause in CATALOGUE.cause} - named - {UNKNOWN}
    assert not unreachable


def test_every_class_but_unknown_has_a_cause() -> None:
    used = {cause.id.partition(".")[0] for cause in CATALOGUE.cause}
    assert set(CLASSES) - used == set()
    assert {cause.id for cause in CATALOGUE.cause if cause.id.startswith("unknown.")} == {UNKNOWN}


def test_the_catalogue_names_enough_distinct_exception_types() -> None:
    names = [name for name, _ in EXCEPTION_NAMES] + GENERIC_NAMES
    # Type names compare without case: a name listed twice would shadow the later table.
    assert len({name.lower() for name in names}) == len(names)
    assert len(names) >= MIN_EXCEPTION_NAMES


GROUPS = {
    group
    for rule in CATALOGUE.message
    for group in compile_pattern(rule.pattern, where=rule.id).groupindex
}
ALL_FACTS = {
    "host": "shop.example",
    "port": "8443",
    "status": "503",
    "url": "https://shop.example/wp-json/wc/v3/orders",
    "method": "POST",
    "exception_type": "requests.exceptions.SSLError",
    "retry_after": "30",
    "source": "woocommerce",
    "not_after": "2024-04-30T23:59:59Z",
    "not_before": "2024-05-03T00:00:00Z",
}


def test_the_facts_used_here_cover_every_fact_a_hint_may_name() -> None:
    assert not (FACTS | GROUPS) - ALL_FACTS.keys()


@pytest.mark.parametrize("cause", CATALOGUE.cause, ids=lambda cause: cause.id)
@pytest.mark.parametrize(
    "facts",
    [ALL_FACTS, {"host": "shop.example"}, {}],
    ids=["all facts", "host only", "no facts"],
)
def test_each_hint_renders_without_leftover_braces(cause: Cause, facts: dict[str, str]) -> None:
    for template in (cause.title, cause.text):
        rendered = parse_template(template).fill(facts)
        assert rendered.strip()
        assert "{" not in rendered
        assert "}" not in rendered
        if facts is ALL_FACTS:
            assert "unknown" not in rendered  # what a required fact reads as when missing


# ------------------------------------------------------- the examples we promise

PROMISED = [
    pytest.param(Symptoms(exception_types=["requests.exceptions.SSLError"]), "tls", id="SSLError"),
    pytest.param(
        Symptoms(
            exception_types=["httpx.ConnectError"],
            messages=["[Errno -2] Name or service not known"],
        ),
        "dns",
        id="httpx ConnectError, name not known",
    ),
    pytest.param(
        Symptoms(
            exception_types=["httpx.ConnectError"], messages=["[Errno 111] Connection refused"]
        ),
        "connect",
        id="httpx ConnectError, refused",
    ),
    pytest.param(
        Symptoms(exception_types=["java.net.SocketTimeoutException"]),
        "timeout",
        id="SocketTimeoutException",
    ),
    pytest.param(
        Symptoms(exception_types=["Error"], messages=["getaddrinfo ENOTFOUND shop.example"]),
        "dns",
        id="Node ENOTFOUND",
    ),
    pytest.param(
        Symptoms(
            exception_types=["GuzzleHttp\\Exception\\ConnectException"],
            messages=[
                "cURL error 60: SSL certificate problem: certificate has expired (see "
                "https://curl.haxx.se/libcurl/c/libcurl-errors.html) for https://shop.example/"
            ],
        ),
        "tls",
        id="Guzzle cURL 60",
    ),
    pytest.param(
        Symptoms(messages=["x509: certificate signed by unknown authority"]),
        "tls",
        id="Go unknown authority",
    ),
    pytest.param(
        Symptoms(exception_types=["requests.exceptions.HTTPError"], status=401),
        "auth",
        id="HTTPError 401",
    ),
    *(pytest.param(Symptoms(status=code), "tls", id=str(code)) for code in (495, 496, 525, 526)),
    *(pytest.param(Symptoms(status=code), "timeout", id=str(code)) for code in (408, 504, 524)),
    pytest.param(Symptoms(status=429), "rate_limit", id="429"),
    pytest.param(
        Symptoms(status=429, headers={"cf-mitigated": "challenge"}),
        "permission",
        id="429 challenged",
    ),
    pytest.param(Symptoms(status=422), "validation", id="422"),
    pytest.param(Symptoms(messages=["Missing required field"]), "validation", id="import error"),
]


@pytest.mark.parametrize(("symptoms", "klass"), PROMISED)
def test_promised_example(symptoms: Symptoms, klass: str) -> None:
    assert classify(symptoms).klass == klass


def test_a_cloudflare_challenge_on_403_is_a_waf_challenge() -> None:
    verdict = classify(Symptoms(status=403, headers={"CF-Mitigated": "challenge"}))
    assert verdict.cause == "permission.waf_challenge"


def test_max_retries_exceeded_names_no_cause_by_itself() -> None:
    message = "HTTPSConnectionPool(host='shop.example', port=443): Max retries exceeded with url: /"
    assert classify(Symptoms(messages=[message])).cause == UNKNOWN


def test_a_go_certificate_date_is_a_fact_of_the_hint() -> None:
    rule = MESSAGES["x509-expired"]
    verdict = classify(Symptoms(messages=[rule.example], url="https://shop.example/"))
    assert verdict.facts["not_after"] == "2024-04-30T23:59:59Z"
    text = parse_template(CLASSIFIER.causes[verdict.cause].text).fill(verdict.facts)
    assert "expired on 2024-04-30T23:59:59Z" in text


# -------------------------------------------- real exceptions raised on this machine


def chain_of(exc: BaseException) -> list[BaseException]:
    """``exc`` and what caused it, outermost first, as a client reports a chain."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and not any(current is seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def symptoms_of(exc: BaseException, url: str) -> Symptoms:
    chain = chain_of(exc)
    return Symptoms(
        exception_types=[f"{type(e).__module__}.{type(e).__qualname__}" for e in chain],
        messages=[str(e) for e in chain],
        url=url,
    )


@dataclasses.dataclass(frozen=True)
class KeyPair:
    cert: Path
    key: Path


@dataclasses.dataclass(frozen=True)
class Pki:
    ca: Path  # the authority the clients are told to trust
    self_signed: KeyPair
    expired_self_signed: KeyPair
    expired: KeyPair
    not_yet_valid: KeyPair
    other_name: KeyPair
    unknown_issuer: KeyPair


@dataclasses.dataclass(frozen=True)
class _Issuer:
    name: x509.Name
    key: ec.EllipticCurvePrivateKey


def _certificate(
    subject: str,
    *,
    issuer: _Issuer | None = None,
    days: tuple[int, int] = (-1, 30),
    san: x509.GeneralName | None = None,
    ca: bool = False,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.name if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + datetime.timedelta(days=days[0]))
        .not_valid_after(now + datetime.timedelta(days=days[1]))
    )
    if ca:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=True, path_length=None), critical=True
        )
    else:
        localhost = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
        builder = builder.add_extension(
            x509.SubjectAlternativeName([san or localhost]), critical=False
        )
    return builder.sign(issuer.key if issuer else key, hashes.SHA256()), key


def _written(
    directory: Path, stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> KeyPair:
    pair = KeyPair(directory / f"{stem}.crt", directory / f"{stem}.key")
    pair.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pair.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return pair


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    directory = tmp_path_factory.mktemp("pki")
    ca_cert, ca_key = _certificate("errorledger test CA", ca=True, days=(-1, 365))
    ca = _Issuer(ca_cert.subject, ca_key)
    stranger_cert, stranger_key = _certificate("a CA nobody trusts", ca=True)
    stranger = _Issuer(stranger_cert.subject, stranger_key)
    other = x509.DNSName("other.example")
    return Pki(
        ca=_written(directory, "ca", ca_cert, ca_key).cert,
        self_signed=_written(directory, "self-signed", *_certificate("127.0.0.1")),
        expired_self_signed=_written(
            directory, "expired-self-signed", *_certificate("127.0.0.1", days=(-10, -5))
        ),
        expired=_written(
            directory, "expired", *_certificate("127.0.0.1", issuer=ca, days=(-10, -5))
        ),
        not_yet_valid=_written(
            directory, "not-yet-valid", *_certificate("127.0.0.1", issuer=ca, days=(5, 10))
        ),
        other_name=_written(
            directory, "other-name", *_certificate("other.example", issuer=ca, san=other)
        ),
        unknown_issuer=_written(
            directory, "unknown-issuer", *_certificate("127.0.0.1", issuer=stranger)
        ),
    )


def _serve_tls(listener: socket.socket, context: ssl.SSLContext, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            continue
        with connection, contextlib.suppress(OSError):  # the client gives up: ssl.SSLError
            connection.settimeout(1.0)
            with context.wrap_socket(connection, server_side=True) as tls:
                tls.recv(1)


@pytest.fixture
def tls_server() -> Iterator[Callable[[KeyPair], str]]:
    """Serves a certificate on 127.0.0.1 (a thread per server, stopped and joined after the
    test); gives the URL to connect to."""
    servers: list[tuple[socket.socket, threading.Thread, threading.Event]] = []

    def serve(pair: KeyPair) -> str:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pair.cert, pair.key)
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(0.05)
        stop = threading.Event()
        thread = threading.Thread(target=_serve_tls, args=(listener, context, stop), daemon=True)
        servers.append((listener, thread, stop))
        thread.start()
        return f"https://127.0.0.1:{listener.getsockname()[1]}/"

    yield serve
    for listener, thread, stop in servers:
        stop.set()
        thread.join(timeout=5)
        listener.close()
        assert not thread.is_alive()


@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/"


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A server that accepts connections (the kernel does, from the backlog) and never
    answers."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"


def _requests_failure(url: str, *, verify: bool | Path = True, timeout: float = 2.0) -> Symptoms:
    with pytest.raises(requests.exceptions.RequestException) as caught:
        requests.get(
            url, timeout=timeout, verify=str(verify) if isinstance(verify, Path) else verify
        )
    return symptoms_of(caught.value, url)


def _httpx_failure(url: str, *, verify: bool | Path = True, timeout: float = 2.0) -> Symptoms:
    context = ssl.create_default_context(cafile=verify) if isinstance(verify, Path) else verify
    with pytest.raises(httpx.TransportError) as caught:
        httpx.get(url, timeout=timeout, verify=context)
    return symptoms_of(caught.value, url)


FAILURES = [
    pytest.param(_requests_failure, id="requests"),
    pytest.param(_httpx_failure, id="httpx"),
]
Failure = Callable[..., Symptoms]  # what the failed call reports


@pytest.mark.parametrize("failure", FAILURES)
def test_a_closed_port_is_a_refused_connection(failure: Failure, closed_port_url: str) -> None:
    verdict = classify(failure(closed_port_url))
    assert verdict.cause == "connect.refused", verdict
    assert verdict.facts["host"] == "127.0.0.1"


@pytest.mark.parametrize("failure", FAILURES)
def test_a_self_signed_certificate(
    failure: Failure, pki: Pki, tls_server: Callable[[KeyPair], str]
) -> None:
    verdict = classify(failure(tls_server(pki.self_signed)))
    assert verdict.cause == "tls.self_signed", verdict


@pytest.mark.parametrize("failure", FAILURES)
def test_an_expired_self_signed_certificate(
    failure: Failure, pki: Pki, tls_server: Callable[[KeyPair], str]
) -> None:
    symptoms = failure(tls_server(pki.expired_self_signed))
    verdict = classify(symptoms)
    assert verdict.klass == "tls", verdict
    # OpenSSL reports the first problem it meets: with nothing to trust the certificate by,
    # that is its self-signature, not its dates. The cause must be the one the message says.
    said = "\n".join(symptoms.messages)
    if "certificate has expired" in said:
        assert verdict.cause == "tls.certificate_expired", verdict
    else:
        assert "self-signed certificate" in said
        assert verdict.cause == "tls.self_signed", verdict


@pytest.mark.parametrize("failure", FAILURES)
@pytest.mark.parametrize(
    ("certificate", "cause"),
    [
        ("expired", "tls.certificate_expired"),
        ("not_yet_valid", "tls.not_yet_valid"),
        ("other_name", "tls.hostname_mismatch"),
        ("unknown_issuer", "tls.untrusted_issuer"),
    ],
)
def test_a_bad_certificate_gets_its_own_cause(
    failure: Failure,
    pki: Pki,
    tls_server: Callable[[KeyPair], str],
    certificate: str,
    cause: str,
) -> None:
    """Each a server certificate from the authority the client trusts, but for one flaw."""
    verdict = classify(failure(tls_server(getattr(pki, certificate)), verify=pki.ca))
    assert verdict.cause == cause, verdict


@pytest.mark.parametrize("failure", FAILURES)
def test_a_name_that_does_not_resolve(failure: Failure) -> None:
    verdict = classify(failure("http://nonexistent.invalid/"))
    assert verdict.klass == "dns", verdict
    assert verdict.facts["host"] == "nonexistent.invalid"


@pytest.mark.parametrize("failure", FAILURES)
def test_a_server_that_never_answers_is_a_read_timeout(failure: Failure, silent_url: str) -> None:
    verdict = classify(failure(silent_url, timeout=0.2))
    assert verdict.cause == "timeout.read", verdict


def test_a_url_without_its_scheme_is_the_integrations_configuration() -> None:
    url = "shop.example/orders"
    with pytest.raises(requests.exceptions.MissingSchema) as caught:
        requests.get(url, timeout=2)
    verdict = classify(symptoms_of(caught.value, url))
    assert verdict.klass == "client"
    assert verdict.cause == "client.config_url"
