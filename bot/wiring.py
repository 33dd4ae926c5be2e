"""The composition root: the whole bot built once from ``Settings``, started and stopped here.

``backup-bot serve``, the demo's local stack and the tests all call ``build_bot``, so what
the tests exercise is the wiring production runs, shutdown path included. One process serves
a workspace: one backup API client (one session, one token cache), one bounded executor for
API work, one scheduler and one state store for wake-ups.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from slack_bolt import App

from bot.accounts import Refusal
from bot.backup_api import Fleet, build_client
from bot.config import Settings
from bot.executor import BoundedExecutor
from bot.metrics import Metrics
from bot.services import BackupService
from bot.slack.app import build_app
from bot.slack.blocks.common import known_account_phrase
from bot.slack.blocks.watch_messages import BlockKitWatchMessages
from bot.slack.delivery import Delivery, DeliveryPolicy, make_web_client
from bot.slack.followup import Followups
from bot.slack.jobs import Jobs
from bot.slack.listeners import ListenerDeps
from bot.slack.poster import WebClientPoster
from bot.state import open_stores
from bot.state.requests import RequestLedger
from bot.storage import StateStoreError
from bot.wakeup import Scheduler, WakeupCoordinator, WakeupOutcome, WakeupStore
from bot.watch import Condition, Watcher, WatchSettings, WatchStore

logger = logging.getLogger(__name__)
WAKEUP_WORKERS = 4


@dataclass(eq=False)
class Bot:
    """Everything one bot process runs; ``start`` once, ``stop`` once."""

    settings: Settings
    app: App
    service: BackupService
    jobs: Jobs
    executor: BoundedExecutor
    wakeup_pool: BoundedExecutor
    scheduler: Scheduler
    store: WakeupStore
    wakeups: WakeupCoordinator
    watcher: Watcher
    watch_store: WatchStore
    delivery: Delivery
    metrics: Metrics | None = None
    """This bot's collectors (its own registry); None with METRICS=off."""
    requests: RequestLedger | None = None
    """The Slack requests already run (a retry of one runs nothing)."""
    state_engine: str = "sqlite"

    def start(self) -> None:
        if not self.settings.allowed_channel_ids:
            logger.warning("ALLOWED_CHANNEL_IDS is empty: commands work in every channel")
        if not self.settings.wakeup_allowed_user_ids:
            logger.warning("WAKEUP_ALLOWED_USER_IDS is empty: everyone may wake agents")
        if not self.settings.watch_allowed_user_ids:
            logger.warning(
                "WATCH_ALLOWED_USER_IDS is empty: everyone may watch, unwatch and snooze"
            )
        self.scheduler.start()
        resumed = self.wakeups.resume()
        if resumed:
            where = "PostgreSQL" if self.state_engine == "postgres" else self.settings.state_path
            logger.info("resumed %d pending wake-up item(s) from %s", resumed, where)
        self.watcher.start()

    def health(self) -> dict[str, Any]:
        """``state`` is ``ok`` or ``unreachable``: without the store, commands that need no
        state still run, so the instance stays up and says so here."""
        body: dict[str, Any] = {"in_flight": self.executor.in_flight}
        try:
            body["wakeups_active"] = self.wakeups.active_jobs()
            body["followups_pending"] = self.wakeups.pending_deliveries()
        except StateStoreError as exc:
            body.update(
                wakeups_active=None,
                followups_pending=None,
                state="unreachable",
                state_error=str(exc),
            )
        else:
            body["state"] = "ok"
        body["state_engine"] = self.state_engine
        return body

    def stop(self, *, grace: float) -> bool:
        """Finish what is running within ``grace`` seconds; pending wake-ups stay stored.

        Returns False when work was still running at the deadline: its threads are left
        behind (a backup API call can outlast any grace), so the caller should tell those
        users (``abandon``) and exit without waiting for them.
        """
        deadline = time.monotonic() + grace
        self.service.stop_fetching()
        self.watcher.stop()
        self.wakeups.shutdown()
        self.scheduler.stop(timeout=1.0)
        finished = self.executor.drain(timeout=max(0.0, deadline - time.monotonic()))
        if not finished:
            logger.warning("stopped with %d request(s) still running", self.executor.in_flight)
        # Deliveries under way finish and are marked; queued ones stay stored for next start.
        self.wakeup_pool.shutdown(wait=False, cancel_futures=True)
        finished &= self.wakeup_pool.drain(timeout=max(0.5, deadline - time.monotonic()))
        if finished:
            # Left open otherwise: a delivery still under way must be able to mark its
            # follow-up delivered, or the next start would post it a second time.
            self.store.close()
            self.watch_store.close()
            if self.requests is not None:
                self.requests.close()
            self.service.close()
        return finished

    def abandon(self, *, timeout: float) -> int:
        """Tell each user whose request will not finish that the bot was restarting."""
        return self.jobs.abandon(timeout=timeout)


def build_bot(
    settings: Settings, *, delivery: DeliveryPolicy | None = None, verify_token: bool = True
) -> Bot:
    """Build (not start) the bot; ``delivery`` says how hard to push messages to Slack.

    Raises ``StateStoreError`` when the state file cannot be used.
    """
    policy = delivery or DeliveryPolicy()
    # One registry per bot, never prometheus_client's global one: two bots in one process
    # (the tests build several) must not count into, or collide in, the same collectors.
    metrics = Metrics() if settings.metrics else None
    stores = open_stores(settings)  # STATE_URL (PostgreSQL) or STATE_PATH (SQLite)
    store = stores.wakeups
    # Each account has its own client: its own session, token cache and regions.
    clients = {
        account.name: (
            build_client(
                **account.client_options(),
                connect_timeout=settings.backup_api_connect_timeout,
                read_timeout=settings.backup_api_read_timeout,
                max_retries=settings.backup_api_retries,
                concurrency=settings.backup_api_concurrency,
                observe=None if metrics is None else metrics.api_call,
                on_authenticated=None if metrics is None else metrics.authenticated,
            ),
            account.region,
        )
        for account in settings.accounts.accounts
    }
    service = BackupService(
        clients,
        cache_ttl=settings.agents_cache_ttl,
        on_fleet_lookup=None if metrics is None else metrics.fleet_lookup,
    )
    executor = BoundedExecutor(
        workers=settings.worker_threads, max_pending=settings.max_pending_jobs, name="work"
    )
    web_client = make_web_client(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        policy=policy,
        metrics=metrics,
    )
    slack_delivery = Delivery(web_client, policy, metrics)
    # Wake-up checks and follow-ups get their own small pool, so a flood of commands can
    # never delay the follow-ups people are waiting for.
    wakeup_pool = BoundedExecutor(workers=WAKEUP_WORKERS, max_pending=100_000, name="wakeup")
    if metrics is not None:
        metrics.pool("work", executor)
        metrics.pool("wakeup", wakeup_pool)
    scheduler = Scheduler(wakeup_pool)
    watch_store = stores.watch

    def timed_sweep(fetch: Future[Fleet]) -> Future[Fleet]:
        """A sweep's fetch, counted and timed (the watcher fetches only to sweep)."""
        if metrics is not None:
            started = time.monotonic()
            fetch.add_done_callback(
                lambda done: metrics.watch_sweep(
                    ok=not done.cancelled() and done.exception() is None,
                    seconds=time.monotonic() - started,
                )
            )
        return fetch

    def configured_watch_key(channel: str, region: str | None) -> str | None:
        """WATCH_CHANNEL_IDS: the channel's own account, as a command there would resolve it."""
        account = settings.accounts.resolve(channel, None)
        if isinstance(account, Refusal):
            logger.error(
                "WATCH_CHANNEL_IDS: channel %s is not watched: %s", channel, account.message
            )
            return None
        return service.account_key(region, account.name)

    # Sweeps get their own small pool (the watcher's default), so they never hold the
    # threads that commands and follow-ups run on; the shared scheduler holds their waits.
    watcher = Watcher(
        store=watch_store,
        fleet=lambda key, fresh: timed_sweep(service.fleet_future(key, fresh=fresh)),
        poster=WebClientPoster(web_client),
        messages=BlockKitWatchMessages(),
        settings=WatchSettings.from_settings(settings, account_key=configured_watch_key),
        account_label=lambda key: known_account_phrase(service.known(key)),
        scheduler=scheduler,
        lease=settings.state_lease,
    )

    if metrics is not None:
        metrics.watch_open_incidents_from(
            lambda: Counter(
                str(incident.condition)
                for key in watcher.accounts()
                for incident in watch_store.incidents(key, open_only=True)
            ),
            conditions=[str(condition) for condition in Condition],
        )

    def on_wakeup_finished(outcome: WakeupOutcome) -> None:
        if outcome.gave_up:
            watcher.wake_gave_up(
                outcome.account_key, outcome.still_offline, woken_at=outcome.started_at
            )

    followups = Followups(service, slack_delivery, give_up_after=settings.wakeup_give_up_after)
    wakeups = WakeupCoordinator(
        store=store,
        scheduler=scheduler,
        executor=wakeup_pool,
        wake=service.wake,
        check=service.check,
        deliver=followups.deliver,
        tell_failure=followups.tell_failure,
        on_finish=on_wakeup_finished,
        check_after=settings.wakeup_check_after,
        check_every=settings.wakeup_check_every,
        give_up_after=settings.wakeup_give_up_after,
        delivery_backoff=policy.followup_backoff,
        delivery_backoff_max=policy.followup_backoff_max,
        delivery_attempts=policy.followup_attempts,
        metrics=metrics,
        lease=settings.state_lease,
    )
    jobs = Jobs(executor, slack_delivery, metrics)
    deps = ListenerDeps(
        service=service,
        wakeups=wakeups,
        jobs=jobs,
        slash_command=settings.slash_command,
        watcher=watcher,
        single_account=settings.accounts.from_environment,
    )
    try:
        app = build_app(
            settings,
            client=web_client,
            deps=deps,
            verify_token=verify_token,
            metrics=metrics,
            requests=stores.requests,
        )
    except BaseException:
        stores.close()
        service.close()
        raise
    return Bot(
        settings=settings,
        app=app,
        service=service,
        jobs=jobs,
        executor=executor,
        wakeup_pool=wakeup_pool,
        scheduler=scheduler,
        store=store,
        wakeups=wakeups,
        watcher=watcher,
        watch_store=watch_store,
        delivery=slack_delivery,
        metrics=metrics,
        requests=stores.requests,
        state_engine=stores.engine,
    )
