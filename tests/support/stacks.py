"""Whole stacks for a test, stopped and checked for leaks when it ends.

The end-to-end and the reliability tests start stacks the same way and hold every stack to
the same rules afterwards, so both use this one factory.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.devtools.local_stack import LocalStack
from bot.logs import JsonFormatter
from bot.simulator import SimulatorConfig
from bot.slack.delivery import DeliveryPolicy
from tests.e2e.e2e_helpers import FAST_ENV, StartStack


@contextmanager
def stack_factory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, *, delivery: DeliveryPolicy | None = None
) -> Iterator[StartStack]:
    """Starts stacks with fast settings (``env`` and simulator fields override them)."""
    caplog.set_level(logging.INFO)  # what a deployment logs by default
    stacks: list[LocalStack] = []

    def start(*, env: dict[str, str] | None = None, **simulator: Any) -> LocalStack:
        config = SimulatorConfig(**{"wake_delay": (0.0, 0.1), **simulator})
        stack = LocalStack.start(
            simulator_config=config,
            env={**FAST_ENV, **(env or {})},
            state_path=tmp_path / f"state-{len(stacks)}.sqlite3",
            delivery=delivery,
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
