"""What a scenario reports: figures with their baseline, ratio and target, and the run's record.

Every number the suite prints goes through ``Figure``, so the table and ``results.json``
cannot disagree, and a target is judged in one place rather than by each scenario.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

YES_NO = "yes/no"
"""The unit of a figure that is 1.0 for yes and 0.0 for no."""
JSON_DECIMALS = 6


@dataclass(frozen=True)
class Target:
    """A goal for ``Figure.ours``: a sentence for people and the check that decides it."""

    text: str
    check: Callable[[float], bool] = field(repr=False)

    def met(self, value: float) -> bool:
        return self.check(value)


def at_most(limit: float, text: str | None = None) -> Target:
    return Target(text or f"≤ {_number(limit)}", lambda value: value <= limit)


def exactly(expected: float, text: str | None = None) -> Target:
    return Target(text or f"= {_number(expected)}", lambda value: value == expected)


@dataclass(frozen=True)
class Figure:
    """One measured number, the same number for the baseline, and the goal for ours.

    ``baseline`` is None where the baseline has no such number; ``target`` is None for a
    figure reported for information only.
    """

    name: str
    unit: str
    ours: float
    baseline: float | None = None
    target: Target | None = None

    @property
    def ratio(self) -> float | None:
        """ours / baseline: below 1 means ours is smaller (faster, fewer calls, less memory)."""
        if self.baseline is None or self.baseline == 0:
            return None
        return self.ours / self.baseline

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.target.met(self.ours)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            "ours": _rounded(self.ours),
            "baseline": _rounded(self.baseline),
            "ratio": _rounded(self.ratio),
            "target": None if self.target is None else self.target.text,
            "met": self.met,
        }


@dataclass(frozen=True)
class Measured:
    """What a scenario's run returns: its figures and the notes that qualify them."""

    figures: tuple[Figure, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """A named measurement: ``run(quick)`` measures ours and the baseline in one go."""

    name: str
    title: str
    baseline: str
    run: Callable[[bool], Measured] = field(repr=False)


@dataclass(frozen=True)
class ScenarioResult:
    """A scenario's figures, what its baseline is, and notes that qualify the numbers."""

    name: str
    title: str
    baseline: str
    figures: tuple[Figure, ...] = ()
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "baseline": self.baseline,
            "seconds": round(self.seconds, 2),
            "error": self.error,
            "notes": list(self.notes),
            "figures": [figure.to_json() for figure in self.figures],
        }


def machine() -> dict[str, Any]:
    """Where the numbers came from; they mean little without it."""
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
    }


def report(
    results: Sequence[ScenarioResult], *, mode: str, started_at: str, seconds: float
) -> dict[str, Any]:
    figures = [figure for result in results for figure in result.figures]
    judged = [figure.met for figure in figures if figure.met is not None]
    return {
        "machine": machine(),
        "mode": mode,
        "started_at": started_at,
        "seconds": round(seconds, 1),
        "targets": {"met": sum(judged), "total": len(judged)},
        "scenarios": [result.to_json() for result in results],
    }


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == YES_NO:
        return "yes" if value else "no"
    if value == int(value) and unit not in ("ms", "s", "MB"):
        return f"{int(value):,} {unit}"
    return f"{value:,.{_decimals(value)}f} {unit}"


def format_ratio(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    return f"{ratio:.{_decimals(ratio)}f}×"


def table(results: Sequence[ScenarioResult]) -> str:
    """A plain-text table, one row per figure, grouped under each scenario's title."""
    header = ("figure", "ours", "baseline", "ratio", "target", "met")
    lines: list[str] = []
    for result in results:
        lines.append("")
        lines.append(f"== {result.title} ({result.seconds:.1f} s)")
        lines.append(f"   baseline: {result.baseline}")
        if result.error is not None:
            lines.append(f"   FAILED: {result.error}")
        rows = [header, *(_row(figure) for figure in result.figures)]
        widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
        for row in rows:
            cells = [
                cell.ljust(width) if column == 0 else cell.rjust(width)
                for column, (cell, width) in enumerate(zip(row, widths, strict=True))
            ]
            lines.append("   " + "  ".join(cells).rstrip())
        lines.extend(f"   note: {note}" for note in result.notes)
    return "\n".join(lines)


def _row(figure: Figure) -> tuple[str, str, str, str, str, str]:
    met = {None: "", True: "yes", False: "NO"}[figure.met]
    return (
        figure.name,
        format_value(figure.ours, figure.unit),
        format_value(figure.baseline, figure.unit),
        format_ratio(figure.ratio),
        "" if figure.target is None else figure.target.text,
        met,
    )


def _decimals(value: float) -> int:
    """Three significant digits or so, without scientific notation."""
    magnitude = abs(value)
    if magnitude >= 100 or magnitude == 0:
        return 0
    if magnitude >= 10:
        return 1
    if magnitude >= 0.1:
        return 2
    return 3


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, JSON_DECIMALS)


def _number(value: float) -> str:
    return f"{int(value):,}" if value == int(value) else f"{value:g}"
