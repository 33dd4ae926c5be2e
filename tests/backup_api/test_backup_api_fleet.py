"""list_agents_with_status: list + parallel details, merged, with vanished and unverified agents."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.backup_api import AgentStatus, ServiceUnavailableError
from tests.backup_api.bapi_helpers import (
    IDENTITY_TOKENS,
    TENANT,
    Clients,
    FakeServer,
    Reply,
    Seen,
    agent_record,
    backup_path,
    identity_answer,
)

AGENTS = backup_path(None, "user/agents")


def detail(agent_id: int) -> str:
    return backup_path(None, f"agent/{agent_id}")


def test_details_merged_vanished_dropped_failures_unverified(
    server: FakeServer, clients: Clients
) -> None:
    listed = [
        agent_record(1, BackupContainer="https://files/one", Status="Offline"),
        agent_record(2),
        agent_record(3, MachineName="kept-from-list", Status="Offline"),
        agent_record(4),
        agent_record(5),
    ]
    server.script("GET", AGENTS, Reply(200, listed))
    one = agent_record(1, Status="Online", BackupVaultSize="2 GB")
    del one["MachineName"]
    server.script("GET", detail(1), Reply(200, one))
    server.script("GET", detail(2), Reply(404, {"itemNotFound": {"message": "Agent not found"}}))
    server.script("GET", detail(3), Reply(503))
    server.script("GET", detail(4), Reply(200, agent_record(4, Status="Offline")))
    server.script("GET", detail(5), Reply(200, "junk"))

    before = datetime.now(UTC)
    fleet = clients.static().list_agents_with_status()

    assert [a.id for a in fleet.agents] == [1, 3, 4, 5]
    by_id = {a.id: a for a in fleet.agents}
    assert by_id[1].status is AgentStatus.ONLINE
    assert by_id[1].vault_size_bytes == 2 * 1024**3
    assert by_id[1].name == "web1"  # details lacked it: the list's is kept
    assert by_id[1].backup_container == "https://files/one"
    assert by_id[3].status is AgentStatus.UNKNOWN  # the list said Offline: never trusted
    assert by_id[3].name == "kept-from-list"
    assert by_id[4].status is AgentStatus.OFFLINE
    assert by_id[5].status is AgentStatus.UNKNOWN
    assert dict(fleet.unverified) == {3: "HTTP 503, retried 2 times", 5: "unreadable response"}
    with pytest.raises(TypeError):
        fleet.unverified[9] = "x"  # type: ignore[index]
    assert before <= fleet.fetched_at <= datetime.now(UTC) + timedelta(seconds=1)
    assert fleet.fetched_at.tzinfo is UTC
    assert (fleet.account_id, fleet.region) == (TENANT, None)


def test_details_run_in_parallel_within_the_bound(server: FakeServer, clients: Clients) -> None:
    count, bound = 12, 3
    server.script("GET", AGENTS, Reply(200, [agent_record(i) for i in range(1, count + 1)]))
    reached = threading.Event()

    def first(_: Seen) -> Reply:
        if server.wait_for_in_flight(bound, timeout=2.0):
            reached.set()
        return Reply(200, agent_record(1, Status="Online"))

    server.respond("GET", detail(1), first)
    for i in range(2, count + 1):
        server.script("GET", detail(i), Reply(200, agent_record(i, Status="Online"), delay=0.02))

    fleet = clients.static(concurrency=bound).list_agents_with_status()

    assert len(fleet.agents) == count
    assert all(a.status is AgentStatus.ONLINE for a in fleet.agents)
    assert reached.is_set()
    assert server.max_in_flight == bound


def test_a_failing_list_raises(server: FakeServer, clients: Clients) -> None:
    server.script("GET", AGENTS, Reply(503))
    with pytest.raises(ServiceUnavailableError) as caught:
        clients.static().list_agents_with_status()
    assert caught.value.operation == "list agents"


def test_an_empty_account(server: FakeServer, clients: Clients) -> None:
    server.script("GET", AGENTS, Reply(200, []))
    fleet = clients.static().list_agents_with_status()
    assert (fleet.agents, dict(fleet.unverified)) == ((), {})
    assert len(server.seen()) == 1


def test_fleet_names_the_region(server: FakeServer, clients: Clients) -> None:
    server.script("POST", IDENTITY_TOKENS, Reply(200, identity_answer(server, "tok-5ecret")))
    server.script("GET", backup_path("IAD", "user/agents"), Reply(200, [agent_record(1)]))
    server.script(
        "GET", backup_path("IAD", "agent/1"), Reply(200, agent_record(1, Status="Online"))
    )
    client, _ = clients.identity()
    fleet = client.for_region("IAD").list_agents_with_status()
    assert (fleet.region, fleet.account_id) == ("IAD", TENANT)
    assert fleet.agents[0].status is AgentStatus.ONLINE
