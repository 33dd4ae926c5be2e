from __future__ import annotations

import itertools
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.backup_api.models import Agent, AgentStatus
from bot.wakeup import Requester, Scheduler, SqliteWakeupStore, WakeupCoordinator
from bot.wakeup.coordinator import delivery_delay
from tests.support.waiting import wait_until
from tests.wakeup.wakeup_helpers import FakeBackend, MakeCoordinator, fleet, requester


def settled(coordinator: WakeupCoordinator) -> Callable[[], bool]:
    return lambda: coordinator.active_jobs() == 0 and coordinator.pending_deliveries() == 0


def test_happy_path_wakes_once_and_checks_until_enabled_agents_are_online(
    make_coordinator: MakeCoordinator, backend: FakeBackend
) -> None:
    backend.statuses = lambda account, n: fleet(online=n >= 3, enabled=2, disabled=1)
    coordinator = make_coordinator(check_after=0.06, check_every=0.03)
    asker = requester("U1")

    assert coordinator.request("acct", asker) is False
    wait_until(settled(coordinator), what="the follow-up")

    assert backend.wakes == ["acct"]
    [(delivered_to, outcome)] = backend.deliveries
    assert delivered_to == asker
    checks = backend.checks_of("acct")
    assert len(checks) == 3
    assert checks[0] - outcome.started_at >= 0.06
    assert all(later - earlier >= 0.03 for earlier, later in itertools.pairwise(checks))
    assert (outcome.account_key, outcome.gave_up, outcome.error) == ("acct", False, None)
    assert outcome.all_awake
    assert [a.status for a in outcome.online] == [AgentStatus.ONLINE] * 2
    assert len(outcome.disabled) == 1
    assert outcome.still_offline == ()
    assert outcome.started_at <= asker.requested_at + 0.5
    assert outcome.finished_at >= checks[-1]


def test_an_injected_clock_sets_the_times_without_changing_the_waits(
    make_coordinator: MakeCoordinator, backend: FakeBackend
) -> None:
    coordinator = make_coordinator(clock=lambda: time.time() + 5000.0)

    coordinator.request("acct", requester("U1"))
    wait_until(settled(coordinator), what="the follow-up")

    [(_, outcome)] = backend.deliveries
    assert outcome.started_at > time.time() + 4000.0
    assert backend.checks_of("acct")[0] - (outcome.started_at - 5000.0) >= 0.03


def test_gives_up_at_the_deadline_with_the_last_agents_seen(
    make_coordinator: MakeCoordinator, backend: FakeBackend
) -> None:
    backend.statuses = lambda account, n: fleet(online=False)
    coordinator = make_coordinator(check_after=0.02, check_every=0.05, give_up_after=0.2)

    coordinator.request("acct", requester("U1"))
    wait_until(settled(coordinator), what="the give-up")

    [(_, outcome)] = backend.deliveries
    assert outcome.gave_up
    assert outcome.error is None
    assert not outcome.all_awake
    assert len(outcome.still_offline) == 2
    checks = backend.checks_of("acct")
    assert 2 <= len(checks) <= 6  # 0.02, 0.07, 0.12, 0.17 and 0.2 unless the machine is slow
    assert checks[-1] >= outcome.started_at + 0.2
    assert outcome.elapsed >= 0.2


def test_a_failed_wake_up_is_reported_to_everyone_without_checking(
    make_coordinator: MakeCoordinator, backend: FakeBackend
) -> None:
    backend.wake_gate = threading.Event()
    backend.wake_error = RuntimeError("wakeupagents answered 503")
    coordinator = make_coordinator()

    assert coordinator.request("acct", requester("U1")) is False
    backend.wait(lambda: backend.wakes == ["acct"])
    assert coordinator.request("acct", requester("U2")) is True
    backend.wake_gate.set()
    wait_until(settled(coordinator), what="the failure follow-ups")

    assert sorted(r.user_id for r, _ in backend.deliveries) == ["U1", "U2"]
    for _, outcome in backend.deliveries:
        assert outcome.error == "wakeupagents answered 503"
        assert outcome.agents == ()
        assert not outcome.gave_up
        assert not outcome.all_awake
    assert backend.checks == []
    assert backend.wakes == ["acct"]


def test_failed_checks_are_retried_until_one_succeeds(
    make_coordinator: MakeCoordinator, backend: FakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    backend.check_failures = 2
    coordinator = make_coordinator()

    coordinator.request("acct", requester("U1"))
    wait_until(settled(coordinator), what="the follow-up")

    [(_, outcome)] = backend.deliveries
    assert outcome.error is None
    assert outcome.all_awake
    assert not outcome.gave_up
    assert len(backend.checks) == 3
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert sum("check failed" in r.getMessage() for r in warnings) == 2


def test_when_no_check_ever_succeeds_the_give_up_carries_the_last_error(
    make_coordinator: MakeCoordinator, backend: FakeBackend
) -> None:
    backend.check_failures = 1000
    coordinator = make_coordinator(check_after=0.01, check_every=0.03, give_up_after=0.1)

    coordinator.request("acct", requester("U1"))
    wait_until(settled(coordinator), what="the give-up")

    [(_, outcome)] = backend.deliveries
    assert outcome.gave_up
    assert outcome.agents == ()
    assert outcome.error == "agent details for acct timed out"


def test_a_check_failing_after_a_success_keeps_the_agents_seen(
    make_coordinator: MakeCoordinator, backend: FakeBackend
) -> None:
    def first_then_fail(account: str, n: int) -> list[Agent]:
        if n > 1:
            raise ConnectionError("flaky")
        return fleet(online=False, enabled=1)

    backend.statuses = first_then_fail
    coordinator = make_coordinator(check_after=0.01, check_every=0.03, give_up_after=0.1)

    coordinator.request("acct", requester("U1"))
    wait_until(settled(coordinator), what="the give-up")

    [(_, outcome)] = backend.deliveries
    assert outcome.gave_up
    assert outcome.error is None
    assert [a.status for a in outcome.agents] == [AgentStatus.OFFLINE]


def test_an_account_without_agents_finishes_after_one_check(
    make_coordinator: MakeCoordinator, backend: FakeBackend
) -> None:
    backend.statuses = lambda account, n: []
    coordinator = make_coordinator()

    coordinator.request("acct", requester("U1"))
    wait_until(settled(coordinator), what="the follow-up")

    assert len(backend.checks) == 1
    assert backend.deliveries[0][1].all_awake


def test_concurrent_requests_share_one_wake_up_per_account(
    make_coordinator: MakeCoordinator, backend: FakeBackend
) -> None:
    everyone_asked = threading.Event()
    backend.statuses = lambda account, n: fleet(online=everyone_asked.is_set())
    coordinator = make_coordinator()
    askers = [requester(f"U{n}", channel_id=f"C{n % 10}") for n in range(200)]
    barrier = threading.Barrier(20)

    def ask(n: int) -> bool:
        if n < 20:
            barrier.wait(5)
        return coordinator.request(f"acct{n % 10}", askers[n])

    with ThreadPoolExecutor(max_workers=20) as pool:
        joined = list(pool.map(ask, range(200)))
    everyone_asked.set()
    wait_until(settled(coordinator), timeout=10.0, what="200 follow-ups")

    assert sorted(backend.wakes) == sorted(f"acct{n}" for n in range(10))
    assert joined.count(False) == 10
    delivered = [r.user_id for r, _ in backend.deliveries]
    assert sorted(delivered) == sorted(a.user_id for a in askers)
    for asked, outcome in backend.deliveries:
        assert outcome.account_key == f"acct{int(asked.user_id[1:]) % 10}"


def test_joining_after_the_post_does_not_post_again(
    make_coordinator: MakeCoordinator, backend: FakeBackend
) -> None:
    release = threading.Event()
    backend.statuses = lambda account, n: fleet(online=release.is_set())
    coordinator = make_coordinator()

    coordinator.request("acct", requester("U1"))
    backend.wait(lambda: len(backend.checks) >= 1)
    assert coordinator.request("acct", requester("U2")) is True
    release.set()
    wait_until(settled(coordinator), what="both follow-ups")

    assert backend.wakes == ["acct"]
    [(_, first), (_, second)] = backend.deliveries
    assert first == second


def test_a_request_after_the_job_finished_starts_a_new_one(
    make_coordinator: MakeCoordinator, backend: FakeBackend
) -> None:
    coordinator = make_coordinator()

    assert coordinator.request("acct", requester("U1")) is False
    wait_until(settled(coordinator), what="the first follow-up")
    assert coordinator.request("acct", requester("U2")) is False
    wait_until(settled(coordinator), what="the second follow-up")

    assert backend.wakes == ["acct", "acct"]
    assert [r.user_id for r, _ in backend.deliveries] == ["U1", "U2"]


def test_a_failed_delivery_is_retried_with_backoff_and_delivered_once(
    make_coordinator: MakeCoordinator, backend: FakeBackend
) -> None:
    backend.delivery_failures = 2
    coordinator = make_coordinator(delivery_backoff=0.02, delivery_backoff_max=1.0)

    coordinator.request("acct", requester("U1"))
    wait_until(settled(coordinator), what="the delivery")

    assert [r.user_id for r in backend.delivery_attempts] == ["U1"] * 3
    assert [r.user_id for r, _ in backend.deliveries] == ["U1"]


def test_a_delivery_that_keeps_failing_is_bounded_logged_and_marked_failed(
    make_coordinator: MakeCoordinator,
    backend: FakeBackend,
    state_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    backend.delivery_failures = 1000
    coordinator = make_coordinator(delivery_attempts=3)
    asker = requester("U9", channel_id="C42")

    coordinator.request("acct", asker)
    wait_until(settled(coordinator), what="the delivery to be given up")

    assert len(backend.delivery_attempts) == 3
    assert backend.deliveries == []
    with sqlite3.connect(state_path) as conn:
        assert conn.execute("SELECT state, attempts FROM follow_ups").fetchall() == [("failed", 3)]
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    message = error.getMessage()
    for expected in ("U9", "C42", "acct", "127.0.0.1", "after 3 attempts", "wake-up job"):
        assert expected in message
    secret = asker.response_url.split("127.0.0.1:9", 1)[1]
    assert all(secret not in r.getMessage() for r in caplog.records)
    assert all("s3cr3t" not in r.getMessage() for r in caplog.records)


def test_delivery_delay_doubles_up_to_the_cap() -> None:
    delays = [delivery_delay(n, base=2.0, cap=300.0) for n in range(1, 11)]
    assert delays == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert delivery_delay(5000, base=2.0, cap=300.0) == 300.0


def test_resume_is_refused_once_requests_are_served(make_coordinator: MakeCoordinator) -> None:
    coordinator = make_coordinator()
    coordinator.request("acct", requester("U1"))
    with pytest.raises(RuntimeError, match="before the first request"):
        coordinator.resume()


def test_after_shutdown_requests_are_only_stored(
    make_coordinator: MakeCoordinator,
    backend: FakeBackend,
    store: SqliteWakeupStore,
    scheduler: Scheduler,
) -> None:
    coordinator = make_coordinator()
    coordinator.shutdown()

    assert coordinator.request("acct", requester("U1")) is False

    assert scheduler.pending() == 0
    assert store.count_active_jobs() == 1
    assert backend.wakes == []


def test_requester_fields_reach_the_delivery_unchanged(
    make_coordinator: MakeCoordinator, backend: FakeBackend
) -> None:
    asker = Requester(
        user_id="U1",
        channel_id="C1",
        response_url="http://127.0.0.1:9/r",
        requested_at=123.5,
        user_name="ada",
        team_id="T1",
    )
    coordinator = make_coordinator()

    coordinator.request("acct", asker)
    wait_until(settled(coordinator), what="the follow-up")

    assert backend.deliveries[0][0] == asker
