"""Signed slash commands and button clicks, sent to the bot exactly as Slack sends them.

The bot verifies signatures and parses form bodies with Bolt's own code, so what this sends
has to match Slack's wire format field for field; anything it leaves out is something the bot
could silently depend on.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier

from bot.devtools.block_kit import buttons
from bot.devtools.fake_slack import BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, FakeSlack, Message

__all__ = ["SentRequest", "SlackSender", "buttons"]

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
API_APP_ID = "A0BACKUPBOT"
_LEGACY_VERIFICATION = "legacy-verification-value"
"""Slack still sends the deprecated verification `token` field; nothing should check it."""
_NO_RESPONSE_URL = "http://127.0.0.1:9/response/unavailable"
"""Where response_url points when no FakeSlack receives it: loopback, nothing listening."""


@dataclass(frozen=True)
class SentRequest:
    """The bot's answer to one request (the ack body), and the response_url it was given."""

    status: int
    body: str
    json: dict[str, Any] | None
    response_url: str | None
    elapsed: float


class SlackSender:
    """Plays Slack's side of slash commands and interactivity against the bot's request URL."""

    def __init__(
        self,
        events_url: str,
        signing_secret: str,
        *,
        fake_slack: FakeSlack | None = None,
        team_id: str = TEAM_ID,
        team_domain: str = TEAM_DOMAIN,
        timeout: float = 10.0,
    ) -> None:
        self._events_url = events_url
        self._verifier = SignatureVerifier(signing_secret)
        self._fake_slack = fake_slack
        self._team = {"id": team_id, "domain": team_domain}
        self._timeout = timeout
        self._session = requests.Session()

    def __repr__(self) -> str:
        return f"SlackSender({self._events_url})"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> SlackSender:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def command(
        self,
        text: str,
        *,
        command: str = "/backup",
        user_id: str = "U0ALICE",
        user_name: str = "alice",
        channel_id: str = "C0OPS",
        channel_name: str = "ops",
    ) -> SentRequest:
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
            "api_app_id": API_APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": _trigger_id(),
        }
        return self._send_form(fields, response_url)

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
    ) -> SentRequest:
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
            "api_app_id": API_APP_ID,
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
        return self._send_form({"payload": json.dumps(payload)}, url)

    def send_raw(
        self,
        body: bytes,
        *,
        content_type: str,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> SentRequest:
        """Any body, signed correctly unless `timestamp` or `signature` say otherwise."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature
            or str(self._verifier.generate_signature(timestamp=stamp, body=body)),
        }
        started = time.monotonic()
        response = self._session.post(
            self._events_url, data=body, headers=headers, timeout=self._timeout
        )
        return SentRequest(
            status=response.status_code,
            body=response.text,
            json=_json_object(response.text),
            response_url=None,
            elapsed=time.monotonic() - started,
        )

    def _send_form(self, fields: dict[str, str], response_url: str) -> SentRequest:
        sent = self.send_raw(urlencode(fields).encode(), content_type=FORM_CONTENT_TYPE)
        return replace(sent, response_url=response_url)

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


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        decoded = json.loads(text)
    except ValueError:
        return None
    return decoded if isinstance(decoded, dict) else None
