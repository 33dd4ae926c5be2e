"""What every message must satisfy, checked three independent ways.

1. ``check_message``, the project's own reading of Slack's limits;
2. slack_sdk's Block Kit models, which parse each block (and each button and confirm dialog
   inside it) and validate it against their own copy of the limits;
3. a scan of every string Slack reads as mrkdwn (and of the fallback text) for markup that
   data could have made: any ``<`` ``>`` left after removing the bot's own date tokens and the
   mentions it was asked to make, and any ``&`` that does not start an entity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from slack_sdk.models.blocks import Block, BlockElement, ConfirmObject

from bot.slack.action_ids import ActionId
from bot.slack.blocks import check_message
from bot.slack.request import AgentButton, read_button

_DATE_TOKEN = re.compile(
    r"<!date\^-?\d+\^\{[a-z_]+\}(?: at \{[a-z_]+\})?\|-?\d{1,4}-\d\d-\d\d \d\d:\d\d UTC>"
)
_BARE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")
_ANY_MENTION = re.compile(r"<@[UW][A-Z0-9]+>")


def mrkdwn_strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from mrkdwn_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from mrkdwn_strings(item)


def sdk_problems(message: dict[str, Any]) -> list[str]:
    """What slack_sdk's models say about each block, button and confirm dialog."""
    problems: list[str] = []

    def validate(kind: Any, payload: dict[str, Any]) -> None:
        try:
            parsed = kind.parse(payload)
            parsed.validate_json()
            if parsed.to_dict().get("type") != payload.get("type"):
                problems.append(f"slack_sdk read {payload.get('type')!r} as another type")
        except Exception as error:  # any complaint of any type is a finding
            problems.append(f"slack_sdk: {error!r} in {str(payload)[:200]}")

    for block in message["blocks"]:
        validate(Block, block)
        elements = list(block.get("elements", [])) + (
            [block["accessory"]] if "accessory" in block else []
        )
        for element in elements:
            if element.get("type") == "button":
                validate(BlockElement, element)
                if "confirm" in element:
                    validate(ConfirmObject, element["confirm"])
    return problems


def markup_problems(text: str, allowed_mentions: Iterable[str] | None = ()) -> list[str]:
    """Markup in ``text`` that is neither an entity, a date token nor an allowed mention.

    ``allowed_mentions`` are the users the bot was asked to mention; None allows any
    well-formed user mention (for messages whose mentions come from the bot's own values).
    """
    rest = _DATE_TOKEN.sub("", text)
    if allowed_mentions is None:
        rest = _ANY_MENTION.sub("", rest)
    else:
        for user_id in allowed_mentions:
            rest = rest.replace(f"<@{user_id}>", "")
    problems = [f"live {char!r} in {text[:200]!r}" for char in "<>" if char in rest]
    if _BARE_AMPERSAND.search(rest):
        problems.append(f"bare '&' in {text[:200]!r}")
    return problems


def message_problems(
    message: dict[str, Any], allowed_mentions: Iterable[str] | None = ()
) -> list[str]:
    """Every problem any of the three checks finds with ``message``."""
    allowed = None if allowed_mentions is None else tuple(allowed_mentions)
    problems = check_message(message) + sdk_problems(message)
    if set(message) - {"text", "blocks", "response_type"}:
        problems.append(f"unexpected keys {sorted(message)}")
    problems += markup_problems(message["text"], allowed)
    for text in mrkdwn_strings(message["blocks"]):
        problems += markup_problems(text, allowed)
    return problems


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Every button in the message, in block order."""
    found: list[dict[str, Any]] = []
    for block in message["blocks"]:
        for element in [*block.get("elements", []), block.get("accessory")]:
            if isinstance(element, dict) and element.get("type") == "button":
                found.append(element)
    return found


def agent_button(value: str) -> tuple[int, str | None] | None:
    """What the bot reads from an agent button's value: (id, region), or None when refused."""
    read = read_button(ActionId.AGENT_SHOW, value)
    return (read.agent_id, read.region) if isinstance(read, AgentButton) else None
