"""Slash commands and button clicks delivered to the bot over Socket Mode, as Slack does.

The counterpart of `SlackSender` for a bot connected to the stand-in's Socket Mode endpoint:
the same payloads, sent as envelopes, answered by the bot's ack over the same connection.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Unpack

from bot.devtools.fake_slack import TEAM_DOMAIN, TEAM_ID, FakeSlack
from bot.devtools.slack_payloads import ClickOptions, CommandOptions, Interaction, SlackPayloads


@dataclass(frozen=True)
class SentEnvelope:
    """The bot's ack of one envelope, and the response_url the interaction carried."""

    envelope_id: str
    ack: dict[str, Any]
    response_url: str
    elapsed: float

    @property
    def payload(self) -> dict[str, Any] | None:
        """The message the ack asks Slack to show at once (a slash command's reply), if any."""
        payload = self.ack.get("payload")
        return payload if isinstance(payload, dict) else None


class SocketModeSender:
    """Plays Slack's side of slash commands and interactivity over `fake_slack`'s socket."""

    def __init__(
        self,
        fake_slack: FakeSlack,
        *,
        team_id: str = TEAM_ID,
        team_domain: str = TEAM_DOMAIN,
        timeout: float = 10.0,
    ) -> None:
        self._socket_mode = fake_slack.socket_mode
        self._payloads = SlackPayloads(
            fake_slack=fake_slack, team_id=team_id, team_domain=team_domain
        )
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"SocketModeSender({self._socket_mode!r})"

    def command(self, text: str, **options: Unpack[CommandOptions]) -> SentEnvelope:
        """A slash command as typed in a channel (see `SlackPayloads.command`)."""
        return self.send(self._payloads.command(text, **options))

    def click(self, action: dict[str, Any], **options: Unpack[ClickOptions]) -> SentEnvelope:
        """A click on a button of a message (see `SlackPayloads.click`)."""
        return self.send(self._payloads.click(action, **options))

    def send(self, interaction: Interaction) -> SentEnvelope:
        """Deliver one interaction as an envelope and wait for the bot's ack."""
        started = time.monotonic()
        envelope_id = self._socket_mode.send_envelope(interaction.type, interaction.payload)
        ack = self._socket_mode.wait_for_ack(envelope_id, timeout=self._timeout)
        return SentEnvelope(
            envelope_id=envelope_id,
            ack=ack,
            response_url=interaction.response_url,
            elapsed=time.monotonic() - started,
        )
