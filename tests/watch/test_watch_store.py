"""The watch store on SQLite: migration from a version-1 file, crash windows, pruning."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.wakeup import SqliteWakeupStore
from bot.wakeup.store import _MIGRATIONS, SCHEMA_VERSION
from bot.watch.engine import sweep_succeeded
from bot.watch.model import AccountState, Condition, EngineSettings, Resolve
from bot.watch.store import SqliteWatchStore
from tests.watch.test_watch_engine import T0, agent


def test_a_version_1_file_gains_the_watch_tables_and_keeps_its_jobs(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with sqlite3.connect(path) as conn:
        for statement in _MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("INSERT INTO jobs (account_key, started_at) VALUES ('', 1.0)")
        conn.execute("PRAGMA user_version = 1")
    store = SqliteWatchStore(path)
    assert store.subscribe("C1", "", now=1.0)
    store.close()
    wakeups = SqliteWakeupStore(path)
    assert wakeups.count_active_jobs() == 1
    wakeups.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2


def test_state_round_trips_and_one_open_incident_per_key(tmp_path: Path) -> None:
    store = SqliteWatchStore(tmp_path / "s.sqlite3")
    settings = EngineSettings()
    state, out = sweep_succeeded(
        AccountState(""), [agent(1, age=None), agent(2, disabled=True)], [], T0, settings
    )
    store.apply(state, out, now=T0, swept=True)
    store.apply(state, out, now=T0, swept=True)  # replayed: no second incident
    loaded = store.load_state("")
    assert loaded.swept
    assert set(loaded.open) == {(Condition.STALE, 1), (Condition.DISABLED, 2)}
    assert loaded.agents == state.agents
    assert len(store.incidents("", open_only=True)) == 2


def test_unconfirmed_posts_are_discarded_and_pruning_drops_old_history(tmp_path: Path) -> None:
    store = SqliteWatchStore(tmp_path / "s.sqlite3")
    state, out = sweep_succeeded(AccountState(""), [agent(1, age=None)], [], T0, EngineSettings())
    store.apply(state, out, now=T0, swept=True)
    (incident,) = store.incidents("", open_only=True)
    posting = store.begin_message("C1", "", "incident", [incident.incident_id], now=T0)
    assert store.discard_unconfirmed_posts() == 1
    assert store.messages("C1", "") == []
    posted = store.begin_message("C1", "", "incident", [incident.incident_id], now=T0)
    store.message_posted(posted, "1.000001", "h")
    assert store.discard_unconfirmed_posts() == 0
    assert posting != posted
    store.apply(state, [Resolve((Condition.STALE, 1), "done")], now=T0 + 10, swept=False)
    assert store.prune(before=T0) == 0
    assert store.prune(before=T0 + 11) == 1
    assert store.incident(incident.incident_id) is None
    assert store.messages("C1", "") == []
