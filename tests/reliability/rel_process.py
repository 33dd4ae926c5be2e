"""The bot as a deployment runs it: ``python -m bot serve --http`` in a child process.

Signals, exit codes, start-up messages and real stderr only exist for a real process. The
simulator and the fake Slack stay in the test process, so the test can script their faults
and read what the bot posted.
"""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.devtools.fake_slack import FakeSlack
from bot.devtools.local_stack import stack_environment
from bot.devtools.processes import ServedProcess, free_port, run_to_end, serve_command
from bot.devtools.slack_sender import SlackSender
from bot.simulator import Simulator, SimulatorConfig
from tests.support.stacks import FAST_ENV

RUN_TIMEOUT = 20.0
"""For a start that is meant to fail: a cold interpreter importing Bolt can take seconds."""


@dataclass
class BotProcess:
    """One running bot; its output goes to a file, so a chatty DEBUG log never blocks it.

    ``sender`` and ``slack`` let the end-to-end ``SlackUsers`` helper drive it.
    """

    served: ServedProcess
    sender: SlackSender
    slack: FakeSlack

    @property
    def url(self) -> str:
        return self.served.url

    @property
    def log(self) -> str:
        return self.served.log

    def healthy(self) -> bool:
        return self.served.healthy()

    def refuses_connections(self) -> bool:
        return self.served.refuses_connections()

    def health(self) -> dict[str, object]:
        return self.served.health()

    def settled(self) -> bool:
        """No wake-up running and no follow-up waiting, as /healthz reports them."""
        health = self.health()
        return health["wakeups_active"] == 0 and health["followups_pending"] == 0

    def poll(self) -> int | None:
        return self.served.poll()

    def signal(self, signum: int) -> None:
        self.served.signal(signum)

    def wait(self, timeout: float) -> int:
        return self.served.wait(timeout)

    def close(self) -> None:
        """Kill whatever is left; a test that already stopped the process loses nothing."""
        self.served.kill()
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

    def run(self, *, timeout: float = RUN_TIMEOUT) -> subprocess.CompletedProcess[str]:
        """``serve`` to its end, for starts that are meant to fail."""
        env = {**self.env, "HOST": "127.0.0.1", "PORT": str(free_port())}
        return run_to_end(serve_command("--http"), env, workdir=self.workdir, timeout=timeout)

    def start(self) -> BotProcess:
        """A new bot process on this deployment's state file, serving once /healthz answers."""
        served = ServedProcess(
            serve_command("--http"),
            self.env,
            workdir=self.workdir,
            log_path=self.workdir / f"bot-{len(self.processes)}.log",
        )
        sender = SlackSender(
            served.events_url, self.env["SLACK_SIGNING_SECRET"], fake_slack=self.slack
        )
        bot = BotProcess(served, sender, self.slack)
        self.processes.append(bot)
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
