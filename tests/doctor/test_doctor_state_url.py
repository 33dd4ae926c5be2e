"""``backup-bot doctor`` with STATE_URL: it checks PostgreSQL (connects, schema version,
writable) instead of a state file, creates nothing, and never shows the password."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import psycopg
import pytest

from bot.config import Secret, Settings
from bot.devtools.postgres import TempPostgres
from bot.devtools.processes import free_port
from bot.state import open_stores
from bot.state.postgres import SCHEMA_VERSION
from tests.doctor.conftest import RunDoctor

SUBJECT = "state store PostgreSQL (STATE_URL)"
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def pg() -> Iterator[TempPostgres]:
    with TempPostgres() as server:
        yield server


@pytest.fixture
def url(pg: TempPostgres) -> str:
    name = f"doc{next(_numbers)}"
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
        conn.execute(f"ALTER USER postgres PASSWORD 'pw-{name}-secret'")
    host = pg.url.split("@", 1)[1].rsplit("/", 1)[0]
    return f"postgresql://postgres:pw-{name}-secret@{host}/{name}"


def tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return [r[0] for r in rows]


def test_an_empty_database_passes_and_stays_empty(url: str, doctor: RunDoctor) -> None:
    result = doctor(STATE_URL=url, STATE_PATH="")

    assert result.failures() == []
    assert result.line(f"ok   {SUBJECT}: connects; empty database")
    assert tables(url) == []  # doctor creates nothing


def test_a_migrated_database_shows_its_schema_version(url: str, doctor: RunDoctor) -> None:
    open_stores(Settings(state_url=Secret(url))).close()

    result = doctor(STATE_URL=url, STATE_PATH="")

    assert result.line(f"ok   {SUBJECT}: connects; schema version {SCHEMA_VERSION}; writable")


def test_a_newer_schema_fails_in_one_line(url: str, doctor: RunDoctor) -> None:
    open_stores(Settings(state_url=Secret(url))).close()
    with psycopg.connect(url) as conn:
        conn.execute("UPDATE backup_bot_schema SET version = version + 1")

    result = doctor(STATE_URL=url, STATE_PATH="")

    assert result.code != 0
    assert "newer than this bot understands" in result.line(f"FAIL {SUBJECT}:")


def test_an_unreachable_server_fails_without_the_password(doctor: RunDoctor) -> None:
    url = f"postgresql://bot:hunter2-secret@127.0.0.1:{free_port()}/bot"

    result = doctor(STATE_URL=url, STATE_PATH="")

    assert "is unreachable" in result.line(f"FAIL {SUBJECT}:")
    assert "hunter2-secret" not in result.output
