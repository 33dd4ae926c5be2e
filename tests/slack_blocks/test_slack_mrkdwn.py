"""Escaping, defusing, dates, mentions and markup-safe truncation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.slack.blocks.limits import ELLIPSIS, truncate
from bot.slack.commands import AgentsCommand, parse_command
from bot.slack.mrkdwn import (
    SOFT_HYPHEN,
    ZERO_WIDTH_SPACE,
    code,
    date_token,
    escape,
    literal,
    mention,
)

ZW = ZERO_WIDTH_SPACE


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<http://evil|click>", "&lt;http://evil|click&gt;"),
        ("&amp;", "&amp;amp;"),
        ("R&D > ops", "R&amp;D &gt; ops"),
        ("*bold*", "*bold*"),
        ("", ""),
    ],
)
def test_escape_replaces_exactly_the_three_reserved_characters(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("web_server_01", "web_server_01"),
        ("a*b", "a*b"),
        ("*bold*", f"{ZW}*{ZW}bold{ZW}*{ZW}"),
        ("_tmp", f"{ZW}_{ZW}tmp"),
        ("x ~y~", f"x {ZW}~{ZW}y{ZW}~{ZW}"),
        ("`rm -rf`", f"{ZW}`{ZW}rm -rf{ZW}`{ZW}"),
        ("<@U1> & *x*", f"&lt;@U1&gt; &amp; {ZW}*{ZW}x{ZW}*{ZW}"),
        ("line\nbreak\ttab", "line break tab"),
        ("> quote", f"{SOFT_HYPHEN}&gt; quote"),
        ("a > b", "a &gt; b"),
        ("日本_語", "日本_語"),
    ],
)
def test_literal_escapes_and_defuses_formatting(raw: str, shown: str) -> None:
    assert literal(raw) == shown


def test_a_copied_literal_name_still_finds_its_agent() -> None:
    shown = literal("*prod* > _db_")
    copied = shown.replace("&gt;", ">")
    assert parse_command(f'agents "{copied}"') == parse_command('agents "*prod* > _db_"')
    assert isinstance(parse_command(f'agents "{copied}"'), AgentsCommand)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("10.0.0.1", "`10.0.0.1`"),
        ("https://x/a_b?c=1&d=2", "`https://x/a_b?c=1&amp;d=2`"),
        ("<!channel>", "`&lt;!channel&gt;`"),
        ("has`tick", f"has{ZW}`{ZW}tick"),
        ("", ""),
        ("two\nlines", "`two lines`"),
    ],
)
def test_code_spans_machine_values_unless_they_hold_a_backtick(raw: str, shown: str) -> None:
    assert code(raw) == shown


def test_date_token_has_epoch_format_and_utc_fallback() -> None:
    moment = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert date_token(moment) == (
        "<!date^1704164645^{date_short_pretty} at {time}|2024-01-02 03:04 UTC>"
    )
    assert date_token(moment, "{date_num}") == "<!date^1704164645^{date_num}|2024-01-02 03:04 UTC>"


def test_date_token_converts_offsets_and_takes_naive_times_as_utc() -> None:
    central = datetime(2024, 1, 1, 21, 4, 5, tzinfo=timezone(timedelta(hours=-6)))
    naive = datetime(2024, 1, 2, 3, 4, 5)
    assert date_token(central) == date_token(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert date_token(naive) == date_token(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))


def test_date_token_says_never_for_none() -> None:
    assert date_token(None) == "never"


@pytest.mark.parametrize(
    ("user_id", "shown"),
    [
        ("U123ABC", "<@U123ABC>"),
        ("W0ABCDEF1", "<@W0ABCDEF1>"),
        ("U123>|<!channel", "U123&gt;|&lt;!channel"),
        ("<!here>", "&lt;!here&gt;"),
    ],
)
def test_mention_only_for_real_user_ids(user_id: str, shown: str) -> None:
    assert mention(user_id) == shown


def test_truncate_leaves_short_text_alone_and_marks_cuts() -> None:
    assert truncate("short", 10) == "short"
    assert truncate("x" * 11, 10) == "x" * 9 + ELLIPSIS
    assert len(truncate("y" * 5000, 3000)) == 3000


@pytest.mark.parametrize("limit", range(5, 40))
def test_truncate_never_splits_an_entity_or_a_token(limit: int) -> None:
    text = "ab &amp; <!date^1704164645^{date_num}|2024-01-02 03:04 UTC> &lt;&gt; end"
    cut = truncate(text, limit)
    assert len(cut) <= limit
    body = cut.removesuffix(ELLIPSIS)
    assert body.count("<") == body.count(">")
    for index in [i for i, char in enumerate(body) if char == "&"]:
        assert body[index:].startswith(("&amp;", "&lt;", "&gt;")), cut
