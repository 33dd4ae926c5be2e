"""The watch engine's plain data: what was seen of an account, incidents, and transitions.

Everything here is immutable and free of I/O, so the engine's decisions can be replayed
from stored rows and checked by property tests.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

ACCOUNT_LEVEL = 0
"""The ``agent_id`` of an incident about the whole account (the API cannot be reached)."""


class Condition(enum.StrEnum):
    STALE = "stale"
    DISABLED = "disabled"
    NO_WAKE = "no_wake"
    API_DOWN = "api_down"

    @property
    def label(self) -> str:
        return _TITLES[self]


_TITLES = {
    Condition.STALE: "Stale backup",
    Condition.DISABLED: "Backups disabled",
    Condition.NO_WAKE: "Did not wake",
    Condition.API_DOWN: "Cloud Backup API unreachable",
}

IncidentKey = tuple[Condition, int]
"""(condition, agent id); at most one open incident per key and account."""


GROUP_PAGE = 20
"""Incidents listed in one grouped message; a larger flood is paged over several."""
AccountLabel = Callable[[str], str]
"""account key -> mrkdwn naming the account (``account 123456 (DFW)``)."""

MAX_SNOOZE = 30 * 86400
"""The longest snooze the watcher accepts, whatever a button says."""


@dataclass(frozen=True, slots=True)
class SeenAgent:
    """The last verified facts about one agent, in epoch seconds."""

    agent_id: int
    name: str
    datacenter: str | None
    online: bool
    is_disabled: bool | None
    last_backup: float | None
    first_seen: float

    @property
    def enabled(self) -> bool:
        """Unknown counts as enabled, as for wake-ups: better a false alarm than none."""
        return self.is_disabled is not True


@dataclass(frozen=True, slots=True)
class OpenIncident:
    """What the engine needs to know about an open incident."""

    key: IncidentKey
    since: float | None
    """When the trouble began (last backup, first failure...); None: never backed up."""
    detail: str = ""
    agent_name: str = ""
    datacenter: str | None = None


@dataclass(frozen=True, slots=True)
class AccountState:
    """The engine's memory of one account between sweeps."""

    account_key: str
    swept: bool = False
    agents: Mapping[int, SeenAgent] = field(default_factory=lambda: MappingProxyType({}))
    failures: int = 0
    first_failure_at: float | None = None
    last_error: str | None = None
    open: Mapping[IncidentKey, OpenIncident] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class EngineSettings:
    stale_after: float = 26 * 3600.0
    api_down_after: int = 3


@dataclass(frozen=True, slots=True)
class Open:
    incident: OpenIncident


@dataclass(frozen=True, slots=True)
class Update:
    """Facts shown in the message changed (a new error text, a renamed agent)."""

    incident: OpenIncident


@dataclass(frozen=True, slots=True)
class Resolve:
    key: IncidentKey
    reason: str
    """Mrkdwn written by the bot: what resolved it."""


@dataclass(frozen=True, slots=True)
class Announce:
    appeared: tuple[SeenAgent, ...]
    disappeared: tuple[SeenAgent, ...]


Transition = Open | Update | Resolve | Announce


@dataclass(frozen=True, slots=True)
class Incident:
    """One incident as stored and shown."""

    incident_id: int
    account_key: str
    condition: Condition
    agent_id: int
    agent_name: str
    datacenter: str | None
    since: float | None
    opened_at: float
    detail: str = ""
    resolved_at: float | None = None
    resolution: str | None = None
    acknowledged_by: str | None = None
    acknowledged_at: float | None = None
    snoozed_until: float | None = None
    snoozed_by: str | None = None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def snoozed(self, now: float) -> bool:
        return self.snoozed_until is not None and self.snoozed_until > now

    def needs_reminder(self, now: float) -> bool:
        return self.is_open and self.acknowledged_by is None and not self.snoozed(now)


@dataclass(frozen=True, slots=True)
class Announcement:
    announcement_id: int
    account_key: str
    at: float
    appeared: tuple[tuple[int, str], ...]
    disappeared: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class View:
    """What every builder needs besides the incidents: the clock and the account's name."""

    now: float
    account: str
    """Mrkdwn naming the account, written by the bot (use ``account_phrase``)."""
    region: str | None = None
    """The region key for Show agent buttons (None: the default region)."""
    account_name: str | None = None
    """The account's name for the buttons, when the bot serves several (None: the default)."""
