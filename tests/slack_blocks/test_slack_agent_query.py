"""Filtering, ordering, matching and counting agents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.backup_api.models import Agent, AgentStatus
from bot.services.agent_query import (
    AgentQuery,
    Counts,
    counts,
    filter_agents,
    match_agent,
    sort_agents,
)

MakeAgent = Callable[..., Agent]


def ids(agents: list[Agent]) -> list[int]:
    return [agent.id for agent in agents]


def test_every_word_must_match_name_ip_or_id(agent: MakeAgent) -> None:
    fleet = [
        agent(1, "Web-Prod-1", ip_address="10.0.0.5"),
        agent(2, "web-staging", ip_address="10.0.1.7"),
        agent(213563, "db-prod", ip_address="192.168.1.1"),
        agent(4, "", ip_address=None),
    ]
    assert ids(filter_agents(fleet, AgentQuery(words=("WEB",)))) == [1, 2]
    assert ids(filter_agents(fleet, AgentQuery(words=("web", "prod")))) == [1]
    assert ids(filter_agents(fleet, AgentQuery(words=("10.0.1",)))) == [2]
    assert ids(filter_agents(fleet, AgentQuery(words=("2135",)))) == [213563]
    assert ids(filter_agents(fleet, AgentQuery(words=("prod", "192.168")))) == [213563]
    assert filter_agents(fleet, AgentQuery(words=("web", "nothing"))) == []
    assert ids(filter_agents(fleet, AgentQuery())) == [1, 2, 213563, 4]


def test_dc_and_status_filter_but_region_does_not(agent: MakeAgent) -> None:
    fleet = [
        agent(1, datacenter="DFW", status=AgentStatus.ONLINE),
        agent(2, datacenter="dfw", status=AgentStatus.OFFLINE),
        agent(3, datacenter="ORD", status=AgentStatus.OFFLINE),
        agent(4, datacenter=None, status=AgentStatus.UNKNOWN),
    ]
    assert ids(filter_agents(fleet, AgentQuery(dc="DFW"))) == [1, 2]
    assert ids(filter_agents(fleet, AgentQuery(status=AgentStatus.OFFLINE))) == [2, 3]
    assert ids(filter_agents(fleet, AgentQuery(status=AgentStatus.UNKNOWN))) == [4]
    both = AgentQuery(dc="DFW", status=AgentStatus.OFFLINE)
    assert ids(filter_agents(fleet, both)) == [2]
    assert ids(filter_agents(fleet, AgentQuery(region="SYD"))) == [1, 2, 3, 4]


def test_sort_puts_problems_first(agent: MakeAgent) -> None:
    backed_up = datetime(2024, 1, 2, tzinfo=UTC)
    fleet = [
        agent(1, "zeta fine", status=AgentStatus.ONLINE, last_successful_backup=backed_up),
        agent(2, "alpha fine", status=AgentStatus.ONLINE, last_successful_backup=backed_up),
        agent(3, "never", status=AgentStatus.ONLINE, last_successful_backup=None),
        agent(4, "disabled", status=AgentStatus.OFFLINE, is_disabled=True),
        agent(5, "Offline b", status=AgentStatus.OFFLINE),
        agent(6, "offline a", status=AgentStatus.UNKNOWN),
        agent(7, "disabled but up", status=AgentStatus.ONLINE, is_disabled=True),
    ]
    assert ids(sort_agents(fleet)) == [6, 5, 4, 7, 3, 2, 1]


def test_sort_breaks_name_ties_by_id(agent: MakeAgent) -> None:
    fleet = [agent(9, "Same"), agent(3, "same"), agent(5, "SAME")]
    assert ids(sort_agents(fleet)) == [3, 5, 9]


def test_match_by_exact_id_host_or_name(agent: MakeAgent) -> None:
    host = "8c2b7d9e-1a2b-4c3d-9e8f-0a1b2c3d4e5f"
    fleet = [
        agent(213563, "web-01"),
        agent(2, "web-010"),
        agent(3, "DB", host_server_id=host),
        agent(4, "Web Server2"),
    ]
    assert ids(match_agent(fleet, "213563")) == [213563]
    assert ids(match_agent(fleet, host.upper())) == [3]
    assert ids(match_agent(fleet, "WEB-01")) == [213563]
    assert ids(match_agent(fleet, "  web server2 ")) == [4]


def test_match_falls_back_to_part_of_a_name(agent: MakeAgent) -> None:
    fleet = [agent(1, "web-b"), agent(2, "Web-a"), agent(3, "db")]
    assert ids(match_agent(fleet, "WEB")) == [2, 1]
    assert match_agent(fleet, "nothing") == []
    assert match_agent(fleet, "") == []
    assert match_agent(fleet, "   ") == []


def test_an_id_that_is_also_a_name_offers_both(agent: MakeAgent) -> None:
    fleet = [agent(42, "web"), agent(7, "42"), agent(8, "x42x")]
    assert ids(match_agent(fleet, "42")) == [7, 42]


def test_counts(agent: MakeAgent) -> None:
    fleet = [
        agent(1, status=AgentStatus.ONLINE),
        agent(2, status=AgentStatus.OFFLINE, is_disabled=True),
        agent(3, status=AgentStatus.OFFLINE, last_successful_backup=None),
        agent(4, status=AgentStatus.UNKNOWN, is_disabled=None, last_successful_backup=None),
    ]
    assert counts(fleet) == Counts(
        total=4, online=1, offline=2, unknown=1, disabled=1, never_backed_up=2
    )
    assert counts([]) == Counts(0, 0, 0, 0, 0, 0)
