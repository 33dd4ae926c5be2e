"""Builds the Bolt app: the reader and access middleware first, then listeners, one error
handler for the rest."""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot.config import Settings
from bot.slack import listeners
from bot.slack.dedupe import dedupe_middleware
from bot.slack.jobs import Reply, new_error_id, unexpected_error_message
from bot.slack.listeners import ListenerDeps
from bot.slack.middleware import REQUEST_KEY, access_middleware, request_reader
from bot.slack.replies import EPHEMERAL_NEW
from bot.slack.request import SlackRequest

if TYPE_CHECKING:
    from bot.metrics import Metrics
    from bot.state.requests import RequestLedger

logger = logging.getLogger(__name__)


class _QuietTokenWarning(logging.Filter):
    """Bolt warns that it ignores SLACK_BOT_TOKEN whenever a client is given; the client
    carries that very token, so the warning only alarms operators."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


class MeteredApp(App):
    """Bolt's App timing each request until its ack is ready.

    Both adapters (the WSGI handler and Socket Mode) hand every request to ``dispatch``, which
    returns the ack: the listener runs on Bolt's pool and ``dispatch`` waits only for ``ack()``.
    """

    def __init__(self, *args: Any, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._backup_bot_metrics = metrics

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        started = time.perf_counter()
        response = super().dispatch(req)
        request = req.context.get(REQUEST_KEY)
        kind = request.kind if isinstance(request, SlackRequest) else "other"
        self._backup_bot_metrics.ack(kind, time.perf_counter() - started)
        return response


def build_app(
    settings: Settings,
    *,
    client: WebClient,
    deps: ListenerDeps,
    verify_token: bool = True,
    metrics: Metrics | None = None,
    requests: RequestLedger | None = None,
) -> App:
    """The Bolt app; listeners only ack and queue work on ``deps.jobs``.

    So Bolt's listener pool is never held by the backup API; it is still sized beyond Bolt's
    default 5 so a burst of clicks never waits on it.
    """
    bolt_logger = logging.getLogger("slack_bolt")
    if not any(isinstance(f, _QuietTokenWarning) for f in bolt_logger.filters):
        bolt_logger.addFilter(_QuietTokenWarning())
    options: dict[str, Any] = {
        "client": client,
        "signing_secret": settings.slack_signing_secret.reveal() or None,
        "token_verification_enabled": verify_token,
        "request_verification_enabled": bool(settings.slack_signing_secret),
        "listener_executor": ThreadPoolExecutor(
            max_workers=settings.http_threads, thread_name_prefix="bolt-listener"
        ),
        "logger": bolt_logger,
    }
    app = App(**options) if metrics is None else MeteredApp(**options, metrics=metrics)
    jobs = deps.jobs
    app.use(request_reader(settings.accounts))
    if requests is not None:  # a Slack retry of what already ran runs nothing (bot/slack/dedupe.py)
        app.use(dedupe_middleware(requests, jobs=jobs))
    app.use(access_middleware(allowed_channels=settings.allowed_channel_ids, jobs=jobs))
    listeners.register(app, deps)

    @app.error
    def on_error(
        error: Exception, context: BoltContext, response: BoltResponse | None
    ) -> BoltResponse:
        # Only reached by a bug on the ack path: the slow path has its own handling in Jobs.
        error_id = new_error_id()
        logger.error(
            "unhandled error %s: %r", error_id, error, extra={"error_id": error_id}, exc_info=error
        )
        message = unexpected_error_message(error_id)
        request = context.get(REQUEST_KEY)
        # Bolt passes no response once the request was acked: the HTTP answer has gone, and
        # Slack shows nothing of a button's anyway. Say it through the response_url.
        if isinstance(request, SlackRequest) and (request.kind == "button" or response is None):
            jobs.start(request, lambda: Reply(message, EPHEMERAL_NEW, outcome="error"))
        elif isinstance(request, SlackRequest):
            jobs.audit(request, "error", error_id=error_id)
        return BoltResponse(
            status=200,
            body=json.dumps(message),
            headers={"content-type": "application/json;charset=utf-8"},
        )

    return app
