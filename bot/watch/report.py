"""The daily report's facts for one account, gathered from stored state (no API call)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.watch.model import AccountState, Condition, Incident


@dataclass(frozen=True, slots=True)
class AccountReport:
    account_key: str
    generated_at: float
    since: float | None
    """The previous report's time (what "resolved since" counts from); None: none yet."""
    swept: bool
    total: int
    online: int
    disabled: int
    open: tuple[Incident, ...]
    resolved: tuple[Incident, ...]

    def of(self, condition: Condition) -> tuple[Incident, ...]:
        return tuple(i for i in self.open if i.condition is condition)

    @property
    def all_clear(self) -> bool:
        return self.swept and not self.open


def build_report(
    state: AccountState,
    open_incidents: Sequence[Incident],
    resolved: Sequence[Incident],
    *,
    now: float,
    since: float | None,
) -> AccountReport:
    agents = list(state.agents.values())
    return AccountReport(
        account_key=state.account_key,
        generated_at=now,
        since=since,
        swept=state.swept,
        total=len(agents),
        online=sum(1 for a in agents if a.online),
        disabled=sum(1 for a in agents if not a.enabled),
        open=tuple(i for i in open_incidents if i.is_open),
        resolved=tuple(resolved),
    )
