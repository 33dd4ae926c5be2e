"""Durations and clock times as operators write them, and the settings that use them."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.durations import format_duration_setting, parse_duration, parse_time_of_day

BASE = {"BACKUP_API_URL": "http://127.0.0.1:1/v1.0/1", "BACKUP_AUTH_TOKEN": "t"}


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90.0),
        ("2.5", 2.5),
        (".5", 0.5),
        ("90s", 90.0),
        ("15m", 900.0),
        ("26h", 93600.0),
        ("2d", 172800.0),
        (" 1.5H ", 5400.0),
        ("0", 0.0),
    ],
)
def test_durations_accept_seconds_and_units(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "m", "-5", "5w", "1e3", "nan", "inf", "5 m s", "1:00"])
def test_bad_durations_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_duration_spelling_round_trips() -> None:
    for seconds in (90.0, 900.0, 93600.0, 172800.0, 2.5):
        assert parse_duration(format_duration_setting(seconds)) == seconds


@pytest.mark.parametrize(
    ("text", "seconds"), [("09:00", 32400.0), ("7:05", 25500.0), ("23:59:59", 86399.0)]
)
def test_times_of_day(text: str, seconds: float) -> None:
    assert parse_time_of_day(text) == seconds


@pytest.mark.parametrize("text", ["24:00", "12:60", "12", "12:00:60", "noon", "12:0"])
def test_bad_times_of_day(text: str) -> None:
    with pytest.raises(ValueError, match="time of day"):
        parse_time_of_day(text)


def test_watch_settings_defaults() -> None:
    s = load_settings(BASE)
    assert s.watch_interval == 300
    assert s.watch_stale_after == 26 * 3600
    assert s.watch_api_down_after == 3
    assert s.watch_remind_every == 86400
    assert s.watch_quiet_hours is None
    assert s.watch_timezone == "UTC"
    assert s.watch_digest_at == 9 * 3600
    assert s.watch_history == 30 * 86400
    assert s.watch_channel_ids == ()


def test_watch_settings_parse_units_and_channels() -> None:
    s = load_settings(
        {
            **BASE,
            "WATCH_INTERVAL": "90s",
            "WATCH_STALE_AFTER": "2d",
            "WATCH_REMIND_EVERY": "0",
            "WATCH_QUIET_HOURS": "22:00-07:00:30",
            "WATCH_TIMEZONE": "Europe/Paris",
            "WATCH_DIGEST_AT": "off",
            "WATCH_CHANNEL_IDS": "C0OPS, c0dev:ord",
            "WAKEUP_GIVE_UP_AFTER": "2m",
            "WAKEUP_CHECK_EVERY": "1.5s",
        }
    )
    assert (s.watch_interval, s.watch_stale_after, s.watch_remind_every) == (90, 172800, 0)
    assert s.watch_quiet_hours == (79200.0, 25230.0)
    assert s.watch_digest_at is None
    assert s.watch_channel_ids == (("C0OPS", None), ("C0DEV", "ORD"))
    assert (s.wakeup_give_up_after, s.wakeup_check_every) == (120, 1.5)


def test_every_bad_watch_value_is_listed_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(
            {
                **BASE,
                "WATCH_INTERVAL": "5x",
                "WATCH_STALE_AFTER": "-1h",
                "WATCH_API_DOWN_AFTER": "0",
                "WATCH_QUIET_HOURS": "22-07",
                "WATCH_TIMEZONE": "Mars/Olympus",
                "WATCH_DIGEST_AT": "25:00",
                "WATCH_HISTORY": "soon",
                "WATCH_CHANNEL_IDS": "#ops",
                "WATCH_ALLOWED_USER_IDS": "@bob",
                "WAKEUP_CHECK_AFTER": "10 minutes",
            }
        )
    text = str(caught.value)
    for name in (
        "WATCH_INTERVAL",
        "WATCH_STALE_AFTER",
        "WATCH_API_DOWN_AFTER",
        "WATCH_QUIET_HOURS",
        "WATCH_TIMEZONE",
        "WATCH_DIGEST_AT",
        "WATCH_HISTORY",
        "WATCH_CHANNEL_IDS",
        "WATCH_ALLOWED_USER_IDS",
        "WAKEUP_CHECK_AFTER",
    ):
        assert name in text
    assert len(caught.value.problems) == 10
