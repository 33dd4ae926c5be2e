"""``backup-bot doctor``: every setting the bot depends on, tried for real, one line each.

A deployment that starts but cannot reach Rackspace, or lacks a Slack scope, only shows it
when a user asks; doctor shows it before. Each check makes one call and does not retry, so
what it prints is what one attempt sees. A line never holds a secret: the checks name the
variable or file to fix, and every line is masked with the configured secrets as well.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.accounts import AccountConfig, Accounts
from bot.backup_api import (
    AuthenticationError,
    BackupApiClient,
    BackupApiError,
    RegionNotFoundError,
    build_client,
)
from bot.config import ConfigError, Mode, Settings, load_settings, read_environment
from bot.wakeup import SqliteWakeupStore, StateStoreError

REQUIRED_BOT_SCOPES = ("commands", "chat:write", "chat:write.public")
"""manifest.yaml's bot scopes (a test keeps the two equal; the manifest is not in the wheel)."""

SLACK_TIMEOUT = 10
MAX_CONNECT_TIMEOUT = 10.0
EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


@dataclass(frozen=True)
class Check:
    """One check's verdict: what was checked and, when it failed, what is wrong and what to do."""

    ok: bool
    subject: str
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.subject}: {self.detail}"


def run_doctor(env_file: str | None = ".env", *, out: TextIO | None = None) -> int:
    """Print one line per check; 0 only if every check passed, 2 if the settings do not load."""
    stream = out or sys.stdout
    env = read_environment(env_file)
    mode: Mode = "socket" if env.get("SLACK_APP_TOKEN", "").strip() else "http"
    try:
        settings = load_settings(env, mode=mode)
    except ConfigError as exc:
        for problem in exc.problems:
            print(Check(False, "configuration", problem).line(), file=stream)
        print(
            f"FAIL configuration: {len(exc.problems)} problem(s): fix them, then run doctor again",
            file=stream,
        )
        return EXIT_CONFIG
    secrets = settings.secrets()
    failed = False
    for check in run_checks(settings, mode):
        failed = failed or not check.ok
        print(mask(check.line(), secrets), file=stream, flush=True)
    return EXIT_FAILED if failed else EXIT_OK


def mask(line: str, secrets: list[str]) -> str:
    """Defence in depth: no check should print a secret, and none can."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            line = line.replace(secret, "***")
    return line


def run_checks(settings: Settings, mode: Mode) -> Iterator[Check]:
    """Every check in order, lazily, so a slow one shows what came before it."""
    yield _configuration(settings, mode)
    regions = watched_regions(settings.accounts, settings.watch_channel_ids)
    for account in settings.accounts.accounts:
        yield from check_account(account, settings, regions.get(account.name, ()))
    yield from check_slack(settings, mode)
    url = settings.state_url.reveal()
    yield check_state_url(url) if url else check_state_store(settings.state_path)


def _configuration(settings: Settings, mode: Mode) -> Check:
    accounts = settings.accounts
    where = (
        f"ACCOUNTS_FILE {accounts.source}"
        if accounts.source is not None
        else "the environment (no ACCOUNTS_FILE)"
    )
    names = ", ".join(accounts.names())
    mode_name = "Socket Mode" if mode == "socket" else "HTTP mode"
    return Check(True, "configuration", f"loads; {mode_name}; account(s) {names} from {where}")


def watched_regions(
    accounts: Accounts, watch_channels: tuple[tuple[str, str | None], ...]
) -> Mapping[str, tuple[str, ...]]:
    """Regions WATCH_CHANNEL_IDS names, by the account each of those channels resolves to."""
    found: dict[str, list[str]] = {}
    for channel, region in watch_channels:
        account = accounts.resolve(channel, None)
        if region and isinstance(account, AccountConfig):
            regions = found.setdefault(account.name, [])
            if region not in regions:
                regions.append(region)
    return {name: tuple(regions) for name, regions in found.items()}


# --- Rackspace --------------------------------------------------------------------------


def check_account(
    account: AccountConfig, settings: Settings, extra_regions: tuple[str, ...] = ()
) -> Iterator[Check]:
    """Authentication, then each configured region's endpoint and a list call."""
    subject = f"account {account.name}"
    try:
        client = build_client(
            **account.client_options(),
            connect_timeout=min(settings.backup_api_connect_timeout, MAX_CONNECT_TIMEOUT),
            read_timeout=settings.backup_api_read_timeout,
            max_retries=0,
            concurrency=1,
        )
    except ValueError as exc:
        yield Check(False, subject, f"cannot build a client: {exc}")
        return
    with client:
        if account.uses_identity:
            setting = (
                f"accounts.{account.name}.region in ACCOUNTS_FILE"
                if settings.accounts.source is not None
                else "RACKSPACE_REGION"
            )
            yield from _identity_account(client, account, extra_regions, setting)
        else:
            yield from _direct_account(client, account, extra_regions)


def _identity_account(
    client: BackupApiClient,
    account: AccountConfig,
    extra_regions: tuple[str, ...],
    region_setting: str,
) -> Iterator[Check]:
    subject = f"account {account.name}"
    identity = f"Rackspace Identity at {account.identity_url}"
    try:
        client.endpoint()
    except RegionNotFoundError:
        pass  # authenticated: the region check below says what is wrong with the region
    except AuthenticationError as exc:
        yield Check(
            False,
            f"{subject}: authentication",
            f"{exc} Check the username {account.username!r} and the API key in"
            f" {account.secret_from}: it must be the user's current API key, not the password.",
        )
        return
    except BackupApiError as exc:
        yield Check(False, f"{subject}: authentication", f"{identity}: {exc} {exc.hint}")
        return
    yield Check(True, f"{subject}: authentication", f"{identity} accepted {account.username!r}")
    regions: list[str | None] = [account.region]
    regions += [r for r in extra_regions if r != account.region]
    for region in regions:
        setting = region_setting if region == account.region else "WATCH_CHANNEL_IDS"
        yield from _region(client, account, region, setting)


def _region(
    client: BackupApiClient, account: AccountConfig, region: str | None, setting: str
) -> Iterator[Check]:
    label = region or "default"
    subject = f"account {account.name}, region {label}"
    try:
        regional = client if region == account.region else client.for_region(region)
        endpoint = regional.endpoint()
    except RegionNotFoundError as exc:
        yield Check(False, f"{subject}: endpoint", f"{exc} {exc.hint} (fix {setting})")
        return
    except BackupApiError as exc:
        yield Check(False, f"{subject}: endpoint", f"{exc} {exc.hint}")
        return
    shown = endpoint.region or label
    yield Check(True, f"{subject}: endpoint", f"{endpoint.url} (region {shown})")
    yield _list_call(regional, subject)


def _direct_account(
    client: BackupApiClient, account: AccountConfig, extra_regions: tuple[str, ...]
) -> Iterator[Check]:
    subject = f"account {account.name}"
    try:
        agents = client.list_agents()
    except AuthenticationError as exc:
        yield Check(
            False,
            f"{subject}: authentication",
            f"{exc} The token in {account.secret_from} is expired or invalid: set a fresh one,"
            " or use a username and API key so the bot renews its token by itself.",
        )
        return
    except BackupApiError as exc:
        yield Check(
            False,
            f"{subject}: endpoint {account.backup_api_url}",
            f"{exc} {exc.hint}",
        )
        return
    yield Check(
        True,
        f"{subject}: authentication",
        f"the backup API accepted the token from {account.secret_from}",
    )
    yield Check(True, f"{subject}: endpoint", f"{account.backup_api_url} (direct)")
    yield Check(True, f"{subject}: list call", f"{len(agents)} agent(s)")
    for region in extra_regions:
        yield Check(
            False,
            f"{subject}, region {region}: endpoint",
            "WATCH_CHANNEL_IDS asks for this region, but a direct endpoint cannot switch"
            " regions: drop the region there, or use a username and API key for this account",
        )


def _list_call(client: BackupApiClient, subject: str) -> Check:
    try:
        agents = client.list_agents()
    except BackupApiError as exc:
        return Check(False, f"{subject}: list call", f"{exc} {exc.hint}")
    return Check(True, f"{subject}: list call", f"{len(agents)} agent(s)")


# --- Slack ------------------------------------------------------------------------------


def check_slack(settings: Settings, mode: Mode) -> Iterator[Check]:
    """auth.test and the granted scopes; in Socket Mode, that the app token opens a connection."""
    client = WebClient(
        token=settings.slack_bot_token.reveal(),
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT,
    )
    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        yield Check(
            False,
            "Slack: auth.test",
            f"Slack refused SLACK_BOT_TOKEN ({_slack_error(exc)}): copy the Bot User OAuth Token"
            " from OAuth & Permissions (reinstall the app if it was revoked)",
        )
        return
    except (SlackClientError, URLError, OSError) as exc:
        yield Check(False, "Slack: auth.test", _unreachable(settings.slack_api_url, exc))
        return
    team = answer.get("team") or answer.get("team_id") or "?"
    user = answer.get("user") or answer.get("user_id") or "?"
    yield Check(True, "Slack: auth.test", f"bot user {user} in workspace {team}")
    yield _scopes(_header(answer.headers, "x-oauth-scopes"))
    if mode == "socket":
        yield _socket_mode(settings)


def _scopes(header: str | None) -> Check:
    if header is None:
        return Check(
            False,
            "Slack: scopes",
            "auth.test did not report the granted scopes (no x-oauth-scopes header):"
            " check that SLACK_BOT_TOKEN is a bot token (xoxb-)",
        )
    granted = {s.strip() for s in header.split(",") if s.strip()}
    missing = [s for s in REQUIRED_BOT_SCOPES if s not in granted]
    if missing:
        return Check(
            False,
            "Slack: scopes",
            f"missing {', '.join(missing)}: add them under OAuth & Permissions -> Bot Token"
            " Scopes (as manifest.yaml lists them), then reinstall the app to the workspace",
        )
    return Check(True, "Slack: scopes", f"{', '.join(REQUIRED_BOT_SCOPES)} granted")


def _socket_mode(settings: Settings) -> Check:
    client = WebClient(base_url=settings.slack_api_url, timeout=SLACK_TIMEOUT)
    try:
        answer = client.apps_connections_open(app_token=settings.slack_app_token.reveal())
    except SlackApiError as exc:
        return Check(
            False,
            "Slack: Socket Mode",
            f"Slack refused SLACK_APP_TOKEN ({_slack_error(exc)}): create an app-level token"
            " with connections:write under Basic Information -> App-Level Tokens, and turn"
            " Socket Mode on",
        )
    except (SlackClientError, URLError, OSError) as exc:
        return Check(False, "Slack: Socket Mode", _unreachable(settings.slack_api_url, exc))
    if not isinstance(answer.get("url"), str):
        return Check(False, "Slack: Socket Mode", "apps.connections.open gave no connection URL")
    # The URL itself is a single-use credential: it is not printed.
    return Check(True, "Slack: Socket Mode", "the app token can open a connection")


def _slack_error(exc: SlackApiError) -> str:
    error = exc.response.get("error") if exc.response is not None else None
    return str(error or "error")


def _unreachable(url: str, exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return (
        f"cannot reach Slack at {url} ({type(exc).__name__}: {reason}): check the network"
        " and SLACK_API_URL"
    )


def _header(headers: Mapping[str, object], name: str) -> str | None:
    """slack_sdk keeps the header names as the server spelled them."""
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return None


# --- state store ------------------------------------------------------------------------


def check_state_url(url: str) -> Check:
    """STATE_URL: PostgreSQL answers, with a schema this bot can use, and lets it write."""
    from bot.state.postgres import probe

    subject = "state store PostgreSQL (STATE_URL)"
    try:
        return Check(True, subject, probe(url))
    except StateStoreError as exc:
        return Check(False, subject, str(exc))


def check_state_store(path: Path) -> Check:
    """The bot can open (or create) its state file; nothing existing is overwritten."""
    subject = f"state store {path}"
    if path.is_dir():
        return Check(False, subject, "is a directory: set STATE_PATH to a file path inside it")
    directory = path.parent
    while not directory.exists() and directory != directory.parent:
        directory = directory.parent
    if not directory.is_dir():
        return Check(
            False,
            subject,
            f"a file is in the way at {directory}: choose a STATE_PATH in a writable directory",
        )
    try:
        handle, probe = tempfile.mkstemp(prefix=".backup-bot-doctor-", dir=directory)
    except OSError as exc:
        return Check(
            False,
            subject,
            f"cannot write in {directory} ({exc.strerror or exc}): make it writable for the"
            " bot's user, or choose another STATE_PATH",
        )
    os.close(handle)
    os.unlink(probe)
    if not path.exists():
        return Check(True, subject, f"{directory} is writable; the file is created at start")
    if not os.access(path, os.R_OK | os.W_OK):
        return Check(False, subject, "not readable and writable by this user: fix its permissions")
    try:
        SqliteWakeupStore(path).close()
    except StateStoreError as exc:
        return Check(False, subject, str(exc))
    return Check(True, subject, "opens and is writable")
