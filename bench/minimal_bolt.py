"""The baseline app: a minimal Bolt app whose slash command only acks, served like the bot.

It runs as a script in its own process (``python bench/minimal_bolt.py``) with the bot's
environment variables, behind the bot's own waitress setup, so that any difference in ack
latency, memory or threads comes from what the bot does and not from how it is served.
Bolt's defaults are kept on purpose: they are what a minimal app gets.
"""

from __future__ import annotations

import os
import signal
from types import FrameType

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.http_server import HttpServer, make_wsgi_app


def build_minimal_app(*, signing_secret: str, token: str, api_url: str, command: str) -> App:
    app = App(
        client=WebClient(token=token, base_url=api_url),
        signing_secret=signing_secret,
        token_verification_enabled=False,
    )

    @app.command(command)
    def only_ack(ack: Ack) -> None:
        ack()

    return app


def main() -> None:
    env = os.environ
    app = build_minimal_app(
        signing_secret=env["SLACK_SIGNING_SECRET"],
        token=env["SLACK_BOT_TOKEN"],
        api_url=env["SLACK_API_URL"],
        command=env.get("SLASH_COMMAND", "/backup"),
    )
    server = HttpServer(
        make_wsgi_app(app, dict),
        host=env.get("HOST", "127.0.0.1"),
        port=int(env["PORT"]),
        threads=int(env.get("HTTP_THREADS", "16")),
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
