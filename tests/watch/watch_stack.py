"""A watcher over real HTTP: the simulator as the backup API, the Slack stand-in, the real
client and fleet cache, a state file, and a clock the test moves by hand."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from bot.backup_api import BackupApiClient, Fleet, build_client
from bot.devtools.fake_slack import DEFAULT_BOT_TOKEN, FakeSlack, Message
from bot.fleet_cache import SingleFlightCache
from bot.simulator.config import SimulatorConfig
from bot.simulator.server import Simulator
from bot.simulator.wire import ms_date
from bot.slack.blocks.watch_messages import BlockKitWatchMessages
from bot.slack.poster import WebClientPoster
from bot.watch import SqliteWatchStore, Watcher, WatchSettings

OPS = "C0OPS"
DEV = "C0DEV"
HOUR = 3600.0
DAY = 86400.0
WAIT = 15.0


def wire_agent(
    agent_id: int,
    name: str,
    *,
    backup_age: float | None = 3600.0,
    disabled: bool = False,
    online: bool = False,
    datacenter: str = "DFW",
    now: float | None = None,
) -> dict[str, Any]:
    """One agent in the details form, its last backup ``backup_age`` seconds before ``now``."""
    at = time.time() if now is None else now
    last = None if backup_age is None else ms_date(datetime.fromtimestamp(at - backup_age, UTC))
    return {
        "MachineAgentId": agent_id,
        "MachineName": name,
        "Datacenter": datacenter,
        "IsDisabled": disabled,
        "Status": "Online" if online else "Offline",
        "TimeOfLastSuccessfulBackup": last,
        "AgentVersion": "1.36.007802",
        "Architecture": "64-bit",
        "Flavor": "RaxCloudServer",
        "OperatingSystem": "Ubuntu",
        "OperatingSystemVersion": "22.04",
        "IPAddress": f"203.0.113.{agent_id % 250}",
        "BackupVaultSize": "1 MB",
        "IsEncrypted": False,
        "CleanupAllowed": True,
        "UseServiceNet": False,
    }


class Clock:
    """The watcher's ``now()``; starts at the real time, moves only when told."""

    def __init__(self) -> None:
        self.value = time.time()
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.value

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.value += seconds

    def set(self, value: float) -> None:
        with self._lock:
            self.value = value


@dataclass
class WatchStack:
    sim: Simulator
    slack: FakeSlack
    client: BackupApiClient
    state_path: Path
    clock: Clock
    settings: WatchSettings
    cache: SingleFlightCache[Fleet] = field(init=False)
    pool: ThreadPoolExecutor = field(init=False)
    watchers: list[Watcher] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pool = ThreadPoolExecutor(4, thread_name_prefix="test-fleet")
        self.cache = SingleFlightCache(
            lambda key: self.client.list_agents_with_status(), ttl=15.0, executor=self.pool
        )

    def fleet(self, account_key: str, fresh: bool) -> Any:
        return self.cache.get_future(account_key, fresh=fresh)

    def new_watcher(self, **overrides: Any) -> Watcher:
        settings = dataclasses.replace(self.settings, **overrides)
        watcher = Watcher(
            store=SqliteWatchStore(self.state_path),
            fleet=self.fleet,
            messages=BlockKitWatchMessages(),
            poster=WebClientPoster(WebClient(token=DEFAULT_BOT_TOKEN, base_url=self.slack.api_url)),
            settings=settings,
            now=self.clock,
        )
        self.watchers.append(watcher)
        return watcher

    def close(self) -> None:
        for watcher in self.watchers:
            watcher.stop()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.client.close()
        self.slack.stop()
        self.sim.stop()

    # -- simulator knobs ---------------------------------------------------------------

    def set_backup(self, agent_id: int, *, age: float) -> None:
        """The agent's last successful backup was ``age`` seconds before the test clock."""
        moment = datetime.fromtimestamp(self.clock() - age, UTC)
        self.sim.set_agent_fields(agent_id, TimeOfLastSuccessfulBackup=ms_date(moment))

    def set_disabled(self, agent_id: int, disabled: bool) -> None:
        self.sim.set_agent_fields(agent_id, IsDisabled=disabled)

    def set_online(self, agent_id: int, online: bool) -> None:
        self.sim.set_agent_fields(agent_id, Status="Online" if online else "Offline")

    # -- what Slack saw ------------------------------------------------------------------

    def posts(self, channel: str = OPS) -> list[Message]:
        return self.slack.posts(channel)

    def post_about(self, text: str, channel: str = OPS) -> Message:
        matches = [m for m in self.posts(channel) if text in m.text]
        assert len(matches) == 1, f"{len(matches)} posts about {text!r}: {self.summary(channel)}"
        return matches[0]

    def summary(self, channel: str = OPS) -> list[str]:
        return [
            f"{m.via} ts={m.ts} thread={m.thread_ts} {m.text[:80]!r}"
            for m in self.slack.messages
            if m.channel_id == channel
        ]


def start_stack(
    tmp_path: Path, agents: list[dict[str, Any]], settings: WatchSettings
) -> WatchStack:
    agents_file = tmp_path / "agents.json"
    agents_file.write_text(json.dumps(agents), encoding="utf-8")
    sim = Simulator(SimulatorConfig(agents_file=agents_file, wake_delay=(0.0, 0.0))).start()
    slack = FakeSlack().start()
    client = build_client(
        identity_url=sim.identity_url,
        username=sim.config.username,
        api_key=sim.config.api_key,
        region="DFW",
        max_retries=0,
        read_timeout=5.0,
    )
    return WatchStack(sim, slack, client, tmp_path / "state.sqlite3", Clock(), settings)


def stack_fixture(
    tmp_path: Path, agents: list[dict[str, Any]], settings: WatchSettings
) -> Iterator[WatchStack]:
    stack = start_stack(tmp_path, agents, settings)
    try:
        yield stack
    finally:
        stack.close()


def sweep(watcher: Watcher, account_key: str = "") -> None:
    watcher.sweep_now(account_key).result(timeout=WAIT)


def settle(watcher: Watcher) -> None:
    """Run one tick and wait for it, so work queued before it (an acknowledgement's update)
    is done too: the watcher's executor runs one item at a time per submission order."""
    watcher.tick_now().result(timeout=WAIT)


Predicate = Callable[[Message], bool]
