"""One whole stack per test: simulator, fake Slack and the real bot over loopback HTTP."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.devtools.local_stack import LocalStack
from bot.logs import JsonFormatter
from bot.simulator import SimulatorConfig
from tests.e2e.e2e_helpers import FAST_ENV, Bot, StartStack


@pytest.fixture
def start_stack(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[StartStack]:
    """Starts stacks with fast settings (``env`` and simulator fields override them)."""
    caplog.set_level(logging.INFO)  # what a deployment logs by default
    stacks: list[LocalStack] = []

    def start(*, env: dict[str, str] | None = None, **simulator: Any) -> LocalStack:
        config = SimulatorConfig(**{"wake_delay": (0.0, 0.1), **simulator})
        stack = LocalStack.start(
            simulator_config=config,
            env={**FAST_ENV, **(env or {})},
            state_path=tmp_path / f"state-{len(stacks)}.sqlite3",
        )
        stacks.append(stack)
        return stack

    yield start
    for stack in reversed(stacks):
        stack.stop()
    logged = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    for stack in stacks:
        assert_nothing_leaked(stack, logged)


def assert_nothing_leaked(stack: LocalStack, logged: str) -> None:
    """What every test's stack must have kept to: valid messages, no traces, no secrets."""
    refused = [a for a in stack.slack.attempts if a.error in ("invalid_blocks", "no_text")]
    assert refused == [], "Slack refused a message the bot built"
    posted = json.dumps([message.payload for message in stack.slack.messages])
    assert "Traceback" not in posted
    for secret in stack.settings.secrets():
        assert secret not in posted
        assert secret not in logged


@pytest.fixture
def stack(start_stack: StartStack) -> LocalStack:
    return start_stack()


@pytest.fixture
def bot(stack: LocalStack) -> Bot:
    return Bot(stack)
