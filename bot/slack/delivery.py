"""Getting messages to Slack after the 3-second ack: response_url first, chat.postMessage after.

A response_url takes at most 5 posts in 30 minutes; a wake-up follow-up may come after it is
used up or expired, so follow-ups fall back to ``chat.postMessage`` in the same channel. Both
paths retry rate limits (honouring Retry-After), server errors and dropped connections with
slack_sdk's own retry handlers; what still fails raises ``DeliveryError`` so the caller can
store it and try again later rather than lose it.
"""

from __future__ import annotations

import logging
from http.client import RemoteDisconnected
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from bot.config import Secret

logger = logging.getLogger(__name__)

Message = dict[str, Any]


class DeliveryError(Exception):
    """A message could not be posted to Slack after the retries."""


def retry_handlers(attempts: int = 3) -> list[RetryHandler]:
    """The retry policy for every call to Slack: bounded, with backoff, honouring Retry-After."""
    return [
        ConnectionErrorRetryHandler(
            max_retry_count=attempts,
            error_types=[URLError, ConnectionResetError, RemoteDisconnected, TimeoutError],
        ),
        RateLimitErrorRetryHandler(max_retry_count=attempts),
        ServerErrorRetryHandler(max_retry_count=attempts),
    ]


def describe_url(url: str) -> str:
    """Where a response_url points, without its secret path, for log lines."""
    return urlsplit(url).netloc or "?"


def make_web_client(*, token: Secret, base_url: str, timeout: int = 10) -> WebClient:
    return WebClient(
        token=token.reveal(),
        base_url=base_url,
        timeout=timeout,
        retry_handlers=retry_handlers(),
    )


class Delivery:
    """Posts replies and follow-ups; one instance is shared by every handler thread."""

    def __init__(self, client: WebClient, *, timeout: int = 10) -> None:
        self._client = client
        self._timeout = timeout

    def respond(self, response_url: str, message: Message, **options: Any) -> None:
        """Answer through a response_url; raises DeliveryError when Slack would not take it."""
        payload = {**message, **options}
        webhook = WebhookClient(
            response_url, timeout=self._timeout, retry_handlers=retry_handlers()
        )
        try:
            response = webhook.send_dict(payload)
        except (OSError, SlackRequestError) as exc:
            raise DeliveryError(
                f"response_url at {describe_url(response_url)} failed: {type(exc).__name__}"
            ) from None
        if response.status_code != 200:
            raise DeliveryError(
                f"response_url at {describe_url(response_url)} answered "
                f"{response.status_code} {response.body[:80]!r}"
            )

    def post(self, channel_id: str, message: Message) -> None:
        """Post a message visible to everyone in the channel."""
        fields = {k: v for k, v in message.items() if k in ("text", "blocks")}
        try:
            self._client.chat_postMessage(channel=channel_id, **fields)
        except SlackApiError as exc:
            raise DeliveryError(
                f"chat.postMessage to {channel_id} failed: {exc.response.get('error')}"
            ) from None
        except (OSError, SlackRequestError) as exc:
            raise DeliveryError(
                f"chat.postMessage to {channel_id} failed: {type(exc).__name__}"
            ) from None

    def announce(self, response_url: str, channel_id: str, message: Message) -> str:
        """Post in the channel for everyone: response_url, else chat.postMessage.

        Returns how it went out, for the audit line. Raises DeliveryError if neither worked.
        """
        try:
            self.respond(response_url, message, response_type="in_channel", replace_original=False)
            return "response_url"
        except DeliveryError as first:
            logger.info("falling back to chat.postMessage: %s", first)
        self.post(channel_id, message)
        return "chat.postMessage"
