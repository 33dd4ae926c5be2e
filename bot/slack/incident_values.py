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
_ACCOUNT = r"(?:@([a-z0-9][a-z0-9_.-]{0,39}))?"
"""The account a button belongs to, when the bot serves several (``@prod``)."""
_INCIDENT = re.compile(r"w1:([1-9][0-9]{0,17})" + _ACCOUNT)
_SNOOZE = re.compile(r"w1:([1-9][0-9]{0,17}):([1-9][0-9]{0,7})" + _ACCOUNT)
_REPORT = re.compile(r"w1:r:((?:[a-z0-9][a-z0-9_.-]{0,39}/)?[A-Z]{0,10})")


@dataclass(frozen=True, slots=True)
class IncidentRef:
    incident_id: int
    account: str | None = None


@dataclass(frozen=True, slots=True)
class SnoozeRequest:
    incident_id: int
    seconds: int
    account: str | None = None


def _at(account: str | None) -> str:
    return f"@{account}" if account else ""


def encode_incident(incident_id: int, account: str | None = None) -> str:
    return f"{_PREFIX}:{incident_id}{_at(account)}"


def decode_incident(value: object) -> IncidentRef | None:
    if not isinstance(value, str):
        return None
    match = _INCIDENT.fullmatch(value)
    return IncidentRef(int(match.group(1)), match.group(2)) if match else None


def encode_snooze(incident_id: int, seconds: int, account: str | None = None) -> str:
    return f"{_PREFIX}:{incident_id}:{seconds}{_at(account)}"


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
    return SnoozeRequest(int(match.group(1)), seconds, match.group(3))


def encode_report(account_key: str) -> str:
    """The Share button of a private report: the account key (``""``, ``ORD``, ``prod/ORD``)."""
    account, separator, region = account_key.rpartition("/")
    return f"{_PREFIX}:r:{account}{separator}{region.upper()}"


def decode_report(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    match = _REPORT.fullmatch(value)
    return match.group(1) if match else None
