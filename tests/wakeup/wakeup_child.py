"""A bot-shaped process for the SIGKILL test: a file store, real threads, callables that log.

``first`` asks for wake-ups, prints ``ready`` to the log once they are mid-wait, then waits
to be killed. ``resume`` picks the store up again and exits once everything is delivered.
An account is Online when a file of its name exists in the online directory; the account
``stuck`` never returns from its first POST, so its job is killed before the POST is recorded.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.backup_api.models import Agent, AgentStatus
from bot.devtools.processes import poll_until
from bot.wakeup import (
    Requester,
    Scheduler,
    SqliteWakeupStore,
    WakeupCoordinator,
    WakeupOutcome,
)

REQUESTS = (("early", "U1"), ("late", "U2"), ("late", "U3"), ("stuck", "U4"))


class Events:
    """Appends one line per event to a shared log file, in whichever process runs."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()

    def write(self, line: str) -> None:
        with self._lock, self._path.open("a") as out:
            out.write(line + "\n")

    def lines(self) -> list[str]:
        with self._lock:
            return self._path.read_text().splitlines() if self._path.exists() else []


def wait_until(predicate: Callable[[], bool], timeout: float) -> None:
    """The tests' wait, outside pytest: a timeout ends this process with a message."""
    if not poll_until(predicate, timeout=timeout):
        sys.exit(f"timed out after {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("first", "resume"))
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--events", type=Path, required=True)
    parser.add_argument("--online", type=Path, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    events = Events(args.events)
    never = threading.Event()

    def wake(account_key: str) -> None:
        events.write(f"wake {account_key}")
        if account_key == "stuck" and args.mode == "first":
            never.wait()

    def check(account_key: str) -> Sequence[Agent]:
        events.write(f"check {account_key}")
        online = (args.online / account_key).exists()
        return [Agent(id=1, status=AgentStatus.ONLINE if online else AgentStatus.OFFLINE)]

    def deliver(requester: Requester, outcome: WakeupOutcome) -> None:
        events.write(f"deliver {outcome.account_key} {requester.user_id} {outcome.all_awake}")

    executor = ThreadPoolExecutor(max_workers=4)
    scheduler = Scheduler(executor)
    scheduler.start()
    store = SqliteWakeupStore(args.state)
    coordinator = WakeupCoordinator(
        store=store,
        scheduler=scheduler,
        executor=executor,
        wake=wake,
        check=check,
        deliver=deliver,
        check_after=0.02,
        check_every=0.02,
        give_up_after=30.0,
    )
    if args.mode == "first":
        for account_key, user_id in REQUESTS:
            coordinator.request(
                account_key, Requester(user_id, "C1", f"http://127.0.0.1:9/{user_id}", time.time())
            )
        # Ready to be killed: "early" is delivered and marked, "late" is being checked and
        # "stuck" is inside its POST.
        wait_until(
            lambda: (
                coordinator.pending_deliveries() == 3
                and {"check late", "wake stuck"} <= set(events.lines())
            ),
            timeout=10.0,
        )
        events.write("ready")
        never.wait()
    else:
        events.write(f"resumed {coordinator.resume()}")
        wait_until(
            lambda: coordinator.active_jobs() == 0 and coordinator.pending_deliveries() == 0,
            timeout=10.0,
        )
        coordinator.shutdown()
        scheduler.stop()
        executor.shutdown(wait=True)
        store.close()


if __name__ == "__main__":
    main()
