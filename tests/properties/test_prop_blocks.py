"""Block builders: any fleet, any names, any query gives messages Slack accepts and can page.

Every message is checked by hand (``check_message``), by slack_sdk's models and for markup
made from data; a list is walked page by page through its own buttons' values, the way a
user clicking Next would, until every matching agent has been seen exactly once.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st

from bot.backup_api.models import Agent, AgentStatus
from bot.slack import blocks
from bot.slack.commands import DATACENTERS, AgentQuery, AgentsCommand, parse_command
from bot.slack.mrkdwn import mention
from tests.properties.prop_strategies import (
    agents,
    aware_datetimes,
    fleets,
    hostile_text,
    long_text,
    queries,
)
from tests.support.block_checks import agent_button, buttons, message_problems

_LISTED_ID = re.compile(r"`(\d+)`\n")
"""An entry's id: names are on one line and their backticks defused, so only ids match."""

NEXT = "agents_page_next"
PREVIOUS = "agents_page_prev"
SHARE = "agents_share"

user_ids = st.one_of(st.from_regex(r"[UW][A-Z0-9]{8,11}", fullmatch=True), hostile_text)
regions = st.one_of(st.none(), st.sampled_from(DATACENTERS), hostile_text)
commands = st.one_of(st.just("/backup"), hostile_text)
durations = st.floats(min_value=0, max_value=10**7, allow_nan=False)
fetched = st.one_of(aware_datetimes, st.just(datetime(2024, 5, 6, 7, 8, tzinfo=UTC)))


def mentions_for(user_id: str | None) -> list[str]:
    """The one mention a message may hold: the Slack user it was asked to name."""
    return [user_id] if user_id is not None and mention(user_id).startswith("<@") else []


def listed_ids(message: dict[str, Any]) -> list[int]:
    found: list[int] = []
    for block in message["blocks"]:
        text = block.get("text", {}).get("text", "") if block["type"] == "section" else ""
        found.extend(int(match) for match in _LISTED_ID.findall(text))
    return found


def page_button(message: dict[str, Any], action_id: str) -> dict[str, Any] | None:
    return next((b for b in buttons(message) if b["action_id"] == action_id), None)


@st.composite
def fleets_and_queries(draw: st.DrawFn) -> tuple[list[Agent], AgentQuery]:
    """A fleet and a query the parser produced, often with words taken from the agents' names."""
    fleet = draw(fleets())
    words: list[str] = []
    for _ in range(draw(st.integers(0, 2))):
        if fleet and draw(st.booleans()):
            name = draw(st.sampled_from(fleet)).name
            start = draw(st.integers(0, len(name)))
            words.append(name[start : start + draw(st.integers(1, 8))])
        else:
            words.append(draw(hostile_text))
    wanted = AgentQuery(
        words=tuple(words),
        dc=draw(st.one_of(st.none(), st.sampled_from(DATACENTERS))),
        status=draw(st.one_of(st.none(), st.sampled_from(AgentStatus))),
        region=draw(st.one_of(st.none(), st.sampled_from(DATACENTERS))),
    )
    parsed = parse_command("agents " + wanted.to_text())
    return fleet, parsed.query if isinstance(parsed, AgentsCommand) else AgentQuery()


def list_page(
    fleet: list[Agent], query: AgentQuery, page: int, shared_by: str | None = None
) -> dict[str, Any]:
    return blocks.agents_message(
        fleet,
        query=query,
        command="/backup",
        page=page,
        fetched_at=datetime(2024, 5, 6, 7, 8, tzinfo=UTC),
        cache_ttl=60,
        account_id="123456",
        region=query.region,
        shared_by=shared_by,
    )


def follow(button: dict[str, Any]) -> tuple[AgentQuery, int]:
    """What the bot does with a paging button's value: decode it and parse its query."""
    decoded = blocks.decode_page_value(button["value"])
    assert decoded is not None, f"the bot cannot read its own button {button['value']!r}"
    parsed = parse_command("agents " + decoded[0])
    assert isinstance(parsed, AgentsCommand), f"its query does not parse: {parsed}"
    return parsed.query, decoded[1]


@given(
    fleet=fleets(),
    query=queries,
    page=st.integers(-5, 600),
    unverified_reasons=st.lists(long_text, max_size=3),
    account_id=hostile_text,
    region=regions,
    command=commands,
    shared_by=st.one_of(st.none(), user_ids),
    fetched_at=fetched,
    cache_ttl=durations,
)
def test_any_page_of_any_fleet_is_within_every_limit(
    fleet: list[Agent],
    query: AgentQuery,
    page: int,
    unverified_reasons: list[str],
    account_id: str,
    region: str | None,
    command: str,
    shared_by: str | None,
    fetched_at: datetime,
    cache_ttl: float,
) -> None:
    event("large fleet" if len(fleet) > 25 else "small fleet")
    unverified = {
        agent.id: reason for agent, reason in zip(fleet, unverified_reasons, strict=False)
    }
    message = blocks.agents_message(
        fleet,
        query=query,
        command=command,
        page=page,
        fetched_at=fetched_at,
        cache_ttl=cache_ttl,
        unverified=unverified,
        account_id=account_id,
        region=region,
        shared_by=shared_by,
    )
    assert message_problems(message, mentions_for(shared_by)) == []
    shown = listed_ids(message)
    assert len(shown) == len(set(shown)) <= blocks.AGENTS_PER_PAGE
    assert set(shown) <= {agent.id for agent in fleet}


@given(fleets_and_queries())
def test_every_matching_agent_is_reached_once_through_the_next_buttons(
    case: tuple[list[Agent], AgentQuery],
) -> None:
    fleet, query = case
    event("large fleet" if len(fleet) > 25 else "small fleet")
    wanted = Counter(
        agent.id
        for agent in fleet
        if (query.dc is None or (agent.datacenter or "").casefold() == query.dc.casefold())
        and (query.status is None or agent.status is query.status)
        and all(
            word.casefold() in agent.name.casefold()
            or word.casefold() in (agent.ip_address or "").casefold()
            or word.casefold() in str(agent.id)
            for word in query.words
        )
    )
    seen: Counter[int] = Counter()
    message = list_page(fleet, query, 0)
    pages = blocks.page_count(sum(wanted.values()))
    for page in range(pages):
        seen.update(listed_ids(message))
        share = page_button(message, SHARE)
        assert share is not None
        assert follow(share) == (query, page)
        if page > 0:
            previous = page_button(message, PREVIOUS)
            assert previous is not None
            assert follow(previous) == (query, page - 1)
        following = page_button(message, NEXT)
        if page == pages - 1:
            assert following is None
            break
        assert following is not None, f"page {page + 1} of {pages} has no Next button"
        next_query, next_page = follow(following)
        assert (next_query, next_page) == (query, page + 1)
        message = list_page(fleet, next_query, next_page)
    assert seen == wanted


@given(
    agent=agents(),
    fetched_at=fetched,
    region=regions,
    account_id=hostile_text,
)
def test_one_agent_is_within_every_limit_and_its_buttons_name_it(
    agent: Agent, fetched_at: datetime, region: str | None, account_id: str
) -> None:
    message = blocks.agent_message(
        agent, fetched_at=fetched_at, region=region, account_id=account_id
    )
    assert message_problems(message) == []
    known = region.upper() if region is not None and region.upper() in DATACENTERS else None
    values = [agent_button(b["value"]) for b in buttons(message)]
    assert values == [(agent.id, known), (agent.id, known)]


@given(
    matches=st.lists(agents(), max_size=40),
    ref=long_text,
    region=regions,
    command=commands,
)
def test_choices_and_not_found_are_within_every_limit(
    matches: list[Agent], ref: str, region: str | None, command: str
) -> None:
    choices = blocks.agent_choices_message(matches, ref=ref, region=region)
    assert message_problems(choices) == []
    shown = [agent_button(b["value"]) for b in buttons(choices)]
    assert [value[0] for value in shown if value is not None] == [a.id for a in matches[:15]]
    assert message_problems(blocks.agent_not_found_message(ref=ref, command=command)) == []


@given(
    fleet=fleets(),
    requester=user_ids,
    account_id=hostile_text,
    region=regions,
    elapsed=durations,
    gave_up=st.booleans(),
    give_up_after=durations,
    error=st.one_of(st.none(), long_text),
    joined=st.booleans(),
)
def test_wakeup_messages_are_within_every_limit(
    fleet: list[Agent],
    requester: str,
    account_id: str,
    region: str | None,
    elapsed: float,
    gave_up: bool,
    give_up_after: float,
    error: str | None,
    joined: bool,
) -> None:
    followup = blocks.wakeup_followup_message(
        requester_id=requester,
        account_id=account_id,
        region=region,
        agents=fleet,
        elapsed=elapsed,
        gave_up=gave_up,
        give_up_after=give_up_after,
        error=error,
    )
    assert message_problems(followup, mentions_for(requester)) == []
    ack = blocks.wakeup_ack_message(account_id=account_id, region=region, joined=joined)
    assert message_problems(ack) == []


@given(
    command=commands,
    unknown=st.one_of(st.none(), long_text),
    suggestion=st.one_of(st.none(), long_text),
    what_failed=long_text,
    status=st.one_of(st.none(), st.integers(100, 599)),
    meaning=st.one_of(st.none(), long_text),
    service_message=st.one_of(st.none(), long_text),
    hint=st.one_of(st.none(), long_text),
    error_id=st.one_of(st.none(), long_text),
    retries=st.integers(0, 10),
)
def test_help_error_refusal_and_working_messages_are_within_every_limit(
    command: str,
    unknown: str | None,
    suggestion: str | None,
    what_failed: str,
    status: int | None,
    meaning: str | None,
    service_message: str | None,
    hint: str | None,
    error_id: str | None,
    retries: int,
) -> None:
    messages = [
        blocks.help_message(command=command, unknown=unknown, suggestion=suggestion),
        blocks.error_message(
            what_failed=what_failed,
            status=status,
            meaning=meaning,
            service_message=service_message,
            hint=hint,
            error_id=error_id,
            retries=retries,
        ),
        blocks.refusal_message(reason=what_failed),
        blocks.working_message(what_failed),
    ]
    for message in messages:
        assert message_problems(message) == []
