"""Settings from the environment and .env: typed, checked at start, secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Secret, load_settings, read_environment

IDENTITY = {"RACKSPACE_USERNAME": "ops", "RACKSPACE_API_KEY": "rk-0123456789abcdef"}
SLACK = {"SLACK_BOT_TOKEN": "xoxb-1-2-abcdef", "SLACK_SIGNING_SECRET": "0123456789abcdef"}


def problems(env: dict[str, str], **options: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(env, **options)  # type: ignore[arg-type]
    return caught.value.problems


def test_defaults_are_the_documented_ones() -> None:
    settings = load_settings({**IDENTITY, **SLACK}, mode="http")
    assert settings.slash_command == "/backup"
    assert (settings.host, settings.port) == ("0.0.0.0", 3000)
    assert settings.rackspace_identity_url == "https://identity.api.rackspacecloud.com/v2.0/"
    assert settings.rackspace_region is None
    assert (
        settings.wakeup_check_after,
        settings.wakeup_check_every,
        settings.wakeup_give_up_after,
    ) == (10.0, 5.0, 60.0)
    assert settings.agents_cache_ttl == 15.0
    assert settings.allowed_channel_ids == frozenset()
    assert str(settings.state_path) == "backup-bot-state.sqlite3"


def test_wake_up_timings_accept_decimals_and_ids_are_read_as_a_list() -> None:
    env = {
        **IDENTITY,
        "WAKEUP_CHECK_AFTER": "0.5",
        "WAKEUP_CHECK_EVERY": "2.25",
        "WAKEUP_GIVE_UP_AFTER": "90",
        "ALLOWED_CHANNEL_IDS": " C0OPS, c0dev ,,",
        "WAKEUP_ALLOWED_USER_IDS": "U0ALICE",
        "RACKSPACE_REGION": "ord",
    }
    settings = load_settings(env)
    assert (settings.wakeup_check_after, settings.wakeup_check_every) == (0.5, 2.25)
    assert settings.wakeup_give_up_after == 90.0
    assert settings.allowed_channel_ids == {"C0OPS", "C0DEV"}
    assert settings.wakeup_allowed_user_ids == {"U0ALICE"}
    assert settings.rackspace_region == "ORD"


def test_every_problem_is_listed_at_once() -> None:
    env = {
        "RACKSPACE_USERNAME": "ops",
        "PORT": "eighty",
        "WAKEUP_CHECK_EVERY": "0",
        "ALLOWED_CHANNEL_IDS": "#ops",
        "SLASH_COMMAND": "backup",
        "LOG_LEVEL": "chatty",
    }
    found = "\n".join(problems(env, mode="http"))
    for expected in (
        "RACKSPACE_USERNAME and RACKSPACE_API_KEY must be set together",
        "PORT must be a whole number",
        "WAKEUP_CHECK_EVERY must be at least",
        "ALLOWED_CHANNEL_IDS must be comma-separated Slack IDs",
        "SLASH_COMMAND must look like /backup",
        "LOG_LEVEL must be",
        "SLACK_BOT_TOKEN is missing",
        "SLACK_SIGNING_SECRET is missing",
    ):
        assert expected in found


def test_each_mode_asks_for_its_own_slack_credentials() -> None:
    assert "SLACK_SIGNING_SECRET is missing" not in "\n".join(
        problems({**IDENTITY, "SLACK_BOT_TOKEN": "xoxb-1"}, mode="socket")
    )
    socket = "\n".join(problems({**IDENTITY, **SLACK, "SLACK_APP_TOKEN": "xoxb-x"}, mode="socket"))
    assert "SLACK_APP_TOKEN must be an app-level token" in socket
    assert "SLACK_BOT_TOKEN must be a bot token" in "\n".join(
        problems({**IDENTITY, **SLACK, "SLACK_BOT_TOKEN": "xapp-1"}, mode="http")
    )


def test_a_direct_endpoint_fixes_the_region() -> None:
    env = {
        "BACKUP_API_URL": "https://dfw.backup.api.rackspacecloud.com/v1.0/123456",
        "BACKUP_AUTH_TOKEN": "t0k3n",
    }
    assert load_settings(env).backup_api_url.endswith("/123456")
    assert any(
        "RACKSPACE_REGION only works" in p for p in problems({**env, "RACKSPACE_REGION": "ORD"})
    )
    assert any("must be an http(s) URL" in p for p in problems({**env, "BACKUP_API_URL": "dfw"}))


def test_no_credentials_at_all_says_what_to_set() -> None:
    assert any("no backup API credentials" in p for p in problems({}))


def test_secrets_never_show_in_a_repr() -> None:
    settings = load_settings({**IDENTITY, **SLACK}, mode="http")
    shown = repr(settings) + str(settings)
    for secret in settings.secrets():
        assert secret not in shown
    assert repr(Secret("hunter2")) == "Secret('***')"
    assert f"{Secret('hunter2')}" == "Secret('***')"
    assert Secret("hunter2").reveal() == "hunter2"


def test_the_environment_wins_over_the_env_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=4000\nSLASH_COMMAND=/bkp\n")
    monkeypatch.setenv("PORT", "5000")
    monkeypatch.delenv("SLASH_COMMAND", raising=False)
    merged = read_environment(env_file)
    assert (merged["PORT"], merged["SLASH_COMMAND"]) == ("5000", "/bkp")
    assert read_environment(tmp_path / "missing.env")["PORT"] == "5000"  # no file is fine
