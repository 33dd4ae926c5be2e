"""Opening the state: concurrent first starts migrate once, a newer schema refuses the start
with one line, and the settings that choose the engine."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.devtools.postgres import TempPostgres
from bot.state import open_stores
from bot.state import postgres as pg_state
from bot.storage import StateStoreError
from bot.wakeup.store import SCHEMA_VERSION as SQLITE_VERSION
from tests.state.conftest import OpenStores, fresh_database

OPEN_AND_USE = """
import sys
from bot.config import Secret, Settings
from bot.state import open_stores
stores = open_stores(Settings(state_url=Secret(sys.argv[1])))
stores.watch.subscribe("C1", sys.argv[2], now=1.0)
stores.close()
"""


def test_concurrent_first_starts_migrate_the_schema_once(postgres: TempPostgres) -> None:
    url = fresh_database(postgres)
    children = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AND_USE, url, f"acct{i}"], stderr=subprocess.PIPE, text=True
        )
        for i in range(6)
    ]
    errors = [child.communicate(timeout=60)[1] for child in children]

    assert [child.returncode for child in children] == [0] * 6, errors
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT version FROM backup_bot_schema").fetchall() == [
            (pg_state.SCHEMA_VERSION,)
        ]
        count = conn.execute("SELECT COUNT(*) FROM watch_subscriptions").fetchone()
    assert count == (6,)


def test_concurrent_first_starts_in_threads_on_either_engine(open_state: OpenStores) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        opened = list(pool.map(lambda _: open_state(), range(4)))
    for index, stores in enumerate(opened):
        assert stores.watch.subscribe("C1", f"a{index}", now=1.0)
    assert len(opened[0].watch.subscriptions()) == 4


def test_a_newer_postgres_schema_refuses_the_start_with_one_line(settings: Settings) -> None:
    open_stores(settings).close()
    if settings.state_url:
        with psycopg.connect(settings.state_url.reveal(), autocommit=True) as conn:
            conn.execute("UPDATE backup_bot_schema SET version = version + 1")
        known = pg_state.SCHEMA_VERSION
    else:
        with sqlite3.connect(settings.state_path) as conn:
            conn.execute(f"PRAGMA user_version = {SQLITE_VERSION + 1}")
        known = SQLITE_VERSION

    with pytest.raises(StateStoreError) as raised:
        open_stores(settings)

    message = str(raised.value)
    assert "\n" not in message
    assert f"schema version {known + 1}, newer than this bot understands ({known})" in message


def test_an_unreachable_server_is_one_line_without_the_password(tmp_path: Path) -> None:
    from bot.devtools.processes import free_port

    url = f"postgresql://bot:hunter2@127.0.0.1:{free_port()}/db"
    with pytest.raises(StateStoreError) as raised:
        pg_state.PostgresState(url, connect_timeout=1.0)
    message = str(raised.value)
    assert "unreachable" in message
    assert "hunter2" not in message
    assert "\n" not in message


def test_a_missing_driver_is_one_clear_line(tmp_path: Path) -> None:
    # A child without psycopg on its path: the import fails as in an install without the extra.
    script = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from bot.config import Secret, Settings\n"
        "from bot.state import open_stores\n"
        "try:\n"
        "    open_stores(Settings(state_url=Secret('postgresql://x@127.0.0.1:1/db')))\n"
        "except Exception as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    assert done.stdout.strip() == (
        "STATE_URL is set but the PostgreSQL driver is not installed:"
        " pip install 'backup-bot[postgres]'"
    )


def test_sqlite_needs_no_driver(tmp_path: Path) -> None:
    script = (
        "import sys; sys.modules['psycopg'] = None; sys.modules['psycopg_pool'] = None\n"
        "from pathlib import Path\n"
        "from bot.config import Settings\n"
        "from bot.state import open_stores\n"
        f"s = open_stores(Settings(state_path=Path({str(tmp_path / 's.db')!r})))\n"
        "print(s.engine); s.close()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    assert done.stdout.strip() == "sqlite"


BASE = {"BACKUP_API_URL": "http://127.0.0.1:9/v1.0/1", "BACKUP_AUTH_TOKEN": "t"}


def test_state_url_and_lease_settings() -> None:
    url = "postgresql://bot:pw@db:5432/bot"
    s = load_settings({**BASE, "STATE_URL": url, "STATE_LEASE": "5s"})
    assert (s.state_url.reveal(), s.state_lease) == (url, 5.0)
    assert url in s.secrets()
    assert "pw" not in repr(s)
    assert load_settings(BASE).state_lease == 15.0
    assert not load_settings(BASE).state_url
    assert load_settings({**BASE, "STATE_URL": "host=db dbname=bot"}).state_url


def test_state_url_and_state_path_together_are_a_configuration_error() -> None:
    env = {**BASE, "STATE_URL": "postgresql://bot:pw@db/bot", "STATE_PATH": "x.db",
           "STATE_LEASE": "0"}  # fmt: skip
    with pytest.raises(ConfigError) as raised:
        load_settings(env)
    problems = raised.value.problems
    assert any(p.startswith("STATE_URL and STATE_PATH are both set") for p in problems)
    assert any(p.startswith("STATE_LEASE must be at least") for p in problems)
    assert "pw" not in str(raised.value)


def test_a_state_url_that_is_no_postgres_address_is_refused_without_quoting_it() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({**BASE, "STATE_URL": "mysql://u:secretpw@h/db"})
    assert "STATE_URL must be a PostgreSQL URL" in str(raised.value)
    assert "secretpw" not in str(raised.value)
