"""The watcher's ``SlackPoster`` over slack_sdk's WebClient: chat.postMessage and
chat.update, with Slack's refusals turned into the watcher's own errors."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.watch.poster import UNREACHABLE, ChannelUnreachable, PostError, SlackPoster

logger = logging.getLogger(__name__)


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
