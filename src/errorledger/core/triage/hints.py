"""A cause's hint, filled with one record's facts.

A hint text names facts in braces (``{host}``). A part in brackets is kept only when every
fact it names is known (``The certificate expired[ on {not_after}].``), so one text reads
well for records with and without that fact. Texts are parsed without regular
expressions, in one pass; facts are plain text and stay plain text (whoever renders a
hint in HTML escapes it, as everything else).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator, Mapping

MAX_FACT = 200


@dataclasses.dataclass(frozen=True, slots=True)
class Hint:
    title: str
    text: str
    actor: str
    retryable: bool


@dataclasses.dataclass(frozen=True, slots=True)
class _Part:
    optional: bool
    pieces: tuple[str, ...]  # literal text and fact names, alternating (text first)

    def names(self) -> Iterator[str]:
        return iter(self.pieces[1::2])

    def fill(self, facts: Mapping[str, str]) -> str | None:
        """The part with ``facts``: None when an optional part misses one; a required
        part says "unknown" for what it misses."""
        out = []
        for index, piece in enumerate(self.pieces):
            if index % 2 == 0:
                out.append(piece)
            elif (value := facts.get(piece)) is not None:
                out.append(_shown(value))
            elif self.optional:
                return None
            else:
                out.append("unknown")
        return "".join(out)


@dataclasses.dataclass(frozen=True, slots=True)
class Template:
    parts: tuple[_Part, ...]

    def names(self) -> Iterator[str]:
        for part in self.parts:
            yield from part.names()

    def fill(self, facts: Mapping[str, str]) -> str:
        return "".join(part.fill(facts) or "" for part in self.parts)


def fill(*, title: str, text: str, actor: str, retryable: bool, facts: Mapping[str, str]) -> Hint:
    """A hint whose texts are filled with ``facts``."""
    return Hint(_parsed(title).fill(facts), _parsed(text).fill(facts), actor, retryable)


@functools.lru_cache(maxsize=1024)
def _parsed(text: str) -> Template:
    return parse_template(text)


def parse_template(text: str) -> Template:
    """``text`` as parts; ValueError for an unclosed or nested bracket or brace."""
    parts: list[_Part] = []
    pieces: list[str] = []
    literal: list[str] = []
    optional = False
    name: list[str] | None = None
    for char in text:
        if name is not None:
            if char == "}":
                if not name or not "".join(name).isidentifier():
                    raise ValueError(f"{{{''.join(name)}}} is not a fact's name")
                pieces += ["".join(literal), "".join(name)]
                literal, name = [], None
            elif char in "{}[]":
                raise ValueError("a '{' is not closed")
            else:
                name.append(char)
        elif char == "{":
            name = []
        elif char == "}":
            raise ValueError("a '}' without its '{'")
        elif char == "[" or char == "]":
            if (char == "[") == optional:
                raise ValueError("brackets must open and close in turn, not nested")
            parts.append(_Part(optional, (*pieces, "".join(literal))))
            pieces, literal, optional = [], [], char == "["
        else:
            literal.append(char)
    if name is not None or optional:
        raise ValueError("a '{' or '[' is not closed")
    parts.append(_Part(False, (*pieces, "".join(literal))))
    return Template(tuple(part for part in parts if part.pieces != ("",)))


def _shown(value: str) -> str:
    return value if len(value) <= MAX_FACT else value[: MAX_FACT - 1] + "…"
