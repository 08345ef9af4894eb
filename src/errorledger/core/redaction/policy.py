"""A project's own redaction rules, checked before they are accepted, and the redactor that
applies them with the built-in ones.

A project adds secret names, value patterns and safe names (``RedactionRules``). Patterns
are RE2 syntax, so none can backtrack; each is still checked before it is accepted: it
compiles, its program is small, it matches no empty text, and over hostile texts of
64 KiB it finishes within a time bound.
"""

from __future__ import annotations

import functools
import time
from typing import Annotated

import msgspec
import re2

from errorledger.core.redaction.names import normalize, words
from errorledger.core.redaction.values import (
    EMAIL,
    FIXED_RULES,
    NAME_HINT_WORDS,
    Scanner,
    ValueRule,
    name_value_rules,
    re2_options,
)
from errorledger.core.redaction.walk import Names, Redactor
from errorledger.errors import FieldError, InvalidInput

MAX_NAMES = 200
MAX_PATTERNS = 50
MAX_NAME_LENGTH = 128
MAX_PATTERN_LENGTH = 1000
# RE2's measure of a compiled pattern (instructions): enough for a long alternation of
# literals, not for a pattern that repeats a large group hundreds of times.
MAX_PROGRAM_SIZE = 2048
# Over each probe text, a pattern must finish within this (RE2 is linear: a pattern that
# does not is one whose automaton does not fit in memory, and that falls back to a slow
# method on every record).
PATTERN_TIME_BOUND_S = 0.25
_PROBE_SIZE = 64 * 1024
_RULE_NAME = "^[a-z0-9][a-z0-9_.-]{0,63}$"


class ProjectPattern(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    name: Annotated[
        str,
        msgspec.Meta(
            pattern=_RULE_NAME,
            description="The rule's name in reports, as project:<name>.",
        ),
    ]
    pattern: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=MAX_PATTERN_LENGTH,
            description="A regular expression in RE2 syntax; what it matches is redacted.",
        ),
    ]


_Name = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME_LENGTH)]


class RedactionRules(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A project's redaction rules, beside the built-in ones (docs/redaction.md)."""

    names: Annotated[
        tuple[_Name, ...],
        msgspec.Meta(
            max_length=MAX_NAMES,
            description="More key, header and parameter names whose values are secrets "
            "(case- and separator-insensitive).",
        ),
    ] = ()
    patterns: Annotated[
        tuple[ProjectPattern, ...],
        msgspec.Meta(max_length=MAX_PATTERNS, description="More value patterns."),
    ] = ()
    safe: Annotated[
        tuple[_Name, ...],
        msgspec.Meta(
            max_length=MAX_NAMES,
            description="Names whose own values are never redacted (what is nested under "
            "them still is).",
        ),
    ] = ()


def check_rules(rules: RedactionRules) -> None:
    """``InvalidInput`` naming every pattern that cannot be accepted, and why. Runs each
    pattern over probe texts: call it off the event loop."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, rule in enumerate(rules.patterns):
        where: tuple[str | int, ...] = ("body", "patterns", index)
        if rule.name in seen:
            errors.append(FieldError((*where, "name"), "duplicate", "Two patterns have this name."))
        seen.add(rule.name)
        problem = _pattern_problem(rule.pattern)
        if problem is not None:
            errors.append(FieldError((*where, "pattern"), "invalid", problem))
    for field, names in (("names", rules.names), ("safe", rules.safe)):
        for index, name in enumerate(names):
            if not normalize(name):
                errors.append(
                    FieldError(("body", field, index), "invalid", "A name needs a letter or digit.")
                )
    if errors:
        raise InvalidInput(errors)


def _pattern_problem(pattern: str) -> str | None:
    try:
        compiled = re2.compile(pattern, re2_options())
    except re2.error as exc:
        return f"Not a regular expression RE2 accepts (no look-around or back-references): {exc}"
    if compiled.programsize > MAX_PROGRAM_SIZE:
        return (
            f"The pattern compiles to {compiled.programsize} instructions; at most "
            f"{MAX_PROGRAM_SIZE} are accepted."
        )
    if compiled.search("") is not None:
        return "The pattern matches empty text."
    for probe in _probes():
        # The scan, not the matches: a pattern that matches every character is slow to
        # replace but says so in its report, where a slow automaton slows every record.
        started = time.perf_counter()
        compiled.search(probe + "\x00")
        compiled.fullmatch(probe)
        if time.perf_counter() - started > PATTERN_TIME_BOUND_S:
            return f"The pattern took more than {PATTERN_TIME_BOUND_S} s over a 64 KiB text."
    return None


@functools.cache
def _probes() -> tuple[str, ...]:
    """Texts that make patterns work hardest: long runs of one character class, and
    mixed text."""
    units = ("a", "0", " ", "\n", "a0-_.", "ab" * 3 + "=&", "é€😀")
    return tuple((unit * (_PROBE_SIZE // len(unit) + 1))[:_PROBE_SIZE] for unit in units)


def _hint_word(name: str) -> str:
    """The longest word of ``name``: a hint that any spelling of the name holds (hints are
    case-insensitive), and rarer than its short words ("x" of "X-Shop-Ref")."""
    return max(words(name), key=len)


@functools.lru_cache(maxsize=256)
def redactor(rules: RedactionRules | None, *, emails: bool) -> Redactor:
    """The redactor for a project's rules (None: the built-in ones only), with e-mail
    addresses redacted when ``emails``. Cached: projects that share rules share one."""
    rules = rules or RedactionRules()
    # A project's own names are looked for in text too: their words join the hints.
    hint_words = [*NAME_HINT_WORDS, *(_hint_word(name) for name in rules.names)]
    value_rules = [
        *FIXED_RULES,
        *name_value_rules(hint_words),
        *([EMAIL] if emails else []),
        *(
            ValueRule(f"project:{p.name}", p.pattern, "the project's pattern")
            for p in rules.patterns
        ),
    ]
    names = Names(
        extra=frozenset(map(normalize, rules.names)),
        safe=frozenset(map(normalize, rules.safe)),
    )
    return Redactor(Scanner(value_rules), names)
