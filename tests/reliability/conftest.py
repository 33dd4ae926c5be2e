"""Stacks for fault tests: like the end-to-end ones, with Slack retries that take milliseconds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk.http_retry import FixedValueRetryIntervalCalculator

from bot.devtools.local_stack import LocalStack
from bot.slack.delivery import DeliveryPolicy
from tests.e2e.e2e_helpers import Bot, StartStack
from tests.support.stacks import stack_factory

FAST_DELIVERY = DeliveryPolicy(
    timeout=1,
    retries=2,
    retry_interval=FixedValueRetryIntervalCalculator(0.05),
    followup_backoff=0.1,
    followup_backoff_max=0.2,
    followup_attempts=5,
)
"""Slack calls time out after 1 s and are tried 3 times; a stored follow-up 5 times."""


@pytest.fixture
def start_stack(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[StartStack]:
    with stack_factory(tmp_path, caplog, delivery=FAST_DELIVERY) as start:
        yield start


@pytest.fixture
def stack(start_stack: StartStack) -> LocalStack:
    return start_stack()


@pytest.fixture
def bot(stack: LocalStack) -> Bot:
    return Bot(stack)
