"""Fixtures more than one test folder uses; what only one folder needs stays in its own conftest.

``start_stack``, ``stack`` and ``bot`` are the in-process HTTP stack of
``tests/support/stacks.py``; a folder that needs other Slack delivery settings overrides
``stack_delivery`` (the reliability tests do).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.devtools.local_stack import LocalStack
from bot.slack.delivery import DeliveryPolicy
from tests.e2e.e2e_helpers import Bot
from tests.support.stacks import StartStack, stack_factory


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    """Where a bot under test keeps its state: in the test's own directory."""
    return tmp_path / "state.sqlite3"


@pytest.fixture
def stack_delivery() -> DeliveryPolicy | None:
    """The Slack delivery policy of ``start_stack``'s stacks: the bot's own by default."""
    return None


@pytest.fixture
def start_stack(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, stack_delivery: DeliveryPolicy | None
) -> Iterator[StartStack]:
    """Starts stacks with fast settings (``env`` and simulator fields override them)."""
    with stack_factory(tmp_path, caplog, delivery=stack_delivery) as start:
        yield start


@pytest.fixture
def stack(start_stack: StartStack) -> LocalStack:
    return start_stack()


@pytest.fixture
def bot(stack: LocalStack) -> Bot:
    return Bot(stack)
