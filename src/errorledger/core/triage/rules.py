"""A project's own triage rules and hint texts (``GET/PUT /v1/projects/{p}/hint-rules``).

A project adds rules that decide a cause before the catalogue's do (a partner whose 403
means an expired token, an in-house exception type), and overrides the hint of any cause,
or gives one to a cause of its own (``auth.partner_scope``). Message patterns are RE2 and
checked as the catalogue's are. New entries are classified with the rules at once; hint
texts apply whenever a hint is shown, to entries old and new.
"""

from __future__ import annotations

import functools
from typing import Annotated

import msgspec

from errorledger.core.triage.catalogue import (
    Actor,
    Catalogue,
    CatalogueError,
    Cause,
    builtin,
    check,
    compile_pattern,
)
from errorledger.core.triage.classify import Classifier, ProjectRule
from errorledger.errors import InvalidInput

MAX_RULES = 100
MAX_TEXT = 2000
_CAUSE = "^[a-z_]+\\.[a-z0-9_]{1,48}$"


class RuleMatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """Every field given must hold; at least one must be given."""

    exception_type: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    message: (
        Annotated[
            str,
            msgspec.Meta(
                min_length=1,
                max_length=1000,
                description="RE2, matched case-insensitively anywhere in the message.",
            ),
        ]
        | None
    ) = None
    status: Annotated[int, msgspec.Meta(ge=100, le=999)] | None = None
    host: Annotated[str, msgspec.Meta(min_length=1, max_length=253)] | None = None


class TriageRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    match: RuleMatch
    cause: Annotated[str, msgspec.Meta(pattern=_CAUSE)]


class HintText(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TEXT)]
    actor: Actor
    retryable: bool


class TriageRules(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    rules: Annotated[list[TriageRule], msgspec.Meta(max_length=MAX_RULES)] = []
    hints: dict[Annotated[str, msgspec.Meta(pattern=_CAUSE)], HintText] = {}


NO_RULES = TriageRules()


def check_rules(rules: TriageRules) -> None:
    """``InvalidInput`` naming the first rule or hint that cannot be used."""
    try:
        known = builtin().causes()
        check(_as_catalogue(rules), known=known)
        for index, rule in enumerate(rules.rules):
            if rule.match == RuleMatch():
                raise CatalogueError(f"rule {index} must match on at least one field")
            if rule.cause not in known and rule.cause not in rules.hints:
                raise CatalogueError(
                    f"rule {index}: no cause {rule.cause!r}; a cause of the project's own "
                    "needs its hint in hints"
                )
            if rule.match.message is not None:
                compile_pattern(rule.match.message, where=f"rule {index}")
    except CatalogueError as exc:
        raise InvalidInput.single(("body",), "invalid", str(exc)) from None


def _as_catalogue(rules: TriageRules) -> Catalogue:
    """The project's hints as causes, for the catalogue's own checks."""
    causes = [Cause(cause_id, **msgspec.structs.asdict(h)) for cause_id, h in rules.hints.items()]
    return Catalogue(cause=causes)


def classifier(rules: TriageRules) -> Classifier:
    """The classifier of a project with ``rules`` (the catalogue's when there are none);
    projects with the same rules share one."""
    return _classifier(msgspec.json.encode(rules))


@functools.lru_cache(maxsize=256)
def _classifier(encoded: bytes) -> Classifier:
    rules = msgspec.json.decode(encoded, type=TriageRules)
    catalogue = builtin()
    if rules == NO_RULES:
        return Classifier(catalogue)
    own = [
        ProjectRule(
            index=index,
            cause=rule.cause,
            exception_type=rule.match.exception_type,
            message=None
            if rule.match.message is None
            else compile_pattern(rule.match.message, where=f"rule {index}"),
            status=rule.match.status,
            host=rule.match.host.lower() if rule.match.host else None,
        )
        for index, rule in enumerate(rules.rules)
    ]
    extra = _as_catalogue(rules).cause
    return Classifier(catalogue, project=own, causes=extra)
