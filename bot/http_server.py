"""HTTP mode: Bolt behind waitress, with a health check beside it.

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

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def make_wsgi_app(
    app: App, health: Callable[[], dict[str, Any]]
) -> Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in (
            "GET",
            "HEAD",
        ):
            body = json.dumps({"status": "ok", **health()}).encode()
            start_response(
                "200 OK",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return slack(environ, start_response)

    return wsgi


class HttpServer:
    """A waitress server that can be started in a thread (tests, demo) or in the foreground."""

    def __init__(
        self,
        wsgi: Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]],
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
