"""No regular expression of the package backtracks super-linearly: records carry partner
responses, and one pattern that is quadratic on a crafted string freezes the event loop for
every tenant.

Every compiled pattern at module level in ``errorledger`` and ``errorledger_client`` (whose
parsers read what a server sends) is found by walking the packages,
and each must be listed in ``WORST_INPUTS`` with the inputs most likely to make it
backtrack (a new pattern fails this test until it is). Each pattern then runs over those
inputs (and generic ones) as they grow from 1 to 256 KiB:

- growth: each 4x step in size may cost about 4x (linear), not 16x (quadratic). The small
  steps come first, so a quadratic pattern fails within a second, not hours later;
- at 256 KiB, the worst input costs a bounded multiple of a benign input of that size
  (its twin: the same head and tail around ordinary text).

The times are ratios measured in the same process one after the other, never wall-clock
bounds.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import importlib
import itertools
import pkgutil
import random
import re
import string
import time
from collections.abc import Iterator
from typing import Any

import pytest
import re2
from starlette.routing import Route

import errorledger
import errorledger_client
from errorledger.api import routes
from errorledger.core.redaction import values

KIB = 1024
SIZES = (1 * KIB, 4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB)
# Linear grows 4x a step, quadratic 16x; sub-millisecond timings are noisy, so the bar
# sits in between.
GROWTH_LIMIT = 10.0
# The worst input over its benign twin (``Shape``), at 256 KiB: a linear pattern costs a
# few times as much on a run of the characters it repeats over (each one a step of a match
# attempt) as on ordinary text; the quadratic header pattern this replaced cost ~10^6x.
RATIO_LIMIT = 50.0


@dataclasses.dataclass(frozen=True)
class Shape:
    """``head`` + ``unit`` repeated to a size + ``tail``; its benign twin has the same head
    and tail around ordinary text, so that a pattern anchored on the head does the same
    kind of work on both, and only backtracking makes them differ."""

    unit: str
    head: str = ""
    tail: str = ""

    def build(self, size: int) -> str:
        fill = max(1, (size - len(self.head) - len(self.tail)) // len(self.unit))
        return self.head + self.unit * fill + self.tail

    def benign(self, size: int) -> str:
        fill = ordinary(max(1, size - len(self.head) - len(self.tail)), lines="\n" in self.unit)
        return self.head + fill + self.tail


def repeat(unit: str, *, head: str = "", tail: str = "") -> Shape:
    return Shape(unit, head, tail)


# Shapes that make backtracking engines work hardest: long runs of what a repeated part
# accepts, ended by what makes the whole match fail, and many partial matches in a row.
GENERIC: list[Shape] = [
    repeat(" "),
    repeat("\n"),
    repeat(" \n"),
    repeat("a"),
    repeat("0"),
    repeat("a", tail="!"),
    repeat("0", tail="!"),
    repeat("\t", tail="x"),
]

WORST_INPUTS: dict[str, list[Shape]] = {
    "errorledger.core.redaction.names._CAMEL_HUMP": [repeat("aA"), repeat("a0A")],
    "errorledger.core.redaction.names._NON_WORD": [repeat("-_"), repeat("a-")],
    "errorledger.api.request_id._CLIENT_ID": [repeat("a"), repeat("a", tail="!")],
    "errorledger.api.import_errors._SLUG": [repeat("a"), repeat("-", tail="!")],
    "errorledger_client.log.canonical._HEX_SHA256": [repeat("a"), repeat("0", tail="g")],
    "errorledger_client.log.checkpoint._DECIMAL": [repeat("1"), repeat("0")],
    "errorledger_client.log.note._HEX_KEY_ID": [repeat("a"), repeat("f", tail="g")],
    "errorledger_client.log.note._CONTROL": [repeat("a")],
    "errorledger.tlog.tiles._LEVEL": [repeat("1")],
    "errorledger.tlog.tiles._WIDTH": [repeat("1")],
    "errorledger.tlog.tiles._INDEX_PREFIX": [repeat("x0"), repeat("0", head="x")],
    "errorledger.tlog.tiles._INDEX_LAST": [repeat("0")],
}


def package_patterns() -> Iterator[tuple[str, re.Pattern[str]]]:
    modules = itertools.chain(
        pkgutil.walk_packages(errorledger.__path__, "errorledger."),
        pkgutil.walk_packages(errorledger_client.__path__, "errorledger_client."),
    )
    for module_info in modules:
        if module_info.name.endswith(".__main__") or ".migrations" in module_info.name:
            continue  # importing them runs the command line, or needs Alembic's context
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                yield f"{module_info.name}.{name}", value


def route_patterns() -> Iterator[tuple[str, re.Pattern[str]]]:
    """The router's: each route of the table is a pattern matched against every path."""
    for route in routes.routes():
        if isinstance(route, Route):
            yield f"route {route.path}", route.path_regex


def value_rule_patterns() -> Iterator[tuple[str, Any]]:
    """The redaction rules' (RE2, compiled as the scanner compiles them): they run over
    every string a client sends."""
    for rule in (*values.RULES, values.EMAIL):
        yield f"value rule {rule.name}", re2.compile(rule.pattern)


PATTERNS = dict(package_patterns())
ROUTES = dict(route_patterns())
VALUE_RULES = dict(value_rule_patterns())
# What the value rules look for, repeated so that every position starts a partial match.
VALUE_RULE_INPUTS: list[Shape] = [
    repeat("-----BEGIN RSA PRIVATE KEY-----"),
    repeat("a", head="-----BEGIN PRIVATE KEY-----"),
    repeat("eyJaaaaaaaaa."),
    repeat("a", head="eyJaaaaaaaaa.eyaaaaaaaa"),
    repeat("Bearer "),
    repeat("AKIA"),
    repeat("secret_access_key="),
    repeat("sk_live_"),
    repeat("4111 "),
    repeat("4"),
    repeat("DE89 "),
    repeat("a:", head="https://"),
    repeat("://a:"),
    repeat("&a="),
    repeat("a=", head="?"),
    repeat("authorization:"),
    repeat("\n", head="Authorization: "),
    repeat('"a":"'),
    repeat('"token": "\\'),
    repeat("a.", head="x@"),
    repeat("a@"),
]
# Paths as a client may send them: long runs of one segment, and of slashes.
ROUTE_INPUTS: list[Shape] = [
    repeat("a", head="/api/v3/integrations/"),
    repeat("a/", head="/v1/projects/"),
    repeat("/logs", head="/api/v3/integrations/"),
    repeat("x/", head="/v1/projects/p/tlog/tile/"),
]


@functools.cache
def ordinary(size: int, *, lines: bool) -> str:
    """Letters, digits, spaces and punctuation; line breaks too when the worst input has
    them (a pattern stops at the first one when it does not)."""
    rng = random.Random(size)
    alphabet = string.ascii_letters + string.digits + " " * 10 + ".,:;-" + "\n" * lines
    return "".join(rng.choices(alphabet, k=size))


def cost(pattern: re.Pattern[str], text: str) -> float:
    """The best of a few runs of the most thorough uses: a search from every position
    (``finditer``, as ``sub`` and ``search`` scan) and an anchored match of the whole. The
    collector is off: its passes over a growing heap would pass for super-linear time. The
    thread's CPU time, not the wall clock: a test run beside others on two cores is
    preempted, and a preempted run would pass for a slow one."""
    best = float("inf")
    gc.disable()
    try:
        for _ in range(5):
            started = time.thread_time()
            for _match in pattern.finditer(text):
                pass
            pattern.fullmatch(text)
            best = min(best, time.thread_time() - started)
    finally:
        gc.enable()
    return max(best, 1e-6)  # below a microsecond the clock is all noise


def test_every_pattern_of_the_package_has_its_worst_inputs_listed() -> None:
    assert PATTERNS, "no compiled patterns found: the walk is broken"
    unlisted = sorted(set(PATTERNS) - set(WORST_INPUTS))
    assert not unlisted, f"list these in WORST_INPUTS with inputs that stress them: {unlisted}"
    stale = sorted(set(WORST_INPUTS) - set(PATTERNS))
    assert not stale, f"these patterns are gone; drop them from WORST_INPUTS: {stale}"


def worst_inputs(name: str) -> list[Shape]:
    return WORST_INPUTS.get(name, ROUTE_INPUTS)


@pytest.mark.parametrize("name", sorted(VALUE_RULES))
def test_the_value_rule_stays_linear_on_its_worst_inputs(name: str) -> None:
    # RE2 cannot backtrack; this checks the engine is the one in use. Inputs dense with
    # matches cost per match (each a Python object), so only growth is compared, from
    # sizes where RE2's automaton cache is warm.
    pattern = VALUE_RULES[name]
    for build in [*VALUE_RULE_INPUTS, *GENERIC]:
        small, large = (cost(pattern, build.build(size)) for size in (64 * KIB, 256 * KIB))
        growth = large / small
        assert growth < GROWTH_LIMIT, f"{name} costs {growth:.1f}x more on {build.build(40)!r}"


@pytest.mark.parametrize("name", sorted(PATTERNS) + sorted(ROUTES))
def test_the_pattern_stays_linear_on_its_worst_inputs(name: str) -> None:
    pattern = PATTERNS.get(name) or ROUTES[name]
    for build in [*worst_inputs(name), *GENERIC]:
        sample = repr(build.build(40))
        costs = [cost(pattern, build.build(SIZES[0]))]
        for smaller, size in itertools.pairwise(SIZES):
            costs.append(cost(pattern, build.build(size)))
            growth = costs[-1] / costs[-2]
            assert growth < GROWTH_LIMIT, (
                f"{name} costs {growth:.1f}x more from {smaller // KIB} to {size // KIB} KiB"
                f" on {sample}…"
            )
        ratio = costs[-1] / cost(pattern, build.benign(SIZES[-1]))
        assert ratio < RATIO_LIMIT, f"{name} costs {ratio:.0f}x a benign input on {sample}…"
