"""The watch buttons' values: the builders write them, the request reader decodes them.

Values are ``w1:<incident id>`` (and ``:<seconds>`` for Snooze), ``w1:r:<region key>`` for
a report's Share. Slack sends back whatever the message holds, and a value can be edited on
the way, so the decoders return None for anything they did not write and never raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.slack.action_ids import SNOOZE_SECONDS

_PREFIX = "w1"
_INCIDENT = re.compile(r"w1:([1-9][0-9]{0,17})")
_SNOOZE = re.compile(r"w1:([1-9][0-9]{0,17}):([1-9][0-9]{0,7})")
_REPORT = re.compile(r"w1:r:([A-Z]{0,10})")


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
