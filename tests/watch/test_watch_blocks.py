"""Every watch message within Slack's limits and escaped, for any agent name or error text."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.slack.action_ids import SNOOZE_SECONDS, ActionId
from bot.slack.blocks.common import account_phrase
from bot.slack.blocks.incidents import (
    View,
    announcement_message,
    catchup_message,
    group_message,
    how_long,
    incident_message,
    reminder_message,
    resolution_reply,
    watching_message,
)
from bot.slack.blocks.report import report_message
from bot.slack.incident_values import (
    IncidentRef,
    decode_incident,
    decode_report,
    decode_snooze,
    encode_incident,
    encode_report,
    encode_snooze,
)
from bot.watch.model import AccountState, Announcement, Condition, Incident
from bot.watch.report import build_report
from tests.slack_blocks.conftest import HOSTILE, inspect_message

NOW = 1_800_000_000.0
VIEW = View(NOW, account_phrase("123456", "DFW"), region="DFW")


def incident(i: int, name: str, condition: Condition = Condition.STALE, **kw: Any) -> Incident:
    fields: dict[str, Any] = {
        "incident_id": i,
        "account_key": "",
        "condition": condition,
        "agent_id": 1000 + i,
        "agent_name": name,
        "datacenter": name[:30] or None,
        "since": NOW - 37 * 86400,
        "opened_at": NOW - 3600,
        "detail": name,
    }
    fields.update(kw)
    return Incident(**fields)


def variants(name: str) -> list[Incident]:
    return [
        incident(1, name),
        incident(2, name, since=None),
        incident(3, name, Condition.DISABLED),
        incident(4, name, Condition.NO_WAKE),
        incident(5, name, Condition.API_DOWN),
        incident(
            6,
            name,
            acknowledged_by="U0ALICE",
            acknowledged_at=NOW - 60,
            snoozed_until=NOW + 3600,
            snoozed_by="U0BOB",
        ),
        incident(7, name, resolved_at=NOW, resolution="A successful backup was recorded."),
    ]


def label(_key: str) -> str:
    return VIEW.account


@pytest.mark.parametrize("name", HOSTILE)
def test_every_watch_message_is_valid_and_escaped(name: str) -> None:
    items = variants(name)
    many = [incident(i, name) for i in range(1, 41)]
    announcement = Announcement(
        1, "", NOW, tuple((i, name) for i in range(40)), tuple((i, name) for i in range(40, 60))
    )
    report = build_report(AccountState(""), items, items[-1:], now=NOW, since=NOW - 86400)
    messages = [
        *(incident_message(i, VIEW) for i in items),
        group_message(Condition.STALE, many, VIEW, page=1, pages=2),
        resolution_reply(many, VIEW),
        resolution_reply(items[-1:], VIEW),
        reminder_message(many, VIEW),
        reminder_message(items[:1], VIEW),
        catchup_message(
            opened=many,
            resolved=many,
            still_open=many,
            announcements=[announcement] * 8,
            label=label,
            now=NOW,
            since=NOW - 9 * 3600,
        ),
        announcement_message(announcement, label),
        watching_message(VIEW.account, ["rule one", "rule two"]),
        report_message(report, account=VIEW.account),
        report_message(report, account=VIEW.account, private=True),
    ]
    for message in messages:
        assert inspect_message(message) == [], json.dumps(message)[:500]


def test_incident_message_words_and_buttons() -> None:
    message = incident_message(incident(1, "reporting-old"), VIEW)
    body = json.dumps(message)
    assert "No successful backup for 37 days" in body
    assert "<!date^" in body
    assert "`1001`" in body
    ids = [
        e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert ids == [ActionId.INCIDENT_ACKNOWLEDGE, *SNOOZE_SECONDS, "agent_show"]
    resolved = incident_message(incident(1, "x", resolved_at=NOW, resolution="r"), VIEW)
    assert resolved["text"].startswith("Resolved")
    assert "after 1 hour" in json.dumps(resolved) or "after 60 minutes" in json.dumps(resolved)
    assert not [b for b in resolved["blocks"] if b["type"] == "actions"]


def test_how_long_is_coarse() -> None:
    assert how_long(30) == "1 minute"
    assert how_long(600) == "10 minutes"
    assert how_long(3 * 3600 + 59) == "3 hours"
    assert how_long(37 * 86400 + 5) == "37 days"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "w1:",
        "w1:0",
        "w1:-1",
        "w1:1:2",
        "x:1",
        "w1:1 ",
        "w1:99999999999999999999",
        None,
        5,
        "w1:1:3600:1",
        "w1:1:60",
        "w1:r:ord",
        "\x00",
        "w1:١",
    ],
)
def test_button_values_never_raise_on_edited_values(value: object) -> None:
    decoded = decode_incident(value)
    assert decoded is None or isinstance(decoded.incident_id, int)
    snooze = decode_snooze(value)
    assert snooze is None
    assert decode_report(value) is None


def test_button_values_round_trip() -> None:
    assert decode_incident(encode_incident(42)) == IncidentRef(42)
    assert decode_incident(encode_incident(42, "prod")) == IncidentRef(42, "prod")
    for seconds in SNOOZE_SECONDS.values():
        request = decode_snooze(encode_snooze(42, seconds))
        assert request is not None
        assert (request.incident_id, request.seconds, request.account) == (42, seconds, None)
        named = decode_snooze(encode_snooze(42, seconds, "lab"))
        assert named is not None
        assert named.account == "lab"
    assert decode_report(encode_report("ord")) == "ORD"
    assert decode_report(encode_report("")) == ""
    assert decode_report(encode_report("prod/ord")) == "prod/ORD"
