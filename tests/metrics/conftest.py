"""Stacks for the metrics tests, and the simulator's fault knobs driven over its admin HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.simulator import Simulator
from tests.support.stacks import StartStack, stack_factory


@pytest.fixture
def start_stack(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[StartStack]:
    with stack_factory(tmp_path, caplog) as start:
        yield start


def set_faults(simulator: Simulator, **settings: Any) -> None:
    """``POST /__admin/faults`` (see ``bot.simulator.faults.Faults.apply``)."""
    response = requests.post(simulator.url + "/__admin/faults", json=settings, timeout=5)
    assert response.status_code == 204, response.text


def reset_faults(simulator: Simulator) -> None:
    response = requests.post(simulator.url + "/__admin/reset", timeout=5)
    assert response.status_code in (200, 204), response.text
