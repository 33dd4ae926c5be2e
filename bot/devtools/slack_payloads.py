"""Slash commands and button clicks as Slack delivers them, whichever way they travel.

Over HTTP a slash command is a form and a click a form with one JSON ``payload`` field; over
Socket Mode the same fields arrive as the JSON ``payload`` of an envelope. Both senders build
them here, so what the bot receives is the same field for field, however it is connected.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from bot.devtools.fake_slack import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    FakeSlack,
    Message,
)

_LEGACY_VERIFICATION = "legacy-verification-value"
"""Slack still sends the deprecated verification `token` field; nothing should check it."""
_NO_RESPONSE_URL = "http://127.0.0.1:9/response/unavailable"
"""Where response_url points when no FakeSlack receives it: loopback, nothing listening."""


class CommandOptions(TypedDict, total=False):
    """Who typed a slash command, and where (defaults: alice in #ops)."""

    command: str
    user_id: str
    user_name: str
    channel_id: str
    channel_name: str


class ClickOptions(TypedDict, total=False):
    """Who clicked, on which message, and the response_url to give (default: a fresh one)."""

    message: Message | None
    user_id: str
    user_name: str
    channel_id: str | None
    channel_name: str
    response_url: str | None


@dataclass(frozen=True)
class Interaction:
    """One slash command or click, before it is put on the wire."""

    type: Literal["slash_commands", "interactive"]
    """Its Socket Mode envelope type."""
    payload: dict[str, Any]
    response_url: str

    def form_fields(self) -> dict[str, str]:
        """The HTTP form Slack posts: a command's own fields, or a click's JSON as `payload`."""
        if self.type == "slash_commands":
            return {key: str(value) for key, value in self.payload.items()}
        return {"payload": json.dumps(self.payload)}


class SlackPayloads:
    """Builds interactions for one workspace, with response URLs from `fake_slack` if given."""

    def __init__(
        self,
        *,
        fake_slack: FakeSlack | None = None,
        team_id: str = TEAM_ID,
        team_domain: str = TEAM_DOMAIN,
    ) -> None:
        self._fake_slack = fake_slack
        self._team = {"id": team_id, "domain": team_domain}

    def command(
        self,
        text: str,
        *,
        command: str = "/backup",
        user_id: str = "U0ALICE",
        user_name: str = "alice",
        channel_id: str = "C0OPS",
        channel_name: str = "ops",
    ) -> Interaction:
        """A slash command as typed in `channel_id` by `user_id`."""
        response_url = self._response_url(channel_id, user_id)
        fields = {
            "token": _LEGACY_VERIFICATION,
            "team_id": self._team["id"],
            "team_domain": self._team["domain"],
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": _trigger_id(),
        }
        return Interaction("slash_commands", fields, response_url)

    def click(
        self,
        action: dict[str, Any],
        *,
        message: Message | None = None,
        user_id: str = "U0ALICE",
        user_name: str = "alice",
        channel_id: str | None = None,
        channel_name: str = "ops",
        response_url: str | None = None,
    ) -> Interaction:
        """A click on a button (an element from `buttons()`) of `message`.

        `channel_id` defaults to the message's channel. Like Slack, the payload carries the
        clicked message's content only when the message is not ephemeral; an ephemeral one
        is known by its `container` alone.
        """
        channel = channel_id or (message.channel_id if message else "C0OPS")
        url = response_url or self._response_url(channel, user_id)
        ephemeral = message is not None and message.response_type == "ephemeral"
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {
                "id": user_id,
                "username": user_name,
                "name": user_name,
                "team_id": self._team["id"],
            },
            "api_app_id": APP_ID,
            "token": _LEGACY_VERIFICATION,
            "container": {
                "type": "message",
                "message_ts": message.ts if message else _slack_ts(),
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            },
            "trigger_id": _trigger_id(),
            "team": dict(self._team),
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": channel_name},
            "state": {"values": {}},
            "response_url": url,
            "actions": [_action(action)],
        }
        if message is not None and not ephemeral:
            payload["message"] = {
                "type": "message",
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "team": self._team["id"],
                "ts": message.ts,
                "text": message.text,
                "blocks": message.blocks,
            }
        return Interaction("interactive", payload, url)

    def _response_url(self, channel_id: str, user_id: str) -> str:
        if self._fake_slack is None:
            return _NO_RESPONSE_URL
        return self._fake_slack.new_response_url(channel_id=channel_id, user_id=user_id)


def _action(element: dict[str, Any]) -> dict[str, Any]:
    """The `actions[0]` Slack reports for a clicked button element."""
    action = {
        "action_id": element.get("action_id"),
        "block_id": element.get("block_id") or secrets.token_urlsafe(3),
        "text": element.get("text"),
        "type": element.get("type", "button"),
        "action_ts": _slack_ts(),
    }
    action.update({k: element[k] for k in ("value", "style") if k in element})
    return action


def _trigger_id() -> str:
    return f"{secrets.randbelow(10**10)}.{secrets.randbelow(10**10)}.{secrets.token_hex(16)}"


def _slack_ts() -> str:
    return f"{time.time():.6f}"
