"""An entry's failure class and cause, from what its record says.

The classifier consults, in order, and the first that decides wins:

1. who answered (``[[signature]]``): a CDN's or WAF's challenge is a permission problem
   whatever the status says (a 403 or 429 with ``cf-mitigated: challenge``);
2. a message that names the failure (``[[message]]``, not ``weak``), in the messages and
   the exception types of the whole chain: ``httpx.ConnectError`` says "connect", its
   message "Name or service not known" says "dns";
3. an exception type that names the failure (``[[exception]]``), the first of the chain;
4. the HTTP status (``[[status]]``): generic types (``[[generic]]``, such as
   ``requests.exceptions.HTTPError``) and unknown ones defer to it;
5. a weak message ("timed out");
6. ``unknown.unclassified``.

A project's own rules come before the catalogue's at every step. All patterns are RE2 and
all of them run in one set match over the record's texts (each cut to ``SCANNED`` chars),
so a record costs one linear scan however many rules there are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import re2

from errorledger.core.memory import remember
from errorledger.core.triage.address import Address, parse
from errorledger.core.triage.catalogue import (
    UNKNOWN,
    Catalogue,
    Cause,
    MessageRule,
    Signature,
    compile_pattern,
    re2_options,
)
from errorledger.core.triage.hints import Hint, fill

SCANNED = 4096  # chars of each message the rules see: the failure is named near the start
_BODY_SCANNED = 8192
_REMEMBERED_TEXT = 1024  # chars: longer texts are matched each time
_REMEMBERED_TEXTS = 4096  # texts remembered at most
_GENERIC = ""


@dataclasses.dataclass(slots=True)  # not frozen: see records.py
class Symptoms:
    """What a record says about its failure; every field may be missing."""

    exception_types: Sequence[str] = ()  # the chain, outermost first
    messages: Sequence[str] = ()
    status: int | None = None
    headers: Mapping[str, object] | None = None  # the partner's response headers
    body: str | None = None  # the partner's response body
    url: str | None = None
    method: str | None = None
    address: Address | None = None  # the url's parts, when the caller has read them


@dataclasses.dataclass(frozen=True, slots=True)
class ProjectRule:
    """A project's own rule (``rules.TriageRule``), compiled: every field given must hold."""

    index: int
    cause: str
    exception_type: str | None
    message: re2._Regexp | None
    status: int | None
    host: str | None

    def matches(self, symptoms: Symptoms, host: str | None) -> bool:
        if self.status is not None and symptoms.status != self.status:
            return False
        if self.host is not None and host != self.host:
            return False
        if self.exception_type is not None:
            wanted = _type_name(self.exception_type)
            if not any(_type_name(t) == wanted for t in symptoms.exception_types if t):
                return False
        if self.message is not None:
            compiled = self.message
            return any(compiled.search(m[:SCANNED]) for m in symptoms.messages if m)
        return True


@dataclasses.dataclass(slots=True)  # not frozen: see records.py
class Verdict:
    cause: str
    rule: str  # what decided: "message:<id>", "exception:<name>", "status:<code>", …
    facts: dict[str, str]

    @property
    def klass(self) -> str:
        return self.cause.partition(".")[0]


class Classifier:
    def __init__(
        self,
        catalogue: Catalogue,
        *,
        project: Sequence[ProjectRule] = (),
        causes: Sequence[Cause] = (),
    ) -> None:
        """``project``: a project's own rules, consulted first; ``causes``: its hints, over
        the catalogue's."""
        self.causes: dict[str, Cause] = catalogue.causes() | {c.id: c for c in causes}
        self._project = list(project)
        # Who-answered signatures by the header they look for, and those that read the body,
        # each with its place in the catalogue (the first that matches wins).
        self._by_header: dict[str, list[tuple[int, Signature]]] = {}
        self._by_body: dict[int | None, list[tuple[int, Signature]]] = {}
        for index, sig in enumerate(catalogue.signature):
            if sig.header:
                self._by_header.setdefault(sig.header.lower(), []).append((index, sig))
            if sig.body:
                only: list[int | None] = list(sig.statuses) or [None]  # None: any status
                for code in only:
                    self._by_body.setdefault(code, []).append((index, sig))
        self._messages: list[MessageRule] = list(catalogue.message)
        self._compiled = [compile_pattern(rule.pattern, where=rule.id) for rule in self._messages]
        self._set = _search_set([rule.pattern for rule in self._messages])
        self._seen: dict[str, tuple[int | None, int | None]] = {}
        self._names: dict[str, str] = {}
        self._last_names: dict[str, str] = {}
        # Generic names first: an unknown type whose last part is generic ("Some::Error")
        # must defer, not take the cause of a specific type with that last part.
        for generic in catalogue.generic:
            self._index(generic.names, _GENERIC)
        for rule in catalogue.exception:
            self._index(rule.names, rule.cause)
        self._statuses: dict[int, str] = {}
        for status in catalogue.status:
            for code in status.statuses():
                self._statuses.setdefault(code, status.cause)

    def _index(self, names: Sequence[str], cause: str) -> None:
        for name in names:
            full = _type_name(name)
            self._names.setdefault(full, cause)
            self._last_names.setdefault(_last_part(full), cause)

    def classify(self, symptoms: Symptoms) -> Verdict:
        facts = _facts(symptoms)
        for rule in self._project:
            if rule.matches(symptoms, facts.get("host")):
                return Verdict(rule.cause, f"project:{rule.index}", facts)
        signature = self._signature(symptoms)
        if signature is not None:
            return Verdict(signature.cause, f"signature:{signature.id}", facts)
        texts = [t[:SCANNED] for t in (*symptoms.messages, *symptoms.exception_types) if t]
        strong, weak = self._message_rules(texts)
        if strong is not None:
            return self._by_message(strong, texts, facts)
        for exception_type in symptoms.exception_types:
            cause = self._exception_cause(exception_type) if exception_type else None
            if cause:  # "" is a generic type: it defers
                return Verdict(cause, f"exception:{exception_type[:200]}", facts)
        if symptoms.status is not None and symptoms.status in self._statuses:
            return Verdict(self._statuses[symptoms.status], f"status:{symptoms.status}", facts)
        if weak is not None:
            return self._by_message(weak, texts, facts)
        return Verdict(UNKNOWN, "none", facts)

    def hint(self, cause_id: str, facts: Mapping[str, str]) -> Hint:
        """The hint of ``cause_id`` (the unclassified one's for a cause this project no
        longer knows), filled with ``facts``."""
        cause = self.causes.get(cause_id) or self.causes[UNKNOWN]
        return fill(
            title=cause.title,
            text=cause.text,
            actor=cause.actor,
            retryable=cause.retryable,
            facts=facts,
        )

    def _signature(self, symptoms: Symptoms) -> Signature | None:
        found: list[tuple[int, Signature]] = []
        status = symptoms.status
        if symptoms.headers and self._by_header:
            for key, value in symptoms.headers.items():
                candidates = self._by_header.get(key.lower())
                if candidates and isinstance(value, str):
                    lowered = value.lower()
                    found += [
                        (index, sig)
                        for index, sig in candidates
                        if (not sig.statuses or status in sig.statuses)
                        and sig.contains.lower() in lowered  # "": present, whatever its value
                    ]
        if symptoms.body:
            wanted = self._by_body.get(None, []) + self._by_body.get(status or 0, [])
            if wanted:
                head = symptoms.body[:_BODY_SCANNED].lower()
                found += [(index, sig) for index, sig in wanted if sig.body.lower() in head]
        return min(found, key=lambda pair: pair[0])[1] if found else None

    def _message_rules(self, texts: list[str]) -> tuple[int | None, int | None]:
        """The first strong and the first weak message rule any text matches.

        Remembered by text: one failure repeats its message thousands of times, and each
        RE2 call releases the GIL, which the served process pays for beyond its
        instructions (the fsync thread takes the GIL at every release)."""
        if not texts or self._set is None:
            return None, None
        joined = "\n".join(texts)
        found = self._seen.get(joined)
        if found is None:
            found = self._match(joined)
            remember(
                self._seen, joined, joined, found, longest=_REMEMBERED_TEXT, most=_REMEMBERED_TEXTS
            )
        return found

    def _match(self, joined: str) -> tuple[int | None, int | None]:
        assert self._set is not None
        matched = self._set.Match(joined)
        if not matched:
            return None, None
        matched.sort()
        strong = next((i for i in matched if not self._messages[i].weak), None)
        weak = next((i for i in matched if self._messages[i].weak), None)
        return strong, weak

    def _by_message(self, index: int, texts: list[str], facts: dict[str, str]) -> Verdict:
        rule = self._messages[index]
        compiled = self._compiled[index]
        for text in texts if compiled.groupindex else ():  # only a rule with facts to take
            found = compiled.search(text)
            if found is not None:
                facts |= {k: v for k, v in found.groupdict().items() if v}
                break
        return Verdict(rule.cause, f"message:{rule.id}", facts)

    def _exception_cause(self, exception_type: str) -> str | None:
        name = _type_name(exception_type)
        found = self._names.get(name)
        if found is None:
            found = self._last_names.get(_last_part(name))
        return found


def _search_set(patterns: list[str]) -> re2.Set | None:
    if not patterns:
        return None
    found = re2.Set.SearchSet(re2_options())
    for pattern in patterns:
        found.Add(pattern)
    found.Compile()
    return found


def _type_name(text: str) -> str:
    """``<class 'a.B'>`` and ``a.B: message`` as ``a.b``: names compare without case."""
    name = text.strip()
    if name.startswith("<class '") and name.endswith("'>"):
        name = name[8:-2]
    return name.partition(": ")[0].strip().lower()[:200]


def _last_part(name: str) -> str:
    for separator in (".", "\\", "::", "/"):
        name = name.rpartition(separator)[2]
    return name


def _facts(symptoms: Symptoms) -> dict[str, str]:
    facts: dict[str, str] = {}
    address = symptoms.address or parse(symptoms.url)
    if address.host:
        facts["host"] = address.host
    if address.port is not None:
        facts["port"] = str(address.port)
    if symptoms.url:
        facts["url"] = symptoms.url
    if symptoms.status is not None:
        facts["status"] = str(symptoms.status)
    if symptoms.method:
        facts["method"] = symptoms.method
    if symptoms.exception_types and symptoms.exception_types[0]:
        facts["exception_type"] = symptoms.exception_types[0]
    if symptoms.headers:
        for key, value in symptoms.headers.items():
            if key.lower() == "retry-after" and isinstance(value, str):
                facts["retry_after"] = value
    return facts
