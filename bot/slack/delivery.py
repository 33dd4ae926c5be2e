"""Getting messages to Slack after the 3-second ack: response_url first, chat.postMessage after.

A response_url takes at most 5 posts in 30 minutes; a wake-up follow-up may come after it is
used up or expired, so follow-ups fall back to ``chat.postMessage`` in the same channel. Both
paths retry rate limits (honouring Retry-After), server errors and dropped connections with
slack_sdk's own retry handlers; what still fails raises ``DeliveryError`` so the caller can
store it and try again later rather than lose it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from http.client import RemoteDisconnected
from typing import TYPE_CHECKING, Any
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
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookClient

from bot.secret import Secret

if TYPE_CHECKING:
    from bot.metrics import Metrics

logger = logging.getLogger(__name__)
RESPONSE_URL = "response_url"
"""The ``method`` label of a post through a response_url."""
_API_METHOD = re.compile(r"^[a-z]+(\.[A-Za-z]+)+$")

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


class RateLimitCounter(RetryHandler):
    """Counts every 429 Slack answers, retried ones included; never retries anything itself.

    slack_sdk asks each retry handler in turn about every failed attempt, so this one, first
    in the list, sees each 429 before the handler that waits and retries it.
    """

    def __init__(self, metrics: Metrics, *, method: str | None = None) -> None:
        super().__init__(max_retry_count=0)
        self._metrics = metrics
        self._method = method

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None and response.status_code == 429:
            method = self._method or api_method_of(request.url)
            self._metrics.slack_rate_limited.labels(method).inc()
        return False


def api_method_of(url: str) -> str:
    """``chat.postMessage`` from a Web API URL; ``other`` for anything that is not one."""
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    return name if _API_METHOD.match(name) else "other"


def retry_handlers(
    policy: DeliveryPolicy, metrics: Metrics | None = None, *, method: str | None = None
) -> list[RetryHandler]:
    """The retry policy for every call to Slack: bounded, with backoff, honouring Retry-After.

    With ``metrics``, a first handler counts the 429s (``method``: the label, else read from
    the URL).
    """
    counting: list[RetryHandler] = (
        [] if metrics is None else [RateLimitCounter(metrics, method=method)]
    )
    return [
        *counting,
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


class MeteredWebClient(WebClient):
    """slack_sdk's WebClient counting each call by method and final status.

    Every Web API call (chat.postMessage, auth.test, ...) goes through ``api_call``: the
    bot's own and those Bolt makes with the same client.
    """

    def __init__(self, *args: Any, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._metrics = metrics

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        method = api_method if _API_METHOD.match(api_method) else "other"
        status = "connection_error"
        try:
            response = super().api_call(api_method, **kwargs)
            status = "ok"
            return response
        except SlackApiError as exc:
            code = exc.response.status_code
            status = "api_error" if code == 200 else str(code)
            raise
        finally:
            self._metrics.slack_calls.labels(method, status).inc()


def make_web_client(
    *, token: Secret, base_url: str, policy: DeliveryPolicy, metrics: Metrics | None = None
) -> WebClient:
    if metrics is None:
        return WebClient(
            token=token.reveal(),
            base_url=base_url,
            timeout=policy.timeout,
            retry_handlers=retry_handlers(policy),
        )
    return MeteredWebClient(
        token=token.reveal(),
        base_url=base_url,
        timeout=policy.timeout,
        retry_handlers=retry_handlers(policy, metrics),
        metrics=metrics,
    )


class Delivery:
    """Posts replies and follow-ups; one instance is shared by every handler thread."""

    def __init__(
        self, client: WebClient, policy: DeliveryPolicy, metrics: Metrics | None = None
    ) -> None:
        self._client = client
        self._policy = policy
        self._metrics = metrics

    def respond(self, response_url: str, message: Message, **options: Any) -> None:
        """Answer through a response_url; raises DeliveryError when Slack would not take it."""
        payload = {**message, **options}
        webhook = WebhookClient(
            response_url,
            timeout=self._policy.timeout,
            retry_handlers=retry_handlers(self._policy, self._metrics, method=RESPONSE_URL),
        )
        try:
            response = webhook.send_dict(payload)
        except (OSError, SlackRequestError) as exc:
            self._count_response_url("connection_error")
            raise DeliveryError(
                f"response_url at {describe_url(response_url)} failed: {type(exc).__name__}"
            ) from None
        self._count_response_url("ok" if response.status_code == 200 else str(response.status_code))
        if response.status_code != 200:
            raise DeliveryError(
                f"response_url at {describe_url(response_url)} answered "
                f"{response.status_code} {response.body[:80]!r}"
            )

    def _count_response_url(self, status: str) -> None:
        if self._metrics is not None:
            self._metrics.slack_calls.labels(RESPONSE_URL, status).inc()

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
