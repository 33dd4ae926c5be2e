"""The agents' state machine: who is Online, computed from timestamps when asked.

An agent is Online during ``[awake_at, max(awake_at, last_wake) + idle_timeout)``: a
wake-up makes it Online after a random delay, each later wake-up keeps it awake, and with
no wake-up for ``idle_timeout`` it drops back to Offline. Disabled or powered-off agents
ignore wake-ups. Nothing runs in the background; status is derived from the monotonic
clock at request time, so the simulator scales to any number of agents.

Tests may override any wire field (``set_fields``) or drop it (value ``ABSENT``); an
override wins over the computed status too. ``IsDisabled`` and ``Datacenter`` are read
from the overridden view, so overriding them changes behaviour, not just the output.
The admin operations (``set_last_backup``, ``set_disabled``, ``set_powered``) change the
stored fields and drop any override of them, so the latest change is the one served.
"""

from __future__ import annotations

import copy
import enum
import json
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from bot.simulator.data import SeedAgent
from bot.simulator.wire import ms_date


class Absent(enum.Enum):
    """Type of ``ABSENT``."""

    ABSENT = "absent"


# A field value for ``set_agent_fields`` that removes the field from the wire object.
ABSENT = Absent.ABSENT

# What the list call gets wrong, whatever the truth (the real service's documented quirk).
_LIST_QUIRKS: dict[str, object] = {
    "Status": "Unknown",
    "BackupVaultSize": None,
    "TimeOfLastSuccessfulBackup": None,
}


@dataclass
class _Agent:
    wire: dict[str, object]
    powered_on: bool
    awake_at: float | None = None
    last_wake: float | None = None
    overrides: dict[str, object] = field(default_factory=dict)

    def fields(self, **computed: object) -> dict[str, object]:
        """The wire object: stored fields, then ``computed`` ones, then test overrides."""
        merged = {**self.wire, **computed, **self.overrides}
        return {key: value for key, value in merged.items() if value is not ABSENT}

    def in_region(self, region: str) -> bool:
        datacenter = self.fields().get("Datacenter")
        return isinstance(datacenter, str) and datacenter.upper() == region.upper()

    def can_wake(self) -> bool:
        disabled = self.fields().get("IsDisabled")
        return self.powered_on and not (disabled is True or str(disabled).lower() == "true")


class AgentBook:
    """All agents of the account, thread-safe; views are fresh dicts in wire form."""

    def __init__(
        self,
        seeds: Iterable[SeedAgent],
        *,
        wake_delay: tuple[float, float],
        idle_timeout: float,
        seed: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.Lock()
        self._wake_delay = wake_delay
        self._idle_timeout = idle_timeout
        self._rng = random.Random(f"wake-{seed}")
        self._clock = clock
        start = clock()
        self._agents: dict[int, _Agent] = {}
        for seed_agent in seeds:
            agent = _Agent(wire=dict(seed_agent.wire), powered_on=seed_agent.powered_on)
            if seed_agent.wire.get("Status") == "Online" and agent.can_wake():
                agent.awake_at = agent.last_wake = start
            self._agents[seed_agent.agent_id] = agent

    def list_view(self, region: str) -> list[dict[str, object]]:
        """The list call's answer: every agent of the region, with the list's quirks."""
        with self._lock:
            now = self._clock()
            views = [self._details(agent, now) for agent in self._in_region(region)]
        for view in views:
            view.update({key: value for key, value in _LIST_QUIRKS.items() if key in view})
        return views

    def details(self, region: str, agent_id: int) -> dict[str, object] | None:
        with self._lock:
            agent = self._agents.get(agent_id)
            if agent is None or not agent.in_region(region):
                return None
            return self._details(agent, self._clock())

    def details_by_server(self, region: str, host_server_id: str) -> dict[str, object] | None:
        wanted = host_server_id.lower()
        with self._lock:
            for agent in self._in_region(region):
                if str(agent.fields().get("HostServerId", "")).lower() == wanted:
                    return self._details(agent, self._clock())
            return None

    def wake(self, region: str) -> None:
        """Every wakeable agent of the region is Online after its own random delay."""
        with self._lock:
            now = self._clock()
            for agent in self._in_region(region):
                delay = self._rng.uniform(*self._wake_delay)
                if not agent.can_wake():
                    continue
                if not self._online(agent, now):
                    # A wake-up still pending from an earlier call keeps the earlier time.
                    pending = agent.awake_at
                    if pending is None or pending <= now:
                        pending = now + delay
                    agent.awake_at = min(pending, now + delay)
                agent.last_wake = now

    def all_details(self, region: str | None = None) -> list[dict[str, object]]:
        """Deep copies, so a caller may keep or change them freely."""
        with self._lock:
            now = self._clock()
            agents = self._agents.values() if region is None else self._in_region(region)
            return [copy.deepcopy(self._details(agent, now)) for agent in agents]

    def view(self, agent_id: int) -> dict[str, object]:
        """One agent as agent details show it now, whatever its region (a deep copy)."""
        with self._lock:
            return copy.deepcopy(self._details(self._agents[agent_id], self._clock()))

    def remove(self, agent_id: int) -> None:
        with self._lock:
            del self._agents[agent_id]

    def set_fields(self, agent_id: int, fields: dict[str, object]) -> None:
        for name, value in fields.items():
            if value is not ABSENT:
                try:
                    json.dumps(value)
                except (TypeError, ValueError) as error:
                    raise ValueError(f"{name} is not JSON-serialisable: {error}") from None
        with self._lock:
            self._agents[agent_id].overrides.update(copy.deepcopy(fields))

    def find(self, ref: str) -> int:
        """The id of the agent ``ref`` names: its MachineAgentId, else its MachineName.

        Raises ``LookupError`` when no agent, or more than one, has that name.
        """
        with self._lock:
            if ref.isascii() and ref.isdigit() and int(ref) in self._agents:
                return int(ref)
            named = [i for i, a in self._agents.items() if a.fields().get("MachineName") == ref]
        if len(named) != 1:
            problem = "no agent" if not named else f"{len(named)} agents"
            raise LookupError(f"{problem} with id or name {ref!r}")
        return named[0]

    def set_last_backup(self, agent_id: int, moment: datetime | None) -> None:
        """A successful backup finished at ``moment`` (``None``: the agent never backed up).

        A first backup also fills in ``BackupDatacenter``, which reads "None" before one.
        """
        with self._lock:
            agent = self._agents[agent_id]
            agent.wire["TimeOfLastSuccessfulBackup"] = None if moment is None else ms_date(moment)
            agent.overrides.pop("TimeOfLastSuccessfulBackup", None)
            datacenter = agent.fields().get("Datacenter")
            if moment is not None and agent.fields().get("BackupDatacenter") == "None":
                agent.wire["BackupDatacenter"] = datacenter
                agent.overrides.pop("BackupDatacenter", None)

    def set_disabled(self, agent_id: int, disabled: bool) -> None:
        """Backups of the agent are disabled (it goes Offline and ignores wake-ups) or enabled."""
        with self._lock:
            agent = self._agents[agent_id]
            agent.wire["IsDisabled"] = disabled
            agent.overrides.pop("IsDisabled", None)
            if disabled:
                agent.awake_at = agent.last_wake = None

    def set_powered(self, agent_id: int, powered_on: bool) -> None:
        """The server is switched off (Offline at once, never wakes) or on (Offline until woken)."""
        with self._lock:
            agent = self._agents[agent_id]
            agent.powered_on = powered_on
            if not powered_on:
                agent.awake_at = agent.last_wake = None

    def _in_region(self, region: str) -> list[_Agent]:
        return [agent for agent in self._agents.values() if agent.in_region(region)]

    def _online(self, agent: _Agent, now: float) -> bool:
        if agent.awake_at is None or now < agent.awake_at or not agent.can_wake():
            return False
        last_wake = agent.last_wake if agent.last_wake is not None else agent.awake_at
        return now < max(agent.awake_at, last_wake) + self._idle_timeout

    def _details(self, agent: _Agent, now: float) -> dict[str, object]:
        return agent.fields(Status="Online" if self._online(agent, now) else "Offline")
