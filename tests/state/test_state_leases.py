"""Leases on wake-up work: two coordinators on one PostgreSQL database, as two instances.

Overlapping requests at either share one POST; when the one holding a job dies mid-wait,
the other takes it over once the lease runs out and delivers every follow-up once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest

from bot.config import Secret, Settings
from bot.devtools.postgres import TempPostgres
from bot.state import open_stores
from bot.wakeup import Scheduler, WakeupCoordinator
from tests.state.conftest import fresh_database
from tests.support.waiting import wait_until
from tests.wakeup.wakeup_helpers import FAST, FakeBackend, fleet, requester

LEASE = 0.6


@pytest.fixture
def url(postgres: TempPostgres) -> str:
    return fresh_database(postgres)


@contextmanager
def instance(
    url: str, backend: FakeBackend, **overrides: Any
) -> Iterator[tuple[WakeupCoordinator, Scheduler, ThreadPoolExecutor]]:
    """One instance's coordinator with its own pool of connections, threads and scheduler."""
    stores = open_stores(Settings(state_url=Secret(url)))
    executor = ThreadPoolExecutor(max_workers=4)
    scheduler = Scheduler(executor)
    scheduler.start()
    coordinator = WakeupCoordinator(
        store=stores.wakeups,
        scheduler=scheduler,
        executor=executor,
        wake=backend.wake,
        check=backend.check,
        deliver=backend.deliver,
        lease=LEASE,
        **{**FAST, **overrides},
    )
    coordinator.resume()
    try:
        yield coordinator, scheduler, executor
    finally:
        coordinator.shutdown()
        scheduler.stop()
        executor.shutdown(wait=True)
        stores.close()


def test_overlapping_requests_on_two_instances_share_one_post(url: str) -> None:
    backend = FakeBackend(statuses=lambda account, n: fleet(online=n >= 2))
    with instance(url, backend) as (a, _, _), instance(url, backend) as (b, _, _):
        joined = [
            a.request("acct", requester("U1")),
            b.request("acct", requester("U2")),
            a.request("acct", requester("U3")),
            b.request("acct", requester("U4")),
        ]
        wait_until(lambda: len(backend.deliveries) == 4, what="four follow-ups")
        wait_until(lambda: a.pending_deliveries() == 0, what="all marked delivered")

    assert joined == [False, True, True, True]
    assert backend.wakes == ["acct"]
    assert Counter(r.user_id for r, _ in backend.deliveries) == Counter(
        {"U1": 1, "U2": 1, "U3": 1, "U4": 1}
    )


def test_a_dead_instance_s_wait_is_taken_over_when_its_lease_runs_out(url: str) -> None:
    slow = FakeBackend(statuses=lambda account, n: fleet(online=False))
    later = FakeBackend(statuses=lambda account, n: fleet(online=True))
    with ExitStack() as stack:
        first, scheduler, executor = stack.enter_context(instance(url, slow, give_up_after=30.0))
        first.request("acct", requester("U1"))
        first.request("acct", requester("U2"))
        slow.wait(lambda: len(slow.checks_of("acct")) >= 1)
        scheduler.stop()  # dead: nothing renews its leases any more
        executor.shutdown(wait=True)

        with instance(url, later) as (second, _, _):
            wait_until(lambda: len(later.deliveries) == 2, what="the taken-over follow-ups")
            wait_until(lambda: second.pending_deliveries() == 0, what="marked delivered")

    assert slow.deliveries == []
    assert later.wakes == []  # the POST was recorded: the checks go on where they were
    assert sorted(r.user_id for r, _ in later.deliveries) == ["U1", "U2"]


def test_a_held_lease_is_not_taken(url: str) -> None:
    stores = open_stores(Settings(state_url=Secret(url)))
    try:
        job, _ = stores.wakeups.add_request(
            "acct", requester("U1"), started_at=1.0, owner="a", lease_until=100.0
        )
        assert stores.wakeups.claim("b", now=50.0, lease=10.0) == ([], [])
        assert not stores.wakeups.mark_woken(job.job_id, owner="b")
        assert stores.wakeups.renew("a", [job.job_id], [], until=120.0) == ({job.job_id}, set())
        jobs, _ = stores.wakeups.claim("b", now=121.0, lease=10.0)
        assert [j.job_id for j in jobs] == [job.job_id]
        assert stores.wakeups.renew("a", [job.job_id], [], until=130.0) == (set(), set())
        assert not stores.wakeups.mark_woken(job.job_id, owner="a")  # fenced out
        assert stores.wakeups.mark_woken(job.job_id, owner="b")
    finally:
        stores.close()
