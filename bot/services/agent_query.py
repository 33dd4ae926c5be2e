"""Which agents a user asked for, and in what order they are worth reading.

Everything here is pure: the fleet is fetched elsewhere and handed in, so paging through a
list or matching a name never calls the API again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.backup_api.models import Agent, AgentStatus

DATACENTERS = ("IAD", "ORD", "DFW", "HKG", "LON", "SYD")
REGIONS = DATACENTERS
"""Cloud Backup has one regional endpoint per datacenter, so the two sets are the same."""

STATUS_WORDS = {status.value.lower(): status for status in AgentStatus}

OPTION = re.compile(r"([A-Za-z]+):(.*)", re.DOTALL)
"""A ``key:value`` token; a word that looks like one must be quoted to be searched for."""


@dataclass(frozen=True, slots=True)
class AgentQuery:
    """The ``agents`` filters. ``account`` and ``region`` pick the API; they do not filter."""

    words: tuple[str, ...] = ()
    dc: str | None = None
    status: AgentStatus | None = None
    region: str | None = None
    account: str | None = None

    @property
    def is_filtered(self) -> bool:
        return bool(self.words) or self.dc is not None or self.status is not None

    def to_text(self) -> str:
        """The canonical command text, so a button can carry the query and parse it back.

        Words holding white space, or looking like an option, are quoted. The parser never
        yields a word with a double quote in it, so every parsed query survives the trip.
        """
        parts = [_quoted(word) for word in self.words]
        if self.dc is not None:
            parts.append(f"dc:{self.dc}")
        if self.status is not None:
            parts.append(f"status:{self.status.value.lower()}")
        if self.region is not None:
            parts.append(f"region:{self.region}")
        if self.account is not None:
            parts.append(f"account:{self.account}")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Counts:
    total: int
    online: int
    offline: int
    unknown: int
    disabled: int
    never_backed_up: int


def filter_agents(agents: Iterable[Agent], query: AgentQuery) -> list[Agent]:
    """Agents matching every word (name, IP or id, any case) and every option."""
    words = [word.casefold() for word in query.words]
    dc = query.dc.casefold() if query.dc is not None else None
    return [
        agent
        for agent in agents
        if (dc is None or (agent.datacenter or "").casefold() == dc)
        and (query.status is None or agent.status is query.status)
        and all(_word_matches(agent, word) for word in words)
    ]


def sort_agents(agents: Iterable[Agent]) -> list[Agent]:
    """Problems first, so the agents that need a look lead page one.

    Offline or unknown first, then disabled ones (a problem, but a known and explained
    one), then those never backed up, then the rest; by name, then id, within each group.
    """
    return sorted(agents, key=lambda agent: (_problem_rank(agent), *name_key(agent)))


def match_agent(agents: Iterable[Agent], ref: str) -> list[Agent]:
    """The agents ``ref`` names: by exact id, host server id or name, else by part of a name.

    Several exact matches (an id that is also another agent's name) are all returned, so the
    user chooses rather than the bot guessing. The result is in name order.
    """
    wanted = ref.strip().casefold()
    if not wanted:
        return []
    candidates = list(agents)
    exact = [
        agent
        for agent in candidates
        if str(agent.id) == wanted
        or (agent.host_server_id or "").casefold() == wanted
        or agent.name.casefold() == wanted
    ]
    found = exact or [agent for agent in candidates if wanted in agent.name.casefold()]
    return sorted(found, key=name_key)


def counts(agents: Iterable[Agent]) -> Counts:
    listed = list(agents)
    return Counts(
        total=len(listed),
        online=sum(agent.status is AgentStatus.ONLINE for agent in listed),
        offline=sum(agent.status is AgentStatus.OFFLINE for agent in listed),
        unknown=sum(agent.status is AgentStatus.UNKNOWN for agent in listed),
        disabled=sum(agent.is_disabled is True for agent in listed),
        never_backed_up=sum(agent.never_backed_up for agent in listed),
    )


def _word_matches(agent: Agent, word: str) -> bool:
    return (
        word in agent.name.casefold()
        or word in (agent.ip_address or "").casefold()
        or word in str(agent.id)
    )


def _problem_rank(agent: Agent) -> int:
    if agent.is_disabled:
        return 1
    if agent.status is not AgentStatus.ONLINE:
        return 0
    return 2 if agent.never_backed_up else 3


def name_key(agent: Agent) -> tuple[str, int]:
    """Name order for people: case-insensitive, the id settling equal names."""
    return agent.name.casefold(), agent.id


def _quoted(word: str) -> str:
    needs_quotes = (
        not word
        or any(char.isspace() for char in word)
        or OPTION.fullmatch(word)
        or word.startswith("'")
        or word.endswith("'")
    )
    return f'"{word}"' if needs_quotes else word
