"""The walk over a record: names judged, strings scanned, secrets replaced in place.

One pass over the content judges every object key (and ``{"name": …, "value": …}`` pair)
by name, takes apart strings that hold whole JSON documents, and puts every other string
aside. The strings put aside are then scanned together, once (``Scanner.candidates``), and
only those a rule may match are searched. The report says where (a JSON pointer, RFC 6901),
by which rule and how many times; never what.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import msgspec

from errorledger.core.records import Finding
from errorledger.core.redaction.names import is_secret_name, normalize
from errorledger.core.redaction.values import REDACTED, Hit, Scanner, is_card_number

# The rule that redacts by name, wherever the name is: a key, a header, a parameter.
SECRET_NAME = "secret_name"  # noqa: S105  (a rule's name, not a secret)
# Shorter strings hold no secret any rule finds ("pwd=x" is the shortest).
_MIN_LENGTH = 5
# A string holding JSON is taken apart to this depth, and scanned as text if deeper.
MAX_NESTED_DEPTH = 64
_SURROGATES = "\ud800"  # keys from here up sort apart in UTF-16 (tlog.leaf)
# Integers this long may be card numbers.
_CARD_RANGE = range(10**12, 10**19)
# The keys of a {"name": …, "value": …} pair (an array of headers, of form fields).
_PAIR_NAMES = ("name", "key", "header", "field", "Name", "Key")
_PAIR_VALUES = ("value", "Value")

_decode_json = msgspec.json.Decoder().decode
_encode_json = msgspec.json.Encoder().encode


@dataclasses.dataclass(frozen=True, slots=True)
class Redaction:
    content: Any
    report: list[Finding]
    # What the walk saw on the way, so that nothing walks the content again: no floats and
    # no object key at or above U+D800, so its canonical JSON is the quick kind
    # (``tlog.leaf.canonical_json``). None when nobody looked.
    plain: bool | None = None

    @property
    def fired(self) -> bool:
        return bool(self.report)


@dataclasses.dataclass(frozen=True, slots=True)
class Names:
    """How a policy judges names: the built-in rules, a project's extra secret names, and
    its safe names, whose own values are never redacted. Both sets hold ``normalize``d
    names."""

    extra: frozenset[str] = frozenset()
    safe: frozenset[str] = frozenset()

    def is_secret(self, name: str, parameter: bool = False) -> bool:
        if not (self.extra or self.safe):
            return is_secret_name(name, parameter=parameter)
        normal = normalize(name)
        if normal in self.safe:
            return False
        return normal in self.extra or is_secret_name(name, parameter=parameter)

    def is_safe(self, name: str) -> bool:
        return bool(self.safe) and normalize(name) in self.safe


def _is_card_number(item: Any) -> bool:
    """A JSON number that is a card number (``values.is_card_number``)."""
    if not isinstance(item, int) or isinstance(item, bool) or abs(item) not in _CARD_RANGE:
        return False
    return is_card_number(str(abs(item)))


class _TooDeep(Exception):
    pass


def pointer(path: tuple[str, ...]) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in path)


class Redactor:
    """Redaction under one policy."""

    def __init__(self, scanner: Scanner, names: Names) -> None:
        self._scanner = scanner
        self._names = names

    def redact(self, content: Any) -> Redaction:
        """Redact ``content`` (a decoded JSON value, changed in place)."""
        walk = _Walk(self._scanner, self._names)
        holder = [content]
        plain = walk.run(holder)
        return Redaction(holder[0], walk.report(), plain)

    def redact_text(self, text: str) -> str:
        """``text`` with its secrets replaced (a column such as an entry's message)."""
        walk = _Walk(self._scanner, self._names)
        holder = [text]
        walk.run(holder)
        return str(holder[0])


class _Walk:
    def __init__(self, scanner: Scanner, names: Names, limit: int | None = None) -> None:
        self._scanner = scanner
        self._names = names
        # The depth past which a string's JSON is scanned as text instead; the content's
        # own depth was bounded by the API (ERRORLEDGER_MAX_JSON_DEPTH).
        self._limit = limit
        self._strings: list[tuple[Any, Any, tuple[str, ...]]] = []
        self._keys: list[tuple[dict[str, Any], tuple[str, ...]]] = []
        self._found: dict[tuple[str, str], int] = {}

    def run(self, holder: list[Any]) -> bool:
        """Walk ``holder[0]`` (the path below ``holder`` is the content's own)."""
        plain = self._item(holder, 0, holder[0], (), 0)
        self._scan()
        return plain

    def report(self) -> list[Finding]:
        return [Finding(where, rule, n) for (where, rule), n in self._found.items()]

    def _note(self, path: tuple[str, ...], rule: str, count: int = 1) -> None:
        where = (pointer(path), rule)
        self._found[where] = self._found.get(where, 0) + count

    def _item(
        self, container: Any, slot: Any, item: Any, path: tuple[str, ...], depth: int
    ) -> bool:
        if isinstance(item, str):
            if len(item) >= _MIN_LENGTH and not self._nested_json(container, slot, item, path):
                self._strings.append((container, slot, path))
        elif isinstance(item, dict):
            return self._object(item, path, depth + 1)
        elif isinstance(item, list):
            return self._array(item, path, depth + 1)
        elif isinstance(item, float):
            return False
        elif _is_card_number(item):
            container[slot] = REDACTED
            self._note(path, "card_number")
        return True

    def _object(self, item: dict[str, Any], path: tuple[str, ...], depth: int) -> bool:
        if self._limit is not None and depth > self._limit:
            raise _TooDeep
        plain = True
        names = self._names
        paired = self._paired_value(item)
        long_keys = False
        for key, value in item.items():
            if not key.isascii() and max(key) >= _SURROGATES:
                plain = False
            long_keys = long_keys or len(key) >= _MIN_LENGTH
            here = (*path, key)
            if key == paired or names.is_secret(key):
                if not (value is None or value in ("", REDACTED) or value == {} or value == []):
                    item[key] = REDACTED
                    self._note(here, SECRET_NAME)
            elif names.is_safe(key) and not isinstance(value, dict | list):
                continue
            else:
                plain = self._item(item, key, value, here, depth) and plain
        if long_keys:
            self._keys.append((item, path))
        return plain

    def _array(self, item: list[Any], path: tuple[str, ...], depth: int) -> bool:
        if self._limit is not None and depth > self._limit:
            raise _TooDeep
        plain = True
        for index, value in enumerate(item):
            plain = self._item(item, index, value, (*path, str(index)), depth) and plain
        return plain

    def _paired_value(self, item: dict[str, Any]) -> str | None:
        """The value key of a ``{"name": "Authorization", "value": …}`` pair whose name is
        a secret's, if ``item`` is one."""
        for value_key in _PAIR_VALUES:
            if value_key in item:
                for name_key in _PAIR_NAMES:
                    name = item.get(name_key)
                    if isinstance(name, str) and self._names.is_secret(name):
                        return value_key
        return None

    def _nested_json(self, container: Any, slot: Any, text: str, path: tuple[str, ...]) -> bool:
        """A string that is a whole JSON object or array is redacted as one (its names
        judged like any), then kept as JSON text. False when ``text`` is no such string."""
        if text[0] not in "{[" or text[-1] not in "}]":
            return False
        try:
            parsed = _decode_json(text)
        except (msgspec.DecodeError, RecursionError):
            return False
        inner = _Walk(self._scanner, self._names, MAX_NESTED_DEPTH)
        holder = [parsed]
        try:
            inner._item(holder, 0, parsed, (), 0)
        except _TooDeep:
            return False
        inner._scan()
        if inner._found:
            container[slot] = _encode_json(holder[0]).decode()
            for (_, rule), count in inner._found.items():
                self._note(path, rule, count)
        return True

    def _scan(self) -> None:
        """Scan every string put aside, all at once first: usually nothing matches. Keys
        apart from values: a record whose values hold a secret rarely has one in a key."""
        scanner = self._scanner
        values = [container[slot] for container, slot, _ in self._strings]
        if values and scanner.candidates("\n".join(values)) is not None:
            judge = self._names.is_secret
            for container, slot, path in self._strings:
                cleaned, hits = scanner.replace(container[slot], judge)
                if hits:
                    container[slot] = cleaned
                    self._count(path, hits)
        keys = [key for item, _ in self._keys for key in item]
        if keys and scanner.candidates("\n".join(keys)) is not None:
            for item, path in self._keys:
                self._rename_keys(item, path)

    def _rename_keys(self, item: dict[str, Any], path: tuple[str, ...]) -> None:
        """Keys that hold a secret themselves (a token used as a map key) are renamed."""
        renamed: dict[str, Any] = {}
        changed = False
        for key, value in item.items():
            cleaned, hits = self._scanner.replace(key, self._names.is_secret)
            if hits:
                changed = True
                self._count((*path, cleaned), hits)
                while cleaned in renamed or cleaned in item:
                    cleaned += "~"
            renamed[cleaned] = value
        if changed:
            item.clear()
            item.update(renamed)

    def _count(self, path: tuple[str, ...], hits: list[Hit]) -> None:
        for hit in hits:
            self._note(path, hit.rule)
