"""The whole bot on loopback: simulator, fake Slack, the real bot in HTTP mode, a signed sender.

The demo, the end-to-end tests and the benchmarks all start the same stack, so what the
tests prove is what the demo shows. Every secret is random per stack.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from collections.abc import Mapping, Sequence
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


@dataclass(frozen=True)
class LocalAccount:
    """One more Rackspace account for the stack, with a simulator of its own."""

    name: str
    config: SimulatorConfig = field(default_factory=SimulatorConfig)
    channels: tuple[str, ...] | None = None
    """Where the account may be used; None for everywhere."""
    wakeup_allowed_user_ids: tuple[str, ...] | None = None
    """Who may wake this account's agents; None: WAKEUP_ALLOWED_USER_IDS."""


NO_ENVIRONMENT_ACCOUNT = {
    "RACKSPACE_USERNAME": "",
    "RACKSPACE_API_KEY": "",
    "RACKSPACE_REGION": "",
    "RACKSPACE_IDENTITY_URL": "",
}
"""With an accounts file the environment describes no account."""


def write_accounts_file(
    path: Path,
    accounts: Sequence[tuple[LocalAccount, Simulator]],
    *,
    channel_defaults: Mapping[str, str] | None = None,
    default_account: str | None = None,
) -> dict[str, str]:
    """An ACCOUNTS_FILE for these simulators; returns the variables holding their API keys.

    TOML strings are written as JSON strings, which TOML's basic strings accept.
    """
    lines: list[str] = []
    keys: dict[str, str] = {}
    if default_account is not None:
        lines.append(f"default_account = {json.dumps(default_account)}")
    for account, simulator in accounts:
        variable = f"LOCAL_{account.name.upper().replace('-', '_').replace('.', '_')}_API_KEY"
        keys[variable] = simulator.config.api_key
        lines += [
            "",
            f"[accounts.{json.dumps(account.name)}]",
            f"username = {json.dumps(simulator.config.username)}",
            f"api_key_env = {json.dumps(variable)}",
            f"identity_url = {json.dumps(simulator.identity_url)}",
            f"region = {json.dumps(simulator.config.default_region)}",
        ]
        if account.channels is not None:
            lines.append(f"channels = {json.dumps(list(account.channels))}")
        if account.wakeup_allowed_user_ids is not None:
            allowed = json.dumps(list(account.wakeup_allowed_user_ids))
            lines.append(f"wakeup_allowed_user_ids = {allowed}")
    if channel_defaults:
        lines += ["", "[channels]"]
        lines += [f"{channel} = {json.dumps(name)}" for channel, name in channel_defaults.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return keys


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
    simulators: dict[str, Simulator] = field(default_factory=dict, repr=False)
    """With ``accounts``: each account's simulator by name (``simulator`` is the first's)."""

    @classmethod
    def start(
        cls,
        *,
        simulator_config: SimulatorConfig | None = None,
        env: Mapping[str, str] | None = None,
        state_path: Path | None = None,
        delivery: DeliveryPolicy | None = None,
        accounts: Sequence[LocalAccount] = (),
        channel_defaults: Mapping[str, str] | None = None,
    ) -> LocalStack:
        """Start everything; ``env`` overrides any bot setting (e.g. WAKEUP_CHECK_AFTER).

        ``delivery`` shortens Slack timeouts and retry waits, for faults that would otherwise
        take minutes to play out. ``accounts`` gives the bot several Rackspace accounts, each
        with its own simulator, through an accounts file (``channel_defaults`` is its
        ``[channels]`` table); ``simulator_config`` is then unused.
        """
        tmp = None
        if state_path is None:
            tmp = tempfile.TemporaryDirectory(prefix="backup-bot-")
            state_path = Path(tmp.name) / "state.sqlite3"
        bot_token = f"xoxb-local-{secrets.token_hex(12)}"
        signing_secret = secrets.token_hex(16)
        configs = [a.config for a in accounts] or [
            simulator_config or SimulatorConfig(wake_delay=(0.0, 0.0))
        ]
        simulators = [Simulator(config).start() for config in configs]
        slack = FakeSlack(bot_token=bot_token).start()
        full_env = stack_environment(
            simulator=simulators[0],
            slack=slack,
            state_path=state_path,
            bot_token=bot_token,
            signing_secret=signing_secret,
        )
        if accounts:
            accounts_file = state_path.parent / "accounts.toml"
            full_env.update(NO_ENVIRONMENT_ACCOUNT, ACCOUNTS_FILE=str(accounts_file))
            full_env.update(
                write_accounts_file(
                    accounts_file,
                    list(zip(accounts, simulators, strict=True)),
                    channel_defaults=channel_defaults,
                )
            )
        full_env.update(env or {})
        try:
            settings = load_settings(full_env, mode="http")
            bot, server, sender = _start_bot(settings, slack, delivery)
        except BaseException:
            slack.stop()
            for simulator in simulators:
                simulator.stop()
            if tmp is not None:
                tmp.cleanup()
            raise
        by_name = {a.name: sim for a, sim in zip(accounts, simulators, strict=False)}
        return cls(
            simulators[0],
            slack,
            bot,
            server,
            sender,
            full_env,
            settings,
            tmp,
            delivery,
            simulators=by_name,
        )

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
        for simulator in {id(s): s for s in [self.simulator, *self.simulators.values()]}.values():
            simulator.stop()
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
