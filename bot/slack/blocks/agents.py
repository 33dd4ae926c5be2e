"""The agent list: filtered, problems first, one page at a time.

A page holds ``AGENTS_PER_PAGE`` agents, one section each, every section capped at
``MAX_ENTRY_TEXT`` characters. With the header, summary and footer that stays under Slack's
block count and total text limits however many agents the account has and whatever their
names are; the paging buttons carry the query so the next page is built the same way.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType

from bot.backup_api.models import Agent, AgentStatus
from bot.services.agent_query import AgentQuery, Counts, counts, filter_agents, sort_agents
from bot.slack.action_ids import ActionId
from bot.slack.blocks.common import (
    Block,
    Message,
    account_phrase,
    actions,
    agent_name,
    button,
    command_span,
    context,
    format_duration,
    header,
    message,
    plural,
    section,
    status_count,
    status_text,
    value_text,
)
from bot.slack.blocks.limits import MAX_BUTTON_VALUE, truncate
from bot.slack.mrkdwn import code, date_token, literal, mention

AGENTS_PER_PAGE = 10
MAX_ENTRY_TEXT = 900
MAX_FIELD_SHOWN = 40
"""Characters of a datacenter, OS or vault size shown in a list entry."""
MAX_REASON_SHOWN = 120
MAX_QUERY_SHOWN = 100


_NOTHING_UNVERIFIED: Mapping[int, str] = MappingProxyType({})
_ENTITY_START = re.compile(r"&(?=[#0-9A-Za-z])")
"""An ``&`` that ``html.unescape`` could read as the start of an entity."""


def page_count(total: int) -> int:
    return max(1, math.ceil(total / AGENTS_PER_PAGE))


def encode_page_value(query: AgentQuery, page: int) -> str | None:
    """A button value carrying the query and page; None when it would not fit in one.

    The query is written as Slack sends typed text, its ``&`` escaped where the parser's
    HTML unescaping would read an entity, so a search for ``&amp;`` is still one on page 2.
    """
    typed = _ENTITY_START.sub("&amp;", query.to_text())
    value = json.dumps({"q": typed, "p": page}, separators=(",", ":"), ensure_ascii=False)
    return value if len(value) <= MAX_BUTTON_VALUE else None


def decode_page_value(value: str) -> tuple[str, int] | None:
    """The query text and page a paging button carries; None for anything else."""
    if not isinstance(value, str) or len(value) > MAX_BUTTON_VALUE:
        return None
    try:
        decoded = json.loads(value)
    except (ValueError, RecursionError):
        return None
    if not isinstance(decoded, dict):
        return None
    query, page = decoded.get("q"), decoded.get("p")
    if not isinstance(query, str) or type(page) is not int or page < 0:
        return None
    return query, page


def agents_message(
    fleet_agents: Sequence[Agent],
    *,
    query: AgentQuery,
    command: str,
    page: int = 0,
    fetched_at: datetime,
    cache_ttl: float,
    unverified: Mapping[int, str] = _NOTHING_UNVERIFIED,
    account_id: str,
    region: str | None,
    shared_by: str | None = None,
) -> Message:
    """One page of the agents matching ``query``; ``page`` is clamped to the pages there are.

    ``unverified`` maps the ids of agents whose details could not be fetched to the reason;
    ``shared_by`` is the user who shared the list in the channel, which drops the share button.
    """
    matching = sort_agents(filter_agents(fleet_agents, query))
    pages = page_count(len(matching))
    page = min(max(page, 0), pages - 1)
    shown = matching[page * AGENTS_PER_PAGE : (page + 1) * AGENTS_PER_PAGE]
    tally = counts(matching)

    blocks: list[Block] = [header("Backup agents"), section(_summary(tally, query))]
    if unverified:
        blocks.append(
            section(
                f":warning: Details could not be fetched for {plural(len(unverified), 'agent')}; "
                "their status shows as Unknown."
            )
        )
    if matching:
        blocks.extend(section(_entry(agent, unverified.get(agent.id))) for agent in shown)
    else:
        blocks.append(section(_nothing_found(fleet_agents, query, command, region)))

    footer = [
        f"Rackspace {account_phrase(account_id, region or 'default region', query.account)} · "
        f"status checked {date_token(fetched_at)} · cached up to {format_duration(cache_ttl)}",
        f"Page {page + 1:,} of {pages:,}",
    ]
    if shared_by is not None:
        footer.append(f"Shared by {mention(shared_by)}")
    blocks.append(context(*footer))
    buttons = _buttons(query, page, pages, shareable=shared_by is None)
    if buttons:
        blocks.append(actions(*buttons))
    return message(_fallback(tally, page, pages), blocks)


def _summary(tally: Counts, query: AgentQuery) -> str:
    matching = f" matching {_query_shown(query)}" if query.is_filtered else ""
    parts = [
        f"*{plural(tally.total, 'agent')}*{matching}",
        status_count(AgentStatus.ONLINE, tally.online),
        status_count(AgentStatus.OFFLINE, tally.offline),
    ]
    if tally.unknown:
        parts.append(status_count(AgentStatus.UNKNOWN, tally.unknown))
    parts.append(f":no_entry: {tally.disabled:,} disabled")
    parts.append(f":warning: {tally.never_backed_up:,} never backed up")
    return " · ".join(parts)


def _entry(agent: Agent, unverified_reason: str | None) -> str:
    details = [
        status_text(agent.status),
        value_text(agent.datacenter, limit=MAX_FIELD_SHOWN, missing="datacenter unknown"),
        value_text(agent.os_display, limit=MAX_FIELD_SHOWN, missing="OS unknown"),
        f"last backup {date_token(agent.last_successful_backup)}",
        f"vault {value_text(agent.vault_size_text, limit=MAX_FIELD_SHOWN)}",
    ]
    if agent.is_disabled:
        details.append(":no_entry: disabled")
    if agent.is_encrypted:
        details.append(":lock: encrypted")
    text = f"*{agent_name(agent)}*  `{agent.id}`\n" + " · ".join(details)
    if unverified_reason is not None:
        reason = literal(truncate(unverified_reason, MAX_REASON_SHOWN))
        text += f"\n_details unavailable: {reason}_"
    return truncate(text, MAX_ENTRY_TEXT)


def _query_shown(query: AgentQuery) -> str:
    return code(truncate(query.to_text(), MAX_QUERY_SHOWN))


def _nothing_found(
    fleet_agents: Sequence[Agent], query: AgentQuery, command: str, region: str | None
) -> str:
    if not fleet_agents:
        where = f" in {value_text(region, limit=MAX_FIELD_SHOWN, missing='')}" if region else ""
        return f"This account has no backup agents{where}."
    every = command_span(command, "agents")
    return (
        f"No agents match {_query_shown(query)}. "
        f"Try {every} to see all {plural(len(fleet_agents), 'agent')}."
    )


def _buttons(query: AgentQuery, page: int, pages: int, *, shareable: bool) -> list[Block]:
    wanted = []
    if page > 0:
        wanted.append(("Previous", ActionId.AGENTS_PREVIOUS, page - 1))
    if page < pages - 1:
        wanted.append(("Next", ActionId.AGENTS_NEXT, page + 1))
    if shareable:
        wanted.append(("Share in channel", ActionId.AGENTS_SHARE, page))
    buttons = []
    for text, action_id, target in wanted:
        value = encode_page_value(query, target)
        if value is not None:
            buttons.append(button(text, action_id=action_id, value=value))
    return buttons


def _fallback(tally: Counts, page: int, pages: int) -> str:
    return (
        f"Backup agents: {tally.total:,} ({tally.online:,} online, {tally.offline:,} offline, "
        f"{tally.unknown:,} unknown, {tally.disabled:,} disabled, "
        f"{tally.never_backed_up:,} never backed up), page {page + 1:,} of {pages:,}."
    )
