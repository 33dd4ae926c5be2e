"""Fixtures for the backup API adapter tests: a fake server, clients aimed at it, a dead port."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

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
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
