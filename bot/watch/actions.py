"""The watch buttons' action ids and values: the builders put them on buttons, the listeners
register them, so a button and its handler cannot drift apart.

Values are ``w1:<incident id>`` (and ``:<seconds>`` for Snooze). Slack sends back whatever
the message holds, and a value can be edited on the way, so the decoders return None for
anything they did not write and never raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class WatchActionId(StrEnum):
    ACKNOWLEDGE = "watch_acknowledge"
    SNOOZE_1H = "watch_snooze_1h"
    SNOOZE_4H = "watch_snooze_4h"
    SNOOZE_1D = "watch_snooze_1d"
    SNOOZE_1W = "watch_snooze_1w"
    SHARE_REPORT = "watch_report_share"


SHOW_AGENT = "agent_show"
"""Show agent reuses the agent list's Show button (bot.slack.action_ids.ActionId.AGENT_SHOW),
so its handler already exists; its value is ``encode_agent_value(agent_id, region)``."""

SNOOZES: tuple[tuple[WatchActionId, str, int], ...] = (
    (WatchActionId.SNOOZE_1H, "1 hour", 3600),
    (WatchActionId.SNOOZE_4H, "4 hours", 4 * 3600),
    (WatchActionId.SNOOZE_1D, "1 day", 86400),
    (WatchActionId.SNOOZE_1W, "1 week", 7 * 86400),
)
SNOOZE_SECONDS = {action: seconds for action, _, seconds in SNOOZES}
SNOOZE_ACTIONS = frozenset(SNOOZE_SECONDS)
INCIDENT_ACTIONS = frozenset({WatchActionId.ACKNOWLEDGE, *SNOOZE_ACTIONS})
"""Buttons that change an incident: held to WATCH_ALLOWED_USER_IDS."""

_PREFIX = "w1"
_INCIDENT = re.compile(r"w1:([1-9][0-9]{0,17})")
_SNOOZE = re.compile(r"w1:([1-9][0-9]{0,17}):([1-9][0-9]{0,7})")
_REPORT = re.compile(r"w1:r:([A-Z]{0,10})")
MAX_SNOOZE = 30 * 86400


@dataclass(frozen=True, slots=True)
class SnoozeRequest:
    incident_id: int
    seconds: int


def encode_incident(incident_id: int) -> str:
    return f"{_PREFIX}:{incident_id}"


def decode_incident(value: object) -> int | None:
    if not isinstance(value, str):
        return None
    match = _INCIDENT.fullmatch(value)
    return int(match.group(1)) if match else None


def encode_snooze(incident_id: int, seconds: int) -> str:
    return f"{_PREFIX}:{incident_id}:{seconds}"


def decode_snooze(value: object) -> SnoozeRequest | None:
    """The incident and the snooze length, which must be one the bot offers."""
    if not isinstance(value, str):
        return None
    match = _SNOOZE.fullmatch(value)
    if match is None:
        return None
    seconds = int(match.group(2))
    if seconds not in SNOOZE_SECONDS.values():
        return None
    return SnoozeRequest(int(match.group(1)), seconds)


def encode_report(account_key: str) -> str:
    """The Share button of a private report: the account key ("" or a region)."""
    return f"{_PREFIX}:r:{account_key.upper()}"


def decode_report(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    match = _REPORT.fullmatch(value)
    return match.group(1) if match else None
