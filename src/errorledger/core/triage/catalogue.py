"""The catalogue of failure classes, causes and hints: data, not code.

``catalogue.toml`` (shipped in the package) holds every rule that decides an entry's cause
and every cause's hint, so that the catalogue grows with each library integrations use
without a change of code. It is read and checked once, at start-up: a cause without its
hint, a rule naming no known cause, a pattern RE2 refuses or a placeholder no record can
fill is an error there, not on the write path. A project's own rules (``TriageRules``) are
checked by the same code.

The file's tables, in the order the classifier consults them (``classify``):

- ``[[cause]]``: ``id`` (``class.detail``), ``title``, ``text``, ``actor``, ``retryable``;
- ``[[signature]]``: who answered: a response header (``header``, with ``contains`` in
  its value, or present at all) or body text (``body``), for some statuses only
  (``statuses``) or any;
- ``[[message]]``: an RE2 ``pattern`` on the messages and exception types, with an
  ``example`` it must classify; ``weak`` ones decide only when nothing else does;
- ``[[exception]]``: exception type ``names`` of one cause;
- ``[[generic]]``: exception type ``names`` that say nothing alone (they defer to the
  status, then to weak messages);
- ``[[status]]``: HTTP ``codes`` (or a ``first``..``last`` range) of one cause.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Literal

import msgspec
import re2

from errorledger.core.triage.hints import parse_template

CLASSES = (
    "tls",
    "dns",
    "connect",
    "timeout",
    "auth",
    "permission",
    "not_found",
    "rate_limit",
    "server",
    "client",
    "validation",
    "protocol",
    "unknown",
)
# What a hint's text may name: the facts every record may carry, and the named groups of
# the message rule that decided (``not_after`` from a certificate's message, say).
FACTS = frozenset(
    {"host", "port", "status", "url", "method", "exception_type", "retry_after", "source"}
)
UNKNOWN = "unknown.unclassified"
MAX_PATTERN_PROGRAM = 2048

Actor = Literal["integration", "remote", "transient"]


class CatalogueError(ValueError):
    """The catalogue (or a project's rules) cannot be used; the message says where."""


class Cause(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    title: str
    text: str
    actor: Actor
    retryable: bool


class Signature(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    cause: str
    header: str = ""
    contains: str = ""
    body: str = ""
    statuses: list[int] = []
    example_status: int | None = None


class MessageRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    pattern: str
    cause: str
    example: str
    weak: bool = False


class ExceptionRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    cause: str
    names: list[str]


class GenericRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    names: list[str]


class StatusRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    cause: str
    codes: list[int] = []
    first: int | None = None
    last: int | None = None

    def statuses(self) -> list[int]:
        if self.first is None or self.last is None:
            return list(self.codes)
        return [*self.codes, *range(self.first, self.last + 1)]


class Catalogue(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    cause: list[Cause]
    signature: list[Signature] = []
    message: list[MessageRule] = []
    exception: list[ExceptionRule] = []
    generic: list[GenericRule] = []
    status: list[StatusRule] = []

    def causes(self) -> dict[str, Cause]:
        return {cause.id: cause for cause in self.cause}


@functools.cache
def builtin() -> Catalogue:
    """The catalogue shipped in the package, checked."""
    text = resources.files(__package__).joinpath("catalogue.toml").read_bytes()
    try:
        catalogue = msgspec.toml.decode(text, type=Catalogue)
    except msgspec.DecodeError as exc:
        raise CatalogueError(f"catalogue.toml: {exc}") from exc
    check(catalogue)
    return catalogue


def check(catalogue: Catalogue, *, known: dict[str, Cause] | None = None) -> None:
    """Raise ``CatalogueError`` naming the first thing wrong with ``catalogue``; causes in
    ``known`` (the built-in ones, for a project's rules) may be named without a hint."""
    causes = dict(known or {})
    facts = set(FACTS)
    seen: set[str] = set()
    for rule in catalogue.message:
        if rule.id in seen:
            raise CatalogueError(f"message rule {rule.id!r} is there twice")
        seen.add(rule.id)
        compiled = compile_pattern(rule.pattern, where=f"message rule {rule.id!r}")
        facts.update(compiled.groupindex)
    for cause in catalogue.cause:
        _check_cause(cause, frozenset(facts))
        causes[cause.id] = cause
    named = [rule.cause for rule in catalogue.signature]
    named += [rule.cause for rule in catalogue.message]
    named += [rule.cause for rule in catalogue.exception]
    named += [rule.cause for rule in catalogue.status]
    for cause_id in named:
        if cause_id not in causes:
            raise CatalogueError(f"no cause {cause_id!r} (each cause needs its hint)")
    for sig in catalogue.signature:
        if not sig.header and not sig.body:
            raise CatalogueError(f"signature {sig.id!r} needs a header or a body")


def _check_cause(cause: Cause, facts: frozenset[str]) -> None:
    klass, dot, detail = cause.id.partition(".")
    if klass not in CLASSES or not dot or not detail:
        raise CatalogueError(f"cause {cause.id!r} is not <class>.<detail> with a known class")
    for text in (cause.title, cause.text):
        check_template(text, facts=facts, where=f"cause {cause.id!r}")


def re2_options() -> re2.Options:
    """Triage's patterns match without case: exception names and messages come in any."""
    options = re2.Options()
    options.case_sensitive = False
    return options


def compile_pattern(pattern: str, *, where: str) -> re2._Regexp:
    options = re2_options()
    options.max_mem = 1 << 20
    try:
        compiled = re2.compile(pattern, options)
    except re2.error as exc:
        raise CatalogueError(f"{where}: the pattern is not RE2: {exc}") from exc
    if compiled.programsize > MAX_PATTERN_PROGRAM:
        raise CatalogueError(f"{where}: the pattern is too large")
    if compiled.search("") is not None:
        raise CatalogueError(f"{where}: the pattern matches empty text")
    return compiled


def check_template(text: str, *, facts: frozenset[str], where: str) -> None:
    try:
        names = set(parse_template(text).names())
    except ValueError as exc:
        raise CatalogueError(f"{where}: {exc}") from exc
    if unknown := names - facts:
        raise CatalogueError(f"{where}: no record has the fact {{{min(unknown)}}}")
