"""One bench environment: the simulator and fake Slack here, the app under test in its own process.

The same environment serves the bot and the baseline Bolt app, so both are reached the same
way: signed requests over loopback HTTP, answers posted to the same local Slack.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.measure import ProcessSample, read_process
from bot.devtools.fake_slack import FakeSlack, Message
from bot.devtools.local_stack import stack_environment
from bot.devtools.processes import ServedProcess, serve_command
from bot.devtools.slack_sender import SlackSender
from bot.simulator import Simulator, SimulatorConfig

SENDER_TIMEOUT = 10.0
DEFAULT_REGION = SimulatorConfig().default_region
"""The region the bot is pointed at (the simulator's default)."""
BOT_COMMAND = tuple(serve_command("--http"))
MINIMAL_BOLT_COMMAND = (sys.executable, str(Path(__file__).with_name("minimal_bolt.py")))
"""The apps measured, each in a process of its own: memory and threads are only meaningful
for a process that holds nothing else, and it keeps its interpreter lock apart from the
simulator, the fake Slack and the bench's client threads, as in production."""


@dataclass(frozen=True)
class BenchStack:
    simulator: Simulator
    slack: FakeSlack
    app: ServedProcess
    signing_secret: str = field(repr=False)

    def sender(self) -> SlackSender:
        """A sender with its own connection pool: one per client thread."""
        return SlackSender(
            self.app.events_url, self.signing_secret, fake_slack=self.slack, timeout=SENDER_TIMEOUT
        )

    def sample(self) -> ProcessSample:
        """Memory and threads of the app's process right now."""
        return read_process(self.app.pid)

    def wait_for_messages(
        self, n: int, predicate: Callable[[Message], bool], *, timeout: float
    ) -> list[Message]:
        """The first ``n`` matching messages, or those that came within ``timeout``."""
        try:
            return self.slack.wait_for_count(n, predicate, timeout=timeout)
        except TimeoutError:
            return [message for message in self.slack.messages if predicate(message)]


@contextmanager
def bench_stack(
    simulator_config: SimulatorConfig,
    *,
    env: Mapping[str, str] | None = None,
    argv: Sequence[str] = BOT_COMMAND,
    agents_in_default_region: bool = False,
) -> Iterator[BenchStack]:
    """Start everything, yield it, stop everything (in reverse order, whatever happens).

    ``agents_in_default_region`` moves every simulated agent into the bot's region, so that
    a generated account of N agents lists exactly N.
    """
    bot_token = f"xoxb-bench-{secrets.token_hex(12)}"
    signing_secret = secrets.token_hex(16)
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="backup-bench-")))
        simulator = stack.enter_context(Simulator(simulator_config))
        if agents_in_default_region:
            move_agents_to(simulator, DEFAULT_REGION)
        slack = stack.enter_context(FakeSlack(bot_token=bot_token))
        app_env = stack_environment(
            simulator=simulator,
            slack=slack,
            state_path=workdir / "state.sqlite3",
            bot_token=bot_token,
            signing_secret=signing_secret,
        )
        app_env.update(env or {})
        app = stack.enter_context(ServedProcess([*argv], app_env, workdir=workdir))
        yield BenchStack(simulator, slack, app, signing_secret)


def move_agents_to(simulator: Simulator, region: str) -> None:
    """Every agent into ``region``: the generator spreads them over all regions."""
    for agent in simulator.agents():
        if agent.get("Datacenter") != region:
            simulator.set_agent_fields(int(str(agent["MachineAgentId"])), Datacenter=region)
