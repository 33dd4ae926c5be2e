from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.devtools.fake_slack import DEFAULT_BOT_TOKEN, FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    """A WebClient without retry handlers, so every fault reaches the test."""
    return WebClient(base_url=fake.api_url, token=DEFAULT_BOT_TOKEN, timeout=5)
