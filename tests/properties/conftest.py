"""Hypothesis profiles for the property tests: a short run for ``make test``, a long one on ask.

``properties`` (the default) keeps the whole folder to a few seconds of examples so it can run
on every ``make test``; ``long`` runs many more and is chosen with
``--hypothesis-profile=long`` or ``HYPOTHESIS_PROFILE=long``. The command-line option wins
over the variable. Deadlines are off in both: the machine is shared, and speed is measured in
``bench/``, not asserted here. No example database is written, so a run leaves nothing in the
working tree; a failure prints its reproduction blob instead.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

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
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.timeout(LONG_TIMEOUT))
