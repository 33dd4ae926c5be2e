"""Helpers shared by the wake-up tests: fast settings and fake callables."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.backup_api.models import Agent, AgentStatus
from bot.wakeup import DeliveryFailed, Requester, WakeupCoordinator, WakeupOutcome

RESPONSE_URL = "http://127.0.0.1:9/commands/T0001/1234/s3cr3t-token"

# Fast settings for every coordinator in these tests.
FAST: dict[str, float] = {
    "check_after": 0.03,
    "check_every": 0.03,
    "give_up_after": 3.0,
    "delivery_backoff": 0.02,
    "delivery_backoff_max": 0.05,
}


def fleet(*, online: bool, enabled: int = 2, disabled: int = 0) -> list[Agent]:
    """Agents of one account; disabled ones are always offline, like the real service."""
    status = AgentStatus.ONLINE if online else AgentStatus.OFFLINE
    agents = [Agent(id=i, name=f"web{i}", status=status, is_disabled=False) for i in range(enabled)]
    agents += [
        Agent(id=100 + i, name=f"old{i}", status=AgentStatus.OFFLINE, is_disabled=True)
        for i in range(disabled)
    ]
    return agents


def requester(user_id: str, *, channel_id: str = "C1") -> Requester:
    return Requester(
        user_id=user_id,
        channel_id=channel_id,
        response_url=f"{RESPONSE_URL}/{user_id}",
        requested_at=time.time(),
    )


@dataclass
class FakeBackend:
    """Stands in for the backup API and for Slack; every call is recorded under one Condition.

    ``statuses(account, check_number)`` decides what a check returns; the ``*_failures``
    counters make the next calls raise.
    """

    statuses: Callable[[str, int], Sequence[Agent]] = lambda account, n: fleet(online=True)
    wake_error: Exception | None = None
    check_failures: int = 0
    delivery_failures: int = 0
    wake_gate: threading.Event | None = None
    wakes: list[str] = field(default_factory=list)
    checks: list[tuple[str, float]] = field(default_factory=list)
    delivery_attempts: list[Requester] = field(default_factory=list)
    deliveries: list[tuple[Requester, WakeupOutcome]] = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)

    def wake(self, account_key: str) -> None:
        with self.cond:
            self.wakes.append(account_key)
            self.cond.notify_all()
        if self.wake_gate is not None:
            assert self.wake_gate.wait(10), "wake gate never opened"
        if self.wake_error is not None:
            raise self.wake_error

    def check(self, account_key: str) -> Sequence[Agent]:
        with self.cond:
            self.checks.append((account_key, time.time()))
            number = sum(1 for account, _ in self.checks if account == account_key)
            self.cond.notify_all()
            if self.check_failures > 0:
                self.check_failures -= 1
                raise ConnectionError(f"agent details for {account_key} timed out")
        return self.statuses(account_key, number)

    def deliver(self, requester: Requester, outcome: WakeupOutcome) -> None:
        with self.cond:
            self.delivery_attempts.append(requester)
            self.cond.notify_all()
            if self.delivery_failures > 0:
                self.delivery_failures -= 1
                # Quotes the URL path the way HTTP client errors do.
                path = requester.response_url.split("127.0.0.1:9", 1)[1]
                raise DeliveryFailed(f"Max retries exceeded with url: {path}")
            self.deliveries.append((requester, outcome))
            self.cond.notify_all()

    def wait(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        with self.cond:
            assert self.cond.wait_for(predicate, timeout), "fake backend never saw the calls"

    def checks_of(self, account_key: str) -> list[float]:
        return [at for account, at in self.checks if account == account_key]


MakeCoordinator = Callable[..., WakeupCoordinator]
