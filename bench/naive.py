"""Naive baselines: what a bot written the obvious way does, measured against the same services.

They are straightforward, not slowed down: keep-alive sessions, a token handed over rather
than fetched, no wait the approach does not itself call for, the same simulator and the same
local Slack as the bot.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import requests

from bot.simulator import Simulator

TIMEOUT = 30.0


def fetch_fleet_sequentially(simulator: Simulator, region: str) -> list[dict[str, object]]:
    """The list, then each agent's details one after the other: one round trip per agent."""
    base = simulator.backup_url(region)
    with requests.Session() as session:
        session.headers["X-Auth-Token"] = simulator.issue_token()
        listed = session.get(f"{base}/user/agents", timeout=TIMEOUT)
        listed.raise_for_status()
        details = []
        for agent in listed.json():
            answer = session.get(f"{base}/agent/{agent['MachineAgentId']}", timeout=TIMEOUT)
            answer.raise_for_status()
            details.append(answer.json())
        return details


@dataclass(frozen=True)
class WakeupTimings:
    check_after: float
    check_every: float
    give_up_after: float


@dataclass(frozen=True)
class NaiveRequest:
    user_id: str
    response_url: str
    offset: float
    """Seconds after the start at which this wake-up is asked for."""


class ThreadPerWakeup:
    """One thread per wake-up request: POST wakeupagents, sleep, poll until awake, post.

    ``peak_threads`` is the most of its own threads alive at once.
    """

    def __init__(self, simulator: Simulator, region: str, timings: WakeupTimings) -> None:
        self._simulator = simulator
        self._base = simulator.backup_url(region)
        self._timings = timings
        self._lock = threading.Lock()
        self._alive = 0
        self.peak_threads = 0

    def run(self, wakeups: Sequence[NaiveRequest], *, timeout: float) -> None:
        start = time.monotonic()
        threads = []
        for request in wakeups:
            threading.Event().wait(max(0.0, start + request.offset - time.monotonic()))
            thread = threading.Thread(target=self._wake, args=(request,), daemon=True)
            with self._lock:
                self._alive += 1
                self.peak_threads = max(self.peak_threads, self._alive)
            thread.start()
            threads.append(thread)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _wake(self, request: NaiveRequest) -> None:
        try:
            self._wake_and_wait(request)
        finally:
            with self._lock:
                self._alive -= 1

    def _wake_and_wait(self, request: NaiveRequest) -> None:
        timings = self._timings
        started = time.monotonic()
        deadline = started + timings.give_up_after
        pause = threading.Event()
        with requests.Session() as session:
            session.headers["X-Auth-Token"] = self._simulator.issue_token()
            session.post(f"{self._base}/user/wakeupagents", timeout=TIMEOUT).raise_for_status()
            pause.wait(timings.check_after)
            while not self._all_awake(session) and time.monotonic() < deadline:
                pause.wait(min(timings.check_every, max(0.0, deadline - time.monotonic())))
        text = f"<@{request.user_id}> woke the agents in {time.monotonic() - started:.0f} s"
        # Not through the session: its token is for the backup API, not for Slack.
        requests.post(
            request.response_url,
            json={"response_type": "in_channel", "text": text},
            timeout=TIMEOUT,
        ).raise_for_status()

    def _all_awake(self, session: requests.Session) -> bool:
        listed = session.get(f"{self._base}/user/agents", timeout=TIMEOUT).json()
        for agent in listed:
            details = session.get(f"{self._base}/agent/{agent['MachineAgentId']}", timeout=TIMEOUT)
            wire = details.json()
            if wire.get("Status") != "Online" and wire.get("IsDisabled") is not True:
                return False
        return True
