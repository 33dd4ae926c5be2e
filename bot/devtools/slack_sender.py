"""Signed slash commands and button clicks, sent to the bot exactly as Slack sends them.

The bot verifies signatures and parses form bodies with Bolt's own code, so what this sends
has to match Slack's wire format field for field; anything it leaves out is something the bot
could silently depend on.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, Unpack
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier

from bot.devtools.block_kit import buttons
from bot.devtools.fake_slack import TEAM_DOMAIN, TEAM_ID, FakeSlack
from bot.devtools.slack_payloads import ClickOptions, CommandOptions, Interaction, SlackPayloads

__all__ = ["SentRequest", "SlackSender", "buttons"]

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


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
        self._payloads = SlackPayloads(
            fake_slack=fake_slack, team_id=team_id, team_domain=team_domain
        )
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

    def command(self, text: str, **options: Unpack[CommandOptions]) -> SentRequest:
        """A slash command as typed in a channel (see `SlackPayloads.command`)."""
        return self.send(self._payloads.command(text, **options))

    def click(self, action: dict[str, Any], **options: Unpack[ClickOptions]) -> SentRequest:
        """A click on a button of a message (see `SlackPayloads.click`)."""
        return self.send(self._payloads.click(action, **options))

    def send(self, interaction: Interaction) -> SentRequest:
        """Post one interaction as Slack's signed form."""
        body = urlencode(interaction.form_fields()).encode()
        sent = self.send_raw(body, content_type=FORM_CONTENT_TYPE)
        return replace(sent, response_url=interaction.response_url)

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


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        decoded = json.loads(text)
    except ValueError:
        return None
    return decoded if isinstance(decoded, dict) else None
