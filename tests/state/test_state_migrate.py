"""``backup-bot state migrate --from PATH --to URL`` against a real server: the pending work
of an SQLite state lands in PostgreSQL, ready for any instance, and a second run copies
nothing twice."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import MappingProxyType

import pytest

from bot.config import Secret, Settings
from bot.devtools.postgres import TempPostgres
from bot.devtools.processes import child_environment
from bot.state import Stores, open_stores
from bot.watch.model import AccountState, Condition, Open, Resolve
from tests.state.conftest import fresh_database
from tests.state.test_state_contract import opened, outcome, requester, seen

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def url(postgres: TempPostgres) -> str:
    return fresh_database(postgres)


@pytest.fixture
def sqlite_state(tmp_path: Path) -> Path:
    """A state file as a bot on SQLite leaves it, with pending and settled work."""
    path = tmp_path / "state.sqlite3"
    stores = open_stores(Settings(state_path=path))
    try:
        w, s = stores.wakeups, stores.watch
        w.add_request("running", requester("U1"), started_at=10.0)
        w.add_request("running", requester("U2"), started_at=11.0)
        done, _ = w.add_request("done", requester("U3"), started_at=12.0)
        w.add_request("done", requester("U4"), started_at=12.5)
        pending, delivered = w.finish_job(done.job_id, outcome("done"))
        w.mark_delivered(delivered.follow_up_id)
        s.subscribe("C1", "acct", now=1.0)
        s.set_last_report("C1", "acct", 50.0)
        state = AccountState("acct", swept=True, agents=MappingProxyType({1: seen(1), 2: seen(2)}))
        s.apply(state, [Open(opened(1)), Open(opened(2, Condition.DISABLED))], now=5.0, swept=True)
        s.apply(state, [Resolve((Condition.DISABLED, 2), "enabled")], now=6.0, swept=False)
        ids = [i.incident_id for i in s.incidents("acct", open_only=True)]
        message = s.begin_message("C1", "acct", "incident", ids, now=5.0)
        s.message_posted(message, "1700000000.000100", "digest")
        s.set_quiet("C2", 40.0)
        del pending
    finally:
        stores.close()
    return path


def migrate(path: Path, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "state", "migrate", "--from", str(path), "--to", url],
        env=child_environment({}),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def pg_stores(url: str) -> Stores:
    return open_stores(Settings(state_url=Secret(url)))


def test_migrate_copies_the_pending_work_once(sqlite_state: Path, url: str) -> None:
    first = migrate(sqlite_state, url)
    second = migrate(sqlite_state, url)

    assert first.returncode == 0, first.stderr
    assert "wake-up jobs: 2 copied, 0 already there" in first.stdout
    assert "follow-ups: 3 copied, 0 already there" in first.stdout
    assert "open incidents: 1 copied" in first.stdout
    assert "incident messages: 1 copied" in first.stdout
    assert second.returncode == 0, second.stderr
    assert " 0 copied" in second.stdout
    assert all(" 0 copied" in line for line in second.stdout.splitlines()[1:])
    assert url not in first.stdout + second.stdout

    stores = pg_stores(url)
    try:
        w, s = stores.wakeups, stores.watch
        jobs, follow_ups = w.claim("new-instance", now=100.0, lease=15.0)
        assert [j.account_key for j in jobs] == ["running"]
        assert [f.requester.user_id for f in follow_ups] == ["U3"]  # U4's was delivered
        assert w.count_pending_follow_ups() == 3
        (sub,) = s.subscriptions()
        assert (sub.channel_id, sub.account_key, sub.last_report_at) == ("C1", "acct", 50.0)
        assert sorted(s.load_state("acct").agents) == [1, 2]
        (incident,) = s.incidents("acct", open_only=True)
        (message,) = s.messages("C1", "acct")
        assert message.ts == "1700000000.000100"
        assert [i.incident_id for i in message.items] == [incident.incident_id]
        assert s.quiet_since("C2") == 40.0
    finally:
        stores.close()


def test_running_work_joins_what_the_database_already_runs(sqlite_state: Path, url: str) -> None:
    stores = pg_stores(url)
    try:
        stores.wakeups.add_request("running", requester("U9"), started_at=99.0)
    finally:
        stores.close()

    done = migrate(sqlite_state, url)

    assert done.returncode == 0, done.stderr
    stores = pg_stores(url)
    try:
        assert stores.wakeups.count_active_jobs() == 1  # U1 and U2 joined the running job
        assert stores.wakeups.count_pending_follow_ups() == 4
    finally:
        stores.close()


def test_a_missing_file_is_one_line(tmp_path: Path, url: str) -> None:
    done = migrate(tmp_path / "nope.sqlite3", url)
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0
    assert "not found" in done.stderr
