"""One real PostgreSQL for the session (Debian's server on loopback), a fresh database per
test, and the ``engine`` fixture that runs a contract test on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from bot.config import Secret, Settings
from bot.devtools.postgres import TempPostgres
from bot.state import Stores, open_stores

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[TempPostgres]:
    with TempPostgres() as pg:
        yield pg


def fresh_database(pg: TempPostgres) -> str:
    """A new empty database on the session's server; its URL."""
    name = f"t{next(_numbers)}"
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return pg.url.rsplit("/", 1)[0] + "/" + name


OpenStores = Callable[[], Stores]


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return str(request.param)


@pytest.fixture
def settings(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings naming one fresh state of ``engine``; every ``open_stores`` of it shares it."""
    if engine == "postgres":
        pg: TempPostgres = request.getfixturevalue("postgres")
        return Settings(state_url=Secret(fresh_database(pg)))
    return Settings(state_path=tmp_path / "state.sqlite3")


@pytest.fixture
def open_state(settings: Settings) -> Iterator[OpenStores]:
    opened: list[Stores] = []

    def open_() -> Stores:
        stores = open_stores(settings)
        opened.append(stores)
        return stores

    yield open_
    for stores in opened:
        stores.close()


@pytest.fixture
def stores(open_state: OpenStores) -> Stores:
    return open_state()
