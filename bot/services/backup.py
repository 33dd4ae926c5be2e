"""One account's agents: the shared fleet fetch, lookups, wake-ups, and what calls taught us.

Fleets are cached and wake-ups coalesced per *account key*: the default region, whether named
or not, is one key (``""``), any other region is its own. So ``/backup wakeup`` and a Wake up
button naming the default region share one POST and one check loop.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from bot.backup_api import BackupApiClient, Endpoint, Fleet
from bot.backup_api.models import Agent
from bot.fleet_cache import SingleFlightCache
from bot.services.agent_query import match_agent

DEFAULT_REGION_KEY = ""
FLEET_WORKERS = 4
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


@dataclass(frozen=True, slots=True)
class AccountRef:
    """The account a result belongs to, as the call that produced it reported.

    ``account_id`` is empty until some call has told us; messages then omit it rather than
    fetch it.
    """

    account_id: str
    region: str | None


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


@dataclass(frozen=True, slots=True)
class NotFound:
    ref: str


Lookup = Found | Choices | NotFound


class BackupService:
    """Thread-safe; one per bot. ``close`` releases the clients and the fleet pool."""

    def __init__(
        self,
        client: BackupApiClient,
        *,
        region: str | None,
        cache_ttl: float,
        on_fleet_lookup: Callable[[str], None] | None = None,
    ) -> None:
        """``region`` is the configured default region (None: Identity's default);
        ``on_fleet_lookup`` hears how each fleet request was served (``SingleFlightCache``)."""
        self._client = client
        self._configured_region = region
        self._regional: dict[str, BackupApiClient] = {}
        self._regional_lock = threading.Lock()
        self._learnt: dict[str, AccountRef] = {}
        self._default_region: str | None = None  # learnt from Identity when not configured
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

    def account_key(self, region: str | None) -> str:
        wanted = (region or "").upper()
        default = self._configured_region or self._default_region or ""
        return DEFAULT_REGION_KEY if wanted == default else wanted

    def known(self, key: str) -> AccountRef:
        """What calls have told us about an account; never calls the network."""
        learnt = self._learnt.get(key)
        if learnt is not None:
            return learnt
        return AccountRef(account_id="", region=key or self._configured_region)

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

    def lookup(self, key: str, ref: str) -> Lookup:
        """One agent by id, host server UUID or name (a name may match several)."""
        if ref.isdigit():
            return self._fetch_one(key, int(ref))
        if _UUID.match(ref):
            return self._fetch_one(key, ref)
        fleet = self.fleet(key)
        matches = match_agent(fleet.agents, ref)
        if not matches:
            return NotFound(ref)
        if len(matches) > 1:
            return Choices(tuple(matches), ref=ref, region=fleet.region)
        return Found(
            matches[0], AccountRef(fleet.account_id, fleet.region), fetched_at=fleet.fetched_at
        )

    def close(self) -> None:
        self._fleet_pool.shutdown(wait=False)
        with self._regional_lock:
            regional = list(self._regional.values())
        for client in regional:
            client.close()
        self._client.close()

    def stop_fetching(self) -> None:
        """No new fleet loads; those under way finish on their own."""
        self._fleet_pool.shutdown(wait=False)

    # -- internals --------------------------------------------------------------------------

    def _fetch_one(self, key: str, ref: int | str) -> Found:
        client = self._client_for(key)
        agent = client.get_agent(ref) if isinstance(ref, int) else client.get_agent_by_server(ref)
        endpoint = client.endpoint()
        self._learn(key, endpoint)
        return Found(
            agent, AccountRef(endpoint.account_id, endpoint.region), fetched_at=datetime.now(UTC)
        )

    def _client_for(self, key: str) -> BackupApiClient:
        if self.account_key(key) == DEFAULT_REGION_KEY:
            return self._client
        with self._regional_lock:
            client = self._regional.get(key)
            if client is None:
                client = self._client.for_region(key)
                self._regional[key] = client
            return client

    def _remember_fleet(self, key: str, done: Future[Fleet]) -> None:
        if not done.cancelled() and done.exception() is None:
            fleet = done.result()
            self._remember(key, AccountRef(fleet.account_id, fleet.region))

    def _learn(self, key: str, endpoint: Endpoint) -> None:
        self._remember(key, AccountRef(endpoint.account_id, endpoint.region))

    def _remember(self, key: str, account: AccountRef) -> None:
        self._learnt[key] = account
        if key == DEFAULT_REGION_KEY and account.region:
            self._default_region = account.region
