from __future__ import annotations

import os
import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.backup_api.models import Agent, AgentStatus, PublicKey
from bot.wakeup import SqliteWakeupStore, StateStoreError, WakeupOutcome
from bot.wakeup.store import SCHEMA_VERSION
from tests.wakeup.wakeup_helpers import RESPONSE_URL, fleet, requester


def outcome_for(account_key: str, agents: tuple[Agent, ...] = ()) -> WakeupOutcome:
    now = time.time()
    return WakeupOutcome(account_key, agents, now - 1.0, now, gave_up=False, error=None)


def raw(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def test_opening_creates_missing_directories_and_a_versioned_wal_file(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "state.sqlite3"

    SqliteWakeupStore(path).close()

    assert path.is_file()
    assert raw(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert raw(path, "PRAGMA journal_mode") == [("wal",)]


def test_in_memory_store_works(tmp_path: Path) -> None:
    store = SqliteWakeupStore(":memory:")
    job, joined = store.add_request("acct", requester("U1"), started_at=1.0)
    assert (job.account_key, job.started_at, job.woken, joined) == ("acct", 1.0, False, False)
    store.close()
    assert not any(tmp_path.iterdir())


def test_requests_join_the_running_job_of_their_account_only(store: SqliteWakeupStore) -> None:
    first, joined_first = store.add_request("a", requester("U1"), started_at=10.0)
    second, joined_second = store.add_request("a", requester("U2"), started_at=11.0)
    other, joined_other = store.add_request("b", requester("U3"), started_at=12.0)

    assert (joined_first, joined_second, joined_other) == (False, True, False)
    assert second == first
    assert other.job_id != first.job_id
    assert store.count_active_jobs() == 2
    assert store.count_pending_follow_ups() == 3

    store.finish_job(first.job_id, outcome_for("a"))
    after, joined_after = store.add_request("a", requester("U4"), started_at=13.0)

    assert not joined_after
    assert after.job_id not in (first.job_id, other.job_id)


def test_finish_returns_each_follow_up_once_with_the_outcome_intact(
    store: SqliteWakeupStore,
) -> None:
    agent = Agent(
        id=7,
        name="db1",
        status=AgentStatus.ONLINE,
        is_disabled=False,
        last_successful_backup=datetime(2024, 5, 1, 12, 30, tzinfo=UTC),
        public_key=PublicKey(modulus_hex="ab", exponent_hex="03"),
        vault_size_bytes=1024,
    )
    outcome = outcome_for("a", (agent, *fleet(online=False, enabled=1, disabled=1)))
    asker = requester("U1")
    job, _ = store.add_request("a", asker, started_at=outcome.started_at)
    store.add_request("a", requester("U2"), started_at=outcome.started_at)

    follow_ups = store.finish_job(job.job_id, outcome)

    assert [f.requester.user_id for f in follow_ups] == ["U1", "U2"]
    assert follow_ups[0].requester == asker
    assert all(f.outcome == outcome for f in follow_ups)
    assert all(f.attempts == 0 and f.next_attempt_at is None for f in follow_ups)
    assert store.finish_job(job.job_id, outcome) == []


def test_delivery_bookkeeping_survives_reopening(state_path: Path) -> None:
    store = SqliteWakeupStore(state_path)
    running, _ = store.add_request("running", requester("U0"), started_at=5.0)
    store.mark_woken(running.job_id)
    done, _ = store.add_request("done", requester("U1"), started_at=1.0)
    for user in ("U2", "U3"):
        store.add_request("done", requester(user), started_at=1.0)
    delivered, retrying, failing = store.finish_job(done.job_id, outcome_for("done"))
    store.mark_delivered(delivered.follow_up_id)
    store.record_delivery_failure(retrying.follow_up_id, error="HTTP 500", retry_at=99.0)
    store.record_delivery_failure(failing.follow_up_id, error="HTTP 404", retry_at=None)
    store.close()

    reopened = SqliteWakeupStore(state_path)

    assert [(j.account_key, j.started_at, j.woken) for j in reopened.active_jobs()] == [
        ("running", 5.0, True)
    ]
    [pending] = reopened.undelivered_follow_ups()
    assert (pending.requester.user_id, pending.attempts, pending.next_attempt_at) == ("U2", 1, 99.0)
    assert pending.requester.response_url == f"{RESPONSE_URL}/U2"
    assert reopened.count_pending_follow_ups() == 2  # U2 retrying and U0 waiting for its job
    assert raw(state_path, "SELECT state, last_error FROM follow_ups WHERE user_id = 'U3'") == [
        ("failed", "HTTP 404")
    ]
    reopened.close()


def test_restart_job_moves_its_start(store: SqliteWakeupStore) -> None:
    job, _ = store.add_request("a", requester("U1"), started_at=1.0)
    store.restart_job(job.job_id, started_at=50.0)
    assert [j.started_at for j in store.active_jobs()] == [50.0]


def test_settled_jobs_are_pruned_after_the_retention(state_path: Path) -> None:
    store = SqliteWakeupStore(state_path, keep_finished_for=0.0)
    settled, _ = store.add_request("a", requester("U1"), started_at=1.0)
    [follow_up] = store.finish_job(settled.job_id, outcome_for("a"))
    store.mark_delivered(follow_up.follow_up_id)
    unsettled, _ = store.add_request("b", requester("U2"), started_at=1.0)
    store.finish_job(unsettled.job_id, outcome_for("b"))
    trigger, _ = store.add_request("c", requester("U3"), started_at=1.0)

    store.finish_job(trigger.job_id, outcome_for("c"))

    assert sorted(raw(state_path, "SELECT account_key FROM jobs")) == [("b",), ("c",)]
    assert sorted(raw(state_path, "SELECT user_id FROM follow_ups")) == [("U2",), ("U3",)]
    store.close()


def test_concurrent_requests_make_one_job_per_account(store: SqliteWakeupStore) -> None:
    barrier = threading.Barrier(40)
    results: list[tuple[int, bool]] = []
    lock = threading.Lock()

    def ask(n: int) -> None:
        barrier.wait(5)
        job, joined = store.add_request(f"acct{n % 4}", requester(f"U{n}"), started_at=1.0)
        with lock:
            results.append((job.job_id, joined))

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert len({job_id for job_id, _ in results}) == 4
    assert sum(1 for _, joined in results if not joined) == 4
    assert store.count_pending_follow_ups() == 40


def test_requester_repr_hides_the_response_url() -> None:
    assert "s3cr3t" not in repr(requester("U1"))


@pytest.mark.parametrize(
    "content",
    [b"this is not a database at all" * 200, b"SQLite format 3\x00" + os.urandom(8000)],
    ids=["garbage", "damaged-header"],
)
def test_a_corrupt_file_is_refused_with_a_clear_message(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "wakeup.sqlite3"
    path.write_bytes(content)

    with pytest.raises(StateStoreError) as caught:
        SqliteWakeupStore(path)

    message = str(caught.value)
    assert str(path) in message
    assert "damaged or not a SQLite database" in message
    assert "Move it aside" in message


def test_a_state_path_under_a_regular_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    path = blocker / "wakeup.sqlite3"

    with pytest.raises(StateStoreError, match="Cannot create directory") as caught:
        SqliteWakeupStore(path)

    assert str(path) in str(caught.value)


def test_a_state_path_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StateStoreError, match="Cannot open the wake-up state file") as caught:
        SqliteWakeupStore(tmp_path)

    assert "writable" in str(caught.value)


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root writes through file permissions, so a read-only file cannot be simulated",
)
def test_a_read_only_state_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ro" / "wakeup.sqlite3"
    SqliteWakeupStore(path).close()
    path.chmod(0o444)
    path.parent.chmod(0o555)
    try:
        with pytest.raises(StateStoreError, match="writable") as caught:
            SqliteWakeupStore(path)
    finally:
        path.parent.chmod(0o755)
    assert str(path) in str(caught.value)


def test_a_file_from_a_newer_version_is_refused(state_path: Path) -> None:
    SqliteWakeupStore(state_path).close()
    with sqlite3.connect(state_path) as conn:
        conn.execute("PRAGMA user_version = 99")

    with pytest.raises(StateStoreError, match="schema version 99"):
        SqliteWakeupStore(state_path)


def test_failures_after_opening_raise_state_store_errors(state_path: Path) -> None:
    store = SqliteWakeupStore(state_path)
    store.close()

    with pytest.raises(StateStoreError, match=str(state_path)):
        store.count_active_jobs()
