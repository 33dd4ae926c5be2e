"""``check_message`` finds each kind of limit breach, so a clean result means something."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack.blocks.limits import (
    MAX_BLOCKS,
    MAX_BUTTON_TEXT,
    MAX_BUTTON_VALUE,
    MAX_CONFIRM_TEXT,
    MAX_CONFIRM_TITLE,
    MAX_FALLBACK_TEXT,
    MAX_FIELD_TEXT,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    check_message,
)


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text)}


def button(**overrides: Any) -> dict[str, Any]:
    return {"type": "button", "text": plain("Go"), "action_id": "go", "value": "1"} | overrides


def confirm(**overrides: Any) -> dict[str, Any]:
    parts = {"title": plain("Sure?"), "text": mrkdwn("Really"), "confirm": plain("Yes")}
    return parts | {"deny": plain("No")} | overrides


def msg(*blocks: dict[str, Any], text: Any = "fallback", **extra: Any) -> dict[str, Any]:
    return {"text": text, "blocks": list(blocks)} | extra


def test_a_well_formed_message_passes() -> None:
    good = msg(
        {"type": "header", "text": plain("Title")},
        section("Hello"),
        {"type": "section", "fields": [mrkdwn("a"), plain("b")], "accessory": button()},
        {"type": "divider"},
        {"type": "context", "elements": [mrkdwn("c")] * 10},
        {"type": "actions", "elements": [button(action_id="a", confirm=confirm()), button()]},
        response_type="ephemeral",
    )
    assert check_message(good) == []


@pytest.mark.parametrize(
    ("message", "phrase"),
    [
        (msg(section("x"), text=""), "no text fallback"),
        (msg(section("x"), text=None), "no text fallback"),
        (msg(section("x"), text="t" * (MAX_FALLBACK_TEXT + 1)), "text fallback has"),
        (msg(section("x"), response_type="shout"), "unknown response_type"),
        ({"text": "t", "blocks": "nope"}, "blocks is not a list"),
        (msg(*[section("x")] * (MAX_BLOCKS + 1)), "51 blocks"),
        (msg(section("s" * (MAX_SECTION_TEXT + 1))), "3001 characters (max 3000)"),
        (msg(section("")), "text is empty"),
        (msg(section("   ")), "text is empty"),
        (msg({"type": "section"}), "neither text nor fields"),
        (msg({"type": "section", "fields": [mrkdwn("f")] * 11}), "1 to 10 fields"),
        (msg({"type": "section", "fields": [mrkdwn("f" * (MAX_FIELD_TEXT + 1))]}), "(max 2000)"),
        (msg({"type": "header", "text": plain("h" * (MAX_HEADER_TEXT + 1))}), "(max 150)"),
        (msg({"type": "header", "text": mrkdwn("h")}), "not a plain_text text object"),
        (msg({"type": "context", "elements": [mrkdwn("c")] * 11}), "1 to 10 elements"),
        (msg({"type": "context", "elements": []}), "1 to 10 elements"),
        (msg({"type": "actions", "elements": [button(action_id=str(i)) for i in range(26)]}), "25"),
        (msg({"type": "image"}), "unknown type"),
        (msg({"type": "section", "text": {"type": "markdown", "text": "x"}}), "text object"),
        (msg(section("x") | {"block_id": "b" * 256}), "block_id"),
        (msg(section("x") | {"block_id": "b"}, section("y") | {"block_id": "b"}), "repeats block"),
        (msg(*[section("t" * 2900)] * 5), "14500 characters of text (max 12000)"),
    ],
)
def test_block_problems_are_found(message: dict[str, Any], phrase: str) -> None:
    problems = check_message(message)
    assert any(phrase in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("element", "phrase"),
    [
        (button(text=plain("b" * (MAX_BUTTON_TEXT + 1))), "(max 75)"),
        (button(text=mrkdwn("b")), "not a plain_text"),
        (button(action_id="a" * 256), "action_id is missing or too long"),
        (button(action_id=""), "action_id is missing or too long"),
        (button(value="v" * (MAX_BUTTON_VALUE + 1)), "value is not a string of at most 2000"),
        (button(style="loud"), "unknown style"),
        (button(confirm=confirm(title=plain("t" * (MAX_CONFIRM_TITLE + 1)))), "(max 100)"),
        (button(confirm=confirm(text=mrkdwn("t" * (MAX_CONFIRM_TEXT + 1)))), "(max 300)"),
        (button(confirm=confirm(confirm=plain("c" * 31))), "(max 30)"),
        (button(confirm="yes"), "confirm is not an object"),
        ({"type": "overflow"}, "is not a button"),
    ],
)
def test_button_problems_are_found(element: dict[str, Any], phrase: str) -> None:
    for message in (
        msg({"type": "actions", "elements": [element]}),
        msg({"type": "section", "text": mrkdwn("x"), "accessory": element}),
    ):
        problems = check_message(message)
        assert any(phrase in problem for problem in problems), problems


def test_repeated_action_ids_in_one_block_are_found() -> None:
    problems = check_message(msg({"type": "actions", "elements": [button(), button()]}))
    assert any("repeats action_id 'go'" in problem for problem in problems)
