"""The bot in Socket Mode on loopback: simulator, fake Slack with its socket, the real bot.

The stack itself is built in ``tests/support/stacks.py``, the same way as the HTTP one.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.devtools.fake_slack import FakeSlack
from bot.simulator import Simulator, SimulatorConfig
from tests.support.stacks import SocketStack, socket_stack


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
    state_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> Iterator[SocketStack]:
    with socket_stack(simulator, slack, tokens, state_path, caplog) as started:
        yield started
