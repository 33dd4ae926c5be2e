"""The bot in Socket Mode on loopback: simulator, fake Slack with its socket, the real bot.

The bot connects the way `backup-bot serve` does, with Bolt's SocketModeHandler calling
apps.connections.open on the stand-in, so everything after the app token is the real path.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.config import Settings, load_settings
from bot.devtools.fake_slack import FakeSlack
from bot.devtools.local_stack import stack_environment
from bot.devtools.socket_mode_sender import SocketModeSender
from bot.simulator import Simulator, SimulatorConfig
from bot.wiring import build_bot
from tests.e2e.e2e_helpers import FAST_ENV


@dataclass
class SocketStack:
    simulator: Simulator
    slack: FakeSlack
    sender: SocketModeSender
    settings: Settings = field(repr=False)
    env: dict[str, str] = field(repr=False)


def socket_environment(
    simulator: Simulator, slack: FakeSlack, state_path: Path, *, app_token: str, bot_token: str
) -> dict[str, str]:
    """A bot environment for Socket Mode: an app token, and no signing secret at all."""
    env = stack_environment(
        simulator=simulator,
        slack=slack,
        state_path=state_path,
        bot_token=bot_token,
        signing_secret="",
    )
    return {**env, **FAST_ENV, "SLACK_APP_TOKEN": app_token}


@pytest.fixture
def tokens() -> dict[str, str]:
    return {
        "app_token": f"xapp-1-A0BACKUPBOT-1-{secrets.token_hex(12)}",
        "bot_token": f"xoxb-local-{secrets.token_hex(12)}",
    }


@pytest.fixture
def slack(tokens: dict[str, str]) -> Iterator[FakeSlack]:
    with FakeSlack(**tokens) as fake:
        yield fake


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    with Simulator(SimulatorConfig(wake_delay=(0.0, 0.0))) as started:
        yield started


@pytest.fixture
def stack(
    simulator: Simulator,
    slack: FakeSlack,
    tokens: dict[str, str],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> Iterator[SocketStack]:
    caplog.set_level(logging.INFO)
    env = socket_environment(simulator, slack, tmp_path / "state.sqlite3", **tokens)
    settings = load_settings(env, mode="socket")
    bot = build_bot(settings)
    bot.start()
    handler = SocketModeHandler(bot.app, settings.slack_app_token.reveal())
    try:
        handler.connect()
        slack.socket_mode.wait_connected()
        yield SocketStack(simulator, slack, SocketModeSender(slack), settings, env)
    finally:
        handler.close()
        bot.stop(grace=2.0)
    assert tokens["app_token"] not in caplog.text
    assert tokens["bot_token"] not in caplog.text
