"""Two simulators (one per account), the Slack stand-in, and a doctor run over a .env file."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.devtools.fake_slack import DEFAULT_BOT_TOKEN, FakeSlack
from bot.devtools.processes import free_port
from bot.doctor import run_doctor
from bot.simulator import Simulator, SimulatorConfig

PROD_KEY = "prod-api-key-5e3f9a"
SIGNING_SECRET = "signing-secret-77aa"
# Every variable a doctor run reads: the test's own .env must decide them all.
_VARIABLES = (
    "ACCOUNTS_FILE",
    "RACKSPACE_USERNAME",
    "RACKSPACE_API_KEY",
    "RACKSPACE_REGION",
    "RACKSPACE_IDENTITY_URL",
    "BACKUP_API_URL",
    "BACKUP_AUTH_TOKEN",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "STATE_PATH",
    "WATCH_CHANNEL_IDS",
    "ALLOWED_CHANNEL_IDS",
    "RAX_PROD_API_KEY",
    "RAX_LAB_TOKEN",
)


@dataclass
class Result:
    code: int
    output: str

    @property
    def lines(self) -> list[str]:
        return self.output.splitlines()

    def failures(self) -> list[str]:
        return [line for line in self.lines if line.startswith("FAIL")]

    def line(self, start: str) -> str:
        found = [line for line in self.lines if line.startswith(start)]
        assert len(found) == 1, f"{start!r} in:\n{self.output}"
        return found[0]


@dataclass
class Setup:
    """Two accounts: prod through Identity on one simulator, lab a direct endpoint on another."""

    tmp_path: Path
    prod: Simulator
    lab: Simulator
    slack: FakeSlack
    lab_token: str

    def accounts_toml(
        self, *, prod_region: str = "DFW", lab_url: str | None = None, prod_identity: str = ""
    ) -> str:
        identity = prod_identity or self.prod.identity_url
        return (
            'default_account = "prod"\n'
            "[accounts.prod]\n"
            f'username = "{self.prod.config.username}"\n'
            'api_key_env = "RAX_PROD_API_KEY"\n'
            f'region = "{prod_region}"\n'
            f'identity_url = "{identity}"\n'
            'channels = ["C0PROD", "C0OPS"]\n'
            "[accounts.lab]\n"
            f'backup_api_url = "{lab_url or self.lab.backup_url("DFW")}"\n'
            'auth_token_env = "RAX_LAB_TOKEN"\n'
            'channels = ["C0LAB"]\n'
            "[channels]\n"
            'C0OPS = "prod"\n'
        )

    def env(self, **overrides: str) -> dict[str, str]:
        accounts = self.tmp_path / "accounts.toml"
        if not accounts.exists():
            accounts.write_text(self.accounts_toml(), encoding="utf-8")
        return {
            "ACCOUNTS_FILE": str(accounts),
            "RAX_PROD_API_KEY": self.prod.config.api_key,
            "RAX_LAB_TOKEN": self.lab_token,
            "SLACK_BOT_TOKEN": DEFAULT_BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": self.slack.api_url,
            "STATE_PATH": str(self.tmp_path / "state" / "state.sqlite3"),
            **overrides,
        }

    def write_accounts(self, text: str) -> None:
        (self.tmp_path / "accounts.toml").write_text(text, encoding="utf-8")

    def secrets(self) -> list[str]:
        return [self.prod.config.api_key, self.lab_token, DEFAULT_BOT_TOKEN, SIGNING_SECRET]


RunDoctor = Callable[..., Result]


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    prod = Simulator(
        SimulatorConfig(tenant_id="111111", username="rax-prod", api_key=PROD_KEY)
    ).start()
    lab = Simulator(SimulatorConfig(tenant_id="222222", agents_count=3)).start()
    slack = FakeSlack().start()
    try:
        yield Setup(tmp_path, prod, lab, slack, lab.issue_token())
    finally:
        slack.stop()
        lab.stop()
        prod.stop()


@pytest.fixture
def doctor(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> RunDoctor:
    """Run doctor over a .env file holding ``setup.env(**overrides)``; empty values drop out."""
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def run(**overrides: str) -> Result:
        env_file = setup.tmp_path / ".env"
        lines = [f"{k}={v}" for k, v in setup.env(**overrides).items() if v]
        env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out = io.StringIO()
        code = run_doctor(str(env_file), out=out)
        result = Result(code, out.getvalue())
        for secret in setup.secrets():
            assert secret not in result.output
        return result

    return run


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on (bound, then closed)."""
    return free_port()
