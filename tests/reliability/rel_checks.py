"""What "nothing injected" and "shown literally" mean, checked on what the bot posted."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from bot.slack.mrkdwn import INVISIBLE

_ANGLE = re.compile(r"<([^<>]*)>")
_BOT_OWN = re.compile(r"!date\^\d+\^[^|]*\|[^|]*")
"""Dates are the only ``<...>`` sequence the bot writes itself, besides the requester mention."""


def mrkdwn_texts(value: object) -> Iterator[str]:
    """Every text Slack parses as mrkdwn: all but ``plain_text`` objects (headers, buttons)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                if value.get("type") != "plain_text":
                    yield item
            else:
                yield from mrkdwn_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from mrkdwn_texts(item)


def control_sequences(
    message: dict[str, Any], *, allowed_mentions: Iterable[str] = ()
) -> list[str]:
    """Every ``<...>`` in a message's texts that Slack would act on and the bot did not mean.

    A user id in ``allowed_mentions`` may be mentioned: follow-ups name who asked.
    """
    mentions = {f"@{user}" for user in allowed_mentions}
    found = [m.group(1) for text in mrkdwn_texts(message) for m in _ANGLE.finditer(text)]
    return [inner for inner in found if inner not in mentions and not _BOT_OWN.fullmatch(inner)]


def readable(text: str) -> str:
    """What a reader sees of mrkdwn text: entities decoded, invisible characters gone."""
    return html.unescape("".join(char for char in text if char not in INVISIBLE))


def asks_slack_to_link(message: dict[str, Any]) -> bool:
    """``link_names`` makes Slack turn a typed @here or #channel into a real mention."""
    return "link_names" in json.dumps(message)
