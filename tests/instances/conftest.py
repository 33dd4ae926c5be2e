"""Several ``serve --http`` processes on one PostgreSQL database, as a deployment runs them.

The server is this folder's own (tests here stop and start it); each test gets a fresh
database on it. The simulator and the Slack stand-in stay in the test process, so a test
reads what every instance posted and called in one place.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bot.devtools.postgres import TempPostgres
from bot.simulator import SimulatorConfig
from tests.reliability.rel_process import BotProcess, Deployment, deployment

LEASE = 1.0
"""STATE_LEASE of every instance here: short, so take-overs happen within a test."""

_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def pg() -> Iterator[TempPostgres]:
    with TempPostgres() as server:
        yield server


@pytest.fixture
def database(pg: TempPostgres) -> str:
    name = f"inst{next(_numbers)}"
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return pg.url.rsplit("/", 1)[0] + "/" + name


def instances_env(database: str, **extra: str) -> dict[str, str]:
    return {
        "STATE_URL": database,
        "STATE_PATH": "",
        "STATE_LEASE": str(LEASE),
        "WAKEUP_CHECK_AFTER": "0.2",
        "WAKEUP_CHECK_EVERY": "0.2",
        **extra,
    }


def start_deployment(
    tmp_path: Path, database: str, simulator: SimulatorConfig, **extra: str
) -> Iterator[Deployment]:
    with deployment(tmp_path, env=instances_env(database, **extra), simulator=simulator) as d:
        yield d


def query(database: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(database, autocommit=True) as conn:
        return list(conn.execute(sql).fetchall())


def holder(processes: list[BotProcess], owner: str) -> BotProcess:
    """The process whose instance id (``host:pid:random``) is ``owner``."""
    match = re.fullmatch(r".*:(\d+):[0-9a-f]+", owner)
    assert match, owner
    pid = int(match.group(1))
    return next(p for p in processes if p.served.pid == pid)
