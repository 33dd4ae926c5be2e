"""The long-lived parts of one bot process, built once and shared by every handler.

One process serves a workspace: one backup API client (one session, one token cache), one
bounded executor for API work, one scheduler and one state store for wake-ups. Keeping them
together makes start-up order and a clean shutdown explicit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from bot.backup_api import BackupApiClient, BackupApiError, Fleet, build_client
from bot.backup_api.models import Agent
from bot.config import Settings
from bot.fleet_cache import SingleFlightCache
from bot.slack.delivery import Delivery, DeliveryPolicy, make_web_client
from bot.slack.followup import deliver_followup
from bot.wakeup import Scheduler, SqliteWakeupStore, WakeupCoordinator

logger = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_REGION_KEY = ""


class BusyError(Exception):
    """Too much work is queued already; the user is asked to try again shortly."""


class BoundedExecutor(Executor):
    """A thread pool whose queue has a ceiling, so a flood of commands cannot grow memory
    without bound or leave people waiting minutes for a stale answer."""

    def __init__(self, *, workers: int, max_pending: int, name: str) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._slots = threading.BoundedSemaphore(max_pending)
        self._in_flight = 0
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        if not self._slots.acquire(blocking=False):
            raise BusyError("too many requests are waiting")
        with self._lock:
            self._in_flight += 1
        try:
            future = self._pool.submit(fn, *args, **kwargs)
        except RuntimeError:
            self._release()
            raise BusyError("the bot is shutting down") from None
        future.add_done_callback(lambda _f: self._release())
        return future

    def _release(self) -> None:
        with self._lock:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.notify_all()
        self._slots.release()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def drain(self, *, timeout: float) -> bool:
        """Stop taking work and wait up to ``timeout`` for what is queued or running.

        Returns True when everything finished in time.
        """
        self._pool.shutdown(wait=False, cancel_futures=False)
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


class Runtime:
    def __init__(self, settings: Settings, *, delivery: DeliveryPolicy | None = None) -> None:
        """``delivery`` says how hard to push messages to Slack (default: Slack's own pace)."""
        self.settings = settings
        policy = delivery or DeliveryPolicy()
        self.client = build_client(
            identity_url=settings.rackspace_identity_url,
            username=settings.rackspace_username,
            api_key=settings.rackspace_api_key.reveal(),
            region=settings.rackspace_region,
            backup_api_url=settings.backup_api_url,
            backup_auth_token=settings.backup_auth_token.reveal(),
            connect_timeout=settings.backup_api_connect_timeout,
            read_timeout=settings.backup_api_read_timeout,
            max_retries=settings.backup_api_retries,
            concurrency=settings.backup_api_concurrency,
        )
        self._regional: dict[str, BackupApiClient] = {}
        self._regional_lock = threading.Lock()
        # Fleet loads get their own pool: requests waiting on a shared fetch must never hold
        # the threads that fetch needs.
        self._fleet_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="fleet")
        self.fleets: SingleFlightCache[Fleet] = SingleFlightCache(
            lambda key: self.client_for(key).list_agents_with_status(),
            ttl=settings.agents_cache_ttl,
            executor=self._fleet_pool,
        )
        self.executor = BoundedExecutor(
            workers=settings.worker_threads, max_pending=settings.max_pending_jobs, name="work"
        )
        self.web_client = make_web_client(
            token=settings.slack_bot_token, base_url=settings.slack_api_url, policy=policy
        )
        self.delivery = Delivery(self.web_client, policy)
        self._accounts: dict[str, str] = {}
        self._default_region: str | None = None  # learnt from Identity when not configured
        self.store = SqliteWakeupStore(settings.state_path)
        # Wake-up checks and follow-ups get their own small pool, so a flood of commands can
        # never delay the follow-ups people are waiting for.
        self._wakeup_pool = BoundedExecutor(workers=4, max_pending=100_000, name="wakeup")
        self.scheduler = Scheduler(self._wakeup_pool)
        self.wakeups = WakeupCoordinator(
            store=self.store,
            scheduler=self.scheduler,
            executor=self._wakeup_pool,
            wake=self.wake_agents,
            check=self.check_agents,
            deliver=partial(deliver_followup, self),
            check_after=settings.wakeup_check_after,
            check_every=settings.wakeup_check_every,
            give_up_after=settings.wakeup_give_up_after,
            delivery_backoff=policy.followup_backoff,
            delivery_backoff_max=policy.followup_backoff_max,
            delivery_attempts=policy.followup_attempts,
        )

    # -- backup API ---------------------------------------------------------------------

    def account_key(self, region: str | None) -> str:
        """The key of one regional account: the default region, named or not, is one key.

        Fleets are cached and wake-ups coalesced by this key, so ``wakeup`` and a Wake up
        button naming the default region share one POST and one check loop.
        """
        wanted = (region or "").upper()
        default = self.settings.rackspace_region or self._default_region or ""
        return DEFAULT_REGION_KEY if wanted == default else wanted

    def client_for(self, region_key: str) -> BackupApiClient:
        if self.account_key(region_key) == DEFAULT_REGION_KEY:
            return self.client
        with self._regional_lock:
            client = self._regional.get(region_key)
            if client is None:
                client = self.client.for_region(region_key)
                self._regional[region_key] = client
            return client

    def fleet(self, region_key: str, *, fresh: bool = False) -> Fleet:
        return self.fleet_future(region_key, fresh=fresh).result()

    def fleet_future(
        self, region_key: str, *, fresh: bool = False, asked_at: float | None = None
    ) -> Future[Fleet]:
        """Every agent of a region with its true status, shared by concurrent askers."""
        future = self.fleets.get_future(region_key, fresh=fresh, asked_at=asked_at)
        future.add_done_callback(partial(self._remember_account, region_key))
        return future

    def _remember_account(self, region_key: str, done: Future[Fleet]) -> None:
        if not done.cancelled() and done.exception() is None:
            self._learn(region_key, done.result().account_id, done.result().region)

    def _learn(self, region_key: str, account_id: str, region: str | None) -> None:
        """Remember what a successful call told us, so acks can name it without a call."""
        self._accounts[region_key] = account_id
        if region_key == DEFAULT_REGION_KEY and region:
            self._default_region = region

    def agent(self, region_key: str, ref: int | str) -> tuple[Agent, BackupApiClient]:
        """One agent by id (int) or host server id (str), and the client that fetched it."""
        client = self.client_for(region_key)
        agent = client.get_agent(ref) if isinstance(ref, int) else client.get_agent_by_server(ref)
        self._learn(region_key, client.account_id, client.region)
        return agent, client

    def check_agents(self, region_key: str) -> Sequence[Agent]:
        """True status for a wake-up check: always fresh, and it refreshes the list cache too."""
        return self.fleet(region_key, fresh=True).agents

    def wake_agents(self, region_key: str) -> None:
        client = self.client_for(region_key)
        client.wake_up_agents()
        self._learn(region_key, client.account_id, client.region)

    def known_account_id(self, region_key: str) -> str:
        """The account id if a call has told us already; never calls the network."""
        return self._accounts.get(region_key, "")

    def region_label(self, region_key: str) -> str | None:
        """The region to name in a message; never fails, since it is only a label."""
        try:
            return self.client_for(region_key).region
        except BackupApiError:
            return region_key or self.settings.rackspace_region

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> None:
        if not self.settings.allowed_channel_ids:
            logger.warning("ALLOWED_CHANNEL_IDS is empty: commands work in every channel")
        if not self.settings.wakeup_allowed_user_ids:
            logger.warning("WAKEUP_ALLOWED_USER_IDS is empty: everyone may wake agents")
        self.scheduler.start()
        resumed = self.wakeups.resume()
        if resumed:
            logger.info(
                "resumed %d pending wake-up item(s) from %s", resumed, self.settings.state_path
            )

    def health(self) -> dict[str, Any]:
        return {
            "in_flight": self.executor.in_flight,
            "wakeups_active": self.wakeups.active_jobs(),
            "followups_pending": self.wakeups.pending_deliveries(),
        }

    def stop(self, *, grace: float) -> bool:
        """Finish what is running within ``grace`` seconds; pending wake-ups stay stored.

        Returns False when work was still running at the deadline: its threads are left
        behind (a backup API call can outlast any grace), so the caller should exit without
        waiting for them.
        """
        deadline = time.monotonic() + grace
        self._fleet_pool.shutdown(wait=False)
        self.wakeups.shutdown()
        self.scheduler.stop(timeout=1.0)
        finished = self.executor.drain(timeout=max(0.0, deadline - time.monotonic()))
        if not finished:
            logger.warning("stopped with %d request(s) still running", self.executor.in_flight)
        # Deliveries under way finish and are marked; queued ones stay stored for next start.
        self._wakeup_pool.shutdown(wait=False, cancel_futures=True)
        finished &= self._wakeup_pool.drain(timeout=max(0.5, deadline - time.monotonic()))
        if finished:
            # Left open otherwise: a delivery still under way must be able to mark its
            # follow-up delivered, or the next start would post it a second time.
            self.store.close()
            for client in self._regional.values():
                client.close()
            self.client.close()
        return finished
