"""``backup-bot serve`` when it cannot reach Slack or listen: one clear line, exit status 2."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.devtools.fake_slack import DEFAULT_APP_TOKEN, FakeSlack
from bot.devtools.local_stack import stack_environment
from bot.devtools.processes import run_to_end, serve_command
from bot.simulator import Simulator

BOT_TOKEN = "xoxb-serve-test-0123456789"


@pytest.fixture
def environment(tmp_path: Path) -> Iterator[dict[str, str]]:
    with Simulator() as simulator, FakeSlack(bot_token=BOT_TOKEN) as slack:
        env = stack_environment(
            simulator=simulator,
            slack=slack,
            state_path=tmp_path / "state.sqlite3",
            bot_token=BOT_TOKEN,
            signing_secret="0123456789abcdef0123456789abcdef",
        )
        yield {**env, "WORKDIR": str(tmp_path)}


def serve(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``serve`` to its end, given only its settings (none of the developer's)."""
    settings = {k: v for k, v in env.items() if k != "WORKDIR"}
    return run_to_end(serve_command(*args), settings, workdir=Path(env["WORKDIR"]), timeout=60)


def test_socket_mode_refused_by_slack_says_what_to_check(environment: dict[str, str]) -> None:
    # The stand-in's apps.connections.open takes only its own app token, as Slack does.
    app_token = "xapp-1-A0TEST-0123456789"
    assert app_token != DEFAULT_APP_TOKEN
    done = serve({**environment, "SLACK_APP_TOKEN": app_token})
    assert done.returncode == 2
    assert "Slack refused the Socket Mode connection (invalid_auth)" in done.stderr
    assert "SLACK_APP_TOKEN" in done.stderr
    assert "Traceback" not in done.stderr
    assert app_token not in done.stderr


def test_a_port_in_use_is_one_clear_line(environment: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = serve({**environment, "PORT": str(port)}, "--http")
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_settings_are_listed_together(environment: dict[str, str]) -> None:
    env = {**environment, "SLACK_BOT_TOKEN": "", "RACKSPACE_API_KEY": "", "PORT": "eighty"}
    done = serve(env, "--http")
    assert done.returncode == 2
    for name in ("SLACK_BOT_TOKEN", "RACKSPACE_USERNAME and RACKSPACE_API_KEY", "PORT"):
        assert name in done.stderr
    assert "Traceback" not in done.stderr
