"""Fixtures more than one test folder uses; what only one folder needs stays in its own conftest.

Hypothesis profiles live here, where they are registered before any option is read:
``properties`` (the default) keeps each property to a few seconds of examples so it runs on
every ``make test``; ``long`` runs many more and is chosen with ``--hypothesis-profile=long``
or ``HYPOTHESIS_PROFILE=long`` (the option wins). Deadlines are off in both: the machine is
shared, and speed is measured in ``bench/``. No example database is written, so a run
leaves nothing in the working tree; a failure prints its reproduction blob instead.

``start_stack``, ``stack`` and ``bot`` are the in-process HTTP stack of
``tests/support/stacks.py``; a folder that needs other Slack delivery settings overrides
``stack_delivery`` (the reliability tests do).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

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


DEFAULT_PROFILE = "properties"
LONG_PROFILE = "long"
PROFILE_VARIABLE = "HYPOTHESIS_PROFILE"
LONG_TIMEOUT = 3600
"""Seconds per test under the long profile, in place of the suite's 120 s per test."""

_COMMON = {
    "deadline": None,
    "database": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

settings.register_profile(DEFAULT_PROFILE, max_examples=60, **_COMMON)
settings.register_profile(LONG_PROFILE, max_examples=1000, **_COMMON)


def pytest_configure(config: pytest.Config) -> None:
    """Load the variable's profile, or ours, unless ``--hypothesis-profile`` named one.

    Hypothesis's own plugin loads the option's profile; this runs either before it (this
    conftest read at start-up) or after it (read while collecting), so it must not undo it.
    """
    if config.getoption("hypothesis_profile", default=None):
        return
    settings.load_profile(os.environ.get(PROFILE_VARIABLE) or DEFAULT_PROFILE)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under the long profile a property may run for many minutes; lift pytest-timeout's cap."""
    if settings.get_current_profile_name() != LONG_PROFILE:
        return
    here = os.path.join(os.path.dirname(__file__), "properties")
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.timeout(LONG_TIMEOUT))
