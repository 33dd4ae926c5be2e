"""Getting messages to Slack after the 3-second ack: response_url first, chat.postMessage after.

A response_url takes at most 5 posts in 30 minutes; a wake-up follow-up may come after it is
used up or expired, so follow-ups fall back to ``chat.postMessage`` in the same channel. Both
paths retry rate limits (honouring Retry-After), server errors and dropped connections with
slack_sdk's own retry handlers; what still fails raises ``DeliveryError`` so the caller can
store it and try again later rather than lose it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from http.client import RemoteDisconnected
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry import (
    BackoffRetryIntervalCalculator,
    HttpRequest,
    HttpResponse,
    RetryHandler,
    RetryIntervalCalculator,
    RetryState,
)
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


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard the bot pushes a message to Slack before it gives up on it.

    ``timeout``, ``retries`` and ``retry_interval`` apply to each call (slack_sdk's retry
    handlers); the ``followup_*`` values to a wake-up follow-up that still failed, which is
    stored and tried again after ``followup_backoff`` seconds, doubling up to
    ``followup_backoff_max``, ``followup_attempts`` times in all.
    """

    timeout: int = 10
    retries: int = 3
    retry_interval: RetryIntervalCalculator = field(default_factory=BackoffRetryIntervalCalculator)
    followup_backoff: float = 2.0
    followup_backoff_max: float = 300.0
    followup_attempts: int = 20


class AnyServerErrorRetryHandler(ServerErrorRetryHandler):
    """slack_sdk's handler retries only 500 and 503; Slack's edge also answers 502 and 504."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and 500 <= response.status_code < 600


def retry_handlers(policy: DeliveryPolicy) -> list[RetryHandler]:
    """The retry policy for every call to Slack: bounded, with backoff, honouring Retry-After."""
    return [
        ConnectionErrorRetryHandler(
            max_retry_count=policy.retries,
            interval_calculator=policy.retry_interval,
            error_types=[URLError, ConnectionResetError, RemoteDisconnected, TimeoutError],
        ),
        RateLimitErrorRetryHandler(max_retry_count=policy.retries),
        AnyServerErrorRetryHandler(
            max_retry_count=policy.retries, interval_calculator=policy.retry_interval
        ),
    ]


def describe_url(url: str) -> str:
    """Where a response_url points, without its secret path, for log lines."""
    return urlsplit(url).netloc or "?"


def make_web_client(*, token: Secret, base_url: str, policy: DeliveryPolicy) -> WebClient:
    return WebClient(
        token=token.reveal(),
        base_url=base_url,
        timeout=policy.timeout,
        retry_handlers=retry_handlers(policy),
    )


class Delivery:
    """Posts replies and follow-ups; one instance is shared by every handler thread."""

    def __init__(self, client: WebClient, policy: DeliveryPolicy) -> None:
        self._client = client
        self._policy = policy

    def respond(self, response_url: str, message: Message, **options: Any) -> None:
        """Answer through a response_url; raises DeliveryError when Slack would not take it."""
        payload = {**message, **options}
        webhook = WebhookClient(
            response_url, timeout=self._policy.timeout, retry_handlers=retry_handlers(self._policy)
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
