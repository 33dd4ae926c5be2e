"""Fixtures for the simulator tests: running simulators, an HTTP session, a token."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bot.simulator import Simulator, SimulatorConfig
from tests.simulator.sim_helpers import StartSimulator


@pytest.fixture
def start_simulator() -> Iterator[StartSimulator]:
    """Start simulators with the given config fields; all are stopped after the test."""
    started: list[Simulator] = []

    def start(**fields: Any) -> Simulator:
        simulator = Simulator(SimulatorConfig(**fields)).start()
        started.append(simulator)
        return simulator

    yield start
    for simulator in started:
        simulator.stop()


@pytest.fixture
def sim(start_simulator: StartSimulator) -> Simulator:
    """The built-in data set; wake-ups take effect at once."""
    return start_simulator(wake_delay=(0.0, 0.0))


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture
def token(sim: Simulator) -> str:
    return sim.issue_token()
