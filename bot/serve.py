"""``backup-bot serve``: check the configuration, build the bot, serve until told to stop.

SIGTERM and SIGINT stop taking requests, give in-flight work a few seconds, and leave pending
wake-ups in the state store, so the next start posts their follow-ups. A request that still
has no answer then is told so, and the process exits without waiting for it.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from types import FrameType

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import ConfigError, Mode, Settings, load_settings, read_environment
from bot.http_server import HttpServer, make_status_app, make_wsgi_app
from bot.logs import setup_logging, stop_logging
from bot.wakeup import StateStoreError
from bot.wiring import Bot, build_bot

logger = logging.getLogger(__name__)
SHUTDOWN_BUDGET = 9.0
"""Seconds from SIGTERM to exit: closing the Slack connection, in-flight work, then notices."""
ABANDON_NOTICE_TIMEOUT = 2.0


class _Stop(SystemExit):
    """Raised in the main thread by the signal handler to leave the server loop.

    A SystemExit, because waitress's event loop passes those on and swallows (logs) any
    other exception raised while it is handling a connection.
    """

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.at = time.monotonic()


def _raise_stop(signum: int, _frame: FrameType | None) -> None:
    # A second signal while stopping ends the process the default way.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    raise _Stop(signal.Signals(signum).name)


def resolve_mode(mode: Mode | None, env: dict[str, str]) -> Mode:
    if mode is not None:
        return mode
    return "socket" if env.get("SLACK_APP_TOKEN", "").strip() else "http"


def serve(*, mode: Mode | None, env_file: str | None) -> int:
    env = read_environment(env_file)
    chosen = resolve_mode(mode, env)
    try:
        settings = load_settings(env, mode=chosen)
    except ConfigError as exc:
        print(f"backup-bot: {exc}", file=sys.stderr)
        return 2
    setup_logging(level=settings.log_level, fmt=settings.log_format, secrets=settings.secrets())
    try:
        bot = build_bot(settings)
    except StateStoreError as exc:
        print(f"backup-bot: {exc}", file=sys.stderr)
        return 2
    except BoltError as exc:
        print(f"backup-bot: could not start: {exc}", file=sys.stderr)
        return 2
    try:
        bot.start()
    except StateStoreError as exc:
        print(f"backup-bot: could not start: {exc}", file=sys.stderr)
        bot.stop(grace=0)
        return 2
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    status = 0
    stopping_since = None
    try:
        if chosen == "http":
            _serve_http(bot, settings)
        else:
            _serve_socket(bot, settings)
    except _Stop as stop:
        logger.info("stopping on %s", stop)
        stopping_since = stop.at
    except _CannotServe as exc:
        print(f"backup-bot: {exc}", file=sys.stderr)
        status = 2
    finally:
        # Closing the server or the Socket Mode connection has already used some budget.
        spent = time.monotonic() - stopping_since if stopping_since is not None else 0.0
        finished = bot.stop(grace=max(0.5, SHUTDOWN_BUDGET - spent - ABANDON_NOTICE_TIMEOUT))
        if not finished:
            told = bot.abandon(timeout=ABANDON_NOTICE_TIMEOUT)
            logger.warning("exiting with work unfinished; %d user(s) told to try again", told)
    if not finished:
        # Threads still waiting on the backup API would hold the interpreter open until
        # their read timeout; what they would still do is not worth missing the deadline.
        stop_logging()
        logging.shutdown()
        os._exit(status)
    return status


class _CannotServe(Exception):
    """The bot started but cannot reach Slack or listen: said in one line, not a trace."""


def _serve_http(bot: Bot, settings: Settings) -> None:
    try:
        server = HttpServer(
            make_wsgi_app(bot.app, bot.health, bot.metrics),
            host=settings.host,
            port=settings.port,
            threads=settings.http_threads,
        )
    except OSError as exc:
        raise _CannotServe(
            f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}. "
            "Set PORT (or HOST) to a free address."
        ) from None
    logger.info(
        "serving HTTP on %s (POST /slack/events, GET /healthz%s)",
        server.url,
        ", GET /metrics" if bot.metrics is not None else "",
    )
    try:
        server.serve_forever()
    finally:
        server.close()


def start_status_listener(bot: Bot, settings: Settings) -> HttpServer | None:
    """Socket Mode serves no HTTP: /metrics and /healthz on METRICS_PORT, when it is set."""
    if settings.metrics_port is None:
        return None
    try:
        server = HttpServer(
            make_status_app(bot.health, bot.metrics),
            host=settings.host,
            port=settings.metrics_port,
            threads=2,
        )
    except OSError as exc:
        raise _CannotServe(
            f"cannot listen on {settings.host}:{settings.metrics_port}: "
            f"{exc.strerror or exc}. Set METRICS_PORT (or HOST) to a free address."
        ) from None
    logger.info(
        "serving %s on %s",
        "GET /metrics and GET /healthz" if bot.metrics is not None else "GET /healthz",
        server.url,
    )
    return server.start_in_thread()


def _serve_socket(bot: Bot, settings: Settings) -> None:
    status = start_status_listener(bot, settings)
    try:
        _connect_and_wait(bot.app, settings)
    finally:
        if status is not None:
            status.close()


def _connect_and_wait(app: App, settings: Settings) -> None:
    handler = SocketModeHandler(app, settings.slack_app_token.reveal())
    logger.info("connecting to Slack in Socket Mode")
    try:
        handler.connect()  # type: ignore[no-untyped-call]
    except SlackApiError as exc:
        handler.close()  # type: ignore[no-untyped-call]
        raise _CannotServe(
            f"Slack refused the Socket Mode connection ({exc.response.get('error')}). "
            "Check SLACK_APP_TOKEN: an app-level token (xapp-...) with connections:write, "
            "for an app with Socket Mode enabled."
        ) from None
    except (OSError, SlackClientError) as exc:
        handler.close()  # type: ignore[no-untyped-call]
        raise _CannotServe(f"cannot reach Slack for Socket Mode: {exc}") from None
    try:
        threading.Event().wait()  # the handler's own threads serve; this one waits for a signal
    finally:
        handler.close()  # type: ignore[no-untyped-call]
