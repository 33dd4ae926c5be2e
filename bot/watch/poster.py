"""How the watcher talks to Slack: two calls, behind a protocol, so tests and other
transports can stand in and the watcher never imports a Slack client."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)

UNREACHABLE = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
"""Slack errors meaning the bot cannot post in the channel until someone acts."""


class PostError(Exception):
    """Slack refused a post or an update; ``code`` is Slack's error code."""

    def __init__(self, code: str, channel: str) -> None:
        self.code = code
        self.channel = channel
        super().__init__(f"Slack refused the message for channel {channel}: {code}")


class ChannelUnreachable(PostError):
    """The bot is not in the channel (a private channel it was not invited to) or it is gone."""


class SlackPoster(Protocol):
    def post(self, channel: str, message: dict[str, Any], *, thread_ts: str | None = None) -> str:
        """Post with chat.postMessage; returns the message's ``ts``."""
        ...

    def update(self, channel: str, ts: str, message: dict[str, Any]) -> None:
        """Replace a message the bot posted, with chat.update."""
        ...


def _error(exc: SlackApiError, channel: str) -> PostError:
    code = str(exc.response.get("error") or "unknown_error")
    return (ChannelUnreachable if code in UNREACHABLE else PostError)(code, channel)


class WebClientPoster(SlackPoster):
    """``SlackPoster`` over slack_sdk's WebClient (give it the bot's client with its retry
    handlers, so a 429 waits for Retry-After)."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def post(self, channel: str, message: dict[str, Any], *, thread_ts: str | None = None) -> str:
        try:
            response = self._client.chat_postMessage(
                channel=channel,
                text=message["text"],
                blocks=message.get("blocks"),
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            raise _error(exc, channel) from None
        return str(response["ts"])

    def update(self, channel: str, ts: str, message: dict[str, Any]) -> None:
        try:
            self._client.chat_update(
                channel=channel, ts=ts, text=message["text"], blocks=message.get("blocks")
            )
        except SlackApiError as exc:
            raise _error(exc, channel) from None
