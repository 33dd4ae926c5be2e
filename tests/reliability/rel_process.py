"""The bot as a deployment runs it: ``python -m bot serve --http`` in a child process.

Signals, exit codes, start-up messages and real stderr only exist for a real process. The
simulator and the fake Slack stay in the test process, so the test can script their faults
and read what the bot posted.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bot.devtools.fake_slack import FakeSlack
from bot.devtools.local_stack import stack_environment
from bot.devtools.slack_sender import SlackSender
from bot.http_server import EVENTS_PATH, HEALTH_PATH
from bot.simulator import Simulator, SimulatorConfig
from tests.e2e.e2e_helpers import FAST_ENV, wait_until

START_TIMEOUT = 20.0
"""A cold interpreter importing Bolt can take a few seconds on a loaded machine."""
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
"""The only variables taken from the test's own environment: no stray bot setting leaks in."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_command() -> list[str]:
    return [sys.executable, "-m", "bot", "serve", "--http"]


def child_environment(settings: Mapping[str, str]) -> dict[str, str]:
    inherited = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    return {**inherited, **settings}


@dataclass
class BotProcess:
    """One running bot; its stderr goes to a file, so a chatty DEBUG log never blocks it.

    ``sender`` and ``slack`` let the end-to-end ``SlackUsers`` helper drive it.
    """

    process: subprocess.Popen[bytes]
    url: str
    log_path: Path
    sender: SlackSender
    slack: FakeSlack

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def healthy(self) -> bool:
        try:
            return requests.get(self.url + HEALTH_PATH, timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    def refuses_connections(self) -> bool:
        try:
            requests.get(self.url + HEALTH_PATH, timeout=1)
        except requests.ConnectionError:
            return True
        return False

    def health(self) -> dict[str, object]:
        answer: dict[str, object] = requests.get(self.url + HEALTH_PATH, timeout=2).json()
        return answer

    def settled(self) -> bool:
        """No wake-up running and no follow-up waiting, as /healthz reports them."""
        health = self.health()
        return health["wakeups_active"] == 0 and health["followups_pending"] == 0

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout)

    def close(self) -> None:
        """Kill whatever is left; a test that already stopped the process loses nothing."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.sender.close()


@dataclass
class Deployment:
    """A simulator, a fake Slack and the settings a bot process needs to use them."""

    simulator: Simulator
    slack: FakeSlack
    workdir: Path
    env: dict[str, str] = field(repr=False)
    processes: list[BotProcess] = field(default_factory=list)

    @property
    def state_path(self) -> Path:
        return Path(self.env["STATE_PATH"])

    def secrets(self) -> list[str]:
        names = ("RACKSPACE_API_KEY", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")
        return [self.env[name] for name in names if self.env.get(name)]

    def run(self, *, timeout: float = START_TIMEOUT) -> subprocess.CompletedProcess[str]:
        """``serve`` to its end, for starts that are meant to fail."""
        return subprocess.run(
            serve_command(),
            env=child_environment({**self.env, "PORT": str(free_port())}),
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self) -> BotProcess:
        """A new bot process on this deployment's state file, serving once /healthz answers."""
        port = free_port()
        log_path = self.workdir / f"bot-{len(self.processes)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                serve_command(),
                env=child_environment({**self.env, "PORT": str(port)}),
                cwd=self.workdir,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        url = f"http://127.0.0.1:{port}"
        bot = BotProcess(
            process,
            url,
            log_path,
            SlackSender(url + EVENTS_PATH, self.env["SLACK_SIGNING_SECRET"], fake_slack=self.slack),
            self.slack,
        )
        self.processes.append(bot)
        wait_until(
            lambda: bot.healthy() or process.poll() is not None,
            timeout=START_TIMEOUT,
            what="the bot process to serve /healthz",
        )
        assert process.poll() is None, f"the bot exited at start:\n{bot.log}"
        return bot


@contextmanager
def deployment(
    workdir: Path,
    *,
    env: Mapping[str, str] | None = None,
    simulator: SimulatorConfig | None = None,
) -> Iterator[Deployment]:
    """Fast settings like the in-process stacks; every process is killed at the end."""
    bot_token = f"xoxb-proc-{secrets.token_hex(12)}"
    with (
        Simulator(simulator or SimulatorConfig(wake_delay=(0.0, 0.1))) as sim,
        FakeSlack(bot_token=bot_token) as slack,
    ):
        settings = stack_environment(
            simulator=sim,
            slack=slack,
            state_path=workdir / "state.sqlite3",
            bot_token=bot_token,
            signing_secret=secrets.token_hex(16),
        )
        settings.update(FAST_ENV)
        settings.update(env or {})
        deployed = Deployment(sim, slack, workdir, settings)
        try:
            yield deployed
        finally:
            for process in deployed.processes:
                process.close()
