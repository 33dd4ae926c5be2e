"""The Rackspace accounts one bot serves, and which of them a channel may use.

Without ``ACCOUNTS_FILE`` the environment of a single-account setup describes one account
named ``default`` that every channel may use, so nothing changes for it. With the file, each
account may be walled into its channels: ``usable_in`` and ``resolve`` are the only places
that decide what a channel may see, and they are pure so the walls can be tested without
Slack. A name that exists but is walled off gets the very answer a name that does not exist
gets, so no channel learns of another client's account.

Secrets never sit in the file: it names the variable (``*_env``) or the mounted file
(``*_file``) that holds them, because files get committed.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypedDict

from bot.backup_api.auth import DEFAULT_IDENTITY_URL
from bot.secret import Secret

if TYPE_CHECKING:
    from bot.config import Settings

DEFAULT_ACCOUNT_NAME = "default"
"""The account the environment variables describe when there is no ACCOUNTS_FILE."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
_SLACK_ID = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TOP_KEYS = ("default_account", "accounts", "channels")
_ACCOUNT_KEYS = (
    "username",
    "api_key_env",
    "api_key_file",
    "region",
    "identity_url",
    "backup_api_url",
    "auth_token_env",
    "auth_token_file",
    "channels",
    "wakeup_allowed_user_ids",
    "watch_allowed_user_ids",
)
_INLINE_SECRETS = {
    "api_key": "api_key_env or api_key_file",
    "auth_token": "auth_token_env or auth_token_file",
    "password": "api_key_env or api_key_file (the bot signs in with an API key, not a password)",
}
_SECRET_KEYS = ("api_key_env", "api_key_file", "auth_token_env", "auth_token_file")
_ENV_ACCOUNT_VARIABLES = ("RACKSPACE_USERNAME", "RACKSPACE_REGION", "BACKUP_API_URL")
"""Variables that describe an account; with ACCOUNTS_FILE they would be silently ignored."""


class ClientOptions(TypedDict, total=False):
    """The credentials ``bot.backup_api.build_client`` takes, as keyword arguments."""

    identity_url: str
    username: str
    api_key: str
    region: str | None
    backup_api_url: str
    backup_auth_token: str


@dataclass(frozen=True)
class AccountConfig:
    """One Rackspace account: Identity credentials (``username``) or a direct endpoint.

    ``channels`` is None when the account may be used everywhere. The user lists are the
    account's own, or the global ones where the account does not set them; empty means
    everyone, as for WAKEUP_ALLOWED_USER_IDS.
    """

    name: str
    username: str = ""
    api_key: Secret = field(default_factory=lambda: Secret(""), repr=False)
    region: str | None = None
    identity_url: str = DEFAULT_IDENTITY_URL
    backup_api_url: str = ""
    auth_token: Secret = field(default_factory=lambda: Secret(""), repr=False)
    channels: frozenset[str] | None = None
    wakeup_allowed_user_ids: frozenset[str] = frozenset()
    watch_allowed_user_ids: frozenset[str] = frozenset()
    secret_from: str = ""
    """Where the secret was read: a variable's name or a file's path (never the value), so
    a message can say what to fix."""

    @property
    def uses_identity(self) -> bool:
        return bool(self.username)

    def usable_in(self, channel_id: str) -> bool:
        return self.channels is None or channel_id.strip().upper() in self.channels

    def may_wake(self, user_id: str) -> bool:
        wanted = self.wakeup_allowed_user_ids
        return not wanted or user_id.strip().upper() in wanted

    def may_watch(self, user_id: str) -> bool:
        wanted = self.watch_allowed_user_ids
        return not wanted or user_id.strip().upper() in wanted

    def client_options(self) -> ClientOptions:
        """Keyword arguments for ``bot.backup_api.build_client`` (secrets revealed: pass on,
        never log)."""
        if self.uses_identity:
            return {
                "identity_url": self.identity_url,
                "username": self.username,
                "api_key": self.api_key.reveal(),
                "region": self.region,
            }
        return {
            "backup_api_url": self.backup_api_url,
            "backup_auth_token": self.auth_token.reveal(),
        }

    def secrets(self) -> list[str]:
        return [s.reveal() for s in (self.api_key, self.auth_token) if s]


RefusalReason = Literal["unknown_account", "no_account_here", "ambiguous"]


@dataclass(frozen=True)
class Refusal:
    """Why no account could be chosen, and the accounts the user may name instead.

    ``named`` is what the user typed (shown back as plain text: escape it for mrkdwn);
    ``usable`` are the names of the accounts usable in that channel, nothing else.
    """

    reason: RefusalReason
    named: str | None
    usable: tuple[str, ...]

    @property
    def message(self) -> str:
        here = ", ".join(self.usable)
        if self.reason == "no_account_here":
            return "No Rackspace account may be used in this channel."
        if self.reason == "unknown_account":
            if not self.usable:
                return f"There is no account {self.named} here, and no account may be used here."
            return f"There is no account {self.named} here. Accounts usable here: {here}."
        return f"Several accounts can be used here: {here}. Name one with account:NAME."


@dataclass(frozen=True)
class Accounts:
    """Every account, in file order, with the defaults that pick one for a channel.

    ``source`` is the accounts file, or None when the environment described the one
    ``default`` account. ``channel_defaults`` maps upper-case channel ids to account names.
    """

    accounts: tuple[AccountConfig, ...]
    default_account: str | None = None
    channel_defaults: tuple[tuple[str, str], ...] = ()
    source: Path | None = None
    from_environment: bool = False
    """True for the ``default`` account built from the variables: Settings keeps it current."""

    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.accounts)

    def get(self, name: str) -> AccountConfig | None:
        """The account of that name, wherever it may be used: for the bot's own use (watch
        sweeps, stored jobs), never to answer a user; users go through ``resolve``."""
        wanted = name.strip().lower()
        return next((a for a in self.accounts if a.name.lower() == wanted), None)

    def usable_in(self, channel_id: str) -> tuple[AccountConfig, ...]:
        """The accounts a channel may see, name, wake or watch, in file order."""
        return tuple(a for a in self.accounts if a.usable_in(channel_id))

    def resolve(self, channel_id: str, named: str | None) -> AccountConfig | Refusal:
        """The account a request in ``channel_id`` is about.

        The one named, else the channel's ``[channels]`` default, else the only account
        usable there, else ``default_account``; a name not usable in the channel is refused
        exactly as a name that does not exist.
        """
        usable = self.usable_in(channel_id)
        names = tuple(a.name for a in usable)
        if named is not None and named.strip():
            wanted = named.strip().lower()
            found = next((a for a in usable if a.name.lower() == wanted), None)
            if found is None:
                return Refusal("unknown_account", named.strip(), names)
            return found
        if not usable:
            return Refusal("no_account_here", None, ())
        channel = channel_id.strip().upper()
        for default_channel, account_name in self.channel_defaults:
            if default_channel.strip().upper() == channel:
                chosen = _by_name(usable, account_name)
                if chosen is not None:
                    return chosen
        if len(usable) == 1:
            return usable[0]
        if self.default_account is not None:
            chosen = _by_name(usable, self.default_account)
            if chosen is not None:
                return chosen
        return Refusal("ambiguous", None, names)

    def secrets(self) -> list[str]:
        return [secret for account in self.accounts for secret in account.secrets()]


def _by_name(accounts: Sequence[AccountConfig], name: str) -> AccountConfig | None:
    wanted = name.lower()
    return next((a for a in accounts if a.name.lower() == wanted), None)


# --- from the environment ---------------------------------------------------------------


def accounts_from_settings(settings: Settings) -> Accounts:
    """The single ``default`` account today's variables describe, usable everywhere."""
    account = AccountConfig(
        name=DEFAULT_ACCOUNT_NAME,
        username=settings.rackspace_username,
        api_key=settings.rackspace_api_key,
        region=settings.rackspace_region,
        identity_url=settings.rackspace_identity_url,
        backup_api_url=settings.backup_api_url,
        auth_token=settings.backup_auth_token,
        channels=None,
        wakeup_allowed_user_ids=settings.wakeup_allowed_user_ids,
        watch_allowed_user_ids=settings.watch_allowed_user_ids,
        secret_from="RACKSPACE_API_KEY" if settings.rackspace_username else "BACKUP_AUTH_TOKEN",
    )
    return Accounts(
        accounts=(account,), default_account=DEFAULT_ACCOUNT_NAME, from_environment=True
    )


def env_account_conflicts(env: Mapping[str, str]) -> list[str]:
    """Account variables set next to ACCOUNTS_FILE, which the bot would not use."""
    return [
        f"{name} is set, but ACCOUNTS_FILE describes the accounts: move it into the file"
        " (or leave ACCOUNTS_FILE empty)"
        for name in _ENV_ACCOUNT_VARIABLES
        if env.get(name, "").strip()
    ]


# --- from the accounts file -------------------------------------------------------------


def read_secret_file(path: Path) -> str:
    """A mounted secret (Docker, Kubernetes) without the one trailing newline editors add."""
    text = path.read_text(encoding="utf-8")
    if text.endswith("\r\n"):
        return text[:-2]
    return text.removesuffix("\n")


def load_accounts_file(
    path: Path,
    env: Mapping[str, str],
    *,
    wakeup_allowed_user_ids: frozenset[str] = frozenset(),
    watch_allowed_user_ids: frozenset[str] = frozenset(),
) -> tuple[Accounts | None, list[str]]:
    """Read and check ACCOUNTS_FILE; every problem is returned, each naming the file."""
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except OSError as exc:
        return None, [f"ACCOUNTS_FILE {path}: cannot read it: {exc.strerror or exc}"]
    except tomllib.TOMLDecodeError as exc:
        return None, [f"ACCOUNTS_FILE {path}: not valid TOML: {exc}"]
    except UnicodeDecodeError:
        return None, [f"ACCOUNTS_FILE {path}: not valid TOML: the file is not UTF-8"]
    return parse_accounts(
        document,
        source=path,
        env=env,
        read_secret=lambda p: read_secret_file(p if p.is_absolute() else path.parent / p),
        wakeup_allowed_user_ids=wakeup_allowed_user_ids,
        watch_allowed_user_ids=watch_allowed_user_ids,
    )


def parse_accounts(
    document: Mapping[str, object],
    *,
    source: Path,
    env: Mapping[str, str],
    read_secret: Callable[[Path], str] = read_secret_file,
    wakeup_allowed_user_ids: frozenset[str] = frozenset(),
    watch_allowed_user_ids: frozenset[str] = frozenset(),
) -> tuple[Accounts | None, list[str]]:
    """The accounts of a parsed file, or None and every problem found in it."""
    checker = _Checker(source, env, read_secret)
    for key in document:
        if key not in _TOP_KEYS:
            checker.problem(key, f"unknown key; expected {', '.join(_TOP_KEYS)}")
    accounts = checker.accounts(
        document.get("accounts"), wakeup_allowed_user_ids, watch_allowed_user_ids
    )
    default_account = checker.default_account(document.get("default_account"), accounts)
    channel_defaults = checker.channel_defaults(document.get("channels"), accounts)
    if checker.problems:
        return None, checker.problems
    return (
        Accounts(
            accounts=tuple(accounts),
            default_account=default_account,
            channel_defaults=channel_defaults,
            source=source,
        ),
        [],
    )


class _Checker:
    """Walks the parsed file and collects every problem instead of stopping at the first."""

    def __init__(
        self, source: Path, env: Mapping[str, str], read_secret: Callable[[Path], str]
    ) -> None:
        self.source = source
        self.env = env
        self.read_secret = read_secret
        self.problems: list[str] = []

    def problem(self, key: str, what: str) -> None:
        self.problems.append(f"ACCOUNTS_FILE {self.source}: {key}: {what}")

    def accounts(
        self, table: object, wakeup: frozenset[str], watch: frozenset[str]
    ) -> list[AccountConfig]:
        if table is None:
            self.problem("accounts", "missing: describe at least one account as [accounts.NAME]")
            return []
        if not isinstance(table, dict):
            self.problem("accounts", "must be a table of [accounts.NAME] sections")
            return []
        if not table:
            self.problem("accounts", "empty: describe at least one account as [accounts.NAME]")
        found: list[AccountConfig] = []
        seen: dict[str, str] = {}
        for name, body in table.items():
            key = f"accounts.{name}"
            if not _NAME.fullmatch(name):
                self.problem(
                    key,
                    "an account name is 1 to 32 letters, digits, - or _, starting with a"
                    " letter or digit",
                )
                continue
            if name.lower() in seen:
                self.problem(
                    key, f"the same name as accounts.{seen[name.lower()]} (names ignore case)"
                )
                continue
            seen[name.lower()] = name
            if not isinstance(body, dict):
                self.problem(key, "must be a table: [accounts.NAME] followed by its keys")
                continue
            account = self.account(name, body, wakeup, watch)
            if account is not None:
                found.append(account)
        return found

    def account(
        self,
        name: str,
        body: Mapping[str, object],
        wakeup: frozenset[str],
        watch: frozenset[str],
    ) -> AccountConfig | None:
        key = f"accounts.{name}"
        before = len(self.problems)
        for item in body:
            if item in _INLINE_SECRETS:
                self.problem(
                    f"{key}.{item}",
                    "a secret written in the file, which gets committed: remove it and use"
                    f" {_INLINE_SECRETS[item]}",
                )
            elif item not in _ACCOUNT_KEYS:
                self.problem(f"{key}.{item}", f"unknown key; expected {', '.join(_ACCOUNT_KEYS)}")
        username = self.text(body, key, "username")
        region = self.text(body, key, "region").upper() or None
        identity_url = self.text(body, key, "identity_url")
        backup_api_url = self.text(body, key, "backup_api_url").rstrip("/")
        identity = bool(username) or any(k in body for k in ("api_key_env", "api_key_file"))
        direct = bool(backup_api_url) or any(
            k in body for k in ("auth_token_env", "auth_token_file")
        )
        api_key = auth_token = Secret("")
        if identity and direct:
            self.problem(
                key,
                "both Rackspace Identity credentials (username, api_key_*) and a direct"
                " endpoint (backup_api_url, auth_token_*): keep one of them",
            )
        elif identity:
            if not username:
                self.problem(f"{key}.username", "missing: the Rackspace user of the API key")
            api_key = self.secret(body, key, "api_key")
        elif direct:
            if not backup_api_url:
                self.problem(
                    f"{key}.backup_api_url",
                    "missing: the full base URL with the tenant id, e.g."
                    " https://dfw.backup.api.rackspacecloud.com/v1.0/123456",
                )
            auth_token = self.secret(body, key, "auth_token")
            for fixed in ("region", "identity_url"):
                if fixed in body:
                    self.problem(
                        f"{key}.{fixed}",
                        "only works with username and an API key: backup_api_url already fixes"
                        " the region",
                    )
        else:
            self.problem(
                key,
                "no credentials: give username with api_key_env (or api_key_file), or"
                " backup_api_url with auth_token_env (or auth_token_file)",
            )
        if region is not None and not (region.isalpha() and len(region) <= 10):
            self.problem(f"{key}.region", f"must be a region like DFW or ORD, got {region!r}")
        for url_key, url in (("identity_url", identity_url), ("backup_api_url", backup_api_url)):
            if url and not url.startswith(("http://", "https://")):
                self.problem(f"{key}.{url_key}", f"must be an http(s) URL, got {url!r}")
        if backup_api_url.startswith(("http://", "https://")) and (
            backup_api_url.split("://", 1)[1].count("/") < 1
        ):
            self.problem(
                f"{key}.backup_api_url",
                "must be the full base URL including the tenant id, e.g."
                " https://dfw.backup.api.rackspacecloud.com/v1.0/123456",
            )
        channels = self.ids(body, key, "channels", "channel IDs like C0123ABCD")
        own_wakeup = self.ids(body, key, "wakeup_allowed_user_ids", "user IDs like U0123ABCD")
        own_watch = self.ids(body, key, "watch_allowed_user_ids", "user IDs like U0123ABCD")
        if body.get("channels") == []:
            self.problem(
                f"{key}.channels",
                "empty, so the account could be used nowhere: list its channels, or remove the"
                " key to allow every channel",
            )
        if len(self.problems) > before:
            return None
        return AccountConfig(
            name=name,
            username=username,
            api_key=api_key,
            region=region,
            identity_url=identity_url or DEFAULT_IDENTITY_URL,
            backup_api_url=backup_api_url,
            auth_token=auth_token,
            secret_from=next(
                (str(body[k]) for k in _SECRET_KEYS if isinstance(body.get(k), str)), ""
            ),
            channels=channels,
            wakeup_allowed_user_ids=wakeup if own_wakeup is None else own_wakeup,
            watch_allowed_user_ids=watch if own_watch is None else own_watch,
        )

    def text(self, body: Mapping[str, object], key: str, item: str) -> str:
        value = body.get(item, "")
        if not isinstance(value, str):
            self.problem(f"{key}.{item}", f"must be a string in quotes, got {_kind(value)}")
            return ""
        return value.strip()

    def secret(self, body: Mapping[str, object], key: str, kind: str) -> Secret:
        """``{kind}_env`` or ``{kind}_file``: exactly one; the value itself is never reported."""
        env_key, file_key = f"{kind}_env", f"{kind}_file"
        given = [k for k in (env_key, file_key) if k in body]
        if not given:
            if kind in body or (kind == "api_key" and "password" in body):
                return Secret("")  # the inline secret is reported, and is the one line
            self.problem(
                f"{key}.{env_key}",
                f"missing: name the variable ({env_key}) or the mounted file ({file_key})"
                " that holds it",
            )
            return Secret("")
        if len(given) == 2:
            self.problem(key, f"both {env_key} and {file_key}: keep one of them")
            return Secret("")
        where = self.text(body, key, given[0])
        if not where:
            if isinstance(body[given[0]], str):
                self.problem(f"{key}.{given[0]}", "empty")
            return Secret("")
        if given[0] == env_key:
            if not _ENV_NAME.fullmatch(where):
                self.problem(
                    f"{key}.{env_key}",
                    f"must be a variable name like RAX_PROD_API_KEY, got {where!r}",
                )
                return Secret("")
            value = self.env.get(where, "").strip()
            if not value:
                self.problem(f"{key}.{env_key}", f"the variable {where} is not set or empty")
            return Secret(value)
        try:
            value = self.read_secret(Path(where))
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
            self.problem(f"{key}.{file_key}", f"cannot read {where}: {reason}")
            return Secret("")
        if not value.strip():
            self.problem(f"{key}.{file_key}", f"the file {where} is empty")
        return Secret(value)

    def ids(
        self, body: Mapping[str, object], key: str, item: str, what: str
    ) -> frozenset[str] | None:
        if item not in body:
            return None
        value = body[item]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(f"{key}.{item}", f'must be a list of {what}, e.g. ["C0123ABCD"]')
            return frozenset()
        items = [v.strip() for v in value if isinstance(v, str) and v.strip()]
        bad = [v for v in items if not _SLACK_ID.fullmatch(v)]
        if bad:
            self.problem(f"{key}.{item}", f"must be {what}, got {', '.join(bad)}")
        return frozenset(v.upper() for v in items if v not in bad)

    def default_account(self, value: object, accounts: list[AccountConfig]) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem("default_account", "must be the name of an account in quotes")
            return None
        found = _by_name(accounts, value.strip())
        if found is None:
            if _by_name_in_file(self, value):
                return None  # the account itself has problems, already listed
            self.problem("default_account", f"no account named {value.strip()!r} in [accounts]")
            return None
        return found.name

    def channel_defaults(
        self, table: object, accounts: list[AccountConfig]
    ) -> tuple[tuple[str, str], ...]:
        if table is None:
            return ()
        if not isinstance(table, dict):
            self.problem("channels", 'must be a table: [channels] with lines like C0OPS = "prod"')
            return ()
        found: dict[str, str] = {}
        for channel, name in table.items():
            key = f"channels.{channel}"
            if not _SLACK_ID.fullmatch(channel):
                self.problem(key, "must be a channel ID like C0123ABCD")
                continue
            if channel.upper() in found:
                self.problem(key, "the same channel twice (channel IDs ignore case)")
                continue
            if not isinstance(name, str) or not name.strip():
                self.problem(key, "must be the name of an account in quotes")
                continue
            account = _by_name(accounts, name.strip())
            if account is None:
                if not _by_name_in_file(self, name):
                    self.problem(key, f"no account named {name.strip()!r} in [accounts]")
                continue
            if not account.usable_in(channel):
                self.problem(
                    key,
                    f"account {account.name} may not be used in {channel.upper()}: add the channel"
                    f" to accounts.{account.name}.channels, or choose another account",
                )
                continue
            found[channel.upper()] = account.name
        return tuple(found.items())


def _by_name_in_file(checker: _Checker, name: str) -> bool:
    """Whether a problem line already names accounts.NAME (so it is not reported twice)."""
    prefix = f"ACCOUNTS_FILE {checker.source}: accounts.{name.strip()}"
    return any(p.startswith((prefix + ":", prefix + ".")) for p in checker.problems)


def _kind(value: object) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)
