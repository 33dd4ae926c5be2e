"""The one wait of the tests: poll until something holds, or fail the test saying what.

Built on ``bot.devtools.processes.poll_until``, the loop the benchmarks and the child
scripts use outside pytest; this adds only the failure, so a timed-out wait reads as what
the test was waiting for rather than as a bare assertion.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.devtools.processes import poll_until

DEFAULT_TIMEOUT = 10.0


def wait_until(
    predicate: Callable[[], bool],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    what: str,
    interval: float = 0.01,
) -> None:
    """Poll ``predicate`` until it holds; fail the test at the deadline, naming ``what``."""
    if not poll_until(predicate, timeout=timeout, interval=interval):
        pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
