"""The store contract, run on both engines: every method of ``WakeupStore`` and
``WatchStore`` behaves the same on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from types import MappingProxyType

from bot.backup_api.models import Agent, AgentStatus, PublicKey
from bot.state import Stores
from bot.wakeup import Requester, WakeupOutcome
from bot.watch.model import (
    AccountState,
    Announce,
    Condition,
    Open,
    OpenIncident,
    Resolve,
    SeenAgent,
    Update,
)
from tests.state.conftest import OpenStores

URL = "http://127.0.0.1:9/commands/T1/1/secret"


def requester(user: str, channel: str = "C1") -> Requester:
    return Requester(user, channel, f"{URL}/{user}", requested_at=5.0, user_name=user.lower(),
                     team_id="T1")  # fmt: skip


def outcome(
    account: str, agents: tuple[Agent, ...] = (), *, gave_up: bool = False
) -> WakeupOutcome:
    now = time.time()
    return WakeupOutcome(account, agents, now - 1.0, now, gave_up=gave_up, error=None)


# -- wake-ups -----------------------------------------------------------------------------


def test_requests_join_the_running_job_of_their_account_only(stores: Stores) -> None:
    s = stores.wakeups
    first, j1 = s.add_request("a", requester("U1"), started_at=10.0)
    second, j2 = s.add_request("a", requester("U2"), started_at=11.0)
    other, j3 = s.add_request("b", requester("U3"), started_at=12.0)

    assert (j1, j2, j3) == (False, True, False)
    assert second == first
    assert first.started_at == 10.0
    assert not first.woken
    assert other.job_id != first.job_id
    assert (s.count_active_jobs(), s.count_pending_follow_ups()) == (2, 3)
    assert [j.account_key for j in s.active_jobs()] == ["a", "b"]

    assert len(s.finish_job(first.job_id, outcome("a"))) == 2
    after, joined = s.add_request("a", requester("U4"), started_at=13.0)
    assert not joined
    assert after.job_id not in (first.job_id, other.job_id)


def test_mark_woken_and_restart_job_are_stored(stores: Stores) -> None:
    s = stores.wakeups
    job, _ = s.add_request("a", requester("U1"), started_at=10.0)
    s.restart_job(job.job_id, started_at=20.0)
    s.mark_woken(job.job_id)
    (stored,) = s.active_jobs()
    assert (stored.job_id, stored.started_at, stored.woken) == (job.job_id, 20.0, True)


def test_finish_returns_each_follow_up_once_with_the_outcome_intact(stores: Stores) -> None:
    s = stores.wakeups
    job, _ = s.add_request("a", requester("U1"), started_at=1.0)
    s.add_request("a", requester("U2", "C2"), started_at=2.0)
    agent = Agent(
        id=7, name="web<7>", status=AgentStatus.ONLINE, is_disabled=False, datacenter="DFW",
        last_successful_backup=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        public_key=PublicKey(modulus_hex="ab", exponent_hex="01"),
    )  # fmt: skip
    done = outcome("a", (agent,))

    follow_ups = s.finish_job(job.job_id, done)

    assert [f.requester for f in follow_ups] == [requester("U1"), requester("U2", "C2")]
    assert all(f.outcome == done and f.job_id == job.job_id for f in follow_ups)
    assert s.finish_job(job.job_id, done) == []  # finishing twice delivers nothing twice
    assert s.count_active_jobs() == 0
    assert [f.follow_up_id for f in s.undelivered_follow_ups()] == [
        f.follow_up_id for f in follow_ups
    ]


def test_delivery_bookkeeping_is_shared_by_every_opening(open_state: OpenStores) -> None:
    one, two = open_state(), open_state()
    job, _ = one.wakeups.add_request("a", requester("U1"), started_at=1.0)
    one.wakeups.add_request("a", requester("U2"), started_at=1.0)
    one.wakeups.add_request("a", requester("U3"), started_at=1.0)
    delivered, retried, failed = one.wakeups.finish_job(job.job_id, outcome("a"))

    one.wakeups.mark_delivered(delivered.follow_up_id)
    one.wakeups.record_delivery_failure(retried.follow_up_id, error="boom", retry_at=99.0)
    one.wakeups.record_delivery_failure(failed.follow_up_id, error="gone", retry_at=None)

    (pending,) = two.wakeups.undelivered_follow_ups()
    assert (pending.follow_up_id, pending.attempts, pending.next_attempt_at) == (
        retried.follow_up_id, 1, 99.0,
    )  # fmt: skip
    assert two.wakeups.count_pending_follow_ups() == 1


def test_concurrent_requests_make_one_job_per_account(open_state: OpenStores) -> None:
    openings = [open_state() for _ in range(4)]
    barrier = threading.Barrier(len(openings) * 5)
    jobs: list[int] = []
    lock = threading.Lock()

    def ask(stores: Stores, user: str) -> None:
        barrier.wait(timeout=10)
        job, _ = stores.wakeups.add_request("a", requester(user), started_at=1.0)
        with lock:
            jobs.append(job.job_id)

    threads = [
        threading.Thread(target=ask, args=(o, f"U{i}-{k}"))
        for i, o in enumerate(openings)
        for k in range(5)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert len(jobs) == 20
    assert len(set(jobs)) == 1
    assert openings[0].wakeups.count_pending_follow_ups() == 20


# -- watch --------------------------------------------------------------------------------


def seen(agent_id: int, name: str = "web") -> SeenAgent:
    return SeenAgent(agent_id, name, "DFW", online=False, is_disabled=False, last_backup=None,
                     first_seen=1.0)  # fmt: skip


def opened(agent_id: int, condition: Condition = Condition.STALE) -> OpenIncident:
    return OpenIncident((condition, agent_id), 1.0, "no backup", f"web{agent_id}", "DFW")


def test_subscriptions(stores: Stores) -> None:
    w = stores.watch
    assert w.subscribe("C1", "a", now=1.0) is True
    assert w.subscribe("C1", "a", now=2.0) is False
    assert w.subscribe("C2", "a", now=3.0, configured=True) is True
    assert w.subscribe("C1", "b", now=4.0) is True
    w.set_last_report("C1", "a", 50.0)

    subs = {(s.channel_id, s.account_key): s for s in w.subscriptions()}
    assert list(subs) == [("C1", "a"), ("C1", "b"), ("C2", "a")]
    assert (subs["C1", "a"].created_at, subs["C1", "a"].last_report_at) == (1.0, 50.0)
    assert subs["C2", "a"].configured
    assert not subs["C1", "a"].configured

    assert w.unsubscribe("C2", "a") == "configured"
    assert w.unsubscribe("C1", "a") == "removed"
    assert w.unsubscribe("C1", "a") == "absent"
    assert w.subscribe("C1", "b", now=9.0, configured=True) is False
    assert w.unsubscribe("C1", "b") == "configured"


def test_state_round_trips_and_one_open_incident_per_key(stores: Stores) -> None:
    w = stores.watch
    assert w.load_state("a") == AccountState("a")
    state = AccountState(
        "a", swept=True, agents=MappingProxyType({1: seen(1), 2: seen(2, "db")}), failures=2,
        first_failure_at=3.0, last_error="down",
        open=MappingProxyType({(Condition.STALE, 1): opened(1)}),
    )  # fmt: skip
    w.apply(state, [Open(opened(1)), Open(opened(1))], now=10.0, swept=True)

    assert w.load_state("a") == state
    (incident,) = w.incidents("a", open_only=True)
    assert (incident.agent_id, incident.opened_at, incident.detail) == (1, 10.0, "no backup")
    assert w.incident(incident.incident_id) == incident
    assert w.incident(999_999) is None

    renamed = OpenIncident((Condition.STALE, 1), 1.0, "still none", "web-one", "ORD")
    w.apply(state, [Update(renamed)], now=11.0, swept=False)
    assert w.incident(incident.incident_id).agent_name == "web-one"  # type: ignore[union-attr]
    w.apply(AccountState("a", swept=True), [Resolve((Condition.STALE, 1), "backed up")],
            now=12.0, swept=False)  # fmt: skip
    assert w.incidents("a", open_only=True) == []
    (resolved,) = w.incidents_resolved_since("a", 12.0)
    assert (resolved.resolution, resolved.resolved_at) == ("backed up", 12.0)
    assert w.incidents_resolved_since("a", 12.5) == []
    assert len(w.incidents("a", open_only=False)) == 1
    # A sweep that is not one (a failed wake-up) keeps the agents seen before.
    assert len(w.load_state("a").agents) == 2


def test_acknowledge_and_snooze(stores: Stores) -> None:
    w = stores.watch
    w.apply(AccountState("a"), [Open(opened(1))], now=1.0, swept=False)
    (incident,) = w.incidents("a", open_only=True)

    acked = w.acknowledge(incident.incident_id, "U1", now=5.0)
    again = w.acknowledge(incident.incident_id, "U2", now=6.0)
    snoozed = w.snooze(incident.incident_id, "U3", until=100.0)

    assert acked is not None
    assert (acked.acknowledged_by, acked.acknowledged_at) == ("U1", 5.0)
    assert again is not None
    assert again.acknowledged_by == "U1"
    assert snoozed is not None
    assert (snoozed.snoozed_until, snoozed.snoozed_by) == (100.0, "U3")
    assert w.acknowledge(999_999, "U1", now=1.0) is None


def test_messages_post_render_reply_remind_and_discard(stores: Stores) -> None:
    w = stores.watch
    w.apply(AccountState("a"), [Open(opened(1)), Open(opened(2))], now=1.0, swept=False)
    ids = [i.incident_id for i in w.incidents("a", open_only=True)]

    posted = w.begin_message("C1", "a", "group", ids, now=2.0, page=1, pages=2)
    catchup = w.begin_message("C1", "*", "catchup", [], now=3.0)
    other = w.begin_message("C1", "b", "incident", [], now=3.0)
    lost = w.begin_message("C2", "a", "incident", ids[:1], now=4.0)
    w.message_posted(posted, "1700000000.000100", "digest-1")
    w.set_rendered(posted, "digest-2")
    w.mark_replied(posted, ids[:1])
    w.set_reminded(posted, 9.0)
    w.message_posted(catchup, "1700000000.000200", "d")

    records = w.messages("C1", "a")
    assert [r.message_id for r in records] == [posted, catchup]
    first = records[0]
    assert (first.posted, first.ts, first.rendered, first.page, first.pages) == (
        True, "1700000000.000100", "digest-2", 1, 2,
    )  # fmt: skip
    assert (first.created_at, first.reminded_at, first.kind) == (2.0, 9.0, "group")
    assert [(i.incident_id, i.replied) for i in first.items] == [(ids[0], True), (ids[1], False)]
    assert [r.message_id for r in w.messages("C1")] == [posted, catchup, other]

    w.drop_message(other)
    assert w.discard_unconfirmed_posts() == 1  # ``lost`` never confirmed
    assert w.messages("C2") == []
    assert lost not in [r.message_id for r in w.messages("C1")]


def test_quiet_hours_announcements_and_pruning(stores: Stores) -> None:
    w = stores.watch
    assert w.quiet_since("C1") is None
    w.set_quiet("C1", 5.0)
    w.set_quiet("C1", 6.0)  # the first moment of a quiet spell is kept
    assert w.quiet_since("C1") == 5.0
    w.set_quiet("C1", None)
    assert w.quiet_since("C1") is None

    w.subscribe("C1", "a", now=1.0)
    w.subscribe("C2", "a", now=1.0)
    w.apply(AccountState("a"), [Announce((seen(3, "new"),), (seen(4, "gone"),))], now=7.0,
            swept=False)  # fmt: skip
    (announcement,) = w.pending_announcements("C1")
    assert (announcement.appeared, announcement.disappeared, announcement.at) == (
        ((3, "new"),), ((4, "gone"),), 7.0,
    )  # fmt: skip
    w.announcement_delivered(announcement.announcement_id, "C1")
    assert w.pending_announcements("C1") == []
    assert len(w.pending_announcements("C2")) == 1
    w.unsubscribe("C2", "a")
    assert w.pending_announcements("C2") == []

    w.apply(AccountState("a"), [Open(opened(1))], now=1.0, swept=False)
    w.apply(AccountState("a"), [Resolve((Condition.STALE, 1), "fine")], now=2.0, swept=False)
    (incident,) = w.incidents("a", open_only=False)
    message = w.begin_message("C1", "a", "incident", [incident.incident_id], now=2.0)
    w.message_posted(message, "1.2", "d")

    assert w.prune(before=3.0) == 1
    assert w.incidents("a", open_only=False) == []
    assert w.messages("C1") == []  # left with nothing in it
    assert w.pending_announcements("C1") == []
