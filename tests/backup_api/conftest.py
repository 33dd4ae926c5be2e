"""Fixtures for the backup API adapter tests: a fake server, clients aimed at it, a dead port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.devtools.processes import free_port
from tests.backup_api.bapi_helpers import Clients, FakeServer


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer()
    yield fake
    fake.stop()


@pytest.fixture
def clients(server: FakeServer) -> Iterator[Clients]:
    made = Clients(server)
    yield made
    made.close_all()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on: connecting is refused at once."""
    return free_port()
