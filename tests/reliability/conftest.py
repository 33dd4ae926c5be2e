"""Stacks for fault tests: like the end-to-end ones, with Slack retries that take milliseconds."""

from __future__ import annotations

import pytest
from slack_sdk.http_retry import FixedValueRetryIntervalCalculator

from bot.slack.delivery import DeliveryPolicy

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
def stack_delivery() -> DeliveryPolicy | None:
    return FAST_DELIVERY
