"""The walk over a record: names judged, strings scanned, secrets replaced in place.

One pass over the content judges every object key (and ``{"name": …, "value": …}`` pair)
by name, takes apart strings that hold whole JSON documents, and puts every other string
aside. The strings put aside are then scanned together, once (``Scanner.candidates``), and
only those a rule may match are searched. The report says where (a JSON pointer, RFC 6901),
by which rule and how many times; never what.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import msgspec

from errorledger.core.memory import remember
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
_CARD_MIN = 10**12
_CARD_RANGE = range(_CARD_MIN, 10**19)
# The keys of a {"name": …, "value": …} pair (an array of headers, of form fields).
_PAIR_NAMES = ("name", "key", "header", "field", "Name", "Key")
_PAIR_VALUES = ("value", "Value")

_decode_json = msgspec.json.Decoder().decode
_encode_json = msgspec.json.Encoder().encode


@dataclasses.dataclass(slots=True)  # not frozen: see records.py
class Redaction:
    content: Any
    report: list[Finding]
    # What the walk saw on the way, so that nothing walks the content again: no floats and
    # no object key at or above U+D800, so its canonical JSON is the quick kind
    # (``tlog.leaf.canonical_json``). None when nobody looked.
    plain: bool | None = None
    # Texts redacted beside the content, for columns of their own (an entry's message and
    # URL), in the order given.
    columns: tuple[str | None, ...] = ()

    @property
    def fired(self) -> bool:
        return bool(self.report)


# How a name is judged (``Names.verdict``).
ORDINARY, SECRET, SAFE = 0, 1, 2


class Names:
    """How a policy judges names: the built-in rules, a project's extra secret names, and
    its safe names, whose own values are never redacted. Both sets hold ``normalize``d
    names."""

    __slots__ = ("_memo", "extra", "safe")

    def __init__(self, extra: frozenset[str] = frozenset(), safe: frozenset[str] = frozenset()):
        self.extra = extra
        self.safe = safe
        self._memo: dict[str, int] = {}

    def verdict(self, name: str) -> int:
        """``SECRET``, ``SAFE`` or ``ORDINARY``, for an object key or a header name."""
        verdict = self._memo.get(name)
        if verdict is None:
            verdict = self._judge(name, parameter=False)
            remember(self._memo, name, name, verdict)
        return verdict

    def is_secret(self, name: str, parameter: bool = False) -> bool:
        if parameter:
            return self._judge(name, parameter=True) == SECRET
        return self.verdict(name) == SECRET

    def _judge(self, name: str, *, parameter: bool) -> int:
        if self.extra or self.safe:
            normal = normalize(name)
            if normal in self.safe:
                return SAFE
            if normal in self.extra:
                return SECRET
        return SECRET if is_secret_name(name, parameter=parameter) else ORDINARY


def _is_card_number(item: int) -> bool:
    """A JSON number that is a card number (``values.is_card_number``)."""
    return abs(item) in _CARD_RANGE and is_card_number(str(abs(item)))


class _TooDeep(Exception):
    pass


def pointer(path: tuple[str, ...]) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in path)


class Redactor:
    """Redaction under one policy."""

    def __init__(self, scanner: Scanner, names: Names) -> None:
        self._scanner = scanner
        self._names = names
        # Keys scanned before and found clean: the keys of records repeat, their values
        # do not.
        self._clean_keys: dict[str, None] = {}

    def redact(self, content: Any, *, columns: Sequence[str | None] = ()) -> Redaction:
        """Redact ``content`` (a decoded JSON value, changed in place), and ``columns``
        beside it: texts taken from the content for columns of their own, which the one
        scan of the content's strings covers too."""
        walk = _Walk(self)
        holder = [content]
        plain = walk.run(holder, columns)
        return Redaction(holder[0], walk.report(), plain, walk.columns)

    def redact_text(self, text: str) -> str:
        """``text`` with its secrets replaced (a column such as an entry's message)."""
        if len(text) < _MIN_LENGTH or (
            text[0] not in "{[" and self._scanner.candidates(text) is None
        ):
            return text
        walk = _Walk(self)
        holder = [text]
        walk.run(holder)
        return str(holder[0])


# A string put aside to scan: its container, its slot there, and the container's path
# (None for the top of the content).
_Slot = tuple[Any, Any, "tuple[str, ...] | None"]


def _path_of(slot: Any, path: tuple[str, ...] | None) -> tuple[str, ...]:
    return () if path is None else (*path, str(slot))


class _Walk:
    def __init__(self, redactor: Redactor, limit: int | None = None) -> None:
        self._redactor = redactor
        self._scanner = redactor._scanner
        self._names = redactor._names
        # The depth past which a string's JSON is scanned as text instead; the content's
        # own depth was bounded by the API (ERRORLEDGER_MAX_JSON_DEPTH).
        self._limit = limit
        self._strings: list[_Slot] = []
        self._keys: list[tuple[dict[str, Any], tuple[str, ...]]] = []
        self._found: dict[tuple[str, str], int] = {}
        self.columns: tuple[str | None, ...] = ()

    def run(self, holder: list[Any], columns: Sequence[str | None] = ()) -> bool:
        """Walk ``holder[0]``, the content (its path is the empty pointer)."""
        self.columns = tuple(columns)
        top = holder[0]
        plain = True
        if type(top) is dict:
            plain = self._object(top, (), 0)
        elif type(top) is list:
            plain = self._array(top, (), 0)
        else:
            plain = self._scalar(holder, 0, top, None)
        self._scan()
        return plain

    def report(self) -> list[Finding]:
        return [Finding(where, rule, n) for (where, rule), n in self._found.items()]

    def _note(self, path: tuple[str, ...], rule: str, count: int = 1) -> None:
        where = (pointer(path), rule)
        self._found[where] = self._found.get(where, 0) + count

    def _scalar(self, container: Any, slot: Any, item: Any, path: tuple[str, ...] | None) -> bool:
        """A string, number, boolean or null; False for a float (``Redaction.plain``)."""
        kind = type(item)
        if kind is str:
            if len(item) >= _MIN_LENGTH and not (
                item[0] in "{[" and self._nested_json(container, slot, item, path)
            ):
                self._strings.append((container, slot, path))
        elif kind is float:
            return False
        elif kind is int and (item >= _CARD_MIN or item <= -_CARD_MIN) and _is_card_number(item):
            container[slot] = REDACTED
            self._note(_path_of(slot, path), "card_number")
        return True

    def _object(self, item: dict[str, Any], path: tuple[str, ...], depth: int) -> bool:
        # The hot loop of every write: names from memory, strings set aside inline.
        if self._limit is not None and depth > self._limit:
            raise _TooDeep
        plain = True
        memo = self._names._memo
        clean = self._redactor._clean_keys
        strings = self._strings
        paired = self._paired_value(item) if ("value" in item or "Value" in item) else None
        unseen = False
        for key, value in item.items():
            if not key.isascii() and max(key) >= _SURROGATES:
                plain = False
            if not unseen and len(key) >= _MIN_LENGTH and key not in clean:
                unseen = True
            judged = memo.get(key)
            if judged is None:
                judged = self._names.verdict(key)
            kind = type(value)
            if judged == SECRET or key == paired:
                if not (value is None or value in ("", REDACTED) or value == {} or value == []):
                    item[key] = REDACTED
                    self._note((*path, key), SECRET_NAME)
                elif kind is float:
                    plain = False
            elif kind is str:
                if (
                    judged != SAFE
                    and len(value) >= _MIN_LENGTH
                    and not (value[0] in "{[" and self._nested_json(item, key, value, path))
                ):
                    strings.append((item, key, path))
            elif kind is dict:
                plain = self._object(value, (*path, key), depth + 1) and plain
            elif kind is list:
                plain = self._array(value, (*path, key), depth + 1) and plain
            elif judged == SAFE:
                plain = plain and kind is not float
            else:
                plain = self._scalar(item, key, value, path) and plain
        if unseen:
            self._keys.append((item, path))
        return plain

    def _array(self, item: list[Any], path: tuple[str, ...], depth: int) -> bool:
        if self._limit is not None and depth > self._limit:
            raise _TooDeep
        plain = True
        for index, value in enumerate(item):
            kind = type(value)
            if kind is dict:
                plain = self._object(value, (*path, str(index)), depth + 1) and plain
            elif kind is list:
                plain = self._array(value, (*path, str(index)), depth + 1) and plain
            else:
                plain = self._scalar(item, index, value, path) and plain
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

    def _nested_json(
        self, container: Any, slot: Any, text: str, path: tuple[str, ...] | None
    ) -> bool:
        """A string that is a whole JSON object or array is redacted as one (its names
        judged like any), then kept as JSON text. False when ``text`` is no such string."""
        if text[-1] not in "}]":
            return False
        try:
            parsed = _decode_json(text)
        except (msgspec.DecodeError, RecursionError):
            return False
        inner = _Walk(self._redactor, MAX_NESTED_DEPTH)
        holder = [parsed]
        try:
            inner.run(holder)
        except _TooDeep:
            return False
        if inner._found:
            container[slot] = _encode_json(holder[0]).decode()
            where = _path_of(slot, path)
            for (_, rule), count in inner._found.items():
                self._note(where, rule, count)
        return True

    def _scan(self) -> None:
        """Scan every string put aside, all at once first: usually nothing matches. Keys
        apart, and only those not already known clean: records repeat their keys."""
        scanner = self._scanner
        values = [container[slot] for container, slot, _ in self._strings]
        values += [column for column in self.columns if column]
        if values and scanner.candidates("\n".join(values)) is not None:
            self.columns = tuple(
                column and self._redactor.redact_text(column) for column in self.columns
            )
            judge = self._names.is_secret
            for container, slot, path in self._strings:
                cleaned, hits = scanner.replace(container[slot], judge)
                if hits:
                    container[slot] = cleaned
                    self._count(_path_of(slot, path), hits)
        if not self._keys:
            return
        keys = [key for item, _ in self._keys for key in item]
        if scanner.candidates("\n".join(keys)) is not None:
            for item, path in self._keys:
                self._rename_keys(item, path)
        clean = self._redactor._clean_keys
        for item, _ in self._keys:
            for key in item:
                if key != REDACTED:
                    remember(clean, key, key, None)

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
