"""One typed Settings object, read from the environment (and ``.env``) and checked at start.

Every problem is collected before failing, so an operator fixing a deployment sees the whole
list at once instead of one error per restart.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.accounts import (
    Accounts,
    accounts_from_settings,
    env_account_conflicts,
    load_accounts_file,
)
from bot.backup_api.auth import DEFAULT_IDENTITY_URL
from bot.durations import DURATION_HINT, parse_duration, parse_time_of_day
from bot.secret import Secret

DEFAULT_SLACK_API_URL = "https://slack.com/api/"

Mode = Literal["http", "socket"]
T = TypeVar("T")


class ConfigError(Exception):
    """Raised with every configuration problem at once, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"The configuration has {len(problems)} problem(s):\n{lines}")


@dataclass(frozen=True)
class Settings:
    # Slack
    slack_bot_token: Secret = field(default_factory=lambda: Secret(""))
    slack_signing_secret: Secret = field(default_factory=lambda: Secret(""))
    slack_app_token: Secret = field(default_factory=lambda: Secret(""))
    slack_api_url: str = DEFAULT_SLACK_API_URL
    slash_command: str = "/backup"
    host: str = "0.0.0.0"
    port: int = 3000
    http_threads: int = 16
    # Rackspace
    rackspace_username: str = ""
    rackspace_api_key: Secret = field(default_factory=lambda: Secret(""))
    rackspace_identity_url: str = DEFAULT_IDENTITY_URL
    rackspace_region: str | None = None
    backup_api_url: str = ""
    backup_auth_token: Secret = field(default_factory=lambda: Secret(""))
    backup_api_connect_timeout: float = 5.0
    backup_api_read_timeout: float = 30.0
    backup_api_retries: int = 3
    backup_api_concurrency: int = 8
    accounts: Accounts = field(default=cast("Accounts", None))
    """Every Rackspace account (bot.accounts). Without ACCOUNTS_FILE: the one ``default``
    account the fields above describe, rebuilt from them (also after ``replace``)."""
    # Behaviour
    agents_cache_ttl: float = 15.0
    wakeup_check_after: float = 10.0
    wakeup_check_every: float = 5.0
    wakeup_give_up_after: float = 60.0
    state_path: Path = Path("backup-bot-state.sqlite3")
    state_url: Secret = field(default_factory=lambda: Secret(""))
    """PostgreSQL (psycopg conninfo or URL) for every durable state; empty: SQLite at
    ``state_path``. A Secret: the URL may carry a password."""
    state_lease: float = 15.0
    """How long a claim on timed work (a wake-up, a follow-up, a sweep) lasts unrenewed."""
    allowed_channel_ids: frozenset[str] = frozenset()
    wakeup_allowed_user_ids: frozenset[str] = frozenset()
    worker_threads: int = 16
    max_pending_jobs: int = 500
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"
    # Prometheus metrics (bot/metrics)
    metrics: bool = True
    """Serve ``GET /metrics`` (HTTP mode, and the Socket Mode listener); METRICS=off."""
    metrics_port: int | None = None
    """Socket Mode: the port of the metrics and health listener (0: any free one); None: none."""
    # Watching channels (bot/watch)
    watch_interval: float = 300.0
    watch_stale_after: float = 26 * 3600.0
    watch_api_down_after: int = 3
    watch_remind_every: float = 24 * 3600.0
    watch_quiet_hours: tuple[float, float] | None = None
    """Seconds after midnight (start, end) in ``watch_timezone``; None: no quiet hours."""
    watch_timezone: str = "UTC"
    watch_digest_at: float | None = 9 * 3600.0
    """Seconds after midnight in ``watch_timezone``; None: no daily report."""
    watch_history: float = 30 * 86400.0
    watch_channel_ids: tuple[tuple[str, str | None], ...] = ()
    """Channels watched by configuration, each with its region (None: the default)."""
    watch_allowed_user_ids: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.accounts is None or self.accounts.from_environment:
            object.__setattr__(self, "accounts", accounts_from_settings(self))

    def secrets(self) -> list[str]:
        """Every secret value, so the log filter can mask any that slips into a message."""
        candidates = (
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.rackspace_api_key,
            self.backup_auth_token,
            self.state_url,
        )
        found = [s.reveal() for s in candidates if s]
        return found + [s for s in self.accounts.secrets() if s not in found]


class _Reader:
    """Reads typed values from a mapping and remembers every problem instead of raising."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def text(self, name: str, default: str = "") -> str:
        return self.env.get(name, "").strip() or default

    def secret(self, name: str) -> Secret:
        return Secret(self.text(name))

    def _typed(self, name: str, default: T, convert: Callable[[str], T], what: str) -> T:
        raw = self.text(name)
        if not raw:
            return default
        try:
            return convert(raw)
        except ValueError:
            self.problems.append(f"{name} must be {what}, got {raw!r}")
            return default

    def duration(self, name: str, default: float, *, minimum: float = 0.0) -> float:
        value = self._typed(name, default, parse_duration, DURATION_HINT)
        if value < minimum:
            self.problems.append(f"{name} must be at least {minimum:g} s, got {value:g} s")
            return default
        return value

    def time_of_day(self, name: str, default: float | None) -> float | None:
        raw = self.text(name)
        if raw.lower() == "off":
            return None
        return self._typed(name, default, parse_time_of_day, "a time HH:MM or HH:MM:SS, or off")

    def quiet_hours(self, name: str) -> tuple[float, float] | None:
        raw = self.text(name)
        if not raw or raw.lower() == "off":
            return None
        start, dash, end = raw.partition("-")
        try:
            if not dash:
                raise ValueError(raw)
            window = (parse_time_of_day(start), parse_time_of_day(end))
        except ValueError:
            self.problems.append(
                f"{name} must look like 22:00-07:00 (HH:MM or HH:MM:SS), got {raw!r}"
            )
            return None
        if window[0] == window[1]:
            self.problems.append(f"{name} must not start and end at the same time, got {raw!r}")
            return None
        return window

    def timezone(self, name: str, default: str) -> str:
        raw = self.text(name, default)
        try:
            ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError):
            self.problems.append(f"{name} must be an IANA time zone like Europe/Paris, got {raw!r}")
            return default
        return raw

    def channels_with_region(self, name: str) -> tuple[tuple[str, str | None], ...]:
        found: list[tuple[str, str | None]] = []
        bad: list[str] = []
        for part in (p.strip() for p in self.text(name).split(",")):
            if not part:
                continue
            channel, _, region = part.partition(":")
            channel, region = channel.strip().upper(), region.strip().upper()
            ok_channel = channel.isalnum() and channel[:1].isalpha()
            ok_region = not region or (region.isalpha() and len(region) <= 10)
            if ok_channel and ok_region and (channel, region or None) not in found:
                found.append((channel, region or None))
            elif not (ok_channel and ok_region):
                bad.append(part)
        if bad:
            self.problems.append(
                f"{name} must be comma-separated channel IDs, each optionally with a region"
                f" (C0123ABCD or C0123ABCD:ORD), got {', '.join(bad)}"
            )
        return tuple(found)

    def integer(self, name: str, default: int, *, minimum: int = 1) -> int:
        value = self._typed(name, default, int, "a whole number")
        if value < minimum:
            self.problems.append(f"{name} must be at least {minimum}, got {value}")
            return default
        return value

    def ids(self, name: str) -> frozenset[str]:
        items = [part.strip() for part in self.text(name).split(",") if part.strip()]
        bad = [item for item in items if not item.isalnum() or not item[0].isalpha()]
        if bad:
            self.problems.append(
                f"{name} must be comma-separated Slack IDs like C0123ABCD, got {', '.join(bad)}"
            )
        return frozenset(item.upper() for item in items if item not in bad)


def read_environment(env_file: str | os.PathLike[str] | None = ".env") -> dict[str, str]:
    """The process environment over the ``.env`` file: real environment variables win."""
    merged: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(os.environ)
    return merged


def load_settings(env: Mapping[str, str], *, mode: Mode | None = None) -> Settings:
    """Build Settings for a run in ``mode`` (None: only what every mode needs)."""
    r = _Reader(env)
    slash = r.text("SLASH_COMMAND", "/backup")
    if not slash.startswith("/") or " " in slash or len(slash) > 32:
        r.problems.append(f"SLASH_COMMAND must look like /backup, got {slash!r}")
    log_format = r.text("LOG_FORMAT", "json").lower()
    if log_format not in ("json", "text"):
        r.problems.append(f"LOG_FORMAT must be json or text, got {log_format!r}")
        log_format = "json"
    region = r.text("RACKSPACE_REGION").upper() or None
    settings = Settings(
        slack_bot_token=r.secret("SLACK_BOT_TOKEN"),
        slack_signing_secret=r.secret("SLACK_SIGNING_SECRET"),
        slack_app_token=r.secret("SLACK_APP_TOKEN"),
        slack_api_url=r.text("SLACK_API_URL", DEFAULT_SLACK_API_URL),
        slash_command=slash,
        host=r.text("HOST", "0.0.0.0"),
        port=r.integer("PORT", 3000, minimum=0),
        http_threads=r.integer("HTTP_THREADS", 16),
        rackspace_username=r.text("RACKSPACE_USERNAME"),
        rackspace_api_key=r.secret("RACKSPACE_API_KEY"),
        rackspace_identity_url=r.text("RACKSPACE_IDENTITY_URL", DEFAULT_IDENTITY_URL),
        rackspace_region=region,
        backup_api_url=r.text("BACKUP_API_URL"),
        backup_auth_token=r.secret("BACKUP_AUTH_TOKEN"),
        backup_api_connect_timeout=r.duration("BACKUP_API_CONNECT_TIMEOUT", 5.0, minimum=0.1),
        backup_api_read_timeout=r.duration("BACKUP_API_READ_TIMEOUT", 30.0, minimum=0.1),
        backup_api_retries=r.integer("BACKUP_API_RETRIES", 3, minimum=0),
        backup_api_concurrency=r.integer("BACKUP_API_CONCURRENCY", 8),
        agents_cache_ttl=r.duration("AGENTS_CACHE_TTL", 15.0),
        wakeup_check_after=r.duration("WAKEUP_CHECK_AFTER", 10.0),
        wakeup_check_every=r.duration("WAKEUP_CHECK_EVERY", 5.0, minimum=0.01),
        wakeup_give_up_after=r.duration("WAKEUP_GIVE_UP_AFTER", 60.0),
        state_path=Path(r.text("STATE_PATH", "backup-bot-state.sqlite3")),
        state_url=r.secret("STATE_URL"),
        state_lease=r.duration("STATE_LEASE", 15.0, minimum=0.1),
        allowed_channel_ids=r.ids("ALLOWED_CHANNEL_IDS"),
        wakeup_allowed_user_ids=r.ids("WAKEUP_ALLOWED_USER_IDS"),
        worker_threads=r.integer("WORKER_THREADS", 16),
        max_pending_jobs=r.integer("MAX_PENDING_JOBS", 500),
        log_level=r.text("LOG_LEVEL", "INFO").upper(),
        log_format="text" if log_format == "text" else "json",
        metrics=_on_off(r, "METRICS", default=True),
        metrics_port=r.integer("METRICS_PORT", 0, minimum=0) if r.text("METRICS_PORT") else None,
        watch_interval=r.duration("WATCH_INTERVAL", 300.0, minimum=1.0),
        watch_stale_after=r.duration("WATCH_STALE_AFTER", 26 * 3600.0, minimum=1.0),
        watch_api_down_after=r.integer("WATCH_API_DOWN_AFTER", 3),
        watch_remind_every=r.duration("WATCH_REMIND_EVERY", 24 * 3600.0),
        watch_quiet_hours=r.quiet_hours("WATCH_QUIET_HOURS"),
        watch_timezone=r.timezone("WATCH_TIMEZONE", "UTC"),
        watch_digest_at=r.time_of_day("WATCH_DIGEST_AT", 9 * 3600.0),
        watch_history=r.duration("WATCH_HISTORY", 30 * 86400.0, minimum=3600.0),
        watch_channel_ids=r.channels_with_region("WATCH_CHANNEL_IDS"),
        watch_allowed_user_ids=r.ids("WATCH_ALLOWED_USER_IDS"),
    )
    if settings.log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        r.problems.append(
            f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {settings.log_level!r}"
        )
    _check_state(settings, env, r.problems)
    accounts_file = r.text("ACCOUNTS_FILE")
    if accounts_file:
        settings = _with_accounts_file(settings, Path(accounts_file), env, r.problems)
    else:
        _check_backup_credentials(settings, r.problems)
    if mode is not None:
        _check_slack_credentials(settings, mode, r.problems)
    if r.problems:
        raise ConfigError(r.problems)
    return settings


def _check_state(s: Settings, env: Mapping[str, str], problems: list[str]) -> None:
    """STATE_URL (PostgreSQL) or STATE_PATH (SQLite): one store, so never both."""
    url = s.state_url.reveal()
    if url and env.get("STATE_PATH", "").strip():
        problems.append(
            "STATE_URL and STATE_PATH are both set: choose one (STATE_URL for PostgreSQL,"
            " STATE_PATH for one process on SQLite)"
        )
    if url and not (url.startswith(("postgresql://", "postgres://")) or "=" in url):
        # Never quote the value: it may hold a password.
        problems.append(
            "STATE_URL must be a PostgreSQL URL (postgresql://user:password@host:5432/db)"
            " or a conninfo string (host=... dbname=...)"
        )


def _on_off(r: _Reader, name: str, *, default: bool) -> bool:
    raw = r.text(name).lower()
    if not raw:
        return default
    if raw in ("on", "off"):
        return raw == "on"
    r.problems.append(f"{name} must be on or off, got {raw!r}")
    return default


def _with_accounts_file(
    s: Settings, path: Path, env: Mapping[str, str], problems: list[str]
) -> Settings:
    """ACCOUNTS_FILE describes every account; the single-account variables must stay unset."""

    problems.extend(env_account_conflicts(env))
    accounts, found = load_accounts_file(
        path,
        env,
        wakeup_allowed_user_ids=s.wakeup_allowed_user_ids,
        watch_allowed_user_ids=s.watch_allowed_user_ids,
    )
    problems.extend(found)
    return s if accounts is None else replace(s, accounts=accounts)


def _check_backup_credentials(s: Settings, problems: list[str]) -> None:
    if bool(s.rackspace_username) != bool(s.rackspace_api_key):
        problems.append("RACKSPACE_USERNAME and RACKSPACE_API_KEY must be set together")
    if bool(s.backup_api_url) != bool(s.backup_auth_token):
        problems.append("BACKUP_API_URL and BACKUP_AUTH_TOKEN must be set together")
    if s.backup_api_url and not s.rackspace_username and s.rackspace_region:
        problems.append(
            "RACKSPACE_REGION only works with RACKSPACE_USERNAME and RACKSPACE_API_KEY: "
            "BACKUP_API_URL already fixes the region"
        )
    if not s.rackspace_username and not s.backup_api_url:
        problems.append(
            "no backup API credentials: set RACKSPACE_USERNAME and RACKSPACE_API_KEY "
            "(or BACKUP_API_URL and BACKUP_AUTH_TOKEN)"
        )
    for name, url in (
        ("RACKSPACE_IDENTITY_URL", s.rackspace_identity_url),
        ("BACKUP_API_URL", s.backup_api_url),
    ):
        if url and not url.startswith(("http://", "https://")):
            problems.append(f"{name} must be an http(s) URL, got {url!r}")


def _check_slack_credentials(s: Settings, mode: Mode, problems: list[str]) -> None:
    token = s.slack_bot_token.reveal()
    if not token:
        problems.append("SLACK_BOT_TOKEN is missing (the bot token, xoxb-...)")
    elif not token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
    if mode == "http" and not s.slack_signing_secret:
        problems.append("SLACK_SIGNING_SECRET is missing (needed to verify requests in HTTP mode)")
    if mode == "socket":
        app_token = s.slack_app_token.reveal()
        if not app_token:
            problems.append(
                "SLACK_APP_TOKEN is missing (an app-level token, xapp-..., for Socket Mode)"
            )
        elif not app_token.startswith("xapp-"):
            problems.append("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
