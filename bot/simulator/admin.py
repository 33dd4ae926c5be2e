"""The agent test hooks: ``POST /__admin/agents/{agent}/{action}`` on the Identity port.

``{agent}`` is a MachineAgentId or a MachineName. The actions are what a watch on backups
needs to provoke: a backup that just succeeded, one that is long overdue, backups switched
off, a server switched off. Each answers 200 with the agent as agent details show it now.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from bot.simulator.agents import AgentBook


class AdminError(Exception):
    """A hook request that cannot be carried out; ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def agent_action(
    book: AgentBook, ref: str, action: str, settings: Mapping[str, object]
) -> dict[str, object]:
    """Run ``action`` (a key of ``ACTIONS``) on the agent ``ref`` names; its details after."""
    try:
        agent_id = book.find(ref)
    except LookupError as error:
        raise AdminError(404, str(error)) from None
    allowed = _SETTINGS.get(action, set())
    unknown = set(settings) - allowed
    if unknown:
        raise ValueError(f"unknown settings for {action}: {', '.join(sorted(unknown))}")
    ACTIONS[action](book, agent_id, settings)
    return book.view(agent_id)


def last_backup_moment(settings: Mapping[str, object], now: datetime) -> datetime | None:
    """``{"at": ISO 8601 with offset, or null}`` or ``{"age_seconds": N}``, exactly one."""
    if len(settings) != 1:
        raise ValueError("give exactly one of at, age_seconds")
    if "age_seconds" in settings:
        age = settings["age_seconds"]
        if isinstance(age, bool) or not isinstance(age, int | float) or age < 0:
            raise ValueError("age_seconds must be a number >= 0")
        return now - timedelta(seconds=age)
    at = settings["at"]
    if at is None:
        return None
    if not isinstance(at, str):
        raise ValueError("at must be an ISO 8601 string or null")
    moment = datetime.fromisoformat(at)  # ValueError names the bad value
    if moment.tzinfo is None:
        raise ValueError("at needs a UTC offset, e.g. 2024-05-01T12:00:00Z")
    return moment


def _backup(book: AgentBook, agent_id: int, settings: Mapping[str, object]) -> None:
    book.set_last_backup(agent_id, datetime.now(UTC))


def _last_backup(book: AgentBook, agent_id: int, settings: Mapping[str, object]) -> None:
    book.set_last_backup(agent_id, last_backup_moment(settings, datetime.now(UTC)))


ACTIONS: dict[str, Callable[[AgentBook, int, Mapping[str, object]], None]] = {
    "backup": _backup,
    "last-backup": _last_backup,
    "disable": lambda book, agent_id, _: book.set_disabled(agent_id, True),
    "enable": lambda book, agent_id, _: book.set_disabled(agent_id, False),
    "power-off": lambda book, agent_id, _: book.set_powered(agent_id, False),
    "power-on": lambda book, agent_id, _: book.set_powered(agent_id, True),
}
_SETTINGS = {"last-backup": {"at", "age_seconds"}}
