"""Secrets found by their value, wherever they appear: each a named rule.

Every pattern is RE2 syntax and runs on RE2 (``google-re2``), an engine that never
backtracks: its time is linear in the text whatever the pattern, so neither our rules nor a
project's own can freeze the server on a crafted string.

A record's strings are not scanned rule by rule. One ``re2.Set`` holds a cheap *hint* of
every rule and answers, in one linear pass over all of a record's strings joined, which
rules may match at all; almost always none do, and nothing else runs. Only the strings of a
record that some hint matched are then searched with those rules' full patterns, and each
match is checked by the rule's own test (a Luhn or IBAN checksum, a name judged secret).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import unquote_plus

import re2

REDACTED = "[REDACTED]"

# RE2 builds each pattern's automaton within a memory budget; past it, a search falls back
# to a slower (still linear) method. 64 MiB keeps the default rules and a project's
# patterns on the fast path.
SET_MAX_MEM = 64 << 20

NameJudge = Callable[[str, bool], bool]  # (name, is a query or form parameter) -> secret?


@dataclasses.dataclass(frozen=True, slots=True)
class Candidate:
    """What a rule's ``accept`` looks at: the matched text, the secret's part of it, the
    text around, and how the policy judges names."""

    secret: str
    name: str | None  # the name group of a name-value rule
    text: str
    start: int
    end: int
    is_secret_name: NameJudge


@dataclasses.dataclass(frozen=True, slots=True)
class ValueRule:
    """``pattern`` finds a secret (its group ``group``, or the whole match), ``accept`` may
    turn a match down, ``hint`` is the cheaper pattern the set scans for (the pattern
    itself when None). docs/redaction.md shows an example of each rule, which its test
    runs."""

    name: str
    pattern: str
    summary: str
    group: int = 0
    name_group: int | None = None
    hint: str | None = None
    accept: Callable[[Candidate], bool] | None = None


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def is_card_number(digits: str) -> bool:
    """13 to 19 digits that pass the Luhn check, starting as issued cards do (2 to 6)."""
    return 13 <= len(digits) <= 19 and digits[0] in "23456" and _luhn(digits)


# How issuers print card numbers when they separate the digits: fours (the last group
# shorter when the number is), or American Express's and Diners Club's 4-6-5 and 4-6-4.
_CARD_GROUPS = frozenset({(4, 6, 5), (4, 6, 4)})


def _card(found: Candidate) -> bool:
    groups = found.secret.replace("-", " ").split(" ")
    separators = {c for c in found.secret if not c.isdigit()}
    if len(separators) > 1:
        return False
    if len(groups) > 1:
        sizes = tuple(map(len, groups))
        fours = all(size == 4 for size in sizes[:-1]) and 1 <= sizes[-1] <= 4
        if not (fours or sizes in _CARD_GROUPS):
            return False
    return is_card_number("".join(groups))


def _iban(found: Candidate) -> bool:
    compact = found.secret.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1


def _has_credential_mark(found: Candidate) -> bool:
    """A credential after "Bearer" or "Basic" carries a digit, base64 punctuation, padding
    or a capital past its first letter; prose ("Basic authentication") and parameters
    ("Bearer realm=shop") do not, and stay."""
    secret = found.secret
    body = secret.rstrip("=")
    if "=" in body or (body != secret and len(secret) % 4):
        return False  # "=" is base64's padding, to a multiple of 4, or not base64 at all
    return (
        any(c.isdigit() or c in "+/._~-" for c in body)
        or body != secret
        or (secret[1:] != secret[1:].lower())
    )


def _named(*, parameter: bool = False) -> Callable[[Candidate], bool]:
    def accept(found: Candidate) -> bool:
        assert found.name is not None
        name = unquote_plus(found.name) if parameter else found.name
        return found.is_secret_name(name, parameter)

    return accept


def _after_is_not_base64(found: Candidate) -> bool:
    following = found.text[found.end : found.end + 1]
    return not (following.isalnum() or following in ("/", "+"))


# Words every secret name holds one of (names.SECRET_WORDS, the pairs' words and
# names.PARAMETER_NAMES, shortened to what they share): the hints of the name-value rules.
NAME_HINT_WORDS = (
    "auth",
    "cookie",
    "credential",
    "csrf",
    "jwt",
    "key",
    "otp",
    "pass",
    "pwd",
    "secret",
    "session",
    "sig",
    "token",
    "verifier",
    "xsrf",
)


def name_hint(words: Iterable[str]) -> str:
    return "(?:" + "|".join(re2.escape(word) for word in sorted(set(words))) + ")"


_PARAMETER_NAME = r"[A-Za-z0-9_.\-\[\]%]+"
_HEADER_NAME = r"[A-Za-z0-9_-]+"

# In order of precedence: where two find a secret at one place, the earlier names it.
FIXED_RULES: tuple[ValueRule, ...] = (
    ValueRule(
        "private_key",
        r"-----BEGIN[A-Z0-9 ]* PRIVATE KEY(?: BLOCK)?-----(?s:.*?)"
        r"(?:-----END[A-Z0-9 ]* PRIVATE KEY(?: BLOCK)?-----|\z)",
        "a PEM private key block (RSA, EC, OpenSSH, PGP, PKCS #8), to its END line or, "
        "when it was cut short, to the end of the text",
        hint=r"-----BEGIN[A-Z0-9 ]* PRIVATE KEY",
    ),
    ValueRule(
        "jwt",
        r"\beyJ[A-Za-z0-9_-]{8,}\.ey[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){1,3}",
        "a JSON Web Token (JWS or JWE): base64url JSON header and payload",
        hint=r"eyJ[A-Za-z0-9_-]{8,}\.ey",
    ),
    ValueRule(
        "aws_access_key_id",
        r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA)[A-Z0-9]{16}\b",
        "an AWS access key id",
    ),
    ValueRule(
        "aws_secret_access_key",
        r"(?i)(?:aws)?_?secret_?access_?key[\"']?[ \t]*[:=][ \t]*[\"']?([A-Za-z0-9/+]{40})",
        "an AWS secret access key (40 characters) after its name, in any case",
        group=1,
        accept=_after_is_not_base64,
    ),
    ValueRule(
        "stripe_key",
        r"\b(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|whsec_[A-Za-z0-9+/=]{16,})",
        "a Stripe secret or restricted key (sk_live_, rk_live_, and their test forms) or a "
        "webhook signing secret (whsec_)",
    ),
    ValueRule(
        "github_token",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{30,})",
        "a GitHub token (ghp_, gho_, ghu_, ghs_, ghr_) or fine-grained token (github_pat_)",
    ),
    ValueRule(
        "gitlab_token",
        r"\bglpat-[A-Za-z0-9_-]{20,}",
        "a GitLab personal access token",
    ),
    ValueRule(
        "slack_token",
        r"\bxox[abposr]-[A-Za-z0-9-]{10,}",
        "a Slack token (xoxb-, xoxp-, xoxa-, xoxo-, xoxs-, xoxr-)",
    ),
    ValueRule(
        "google_api_key",
        r"\bAIza[0-9A-Za-z_-]{35}",
        "a Google API key",
    ),
    ValueRule(
        "sendgrid_key",
        r"\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}",
        "a SendGrid API key",
    ),
    ValueRule(
        "twilio_key",
        r"\bSK[0-9a-f]{32}\b",
        "a Twilio API key SID",
    ),
    ValueRule(
        "iban",
        r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b",
        "an IBAN whose check digits are right",
        accept=_iban,
    ),
    ValueRule(
        "card_number",
        r"\b[2-6][0-9]{3}(?:[ -]?[0-9]){9,15}\b",
        "a payment card number: 13 to 19 digits, from 2 to 6, that pass the Luhn check, "
        "together or in printed groups (4-4-4-4, 4-6-5…) of spaces or dashes; an order "
        "number that fails the check stays",
        accept=_card,
    ),
    ValueRule(
        "url_password",
        r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:([^/\s@]+)@",
        "the password in a URL's user-info (https://user:password@host)",
        group=1,
    ),
    ValueRule(
        "http_credential",
        r"(?i)\b(?:bearer|basic|token)[ \t]+([A-Za-z0-9._~+/=-]{8,})",
        'the credential after Bearer, Basic or Token (prose such as "Basic authentication" stays)',
        group=1,
        accept=_has_credential_mark,
    ),
)


def name_value_rules(hint_words: Iterable[str] = NAME_HINT_WORDS) -> tuple[ValueRule, ...]:
    """The rules that find a ``name=value``, ``Name: value`` or ``"name": "value"`` in text
    and redact the value when the name is a secret's. Their hints look for the words of
    secret names (``hint_words``: the built-in ones, and a project's own names' words)."""
    hint = name_hint(hint_words)
    return (
        ValueRule(
            "credential_parameter",
            r"(?:^|[?&;\s])(" + _PARAMETER_NAME + r")=([^?&;#\s\"'<>]+)",
            "a query or form parameter named like a credential (api_key, access_token, sig, "
            "signature, token, key, password…): in URLs, form bodies (a=1&password=x) and text",
            group=2,
            name_group=1,
            hint=r"(?i)" + hint + r"[A-Za-z0-9_.\-\[\]%]*=",
            accept=_named(parameter=True),
        ),
        ValueRule(
            "secret_header",
            r"(?m)^[ \t]*(" + _HEADER_NAME + r")[ \t]*:[ \t]*([^\r\n]+)",
            "a header line whose name is a credential's (Authorization:, Cookie:, X-Api-Key:…), "
            "in a header block given as one string or in any text",
            group=2,
            name_group=1,
            hint=r"(?im)^[ \t]*[A-Za-z0-9_-]*" + hint + r"[A-Za-z0-9_-]*[ \t]*:",
            accept=_named(),
        ),
        ValueRule(
            "secret_json_field",
            r"\"([^\"\\\r\n]+)\"[ \t]*:[ \t]*\"((?:[^\"\\]|\\.)+)\"",
            'a quoted "name": "value" pair whose name is a credential\'s, in text that is not '
            "whole JSON (a truncated body, a message quoting one)",
            group=2,
            name_group=1,
            hint=r"(?i)" + hint + r"[^\"\\\r\n]*\"[ \t]*:",
            accept=_named(),
        ),
    )


RULES = FIXED_RULES + name_value_rules()

EMAIL = ValueRule(
    "email",
    r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b",
    "an e-mail address, where the project or the server asks for it (ERRORLEDGER_REDACT_EMAILS)",
)


@dataclasses.dataclass(frozen=True, slots=True)
class Hit:
    start: int
    end: int
    rule: str
    # Where two rules find a secret at one place, the one listed first says which it is
    # (an AWS secret key over the parameter it was sent as).
    priority: int = 0


_MAX_PASSES = 4


def re2_options() -> re2.Options:
    options = re2.Options()
    options.max_mem = SET_MAX_MEM
    options.log_errors = False  # a project's invalid pattern is answered, not logged
    return options


class Scanner:
    """The value rules of one policy, compiled: a set of hints and each rule's pattern."""

    def __init__(self, rules: Sequence[ValueRule]) -> None:
        self._rules = tuple(rules)
        options = re2_options()
        self._hints = re2.Set.SearchSet(options)
        for rule in self._rules:
            self._hints.Add(rule.hint or rule.pattern)
        self._hints.Compile()
        self._patterns = [re2.compile(rule.pattern, options) for rule in self._rules]

    def candidates(self, text: str) -> list[int] | None:
        """The rules whose hints match somewhere in ``text``, or None."""
        matched: list[int] | None = self._hints.Match(text)
        return matched

    def hits(self, text: str, rules: Iterable[int], judge: NameJudge) -> list[Hit]:
        """Each secret the ``rules`` find in ``text``, left to right, overlapping ones
        merged, none over a ``[REDACTED]`` already there."""
        found: list[Hit] = []
        for index in rules:
            rule = self._rules[index]
            for spans in _spans(self._patterns[index], text):
                start, end = spans[rule.group]
                if start >= end or text[start:end] == REDACTED:
                    continue
                if rule.accept is not None:
                    name = None
                    if rule.name_group is not None:
                        name = text[slice(*spans[rule.name_group])]
                    candidate = Candidate(text[start:end], name, text, start, end, judge)
                    if not rule.accept(candidate):
                        continue
                found.append(Hit(start, end, rule.name, index))
        return _apart(found, _markers(text))

    def replace(self, text: str, judge: NameJudge) -> tuple[str, list[Hit]]:
        """``text`` with every secret replaced by ``[REDACTED]``, and what was replaced.

        A replacement can change what its neighbours look like ("Bearer password=x" becomes
        "Bearer password=[REDACTED]"), so the text is scanned again until nothing more is
        found, a few passes at most: what is stored then comes back unchanged when
        redacted again."""
        replaced: list[Hit] = []
        for _ in range(_MAX_PASSES):
            rules = self.candidates(text)
            hits = [] if rules is None else self.hits(text, rules, judge)
            if not hits:
                break
            replaced += hits
            pieces: list[str] = []
            at = 0
            for hit in hits:
                pieces += (text[at : hit.start], REDACTED)
                at = hit.end
            pieces.append(text[at:])
            text = "".join(pieces)
        return text, replaced


_UNANCHORED = re2._Anchor.UNANCHORED


def _spans(pattern: Any, text: str) -> Iterator[Sequence[tuple[int, int]]]:
    """The spans of each match of ``pattern`` (its groups' too; (-1, -1) for a group that
    did not take part), left to right, as ``finditer`` gives them.

    ASCII text, nearly all of it, goes to RE2 directly: its byte offsets are character
    offsets, so the wrapper's work of translating them (most of the cost of a match from
    Python) is not needed."""
    if not text.isascii():
        groups = range(pattern.groups + 1)
        for match in pattern.finditer(text):
            yield [match.span(group) for group in groups]
        return
    data = text.encode("ascii")
    regexp = pattern._regexp  # the compiled RE2 behind the wrapper (google-re2 >= 1.1)
    at, end = 0, len(data)
    while at <= end:
        spans = regexp.Match(_UNANCHORED, data, at, end)
        if spans[0][0] < 0:
            return
        yield spans
        at = spans[0][1] if spans[0][1] > at else at + 1


def _markers(text: str) -> list[Hit]:
    """Where ``[REDACTED]`` already stands: redacting twice changes nothing."""
    spans: list[Hit] = []
    at = text.find(REDACTED)
    while at >= 0:
        spans.append(Hit(at, at + len(REDACTED), ""))
        at = text.find(REDACTED, at + len(REDACTED))
    return spans


def _apart(hits: list[Hit], taken: list[Hit]) -> list[Hit]:
    """``hits`` in order, overlapping ones merged into one (so that what one rule leaves of
    another's secret is not found on a second pass), none over a span of ``taken`` (in
    order). One pass over both: hostile text may hold many of each."""
    kept: list[Hit] = []
    marks = iter(taken)
    mark = next(marks, None)
    for hit in sorted(hits, key=lambda hit: (hit.start, hit.priority, -hit.end)):
        while mark is not None and mark.end <= hit.start:
            mark = next(marks, None)
        if mark is not None and mark.start < hit.end:
            continue
        last = kept[-1] if kept else None
        if last is not None and hit.start < last.end:
            if hit.end > last.end:
                kept[-1] = dataclasses.replace(last, end=hit.end)
            continue
        kept.append(hit)
    return kept
