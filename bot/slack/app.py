"""Builds the Bolt app: middleware first, then listeners, one error handler for the rest."""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse

from bot.runtime import Runtime
from bot.slack import listeners
from bot.slack.access import access_middleware
from bot.slack.incoming import from_body
from bot.slack.jobs import Jobs, Reply, audit, new_error_id, unexpected_error_message

logger = logging.getLogger(__name__)


class _QuietTokenWarning(logging.Filter):
    """Bolt warns that it ignores SLACK_BOT_TOKEN whenever a client is given; the client
    carries that very token, so the warning only alarms operators."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def build_app(runtime: Runtime, *, verify_token: bool = True, jobs: Jobs | None = None) -> App:
    """The Bolt app for ``runtime``; ``jobs`` runs its slow parts (a new one by default).

    Listeners only ack and queue work, so Bolt's listener pool is never held by the backup
    API; it is still sized beyond Bolt's default 5 so a burst of clicks never waits on it.
    """
    settings = runtime.settings
    bolt_logger = logging.getLogger("slack_bolt")
    if not any(isinstance(f, _QuietTokenWarning) for f in bolt_logger.filters):
        bolt_logger.addFilter(_QuietTokenWarning())
    app = App(
        client=runtime.web_client,
        signing_secret=settings.slack_signing_secret.reveal() or None,
        token_verification_enabled=verify_token,
        request_verification_enabled=bool(settings.slack_signing_secret),
        listener_executor=ThreadPoolExecutor(
            max_workers=settings.http_threads, thread_name_prefix="bolt-listener"
        ),
        logger=bolt_logger,
    )
    jobs = jobs or Jobs(runtime.executor, runtime.delivery)
    app.use(
        access_middleware(
            allowed_channels=settings.allowed_channel_ids,
            wakeup_users=settings.wakeup_allowed_user_ids,
            jobs=jobs,
        )
    )
    listeners.register(app, runtime, jobs)

    @app.error
    def on_error(
        error: Exception, body: dict[str, Any], response: BoltResponse | None
    ) -> BoltResponse:
        # Only reached by a bug on the ack path: the slow path has its own handling in Jobs.
        error_id = new_error_id()
        logger.error(
            "unhandled error %s: %r", error_id, error, extra={"error_id": error_id}, exc_info=error
        )
        message = unexpected_error_message(error_id)
        incoming = from_body(body)
        # Bolt passes no response once the request was acked: the HTTP answer has gone, and
        # Slack shows nothing of a button's anyway. Say it through the response_url.
        if incoming is not None and (incoming.kind == "button" or response is None):
            jobs.start(incoming, lambda: Reply(message, listeners.EPHEMERAL_NEW, outcome="error"))
        elif incoming is not None:
            audit(incoming, "error", error_id=error_id)
        return BoltResponse(
            status=200,
            body=json.dumps(message),
            headers={"content-type": "application/json;charset=utf-8"},
        )

    return app
