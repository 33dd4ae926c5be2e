"""HTTP mode: Bolt behind waitress, with a health check and the metrics beside it.

waitress is a production WSGI server that runs threads in one process. One process matters:
the wake-up scheduler and its state store must not be shared by forked workers.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.metrics import METRICS_PATH, Metrics

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


WsgiApp = Callable[["WSGIEnvironment", "StartResponse"], Iterable[bytes]]


def make_wsgi_app(
    app: App, health: Callable[[], dict[str, Any]], metrics: Metrics | None = None
) -> WsgiApp:
    """Bolt at /slack/events, GET /healthz, and GET /metrics unless ``metrics`` is None."""
    return _with_health_and_metrics(SlackRequestHandler(app, path=EVENTS_PATH), health, metrics)


def make_status_app(health: Callable[[], dict[str, Any]], metrics: Metrics | None) -> WsgiApp:
    """Only /healthz and /metrics: Socket Mode's listener on METRICS_PORT."""

    def not_found(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = b"not found\n"
        start_response(
            "404 Not Found",
            [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return _with_health_and_metrics(not_found, health, metrics)


def _with_health_and_metrics(
    other: WsgiApp, health: Callable[[], dict[str, Any]], metrics: Metrics | None
) -> WsgiApp:
    exposition = metrics.wsgi_app() if metrics is not None else None

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        readable = environ.get("REQUEST_METHOD") in ("GET", "HEAD")
        if path == HEALTH_PATH and readable:
            body = json.dumps({"status": "ok", **health()}).encode()
            start_response(
                "200 OK",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        if path == METRICS_PATH and readable and exposition is not None:
            return exposition(environ, start_response)
        return other(environ, start_response)

    return wsgi


class HttpServer:
    """A waitress server that can be started in a thread (tests, demo) or in the foreground."""

    def __init__(
        self,
        wsgi: WsgiApp,
        *,
        host: str,
        port: int,
        threads: int,
    ) -> None:
        from waitress.server import create_server

        self._server = create_server(
            wsgi,
            host=host,
            port=port,
            threads=threads,
            ident="backup-bot",
            clear_untrusted_proxy_headers=True,
            channel_timeout=30,
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def url(self) -> str:
        host = self._server.effective_host
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        self._server.run()

    def start_in_thread(self) -> HttpServer:
        self._thread = threading.Thread(target=self.serve_forever, name="http", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop accepting, let running requests finish (bounded by waitress), free the port."""
        self._server.task_dispatcher.shutdown(cancel_pending=False, timeout=5)
        if self._thread is not None and self._thread.is_alive():
            self._server.trigger.pull_trigger(self._leave_loop)
            self._thread.join(timeout=5)
        self._server.close()

    def _leave_loop(self) -> None:
        """Runs in the loop's thread: stop listening and close each connection once flushed.

        Kept-alive connections would hold waitress's loop open until their clients leave.
        The trigger and the listening socket only leave the loop's map here; ``close`` closes
        them once the loop has ended, so a pull of the trigger racing this never writes to
        a closed (or reused) descriptor.
        """
        self._server.del_channel()
        self._server.trigger.del_channel()
        for channel in list(self._server.active_channels.values()):
            channel.will_close = True
