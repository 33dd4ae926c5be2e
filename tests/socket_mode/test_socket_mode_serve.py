"""``backup-bot serve`` as a process: an app token alone puts it in Socket Mode."""

from __future__ import annotations

import signal
from pathlib import Path

from bot.devtools.fake_slack import RESPONSE_URL, FakeSlack
from bot.devtools.processes import ServedProcess, serve_command
from bot.devtools.socket_mode_sender import SocketModeSender
from bot.simulator import Simulator
from tests.e2e.e2e_helpers import shown
from tests.support.stacks import socket_environment

STOP_DEADLINE = 10.0


def test_serve_answers_over_the_socket_and_stops_on_sigterm(
    simulator: Simulator, slack: FakeSlack, tokens: dict[str, str], tmp_path: Path
) -> None:
    env = socket_environment(simulator, slack, tmp_path / "state.sqlite3", **tokens)
    log = tmp_path / "serve.log"
    served = ServedProcess(serve_command(), env, workdir=tmp_path, log_path=log, wait_healthy=False)
    try:
        try:
            slack.socket_mode.wait_connected(timeout=20)
        except TimeoutError:
            raise AssertionError(f"serve never connected:\n{log.read_text()}") from None
        sent = SocketModeSender(slack).command("agents")
        assert sent.payload is not None
        assert "Fetching agents" in shown(sent.payload)
        listed = slack.wait_for(
            lambda m: m.via == RESPONSE_URL and m.response_url == sent.response_url
        )
        assert "web1" in shown(listed)

        served.signal(signal.SIGTERM)
        status = served.wait(timeout=STOP_DEADLINE)
    finally:
        served.kill()
    logged = log.read_text()
    assert status == 0, logged
    assert "Traceback" not in logged
    assert tokens["app_token"] not in logged
    slack.socket_mode.wait_disconnected(timeout=1)
