"""Whole stacks for a test over the composition root, stopped and checked when the test ends.

Every in-process stack runs the wiring ``backup-bot serve`` runs (``bot.wiring.build_bot``):
over loopback HTTP through ``LocalStack``, or in Socket Mode through Bolt's
SocketModeHandler connecting to the Slack stand-in's socket, so everything after the app
token is the real path. The end-to-end, reliability and Socket Mode tests build their stacks
here, and the HTTP ones are all held to the same rules afterwards.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.config import Settings, load_settings
from bot.devtools.fake_slack import FakeSlack
from bot.devtools.local_stack import LocalAccount, LocalStack, stack_environment
from bot.devtools.socket_mode_sender import SocketModeSender
from bot.logs import JsonFormatter
from bot.simulator import Simulator, SimulatorConfig
from bot.slack.delivery import DeliveryPolicy
from bot.wiring import build_bot

FAST_ENV: dict[str, str] = {
    "WAKEUP_CHECK_AFTER": "0.05",
    "WAKEUP_CHECK_EVERY": "0.05",
    "WAKEUP_GIVE_UP_AFTER": "3",
    "BACKUP_API_RETRIES": "1",
    "BACKUP_API_READ_TIMEOUT": "5",
}
"""Bot settings that keep every test fast; a test overrides what it is about."""


class StartStack(Protocol):
    def __call__(
        self,
        *,
        env: dict[str, str] | None = None,
        accounts: Sequence[LocalAccount] = (),
        channel_defaults: Mapping[str, str] | None = None,
        **simulator: Any,
    ) -> LocalStack: ...


# -- HTTP ----------------------------------------------------------------------------------


@contextmanager
def stack_factory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, *, delivery: DeliveryPolicy | None = None
) -> Iterator[StartStack]:
    """Starts stacks with fast settings (``env`` and simulator fields override them)."""
    caplog.set_level(logging.INFO)  # what a deployment logs by default
    stacks: list[LocalStack] = []

    def start(
        *,
        env: dict[str, str] | None = None,
        accounts: Sequence[LocalAccount] = (),
        channel_defaults: Mapping[str, str] | None = None,
        **simulator: Any,
    ) -> LocalStack:
        config = SimulatorConfig(**{"wake_delay": (0.0, 0.1), **simulator})
        state_dir = tmp_path / f"stack-{len(stacks)}"
        state_dir.mkdir()
        stack = LocalStack.start(
            simulator_config=config,
            env={**FAST_ENV, **(env or {})},
            state_path=state_dir / "state.sqlite3",
            delivery=delivery,
            accounts=accounts,
            channel_defaults=channel_defaults,
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


# -- Socket Mode ---------------------------------------------------------------------------


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


@contextmanager
def socket_stack(
    simulator: Simulator,
    slack: FakeSlack,
    tokens: dict[str, str],
    state_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> Iterator[SocketStack]:
    """The bot built by ``build_bot`` and connected over the stand-in's socket, as serve does.

    Afterwards neither token may appear in what was logged.
    """
    caplog.set_level(logging.INFO)
    env = socket_environment(simulator, slack, state_path, **tokens)
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
