"""The paged agent list: limits at any size, every agent once, buttons that carry the query."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.backup_api.models import Agent, AgentStatus
from bot.services.agent_query import AgentQuery, sort_agents
from bot.slack.blocks import AGENTS_PER_PAGE, agents_message, decode_page_value, page_count
from bot.slack.commands import AgentsCommand, parse_command

Inspect = Callable[[dict[str, Any]], list[str]]
FETCHED = datetime(2024, 5, 6, 7, 8, tzinfo=UTC)
ENTRY_ID = re.compile(r"^\*.*\*  `(\d+)`\n", re.DOTALL)


def build(agents: list[Agent], **options: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "query": AgentQuery(),
        "command": "/backup",
        "fetched_at": FETCHED,
        "cache_ttl": 30.0,
        "account_id": "123456",
        "region": "DFW",
    }
    return agents_message(agents, **(arguments | options))


def entry_ids(message: dict[str, Any]) -> list[int]:
    found = []
    for block in message["blocks"]:
        match = ENTRY_ID.match(block.get("text", {}).get("text", ""))
        if block["type"] == "section" and match:
            found.append(int(match.group(1)))
    return found


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        element["action_id"]: element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


def all_text(message: dict[str, Any]) -> str:
    return str(message["blocks"])


@pytest.mark.parametrize("size", [0, 1, 9, 10, 11, 57, 500, 5000])
def test_every_page_is_valid_and_shows_every_agent_once(
    size: int, fleet: Callable[[int], list[Agent]], inspect: Inspect
) -> None:
    agents = fleet(size)
    pages = page_count(size)
    seen: list[int] = []
    for page in range(pages):
        message = build(agents, page=page)
        assert inspect(message) == []
        shown = entry_ids(message)
        assert len(shown) == min(AGENTS_PER_PAGE, size - page * AGENTS_PER_PAGE)
        seen += shown
    assert seen == [agent.id for agent in sort_agents(agents)]
    assert len(set(seen)) == size


def test_paging_buttons_carry_the_query_and_target_page(
    fleet: Callable[[int], list[Agent]],
) -> None:
    query = AgentQuery(words=("server",), status=AgentStatus.OFFLINE, region="DFW")
    agents = fleet(100)
    last = page_count(len([a for a in agents if a.status is AgentStatus.OFFLINE])) - 1
    assert last >= 2

    first, middle, final = (build(agents, query=query, page=page) for page in (0, 1, last))
    assert set(buttons(first)) == {"agents_page_next", "agents_share"}
    assert set(buttons(middle)) == {"agents_page_prev", "agents_page_next", "agents_share"}
    assert set(buttons(final)) == {"agents_page_prev", "agents_share"}

    targets = {
        action_id: decode_page_value(element["value"])
        for action_id, element in buttons(middle).items()
    }
    assert targets == {
        "agents_page_prev": (query.to_text(), 0),
        "agents_page_next": (query.to_text(), 2),
        "agents_share": (query.to_text(), 1),
    }
    text, _ = targets["agents_page_next"] or ("", 0)
    assert parse_command("agents " + text) == AgentsCommand(query)


def test_page_indicator_and_clamping(fleet: Callable[[int], list[Agent]]) -> None:
    agents = fleet(63)
    assert "Page 2 of 7" in all_text(build(agents, page=1))
    assert "Page 1 of 7" in all_text(build(agents, page=-3))
    assert entry_ids(build(agents, page=-3)) == entry_ids(build(agents, page=0))
    assert "Page 7 of 7" in all_text(build(agents, page=500))
    assert len(entry_ids(build(agents, page=500))) == 3


def test_a_single_page_has_only_the_share_button(fleet: Callable[[int], list[Agent]]) -> None:
    assert set(buttons(build(fleet(3)))) == {"agents_share"}


def test_shared_list_names_the_sharer_and_drops_the_share_button(
    fleet: Callable[[int], list[Agent]], inspect: Inspect
) -> None:
    message = build(fleet(30), page=1, shared_by="U0SHARER")
    assert inspect(message) == []
    assert "Shared by <@U0SHARER>" in all_text(message)
    assert set(buttons(message)) == {"agents_page_prev", "agents_page_next"}


def test_summary_counts_the_filtered_set(agent: Callable[..., Agent]) -> None:
    agents = [
        agent(1, "web-1", status=AgentStatus.ONLINE),
        agent(2, "web-2", status=AgentStatus.OFFLINE, is_disabled=True),
        agent(3, "web-3", status=AgentStatus.OFFLINE, last_successful_backup=None),
        agent(4, "db-1", status=AgentStatus.OFFLINE),
    ]
    message = build(agents, query=AgentQuery(words=("web",)))
    summary = message["blocks"][1]["text"]["text"]
    assert summary.startswith("*3 agents* matching `web`")
    for phrase in ("1 online", "2 offline", "1 disabled", "1 never backed up"):
        assert phrase in summary
    assert "unknown" not in summary
    assert message["text"] == (
        "Backup agents: 3 (1 online, 2 offline, 0 unknown, 1 disabled, 1 never backed up), "
        "page 1 of 1."
    )


def test_entries_show_status_words_dates_and_markers(agent: Callable[..., Agent]) -> None:
    agents = [
        agent(1, "up", status=AgentStatus.ONLINE, is_encrypted=True),
        agent(2, "down", status=AgentStatus.OFFLINE, is_disabled=True, last_successful_backup=None),
        agent(
            3, "who", status=AgentStatus.UNKNOWN, vault_size_text=None, os_name=None, os_version=""
        ),
    ]
    entries = {
        entry_ids({"blocks": [block]})[0]: block["text"]["text"]
        for block in build(agents)["blocks"]
        if entry_ids({"blocks": [block]})
    }
    assert ":large_green_circle: Online" in entries[1]
    assert "last backup <!date^1704164640^{date_short_pretty} at {time}|" in entries[1]
    assert ":lock: encrypted" in entries[1]
    assert ":red_circle: Offline" in entries[2]
    assert "last backup never" in entries[2]
    assert ":no_entry: disabled" in entries[2]
    assert ":white_circle: Unknown" in entries[3]
    assert "vault unknown" in entries[3]
    assert "OS unknown" in entries[3]
    assert "DFW" in entries[3]
    assert "Ubuntu 22.04" in entries[1]
    assert "vault 35.3 MB" in entries[1]


def test_context_names_account_region_check_time_and_cache(
    fleet: Callable[[int], list[Agent]],
) -> None:
    text = all_text(build(fleet(1), cache_ttl=45.0))
    assert "Rackspace account 123456 (DFW)" in text
    assert "status checked <!date^1714979280^" in text
    assert "cached up to 45 s" in text
    assert "(default region)" in all_text(build(fleet(1), region=None))


def test_unverified_agents_are_counted_and_explained(agent: Callable[..., Agent]) -> None:
    agents = [agent(1, status=AgentStatus.UNKNOWN), agent(2), agent(3, status=AgentStatus.UNKNOWN)]
    message = build(agents, unverified={1: "HTTP 503 <Service Unavailable>", 3: "timed out"})
    text = all_text(message)
    assert "Details could not be fetched for 2 agents; their status shows as Unknown" in text
    assert "details unavailable: HTTP 503 &lt;Service Unavailable&gt;" in text
    assert "details unavailable: timed out" in text
    assert "Details could not be fetched" not in all_text(build(agents))


def test_empty_account_and_empty_result_say_so(
    fleet: Callable[[int], list[Agent]], inspect: Inspect
) -> None:
    nothing = build([])
    assert inspect(nothing) == []
    assert "This account has no backup agents in DFW." in all_text(nothing)
    assert "Backup agents: 0" in nothing["text"]

    no_match = build(fleet(12), query=AgentQuery(words=("web",), dc="ORD"))
    assert inspect(no_match) == []
    assert "No agents match `web dc:ORD`. Try `/backup agents` to see all 12 agents." in all_text(
        no_match
    )


def test_hostile_agents_render_safely(
    hostile_text: str,
    hostile: Callable[[int, str], Agent],
    inspect: Inspect,
    mrkdwn_strings: Callable[[Any], list[str]],
) -> None:
    agents = [hostile(index, hostile_text) for index in range(AGENTS_PER_PAGE + 3)]
    for page in (0, 1):
        message = build(
            agents,
            page=page,
            unverified={agent.id: hostile_text for agent in agents},
            account_id=hostile_text,
            region=hostile_text or None,
            command=hostile_text,
        )
        assert inspect(message) == []
        for text in mrkdwn_strings(message["blocks"]):
            for forbidden in ("<!channel>", "<!here", "<@U123ABC>", "<http://", "*bold*", "`code`"):
                assert forbidden not in text


def test_hostile_queries_render_safely(
    hostile_text: str, fleet: Callable[[int], list[Agent]], inspect: Inspect
) -> None:
    query = AgentQuery(words=(hostile_text,))
    message = build(fleet(25), query=query, shared_by=hostile_text)
    assert inspect(message) == []


def test_a_query_too_big_for_a_button_drops_the_buttons(
    fleet: Callable[[int], list[Agent]], inspect: Inspect
) -> None:
    agents = fleet(30)
    query = AgentQuery(words=("server", "x" * 2100))
    message = build(agents, query=query)
    assert inspect(message) == []
    assert buttons(message) == {}


@pytest.mark.parametrize(
    "value",
    [
        "",
        "{",
        "[]",
        "null",
        '{"q": 1, "p": 0}',
        '{"q": "web", "p": "1"}',
        '{"q": "web", "p": -1}',
        '{"q": "web", "p": true}',
        '{"q": "web", "p": 1.5}',
        '{"q": "web"}',
        "[" * 1999,
        '{"q": "' + "x" * 2000 + '", "p": 0}',
    ],
)
def test_decode_page_value_rejects_anything_malformed(value: str) -> None:
    assert decode_page_value(value) is None


def test_decode_page_value_reads_what_the_buttons_write() -> None:
    assert decode_page_value('{"q":"web dc:DFW","p":3}') == ("web dc:DFW", 3)
    assert decode_page_value('{"q":"","p":0}') == ("", 0)


def test_hostile_command_and_region_in_empty_answers(
    hostile_text: str, fleet: Callable[[int], list[Agent]], inspect: Inspect
) -> None:
    for agents in ([], fleet(3)):
        message = build(
            agents,
            query=AgentQuery(words=("no such agent",)),
            command=hostile_text,
            region=hostile_text,
        )
        assert inspect(message) == []
