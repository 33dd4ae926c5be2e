"""The whole bot on loopback: simulator, fake Slack, the real bot in HTTP mode, a signed sender.

The demo, the end-to-end tests and the benchmarks all start the same stack, so what the
tests prove is what the demo shows. Every secret is random per stack.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from bot.config import Settings, load_settings
from bot.devtools.fake_slack import FakeSlack
from bot.devtools.slack_sender import SlackSender
from bot.http_server import EVENTS_PATH, HttpServer, make_wsgi_app
from bot.simulator import Simulator, SimulatorConfig
from bot.slack.delivery import DeliveryPolicy
from bot.wiring import Bot, build_bot


def stack_environment(
    *, simulator: Simulator, slack: FakeSlack, state_path: Path, bot_token: str, signing_secret: str
) -> dict[str, str]:
    """The environment that points a bot at a local simulator and fake Slack."""
    env = dict(line.split("=", 1) for line in simulator.env_lines())
    env.update(
        SLACK_BOT_TOKEN=bot_token,
        SLACK_SIGNING_SECRET=signing_secret,
        SLACK_API_URL=slack.api_url,
        HOST="127.0.0.1",
        PORT="0",
        STATE_PATH=str(state_path),
        LOG_FORMAT="text",
    )
    return env


def _start_bot(
    settings: Settings, slack: FakeSlack, delivery: DeliveryPolicy | None
) -> tuple[Bot, HttpServer, SlackSender]:
    bot = build_bot(settings, delivery=delivery)
    bot.start()
    server = HttpServer(
        make_wsgi_app(bot.app, bot.health, bot.metrics),
        host=settings.host,
        port=settings.port,
        threads=settings.http_threads,
    ).start_in_thread()
    sender = SlackSender(
        server.url + EVENTS_PATH, settings.slack_signing_secret.reveal(), fake_slack=slack
    )
    return bot, server, sender


@dataclass
class LocalStack:
    simulator: Simulator
    slack: FakeSlack
    bot: Bot
    server: HttpServer
    sender: SlackSender
    env: dict[str, str] = field(repr=False)
    settings: Settings = field(repr=False)
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)
    _delivery: DeliveryPolicy | None = field(default=None, repr=False)
    _bot_running: bool = field(default=True, repr=False)

    @classmethod
    def start(
        cls,
        *,
        simulator_config: SimulatorConfig | None = None,
        env: Mapping[str, str] | None = None,
        state_path: Path | None = None,
        delivery: DeliveryPolicy | None = None,
    ) -> LocalStack:
        """Start everything; ``env`` overrides any bot setting (e.g. WAKEUP_CHECK_AFTER).

        ``delivery`` shortens Slack timeouts and retry waits, for faults that would otherwise
        take minutes to play out.
        """
        tmp = None
        if state_path is None:
            tmp = tempfile.TemporaryDirectory(prefix="backup-bot-")
            state_path = Path(tmp.name) / "state.sqlite3"
        bot_token = f"xoxb-local-{secrets.token_hex(12)}"
        signing_secret = secrets.token_hex(16)
        simulator = Simulator(simulator_config or SimulatorConfig(wake_delay=(0.0, 0.0))).start()
        slack = FakeSlack(bot_token=bot_token).start()
        full_env = stack_environment(
            simulator=simulator,
            slack=slack,
            state_path=state_path,
            bot_token=bot_token,
            signing_secret=signing_secret,
        )
        full_env.update(env or {})
        try:
            settings = load_settings(full_env, mode="http")
            bot, server, sender = _start_bot(settings, slack, delivery)
        except BaseException:
            slack.stop()
            simulator.stop()
            if tmp is not None:
                tmp.cleanup()
            raise
        return cls(simulator, slack, bot, server, sender, full_env, settings, tmp, delivery)

    @property
    def signing_secret(self) -> str:
        return self.env["SLACK_SIGNING_SECRET"]

    def stop_bot(self, *, grace: float = 2.0) -> None:
        """Stop only the bot, as a deploy would; pending wake-ups stay in the state file."""
        if self._bot_running:
            self.server.close()
            self.sender.close()
            self.bot.stop(grace=grace)
            self._bot_running = False

    def start_bot(self) -> None:
        """A new bot process on the same settings and state file; it gets a new port."""
        if self._bot_running:
            raise RuntimeError("the bot is already running: call stop_bot() first")
        self.bot, self.server, self.sender = _start_bot(self.settings, self.slack, self._delivery)
        self._bot_running = True

    def stop(self) -> None:
        self.stop_bot()
        self.slack.stop()
        self.simulator.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> LocalStack:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
