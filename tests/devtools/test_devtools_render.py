from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote

import pytest

from bot.devtools.fake_slack import Message
from bot.devtools.render import block_kit_builder_url, render_message, render_mrkdwn

CENTRAL = timezone(timedelta(hours=-6))
STAMP = 1_700_000_000  # 2023-11-14 22:13:20 UTC, a Tuesday; 4:13:20 PM at UTC-6
NOW = datetime(2023, 11, 14, 20, 0, tzinfo=CENTRAL)
ANSI = re.compile(r"\x1b\[")


def plain(text: str) -> str:
    return render_mrkdwn(text, color=False, tz=CENTRAL, now=NOW)


def button(action_id: str, label: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label},
        **extra,
    }


def mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


BLOCKS: list[dict[str, Any]] = [
    {"type": "header", "text": {"type": "plain_text", "text": "Backup agents"}},
    {
        "type": "section",
        "block_id": "agent-1",
        "text": mrkdwn("*web-01* is _online_"),
        "accessory": button("wake", "Wake up", value="1"),
    },
    {"type": "section", "fields": [mrkdwn("*Status*\nOnline"), mrkdwn("*DC*\nDFW")]},
    {"type": "divider"},
    {"type": "context", "elements": [mrkdwn("Asked by <@U0ALICE>")]},
    {
        "type": "actions",
        "block_id": "nav",
        "elements": [button("share", "Share", style="primary"), button("next", "Next ▸")],
    },
]


def channel_message(blocks: list[dict[str, Any]], **overrides: Any) -> Message:
    fields: dict[str, Any] = {
        "via": "chat.postMessage",
        "channel_id": "C0OPS",
        "user_id": None,
        "response_type": "in_channel",
        "replace_original": False,
        "delete_original": False,
        "text": "fallback text",
        "blocks": blocks,
        "payload": {},
        "received_at": 0.0,
    }
    return Message(**{**fields, **overrides})


# -- blocks ----------------------------------------------------------------------------------


def test_every_block_type_in_plain_text() -> None:
    rendered = render_message(channel_message(BLOCKS), color=False, width=60)
    lines = rendered.text.splitlines()

    assert lines[0].startswith("── chat.postMessage ─")
    assert len(lines[0]) == 60
    assert lines[1] == "#C0OPS (everyone)"
    assert lines[2] == "Backup agents"
    assert lines[3].startswith("web-01 is online ")
    assert lines[3].endswith("[1 Wake up]")
    assert len(lines[3]) == 60
    assert lines[4].split() == ["Status", "DC"]
    assert lines[5].split() == ["Online", "DFW"]
    assert lines[6] == "─" * 60
    assert lines[7] == "Asked by @U0ALICE"
    assert lines[8] == "[2 Share] [3 Next ▸]"
    assert "fallback text" not in rendered.text  # blocks win over the notification text
    assert not ANSI.search(rendered.text)


def test_buttons_are_listed_in_their_numbering_order() -> None:
    rendered = render_message(channel_message(BLOCKS), color=False, first_button_number=4)

    assert [b["action_id"] for b in rendered.buttons] == ["wake", "share", "next"]
    assert [b["block_id"] for b in rendered.buttons] == ["agent-1", "nav", "nav"]
    for number, found in enumerate(rendered.buttons, start=4):
        assert f"[{number} {found['text']['text']}]" in rendered.text


def test_color_styles_the_same_content() -> None:
    colored = render_message(channel_message(BLOCKS), color=True, width=60).text

    assert "\x1b[1mweb-01\x1b[22m" in colored
    assert "\x1b[3monline\x1b[23m" in colored
    assert "\x1b[32m[2 Share]\x1b[39m" in colored  # primary button
    assert (
        re.sub(r"\x1b\[[0-9;]*m", "", colored)
        == render_message(channel_message(BLOCKS), color=False, width=60).text
    )


def test_ephemeral_and_in_channel_look_different() -> None:
    ephemeral = channel_message(
        [], via="response_url", response_type="ephemeral", user_id="U0ALICE", text="only you"
    )

    lines = render_message(ephemeral, color=False).text.splitlines()

    assert lines[0].startswith("── response_url ")
    assert lines[1] == "Only visible to you (U0ALICE)"
    assert lines[2] == "only you"
    shared = render_message(channel_message([], text="everyone"), color=False).text
    assert "Only visible to you" not in shared
    assert "#C0OPS (everyone)" in shared


def test_replace_and_delete_original_are_shown() -> None:
    replaced = render_message(channel_message(BLOCKS, replace_original=True), color=False)
    deleted = render_message(channel_message(BLOCKS, delete_original=True), color=False)

    assert "replaces the original message" in replaced.text
    assert "deletes the original message" in deleted.text
    assert "Backup agents" not in deleted.text
    assert deleted.buttons == []


def test_a_payload_dict_renders_like_a_message() -> None:
    payload = {"response_type": "in_channel", "channel": "C0OPS", "blocks": BLOCKS}

    rendered = render_message(payload, color=False)

    assert rendered.text.splitlines()[0].startswith("── payload ")
    assert "#C0OPS (everyone)" in rendered.text
    assert len(rendered.buttons) == 3


def test_long_text_wraps_and_unknown_blocks_are_named() -> None:
    long_text = " ".join(["word"] * 40)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": mrkdwn(long_text)},
        {"type": "rich_text"},
    ]

    lines = render_message(channel_message(blocks), color=False, width=40).text.splitlines()

    body = lines[2:-1]
    assert all(len(line) <= 40 for line in body)
    assert " ".join(body) == long_text
    assert lines[-1] == "[rich_text block]"


# -- mrkdwn ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("*bold* _italic_ ~gone~", "bold italic gone"),
        ("`code *stays*`", "`code *stays*`"),
        ("```a <b>\n*c*```", "```a <b>\n*c*```"),
        ("snake_case_name and 2*3*4", "snake_case_name and 2*3*4"),
        ("<https://example.com/a_b|the docs>", "the docs (https://example.com/a_b)"),
        ("<https://example.com>", "https://example.com"),
        ("<@U123> <#C42|ops> <#C42>", "@U123 #ops #C42"),
        ("<!here> <!channel> <!subteam^S1|@oncall>", "@here @channel @oncall"),
        ("&lt;!channel&gt; &amp;lt;", "<!channel> &lt;"),
        ("*&lt;@U1&gt;*", "<@U1>"),
    ],
)
def test_mrkdwn_plain(source: str, shown: str) -> None:
    assert plain(source) == shown


def test_mrkdwn_color_codes() -> None:
    colored = render_mrkdwn("*b* _i_ ~s~ `c`", color=True, tz=CENTRAL)

    assert colored == ("\x1b[1mb\x1b[22m \x1b[3mi\x1b[23m \x1b[9ms\x1b[29m \x1b[36m`c`\x1b[39m")


def test_escaped_hostile_text_is_never_a_mention() -> None:
    hostile = "&lt;!channel&gt; &lt;@U_ADMIN&gt; &lt;https://evil|click&gt;"

    assert plain(hostile) == "<!channel> <@U_ADMIN> <https://evil|click>"
    assert "\x1b" not in render_mrkdwn(hostile, color=True, tz=CENTRAL)


# -- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "shown"),
    [
        ("{date_num}", "2023-11-14"),
        ("{date}", "November 14th, 2023"),
        ("{date_short}", "Nov 14, 2023"),
        ("{date_long}", "Tuesday, November 14th, 2023"),
        ("{date_pretty}", "today"),
        ("{date_short_pretty} at {time}", "today at 4:13 PM"),
        ("{date_long_pretty}", "today"),
        ("{time_secs}", "4:13:20 PM"),
        ("{date_num} {unknown}", "2023-11-14 {unknown}"),
    ],
)
def test_date_tokens_in_a_fixed_zone(template: str, shown: str) -> None:
    assert plain(f"<!date^{STAMP}^{template}|fallback>") == shown


def test_pretty_dates_relative_to_now() -> None:
    def pretty(now: datetime) -> str:
        text = f"<!date^{STAMP}^{{date_short_pretty}}|x>"
        return render_mrkdwn(text, color=False, tz=CENTRAL, now=now)

    assert pretty(NOW + timedelta(days=1)) == "yesterday"
    assert pretty(NOW - timedelta(days=1)) == "tomorrow"
    assert pretty(NOW + timedelta(days=30)) == "Nov 14, 2023"


def test_dates_follow_the_zone_and_link_and_fallback() -> None:
    utc = render_mrkdwn(f"<!date^{STAMP}^{{time}}|x>", color=False, tz=UTC)

    assert utc == "10:13 PM"
    assert plain("<!date^1704067200^{date}|x>") == "December 31st, 2023"  # 2024-01-01 UTC
    assert plain(f"<!date^{STAMP}^{{date_num}}^https://status.example|x>") == (
        "2023-11-14 (https://status.example)"
    )
    assert plain("<!date^soon^{date}|some day>") == "some day"
    assert plain(f"<!date^{'9' * 30}^{{date_num}}|too far>") == "too far"


def test_ordinals() -> None:
    day = 24 * 3600
    nov_1 = 1_698_883_200  # 2023-11-02 00:00 UTC, so Nov 1 at UTC-6
    shown = [
        plain(f"<!date^{nov_1 + n * day}^{{date}}|x>").split()[1]
        for n in (0, 1, 2, 3, 10, 11, 12, 20)
    ]

    assert shown == ["1st,", "2nd,", "3rd,", "4th,", "11th,", "12th,", "13th,", "21st,"]


# -- Block Kit Builder -----------------------------------------------------------------------


def test_block_kit_builder_url_carries_the_blocks() -> None:
    url = block_kit_builder_url({"text": "x", "blocks": BLOCKS})

    prefix = "https://app.slack.com/block-kit-builder/#"
    assert url.startswith(prefix)
    assert json.loads(unquote(url.removeprefix(prefix))) == {"blocks": BLOCKS}
    assert " " not in url
