"""The accounts' agents: the shared fleet fetch, lookups, wake-ups, and what calls taught us.

Fleets are cached, wake-ups coalesced and accounts watched per *account key*: one account and
one of its regions. Within an account the default region, whether named or not, is one key,
any other region is its own, so ``/backup wakeup`` and a Wake up button naming the default
region share one POST and one check loop. The key of the single ``default`` account is the
bare region key (``""`` or ``"ORD"``), as it always was, so a one-account setup keeps its
stored state; another account's is ``name/REGION`` (``prod/``, ``prod/ORD``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from bot.accounts import DEFAULT_ACCOUNT_NAME
from bot.backup_api import AgentNotFoundError, BackupApiClient, Endpoint, Fleet
from bot.backup_api.models import Agent
from bot.fleet_cache import SingleFlightCache
from bot.services.agent_query import match_agent

DEFAULT_REGION_KEY = ""
DEFAULT_ACCOUNT = DEFAULT_ACCOUNT_NAME
"""The one account of a setup without ACCOUNTS_FILE; its keys are bare region keys."""
FLEET_WORKERS = 4
_KEY_SEPARATOR = "/"
_DIGITS = re.compile(r"[0-9]{1,18}")
"""An agent id: ASCII digits only (``str.isdigit`` takes ``²`` and ``١``, which int() may not)."""
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


@dataclass(frozen=True, slots=True)
class AccountRef:
    """The account a result belongs to, as the call that produced it reported.

    ``account_id`` is empty until some call has told us; messages then omit it rather than
    fetch it.
    """

    account_id: str
    region: str | None
    name: str | None = None
    """The account's name in the bot's configuration; None for the single default account."""


def join_key(account: str, region_key: str) -> str:
    return region_key if account == DEFAULT_ACCOUNT else f"{account}{_KEY_SEPARATOR}{region_key}"


def split_key(key: str) -> tuple[str, str]:
    """(account name, region key) of an account key."""
    account, separator, region_key = key.partition(_KEY_SEPARATOR)
    return (account, region_key) if separator else (DEFAULT_ACCOUNT, key)


class _Account:
    """One account's client, its regional clients and the default region Identity chose."""

    def __init__(self, client: BackupApiClient, region: str | None) -> None:
        self.client = client
        self.configured_region = region
        self.default_region: str | None = None
        self.regional: dict[str, BackupApiClient] = {}

    def region_key(self, region: str | None) -> str:
        wanted = (region or "").upper()
        default = self.configured_region or self.default_region or ""
        return DEFAULT_REGION_KEY if wanted == default else wanted


@dataclass(frozen=True, slots=True)
class Found:
    agent: Agent
    account: AccountRef
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class Choices:
    """A name matched several agents; the user picks one."""

    agents: tuple[Agent, ...]
    ref: str
    region: str | None
    account_name: str | None = None


@dataclass(frozen=True, slots=True)
class NotFound:
    ref: str


Lookup = Found | Choices | NotFound


class UnknownAccountError(LookupError):
    """A key names an account the bot does not have (a stale stored job, say)."""


class BackupService:
    """Thread-safe; one per bot, for every account. ``close`` releases the clients."""

    def __init__(
        self,
        clients: dict[str, tuple[BackupApiClient, str | None]],
        *,
        cache_ttl: float,
        on_fleet_lookup: Callable[[str], None] | None = None,
    ) -> None:
        """``clients`` maps each account's name to its client and configured default region
        (None: Identity's default); ``on_fleet_lookup`` hears how each fleet request was
        served (``SingleFlightCache``)."""
        self._accounts = {
            name: _Account(client, region) for name, (client, region) in clients.items()
        }
        self._lock = threading.Lock()
        self._learnt: dict[str, AccountRef] = {}
        # Fleet loads get their own pool: requests waiting on a shared fetch must never hold
        # the threads that fetch needs.
        self._fleet_pool = ThreadPoolExecutor(FLEET_WORKERS, thread_name_prefix="fleet")
        self.fleets: SingleFlightCache[Fleet] = SingleFlightCache(
            lambda key: self._client_for(key).list_agents_with_status(),
            ttl=cache_ttl,
            executor=self._fleet_pool,
            on_lookup=on_fleet_lookup,
        )

    # -- accounts ---------------------------------------------------------------------------

    def account_key(self, region: str | None, account: str = DEFAULT_ACCOUNT) -> str:
        return join_key(account, self._account(account).region_key(region))

    def known(self, key: str) -> AccountRef:
        """What calls have told us about an account; never calls the network."""
        learnt = self._learnt.get(key)
        if learnt is not None:
            return learnt
        name, region_key = split_key(key)
        account = self._accounts.get(name)
        region = region_key or (account.configured_region if account else None)
        return AccountRef(account_id="", region=region, name=self._shown_name(name))

    @property
    def cache_ttl(self) -> float:
        return self.fleets.ttl

    # -- operations -------------------------------------------------------------------------

    def fleet_future(
        self, key: str, *, fresh: bool = False, asked_at: float | None = None
    ) -> Future[Fleet]:
        """Every agent of a region with its true status, shared by concurrent askers."""
        future = self.fleets.get_future(key, fresh=fresh, asked_at=asked_at)
        future.add_done_callback(partial(self._remember_fleet, key))
        return future

    def fleet(self, key: str, *, fresh: bool = False) -> Fleet:
        return self.fleet_future(key, fresh=fresh).result()

    def check(self, key: str) -> Sequence[Agent]:
        """True status for a wake-up check: always fresh, and it refreshes the list cache too."""
        return self.fleet(key, fresh=True).agents

    def wake(self, key: str) -> None:
        client = self._client_for(key)
        client.wake_up_agents()
        self._learn(key, client.endpoint())

    def get_agent(self, key: str, agent_id: int) -> Found:
        return self._fetch_one(key, agent_id)

    def find_by_id(self, keys: Sequence[str], ref: str) -> Lookup:
        """An agent id or host server UUID searched in several accounts, in order.

        For a channel where several accounts may be used and none was named: only those
        accounts are asked, and the first that has the agent answers.
        """
        for key in keys:
            try:
                return self.lookup(key, ref)
            except AgentNotFoundError:
                continue
        return NotFound(ref)

    @staticmethod
    def is_id(ref: str) -> bool:
        """An agent id or a host server UUID, as opposed to a name."""
        return _DIGITS.fullmatch(ref) is not None or bool(_UUID.match(ref))

    def lookup(self, key: str, ref: str) -> Lookup:
        """One agent by id, host server UUID or name (a name may match several)."""
        if _DIGITS.fullmatch(ref):
            return self._fetch_one(key, int(ref))
        if _UUID.match(ref):
            return self._fetch_one(key, ref)
        fleet = self.fleet(key)
        matches = match_agent(fleet.agents, ref)
        if not matches:
            return NotFound(ref)
        if len(matches) > 1:
            return Choices(
                tuple(matches),
                ref=ref,
                region=fleet.region,
                account_name=self._shown_name(split_key(key)[0]),
            )
        return Found(matches[0], self._ref(key, fleet.account_id, fleet.region), fleet.fetched_at)

    def close(self) -> None:
        self._fleet_pool.shutdown(wait=False)
        with self._lock:
            clients = [c for a in self._accounts.values() for c in (*a.regional.values(), a.client)]
        for client in clients:
            client.close()

    def stop_fetching(self) -> None:
        """No new fleet loads; those under way finish on their own."""
        self._fleet_pool.shutdown(wait=False)

    # -- internals --------------------------------------------------------------------------

    def _fetch_one(self, key: str, ref: int | str) -> Found:
        client = self._client_for(key)
        agent = client.get_agent(ref) if isinstance(ref, int) else client.get_agent_by_server(ref)
        endpoint = client.endpoint()
        self._learn(key, endpoint)
        return Found(agent, self._ref(key, endpoint.account_id, endpoint.region), datetime.now(UTC))

    def _account(self, name: str) -> _Account:
        account = self._accounts.get(name)
        if account is None:
            raise UnknownAccountError(f"no account named {name!r} is configured")
        return account

    def _shown_name(self, name: str) -> str | None:
        """Messages name accounts only when there are several to tell apart."""
        return None if set(self._accounts) == {DEFAULT_ACCOUNT} else name

    def _ref(self, key: str, account_id: str, region: str | None) -> AccountRef:
        return AccountRef(account_id, region, self._shown_name(split_key(key)[0]))

    def _client_for(self, key: str) -> BackupApiClient:
        name, region_key = split_key(key)
        account = self._account(name)
        if account.region_key(region_key) == DEFAULT_REGION_KEY:
            return account.client
        with self._lock:
            client = account.regional.get(region_key)
            if client is None:
                client = account.client.for_region(region_key)
                account.regional[region_key] = client
            return client

    def _remember_fleet(self, key: str, done: Future[Fleet]) -> None:
        if not done.cancelled() and done.exception() is None:
            fleet = done.result()
            self._remember(key, self._ref(key, fleet.account_id, fleet.region))

    def _learn(self, key: str, endpoint: Endpoint) -> None:
        self._remember(key, self._ref(key, endpoint.account_id, endpoint.region))

    def _remember(self, key: str, account: AccountRef) -> None:
        self._learnt[key] = account
        name, region_key = split_key(key)
        if region_key == DEFAULT_REGION_KEY and account.region and name in self._accounts:
            self._accounts[name].default_region = account.region
