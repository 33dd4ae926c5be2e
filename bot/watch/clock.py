"""Wall-clock questions asked in the configured time zone: quiet now? which report is due?

Times of day are seconds after midnight, as bot.config stores them. Each answer is computed
from an epoch time and a zone, so a test can ask about any moment without waiting for it,
and daylight-saving changes are the zone's business (zoneinfo), not ours.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def _local(now: float, zone: str) -> datetime:
    return datetime.fromtimestamp(now, UTC).astimezone(ZoneInfo(zone))


def _seconds_of_day(moment: datetime) -> float:
    return moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6


def in_quiet_hours(now: float, window: tuple[float, float] | None, zone: str) -> bool:
    """True inside ``[start, end)``; a window may wrap past midnight (22:00-07:00)."""
    if window is None:
        return False
    start, end = window
    t = _seconds_of_day(_local(now, zone))
    if start < end:
        return start <= t < end
    return t >= start or t < end


def _at(day: datetime, seconds: float, zone: str) -> float:
    whole = int(seconds)
    naive = datetime(day.year, day.month, day.day, whole // 3600, whole // 60 % 60, whole % 60)
    return naive.replace(tzinfo=ZoneInfo(zone)).timestamp()


def latest_digest(now: float, at: float | None, zone: str) -> float | None:
    """The most recent scheduled report time at or before ``now``; None when reports are off."""
    if at is None:
        return None
    today = _local(now, zone)
    due = _at(today, at, zone)
    if due > now:
        due = _at(today - timedelta(days=1), at, zone)
    return due


def next_digest(now: float, at: float | None, zone: str) -> float | None:
    """The next scheduled report time after ``now``; None when reports are off."""
    if at is None:
        return None
    today = _local(now, zone)
    due = _at(today, at, zone)
    if due <= now:
        due = _at(today + timedelta(days=1), at, zone)
    return due


def quiet_ends(now: float, window: tuple[float, float] | None, zone: str) -> float | None:
    """When the current quiet hours end; None when not quiet."""
    if window is None or not in_quiet_hours(now, window, zone):
        return None
    today = _local(now, zone)
    end = _at(today, window[1], zone)
    if end <= now:
        end = _at(today + timedelta(days=1), window[1], zone)
    return end
