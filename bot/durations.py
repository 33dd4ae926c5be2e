"""Durations as operators write them: ``90``, ``2.5``, ``90s``, ``15m``, ``26h``, ``2d``.

Every duration setting goes through :func:`parse_duration`, so one spelling works everywhere
and a typo is reported with the same sentence whichever variable it is in.
"""

from __future__ import annotations

import math
import re

UNITS: dict[str, float] = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*([smhd]?)", re.IGNORECASE)

DURATION_HINT = "a duration: seconds (decimals allowed) or a number with s, m, h or d (90s, 15m)"


def parse_duration(text: str) -> float:
    """Seconds in ``text``; raises ValueError (never anything else) when it is not one."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a duration: {text!r}")
    number, unit = match.groups()
    seconds = float(number) * UNITS[unit.lower() or "s"]
    if not math.isfinite(seconds):
        raise ValueError(f"duration out of range: {text!r}")
    return seconds


def format_duration_setting(seconds: float) -> str:
    """The shortest exact spelling of ``seconds`` in the units above: ``26h``, ``90s``."""
    for unit in ("d", "h", "m"):
        size = UNITS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


_TIME_OF_DAY = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def parse_time_of_day(text: str) -> float:
    """``09:00`` or ``21:30:15`` as seconds after midnight; raises ValueError otherwise."""
    match = _TIME_OF_DAY.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a time of day: {text!r}")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ValueError(f"not a time of day: {text!r}")
    return float(hours * 3600 + minutes * 60 + seconds)
