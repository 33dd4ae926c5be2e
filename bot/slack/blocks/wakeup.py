"""Wake-up messages: the private acknowledgement and the channel post when it is over.

The follow-up names agents rather than paging them: it is posted once and read once. Each
list stops at ``MAX_LIST_TEXT`` characters with "and N more", so an account with thousands
of agents still gets one message within Slack's limits.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.backup_api.models import Agent, AgentStatus
from bot.services.agent_query import name_key, sort_agents
from bot.slack.blocks.common import (
    STATUS_EMOJI,
    Block,
    Message,
    account_phrase,
    agent_name,
    format_duration,
    message,
    section,
)
from bot.slack.blocks.limits import truncate
from bot.slack.mrkdwn import literal, mention

MAX_LIST_TEXT = 2500
MAX_ERROR_SHOWN = 500
DISABLED_REASON = "disabled, so it will not wake"
UNKNOWN_REASON = "status unknown"


def wakeup_ack_message(
    *, account_id: str, region: str | None, joined: bool, account_name: str | None = None
) -> Message:
    account = account_phrase(account_id, region, account_name)
    if joined:
        text = (
            f":hourglass_flowing_sand: A wake-up of {account} is already under way; "
            "I'll tell you here when it finishes."
        )
    else:
        text = (
            f":alarm_clock: Waking up agents for {account}… "
            "I'll post in this channel when they're awake."
        )
    return message(text, [section(text)], response_type="ephemeral")


def wakeup_followup_message(
    *,
    requester_id: str,
    account_id: str,
    region: str | None,
    agents: Sequence[Agent],
    elapsed: float,
    gave_up: bool,
    give_up_after: float,
    error: str | None = None,
    account_name: str | None = None,
) -> Message:
    """How the wake-up ended, for the channel: who asked, how long, who is up and who is not.

    ``agents`` is the last status seen; ``error`` says the wake-up or the status checks
    failed, ``gave_up`` that the agents were still not all up after ``give_up_after`` s.
    """
    online = [agent for agent in agents if agent.status is AgentStatus.ONLINE]
    waiting = sort_agents(agent for agent in agents if agent.status is not AgentStatus.ONLINE)
    who = mention(requester_id)
    account = account_phrase(account_id, region, account_name)
    tally = f"{len(online):,} of {len(agents):,} agents online"
    if error is not None:
        headline = (
            f":warning: {who} the wake-up of {account} did not finish: "
            f"{literal(truncate(error, MAX_ERROR_SHOWN))}"
        )
    elif gave_up:
        headline = (
            f":hourglass: {who} I woke the agents of {account} and gave up waiting after "
            f"{format_duration(give_up_after)}: {tally}."
        )
    else:
        headline = (
            f":white_check_mark: {who} I woke the agents of {account} "
            f"in {format_duration(elapsed)}: {tally}."
        )
    blocks: list[Block] = [section(headline)]
    if online:
        names = [agent_name(agent) for agent in sorted(online, key=name_key)]
        blocks.append(section(f"{STATUS_EMOJI[AgentStatus.ONLINE]} *Online*: {_listed(names)}"))
    if waiting:
        names = [_with_reason(agent) for agent in waiting]
        blocks.append(
            section(f"{STATUS_EMOJI[AgentStatus.OFFLINE]} *Not online*: {_listed(names)}")
        )
    return message(headline, blocks, response_type="in_channel")


def _with_reason(agent: Agent) -> str:
    if agent.is_disabled:
        return f"{agent_name(agent)} ({DISABLED_REASON})"
    if agent.status is AgentStatus.UNKNOWN:
        return f"{agent_name(agent)} ({UNKNOWN_REASON})"
    return agent_name(agent)


def _listed(names: Sequence[str]) -> str:
    """Names joined until the budget is spent, then "and N more"."""
    shown: list[str] = []
    used = 0
    for index, name in enumerate(names):
        if used + len(name) > MAX_LIST_TEXT:
            return f"{', '.join(shown)} and {len(names) - index:,} more"
        shown.append(name)
        used += len(name) + 2
    return ", ".join(shown)
