from __future__ import annotations

from typing import Any

import pytest

from bot.devtools.block_kit import block_errors


def section(text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(label: str = "Go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": label}, **extra}


def test_a_valid_message_has_no_errors() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Agents"}},
        section("x" * 3000, block_id="a", accessory=button(action_id="wake", value="1")),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 10},
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}]},
        {"type": "actions", "elements": [button(action_id=f"b{n}") for n in range(25)]},
    ]

    assert block_errors(blocks) == []
    assert block_errors([section()] * 50) == []


@pytest.mark.parametrize(
    ("blocks", "error"),
    [
        ("not a list", "must be an array [json-pointer:/blocks]"),
        ([section()] * 51, "no more than 50 items allowed [json-pointer:/blocks]"),
        ([{"text": "no type"}], "must provide an object with a type [json-pointer:/blocks/0]"),
        (
            [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            "must be less than 151 characters [json-pointer:/blocks/0/text/text]",
        ),
        ([section("x" * 3001)], "must be less than 3001 characters"),
        ([section("")], "must be more than 0 characters [json-pointer:/blocks/0/text/text]"),
        ([{"type": "section"}], "must provide either text or fields"),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
            "no more than 10 items allowed [json-pointer:/blocks/0/fields]",
        ),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
            "[json-pointer:/blocks/0/fields/0/text]",
        ),
        ([section(block_id="x"), section(block_id="x")], "duplicate block_id 'x'"),
        ([section(block_id="b" * 256)], "[json-pointer:/blocks/0/block_id]"),
        (
            [{"type": "actions", "elements": [button()] * 26}],
            "no more than 25 items allowed [json-pointer:/blocks/0/elements]",
        ),
        ([{"type": "actions", "elements": []}], "must provide at least 1 element"),
        (
            [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
            "no more than 10 items allowed",
        ),
        (
            [{"type": "actions", "elements": [button("b" * 76)]}],
            "[json-pointer:/blocks/0/elements/0/text/text]",
        ),
        ([section(accessory=button(value="v" * 2001))], "[json-pointer:/blocks/0/accessory/value]"),
        ([section(accessory=button(action_id=""))], "must be more than 0 characters"),
        ([{"type": "section", "text": "bare"}], "must provide a text object"),
    ],
)
def test_what_slack_refuses(blocks: Any, error: str) -> None:
    errors = block_errors(blocks)

    assert len(errors) == 1
    assert errors[0].startswith("[ERROR] ")
    assert error in errors[0]
