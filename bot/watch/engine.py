"""The incident state machine: (previous state, what a sweep saw, now) -> (state, transitions).

Pure on purpose: the watcher stores the new state and acts on the transitions, and a
property test can drive these functions with any sequence of fleets, failures and clocks.
Rules that matter:

* a failed fetch opens nothing and resolves nothing, and counts towards "API down";
* an agent whose details could not be fetched (unverified) is left exactly as it was;
* an agent never backed up counts from when it was first seen, except at an account's
  first sweep, where it counts at once (it was already never backed up before we looked);
* agents that appear or disappear are announced once, not tracked as incidents.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from types import MappingProxyType

from bot.backup_api.models import Agent, AgentStatus
from bot.watch.model import (
    ACCOUNT_LEVEL,
    AccountState,
    Announce,
    Condition,
    EngineSettings,
    IncidentKey,
    Open,
    OpenIncident,
    Resolve,
    SeenAgent,
    Transition,
    Update,
)

MAX_ERROR = 300

_Want = Callable[[OpenIncident], None]
_Resolve = Callable[[IncidentKey, str], None]


def seen_agent(agent: Agent, *, first_seen: float) -> SeenAgent:
    return SeenAgent(
        agent_id=agent.id,
        name=agent.name,
        datacenter=agent.datacenter,
        online=agent.status is AgentStatus.ONLINE,
        is_disabled=agent.is_disabled,
        last_backup=_epoch(agent.last_successful_backup),
        first_seen=first_seen,
    )


def _epoch(dt: datetime | None) -> float | None:
    return None if dt is None else dt.timestamp()


def sweep_succeeded(
    state: AccountState,
    agents: Sequence[Agent],
    unverified: Iterable[int],
    now: float,
    settings: EngineSettings,
) -> tuple[AccountState, list[Transition]]:
    """Apply a successful fetch of every agent (``unverified``: ids whose details failed)."""
    skip = set(unverified)
    opened = dict(state.open)
    transitions: list[Transition] = []
    seen: dict[int, SeenAgent] = {}

    def resolve(key: IncidentKey, reason: str) -> None:
        if opened.pop(key, None) is not None:
            transitions.append(Resolve(key, reason))

    def want(incident: OpenIncident) -> None:
        current = opened.get(incident.key)
        if current is None:
            opened[incident.key] = incident
            transitions.append(Open(incident))
        elif (current.agent_name, current.datacenter) != (incident.agent_name, incident.datacenter):
            # Keep when it began; show the agent's new name.
            updated = OpenIncident(
                current.key, current.since, current.detail, incident.agent_name, incident.datacenter
            )
            opened[incident.key] = updated
            transitions.append(Update(updated))

    resolve((Condition.API_DOWN, ACCOUNT_LEVEL), "The Cloud Backup API answered again.")
    for agent in agents:
        before = state.agents.get(agent.id)
        if agent.id in skip:
            if before is not None:
                seen[agent.id] = before
            continue
        first_seen = before.first_seen if before is not None else now
        current = seen_agent(agent, first_seen=first_seen)
        seen[agent.id] = current
        _judge(current, state.swept, now, settings, want, resolve)
    appeared = tuple(seen[i] for i in sorted(seen) if i not in state.agents) if state.swept else ()
    gone = tuple(state.agents[i] for i in sorted(state.agents) if i not in seen)
    gone_ids = {agent.agent_id for agent in gone}
    for key in [k for k in opened if k[1] in gone_ids]:
        resolve(key, "The agent is no longer in the account.")
    if appeared or gone:
        transitions.append(Announce(appeared, gone))
    new_state = AccountState(
        account_key=state.account_key,
        swept=True,
        agents=MappingProxyType(seen),
        failures=0,
        first_failure_at=None,
        last_error=None,
        open=MappingProxyType(opened),
    )
    return new_state, transitions


def _judge(
    agent: SeenAgent,
    swept_before: bool,
    now: float,
    settings: EngineSettings,
    want: _Want,
    resolve: _Resolve,
) -> None:
    key_stale = (Condition.STALE, agent.agent_id)
    key_disabled = (Condition.DISABLED, agent.agent_id)
    key_wake = (Condition.NO_WAKE, agent.agent_id)
    name, dc = agent.name, agent.datacenter
    if not agent.enabled:
        want(OpenIncident(key_disabled, now, "", name, dc))
        resolve(key_stale, "Backups were disabled (a separate incident tracks that).")
        resolve(key_wake, "Backups were disabled (a separate incident tracks that).")
        return
    resolve(key_disabled, "Backups were enabled again.")
    if agent.online:
        resolve(key_wake, "The agent came online.")
    if agent.last_backup is not None:
        if now - agent.last_backup > settings.stale_after:
            want(OpenIncident(key_stale, agent.last_backup, "", name, dc))
        else:
            resolve(key_stale, "A successful backup was recorded.")
        return
    counts_at_once = not swept_before and agent.first_seen >= now
    if counts_at_once or now - agent.first_seen >= settings.stale_after:
        want(OpenIncident(key_stale, None, "never", name, dc))


def sweep_failed(
    state: AccountState, error: str, now: float, settings: EngineSettings
) -> tuple[AccountState, list[Transition]]:
    """A sweep whose list call failed: count it, and say so after enough in a row."""
    error = error.strip()[:MAX_ERROR] or "unknown error"
    failures = state.failures + 1
    first = state.first_failure_at if state.first_failure_at is not None else now
    opened = dict(state.open)
    transitions: list[Transition] = []
    key = (Condition.API_DOWN, ACCOUNT_LEVEL)
    current = opened.get(key)
    if current is not None and current.detail != error:
        opened[key] = OpenIncident(key, current.since, error)
        transitions.append(Update(opened[key]))
    elif current is None and failures >= settings.api_down_after:
        opened[key] = OpenIncident(key, first, error)
        transitions.append(Open(opened[key]))
    new_state = AccountState(
        account_key=state.account_key,
        swept=state.swept,
        agents=state.agents,
        failures=failures,
        first_failure_at=first,
        last_error=error,
        open=MappingProxyType(opened),
    )
    return new_state, transitions


def wake_gave_up(
    state: AccountState, offline: Sequence[Agent], now: float, *, woken_at: float
) -> tuple[AccountState, list[Transition]]:
    """A wake-up of this account ended with these agents still offline."""
    opened = dict(state.open)
    transitions: list[Transition] = []
    for agent in offline:
        if agent.is_disabled is True or agent.status is AgentStatus.ONLINE:
            continue
        key = (Condition.NO_WAKE, agent.id)
        if key not in opened:
            opened[key] = OpenIncident(key, woken_at, "", agent.name, agent.datacenter)
            transitions.append(Open(opened[key]))
    new_state = AccountState(
        account_key=state.account_key,
        swept=state.swept,
        agents=state.agents,
        failures=state.failures,
        first_failure_at=state.first_failure_at,
        last_error=state.last_error,
        open=MappingProxyType(opened),
    )
    return new_state, transitions
