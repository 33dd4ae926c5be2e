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

from slack_bolt import App

from bot.config import Settings, load_settings
from bot.devtools.fake_slack import FakeSlack
from bot.devtools.slack_sender import SlackSender
from bot.http_server import EVENTS_PATH, HttpServer, make_wsgi_app
from bot.runtime import Runtime
from bot.simulator import Simulator, SimulatorConfig
from bot.slack.app import build_app


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


@dataclass
class LocalStack:
    simulator: Simulator
    slack: FakeSlack
    runtime: Runtime
    app: App
    server: HttpServer
    sender: SlackSender
    env: dict[str, str] = field(repr=False)
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    @classmethod
    def start(
        cls,
        *,
        simulator_config: SimulatorConfig | None = None,
        env: Mapping[str, str] | None = None,
        state_path: Path | None = None,
    ) -> LocalStack:
        """Start everything; ``env`` overrides any bot setting (e.g. WAKEUP_CHECK_AFTER)."""
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
        settings: Settings = load_settings(full_env, mode="http")
        runtime = Runtime(settings)
        runtime.start()
        app = build_app(runtime)
        server = HttpServer(
            make_wsgi_app(app, runtime.health),
            host=settings.host,
            port=settings.port,
            threads=settings.http_threads,
        ).start_in_thread()
        sender = SlackSender(
            server.url + EVENTS_PATH,
            signing_secret,
            fake_slack=slack,
        )
        return cls(simulator, slack, runtime, app, server, sender, full_env, tmp)

    @property
    def signing_secret(self) -> str:
        return self.env["SLACK_SIGNING_SECRET"]

    def stop(self) -> None:
        self.server.close()
        self.runtime.stop(grace=2.0)
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
