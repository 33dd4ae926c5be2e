"""Just enough PromQL to evaluate the README's alert rules on two scrapes.

The rules are all ``sum(increase|rate(SELECTOR[WINDOW])) OP N``, joined by ``unless`` or
``and``; the window is taken to be the time between the two scrapes, so "what happened
between them" is what the rule judges. Anything else is refused rather than guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.metrics.scrape import Scrape

_TERM = re.compile(
    r"^sum\((?P<func>increase|rate)\((?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)"
    r"(?:\{(?P<matchers>[^}]*)\})?\[(?P<window>\d+[smh])\]\)\)\s*"
    r"(?P<op>>|<|==|>=|<=|!=)\s*(?P<number>[0-9.]+)$"
)
_MATCHER = re.compile(r'\s*([a-zA-Z_]+)\s*(=~|!~|!=|=)\s*"([^"]*)"\s*,?')
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
_SECONDS = {"s": 1, "m": 60, "h": 3600}


def metric_names(expr: str) -> set[str]:
    return {match.group("name") for match in map(_parse_term, _split(expr)[0])}


def fires(expr: str, before: Scrape, after: Scrape) -> bool:
    """True when the expression returns a (non-empty) vector over the two scrapes."""
    terms, joins = _split(expr)
    result = _term(terms[0], before, after)
    for join, text in zip(joins, terms[1:], strict=True):
        other = _term(text, before, after)
        result = (result and not other) if join == "unless" else (result and other)
    return result


def _split(expr: str) -> tuple[list[str], list[str]]:
    parts = re.split(r"\s+(unless|and)\s+", " ".join(expr.split()))
    return parts[0::2], parts[1::2]


def _parse_term(text: str) -> re.Match[str]:
    match = _TERM.match(text.strip())
    if match is None:
        raise ValueError(f"not a term this evaluator reads: {text!r}")
    return match


def _term(text: str, before: Scrape, after: Scrape) -> bool:
    """Whether ``sum(...) OP N`` keeps its one element (an empty sum keeps none)."""
    match = _parse_term(text)
    matchers = _MATCHER.findall(match.group("matchers") or "")
    increase = 0.0
    matched = False
    for labels in after.series(match.group("name")):
        if all(_matches(labels.get(k, ""), op, v) for k, op, v in matchers):
            matched = True
            full = {k: v for k, v in labels.items()}
            increase += after.value(match.group("name"), **full) - before.value(
                match.group("name"), **full
            )
    if not matched:
        return False
    window = match.group("window")
    value = increase / (int(window[:-1]) * _SECONDS[window[-1]])
    if match.group("func") == "increase":
        value = increase
    return _OPS[match.group("op")](value, float(match.group("number")))


def _matches(value: str, op: str, wanted: str) -> bool:
    if op == "=":
        return value == wanted
    if op == "!=":
        return value != wanted
    found = re.fullmatch(wanted, value) is not None
    return found if op == "=~" else not found
