"""The demo's pure parts and its screen, without a running stack."""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import unquote

import pytest

from bot.devtools.demo import bot_settings
from bot.devtools.demo_screen import Screen
from bot.devtools.demo_session import (
    ALICE_IN_OPS,
    Click,
    SlashCommand,
    ack_message,
    parse_line,
)
from bot.devtools.fake_slack import Message
from bot.devtools.slack_sender import SentRequest


def button(text: str, action_id: str) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": action_id,
    }


def message(*elements: dict[str, Any], via: str = "response_url") -> Message:
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*hello*"}},
        {"type": "actions", "block_id": f"b-{via}", "elements": list(elements)},
    ]
    return Message(
        via=via,
        channel_id="C0OPS",
        user_id="U0ALICE",
        response_type="ephemeral",
        replace_original=False,
        delete_original=False,
        text="hello",
        blocks=blocks,
        payload={"text": "hello", "blocks": blocks},
        received_at=0.0,
        ts="1.000001",
    )


def sent(status: int, body: str) -> SentRequest:
    try:
        decoded = json.loads(body)
    except ValueError:
        decoded = None
    return SentRequest(status, body, decoded, "http://127.0.0.1:9/response/x", 0.01)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("line", "action"),
    [
        (
            "/backup agents dc:DFW  status:offline",
            SlashCommand("/backup", "agents dc:DFW  status:offline"),
        ),
        ("  /backup  ", SlashCommand("/backup", "")),
        ("/other wakeup", SlashCommand("/other", "wakeup")),
        ("click 3", Click(3)),
        ("CLICK   12", Click(12)),
        ("click", None),
        ("click three", None),
        ("agents", None),
        ("/", None),
        ("", None),
    ],
)
def test_parse_line(line: str, action: SlashCommand | Click | None) -> None:
    assert parse_line(line) == action


def test_json_ack_is_the_message_slack_shows() -> None:
    body = json.dumps(
        {"text": "hi", "blocks": [{"type": "divider"}], "response_type": "in_channel"}
    )
    shown = ack_message(sent(200, body), ALICE_IN_OPS)
    assert shown is not None
    assert (shown.via, shown.channel_id, shown.user_id) == ("ack", "C0OPS", "U0ALICE")
    assert shown.response_type == "in_channel"
    assert shown.blocks == [{"type": "divider"}]
    assert shown.payload == json.loads(body)
    assert shown.ts


def test_plain_text_ack_is_shown_as_ephemeral_text() -> None:
    shown = ack_message(sent(200, "Something went wrong"), ALICE_IN_OPS)
    assert shown is not None
    assert (shown.text, shown.response_type, shown.blocks) == (
        "Something went wrong",
        "ephemeral",
        [],
    )


@pytest.mark.parametrize("body", ["", "  ", "{}", '{"response_type": "ephemeral"}'])
def test_empty_ack_shows_nothing(body: str) -> None:
    assert ack_message(sent(200, body), ALICE_IN_OPS) is None


def test_bot_settings_defaults_and_environment_overrides() -> None:
    assert bot_settings({}) == {
        "WAKEUP_CHECK_AFTER": "2",
        "WAKEUP_CHECK_EVERY": "1",
        "WAKEUP_GIVE_UP_AFTER": "12",
        "WATCH_CHANNEL_IDS": "C0OPS",
        "WATCH_INTERVAL": "5",
    }
    overridden = bot_settings({"WAKEUP_GIVE_UP_AFTER": "5", "SLACK_BOT_TOKEN": "xoxb-not-taken"})
    assert overridden["WAKEUP_GIVE_UP_AFTER"] == "5"
    assert "SLACK_BOT_TOKEN" not in overridden


def test_buttons_are_numbered_across_messages() -> None:
    out = io.StringIO()
    screen = Screen(out, as_json=False, color=False)
    first = message(button("Refresh", "agent_refresh"), button("Wake up", "agent_wakeup"))
    second = message(button("Share in channel", "agents_share"), via="ack")
    screen.show(first)
    screen.show(second)
    assert "[1 Refresh] [2 Wake up]" in out.getvalue()
    assert "[3 Share in channel]" in out.getvalue()
    third = screen.button(3)
    assert third is not None
    assert third.message is second
    assert third.element["action_id"] == "agents_share"
    assert third.element["block_id"] == "b-ack"
    assert third.label == "Share in channel"
    assert screen.button(0) is None
    assert screen.button(4) is None
    assert "\x1b[" not in out.getvalue()


def test_json_view_is_the_posted_payload_with_numbers_and_a_builder_link() -> None:
    out = io.StringIO()
    screen = Screen(out, as_json=True, color=False)
    screen.show(message(button("Refresh", "agent_refresh")))
    shown = message(button("Next", "agents_page_next"))
    screen.show(shown)
    chunks = out.getvalue().split("── ")[1:]
    assert len(chunks) == 2
    header, _, rest = chunks[1].partition("\n")
    assert header.startswith("response_url · ephemeral")
    payload, end = json.JSONDecoder().raw_decode(rest)
    assert payload == shown.payload
    assert rest[:end] == json.dumps(shown.payload, indent=2, sort_keys=True)
    after = rest[end:].strip().splitlines()
    assert after[0] == "Buttons: [2 Next]"
    link = after[1].removeprefix("Block Kit Builder: ")
    assert link.startswith("https://app.slack.com/block-kit-builder/#")
    assert json.loads(unquote(link.partition("#")[2])) == {"blocks": shown.blocks}


def test_a_message_arriving_at_the_prompt_keeps_the_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    out = FakeTerminal()
    screen = Screen(out, as_json=False, color=False)

    def typing(prompt: str) -> str:
        out.write(prompt)
        screen.show(message(via="chat.postMessage"))  # arrives while the person types
        return "/backup agents"

    monkeypatch.setattr("builtins.input", typing)
    assert screen.read_line("#ops> ") == "/backup agents"
    written = out.getvalue()
    assert written.startswith("#ops> \r\x1b[2K── chat.postMessage ")
    assert written.endswith("\n#ops> ")
    screen.say("after the prompt")  # the prompt is gone: nothing to clear or draw again
    assert out.getvalue().count("\x1b[2K") == 1
    assert out.getvalue().endswith("after the prompt\n")


def test_end_of_input_at_the_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    def closed(prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", closed)
    assert Screen(io.StringIO(), as_json=False, color=False).read_line("> ") is None
