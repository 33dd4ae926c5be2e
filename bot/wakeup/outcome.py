"""What a finished wake-up found, and the one definition of "awake".

The coordinator decides when to stop checking with the same helpers that the follow-up
message uses to describe the result, so "done" and "what we tell people" cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.backup_api.models import Agent, AgentStatus


def is_enabled(agent: Agent) -> bool:
    """Unknown counts as enabled: waiting for an agent that never wakes beats skipping one."""
    return agent.is_disabled is not True


def still_offline(agents: Iterable[Agent]) -> tuple[Agent, ...]:
    """Enabled agents not Online yet; disabled agents never come online, so they never block."""
    return tuple(a for a in agents if is_enabled(a) and a.status is not AgentStatus.ONLINE)


def all_enabled_online(agents: Iterable[Agent]) -> bool:
    return not still_offline(agents)


@dataclass(frozen=True, slots=True)
class WakeupOutcome:
    """The result shared by every requester of one wake-up job.

    ``started_at`` belongs to the job; each requester's own ``requested_at`` may be later,
    so a message can show either wait.
    """

    account_key: str
    agents: tuple[Agent, ...]
    started_at: float
    finished_at: float
    gave_up: bool
    error: str | None = None

    @property
    def online(self) -> tuple[Agent, ...]:
        return tuple(a for a in self.agents if a.status is AgentStatus.ONLINE)

    @property
    def still_offline(self) -> tuple[Agent, ...]:
        return still_offline(self.agents)

    @property
    def disabled(self) -> tuple[Agent, ...]:
        return tuple(a for a in self.agents if not is_enabled(a))

    @property
    def all_awake(self) -> bool:
        """True only when the wake-up worked and nothing enabled is left offline."""
        return self.error is None and all_enabled_online(self.agents)

    @property
    def elapsed(self) -> float:
        return self.finished_at - self.started_at
