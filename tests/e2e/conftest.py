"""One whole stack per test: simulator, fake Slack and the real bot over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.devtools.local_stack import LocalStack
from tests.e2e.e2e_helpers import Bot, StartStack
from tests.support.stacks import stack_factory


@pytest.fixture
def start_stack(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[StartStack]:
    """Starts stacks with fast settings (``env`` and simulator fields override them)."""
    with stack_factory(tmp_path, caplog) as start:
        yield start


@pytest.fixture
def stack(start_stack: StartStack) -> LocalStack:
    return start_stack()


@pytest.fixture
def bot(stack: LocalStack) -> Bot:
    return Bot(stack)
