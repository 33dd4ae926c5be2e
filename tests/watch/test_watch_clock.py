"""Quiet hours and report times in a time zone, across midnight and a DST change."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.watch.clock import in_quiet_hours, latest_digest, next_digest, quiet_ends

PARIS = "Europe/Paris"


def at(text: str, zone: str = "UTC") -> float:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp()


def test_quiet_hours_wrap_past_midnight() -> None:
    window = (22 * 3600.0, 7 * 3600.0)
    assert in_quiet_hours(at("2026-03-10T23:30"), window, "UTC")
    assert in_quiet_hours(at("2026-03-10T06:59:59"), window, "UTC")
    assert not in_quiet_hours(at("2026-03-10T07:00"), window, "UTC")
    assert not in_quiet_hours(at("2026-03-10T21:59"), window, "UTC")
    assert not in_quiet_hours(at("2026-03-10T23:30"), None, "UTC")
    assert quiet_ends(at("2026-03-10T23:30"), window, "UTC") == at("2026-03-11T07:00")


def test_quiet_hours_follow_the_zone() -> None:
    window = (22 * 3600.0, 7 * 3600.0)
    assert in_quiet_hours(at("2026-07-01T21:30"), window, PARIS)  # 23:30 in Paris
    assert not in_quiet_hours(at("2026-07-01T21:30"), window, "UTC")


def test_report_times_across_a_dst_change() -> None:
    nine = 9 * 3600.0
    # Paris moves to summer time on 2026-03-29: 09:00 is 08:00 UTC before, 07:00 UTC after.
    assert latest_digest(at("2026-03-28T08:30"), nine, PARIS) == at("2026-03-28T08:00")
    assert next_digest(at("2026-03-28T08:30"), nine, PARIS) == at("2026-03-29T07:00")
    assert latest_digest(at("2026-03-29T06:59"), nine, PARIS) == at("2026-03-28T08:00")
    assert latest_digest(at("2026-03-28T08:30"), None, PARIS) is None
