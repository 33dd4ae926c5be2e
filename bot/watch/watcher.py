"""The watcher: sweeps watched accounts, keeps incidents in the store, and keeps each
channel's messages in step with them.

Decisions come from bot.watch.engine (pure); this module only moves data: fleet futures in,
store transactions, Slack calls out. Delivery is reconciliation: for a channel, compare what
the store says should be visible with what was posted, then post, update or reply. Doing it
that way makes every step idempotent, so a restart, a quiet night or a failed Slack call
just leaves work for the next pass, and nothing is posted twice.

Threads: the scheduler (one thread) only hands due work to a small executor of our own;
fleet fetches run on the fleet cache's pool and call back when done, so no thread ever
waits for the backup API or sleeps.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bot.backup_api.client import Fleet
from bot.backup_api.models import Agent
from bot.config import Settings
from bot.durations import format_duration_setting
from bot.services.backup import DEFAULT_ACCOUNT, split_key
from bot.wakeup.scheduler import Handle, Scheduler
from bot.watch import clock, engine
from bot.watch.messages import Message, WatchMessages
from bot.watch.model import (
    GROUP_PAGE,
    MAX_SNOOZE,
    AccountLabel,
    EngineSettings,
    Incident,
    Transition,
    View,
)
from bot.watch.poster import ChannelUnreachable, PostError, SlackPoster
from bot.watch.report import build_report
from bot.watch.store import CATCH_UP_ACCOUNT, MessageRecord, Subscription, WatchStore

logger = logging.getLogger(__name__)

FleetFetch = Callable[[str, bool], "Future[Fleet]"]
"""``fleet(account_key, fresh)``: the bot's shared single-flight fetch."""

GROUP_OVER = 5
"""More than this many new incidents of one condition at once become one grouped message."""


def _hhmm(seconds: float) -> str:
    whole = int(seconds)
    text = f"{whole // 3600:02d}:{whole // 60 % 60:02d}"
    return text + (f":{whole % 60:02d}" if whole % 60 else "")


@dataclass(frozen=True, slots=True)
class WatchSettings:
    interval: float = 300.0
    stale_after: float = 26 * 3600.0
    api_down_after: int = 3
    remind_every: float = 24 * 3600.0
    quiet_hours: tuple[float, float] | None = None
    timezone: str = "UTC"
    digest_at: float | None = 9 * 3600.0
    history: float = 30 * 86400.0
    channels: tuple[tuple[str, str], ...] = ()
    """Configured (channel, account key) pairs; they cannot be unwatched."""
    tick_every: float = 30.0
    """How often reminders, quiet-hour ends and report times are checked (no API call)."""

    @classmethod
    def from_settings(
        cls,
        s: Settings,
        *,
        account_key: Callable[[str, str | None], str | None] = lambda _c, r: r or "",
    ) -> WatchSettings:
        """``account_key`` maps a configured channel and region (or None) to the bot's account
        key, or None when no account may be watched from that channel (it is skipped)."""
        return cls(
            interval=s.watch_interval,
            stale_after=s.watch_stale_after,
            api_down_after=s.watch_api_down_after,
            remind_every=s.watch_remind_every,
            quiet_hours=s.watch_quiet_hours,
            timezone=s.watch_timezone,
            digest_at=s.watch_digest_at,
            history=s.watch_history,
            channels=tuple(
                (c, key) for c, r in s.watch_channel_ids if (key := account_key(c, r)) is not None
            ),
            tick_every=min(30.0, s.watch_interval),
        )

    @property
    def engine(self) -> EngineSettings:
        return EngineSettings(stale_after=self.stale_after, api_down_after=self.api_down_after)

    def rules(self) -> list[str]:
        """What a watching channel will hear about, for the answer to ``watch``."""
        d = format_duration_setting
        rules = [
            f"*Stale backup*: an enabled agent with no successful backup for over"
            f" {d(self.stale_after)}, or never backed up",
            "*Backups disabled*: an agent whose backups are turned off",
            "*Did not wake*: an enabled agent still offline when a wake-up gives up",
            f"*API unreachable*: {self.api_down_after} failed sweeps in a row"
            f" (one sweep every {d(self.interval)})",
            f"Reminders every {d(self.remind_every)} until someone acknowledges or snoozes"
            if self.remind_every > 0
            else "No reminders",
            f"Daily report at {_hhmm(self.digest_at)} ({self.timezone})"
            if self.digest_at is not None
            else "No daily report",
        ]
        if self.quiet_hours is not None:
            start, end = self.quiet_hours
            rules.append(
                f"Quiet hours {_hhmm(start)}–{_hhmm(end)} ({self.timezone}): nothing is posted,"
                " one catch-up message after"
            )
        return rules


@dataclass(frozen=True, slots=True)
class WatchStatus:
    """The answer to ``subscribe``: enough for the command's reply text."""

    channel_id: str
    account_key: str
    new: bool
    configured: bool
    open_incidents: tuple[Incident, ...]
    rules: tuple[str, ...]
    first_sweep: Future[None] = field(repr=False, compare=False)


def _digest(message: Message) -> str:
    encoded = json.dumps(message, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


class _LeaseLost(Exception):
    """Another instance holds the channel's delivery lease: this pass stops here."""


def _default_label(account_key: str) -> str:
    return f"the account ({account_key})" if account_key else "the account"


class Watcher:
    """Watches accounts for channels. Build once; ``start`` after the scheduler runs."""

    def __init__(
        self,
        *,
        store: WatchStore,
        fleet: FleetFetch,
        poster: SlackPoster,
        messages: WatchMessages,
        settings: WatchSettings,
        account_label: AccountLabel = _default_label,
        now: Callable[[], float] = time.time,
        scheduler: Scheduler | None = None,
        executor: Executor | None = None,
        owner: str | None = None,
        lease: float = 15.0,
    ) -> None:
        self._store = store
        self._fleet = fleet
        self._poster = poster
        self._messages = messages
        self.settings = settings
        self._label = account_label
        self._now = now
        self._own_executor = executor is None
        self._executor: Executor = executor or ThreadPoolExecutor(2, thread_name_prefix="watch")
        self._own_scheduler = scheduler is None
        self._scheduler = scheduler or Scheduler(self._executor, name="watch-scheduler")
        self._lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._channel_locks: dict[str, threading.Lock] = {}
        self._sweeping: dict[str, list[Future[None]]] = {}
        self._again: dict[str, list[Future[None]]] = {}
        self._timers: dict[str, Handle] = {}
        self._tick_handle: Handle | None = None
        self._stopped = False
        # Several instances on one store: a periodic sweep of an account runs where its
        # sweep lease is taken (one per interval cluster-wide), and a channel's messages
        # are brought in step only under that channel's delivery lease.
        self._shared = bool(getattr(store, "shared", False))
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lease = lease
        self._fences: dict[str, tuple[str, str]] = {}

    # -- life cycle -------------------------------------------------------------------

    def start(self) -> None:
        """Drop unconfirmed posts (see the store), subscribe configured channels, schedule."""
        discarded = self._store.discard_unconfirmed_posts(self.owner, now=time.time())
        if discarded:
            logger.warning("%d watch message(s) may have been posted before a crash", discarded)
        now = self._now()
        for channel, account_key in self.settings.channels:
            self._store.subscribe(channel, account_key, now=now, configured=True)
        if self._own_scheduler:
            self._scheduler.start()
        accounts = self.accounts()
        for index, account_key in enumerate(accounts):
            # Spread the accounts over one interval, so their sweeps do not all start at once.
            delay = self.settings.interval * index / max(1, len(accounts))
            self._schedule_sweep(account_key, time.time() + delay)
        self._schedule_tick()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            handles = [*self._timers.values()]
            if self._tick_handle is not None:
                handles.append(self._tick_handle)
            self._timers.clear()
        for handle in handles:
            self._scheduler.cancel(handle)
        if self._own_scheduler:
            self._scheduler.stop(timeout=1.0)
        if self._own_executor:
            self._executor.shutdown(wait=True, cancel_futures=True)

    def accounts(self) -> list[str]:
        return sorted({s.account_key for s in self._store.subscriptions()})

    # -- what commands and buttons call ---------------------------------------------------

    def subscribe(self, channel_id: str, account_key: str) -> WatchStatus:
        """Watch ``account_key`` in the channel and sweep it at once.

        Raises ChannelUnreachable (nothing subscribed) when the bot cannot post there: the
        command should tell the user to invite the bot. Watching again is harmless.
        """
        known = {(s.channel_id, s.account_key): s for s in self._store.subscriptions()}
        current = known.get((channel_id, account_key))
        if current is None:
            self._poster.post(
                channel_id, self._messages.watching(self._label(account_key), self.settings.rules())
            )
        new = self._store.subscribe(channel_id, account_key, now=self._now())
        first = self.sweep_now(account_key)
        with self._lock:
            scheduled = account_key in self._timers or self._stopped
        if not scheduled:
            self._schedule_sweep(account_key, time.time() + self.settings.interval)
        return WatchStatus(
            channel_id=channel_id,
            account_key=account_key,
            new=new,
            configured=current is not None and current.configured,
            open_incidents=tuple(self._store.incidents(account_key, open_only=True)),
            rules=tuple(self.settings.rules()),
            first_sweep=first,
        )

    def unsubscribe(self, channel_id: str, account_key: str) -> str:
        """``removed``, ``configured`` (WATCH_CHANNEL_IDS: refused) or ``absent``."""
        result = self._store.unsubscribe(channel_id, account_key)
        if result == "removed" and account_key not in self.accounts():
            with self._lock:
                handle = self._timers.pop(account_key, None)
            if handle is not None:
                self._scheduler.cancel(handle)
        return result

    def is_configured(self, channel_id: str, account_key: str) -> bool:
        return (channel_id, account_key) in self.settings.channels

    def acknowledge(self, incident_id: int, user_id: str) -> Incident | None:
        """Record who acknowledged; messages are updated in the background. None: unknown id."""
        incident = self._store.acknowledge(incident_id, user_id, now=self._now())
        if incident is not None:
            self._refresh(incident.account_key)
        return incident

    def snooze(self, incident_id: int, user_id: str, seconds: float) -> Incident | None:
        """No reminders until ``seconds`` from now (at most 30 days). None: unknown id."""
        seconds = min(max(0.0, seconds), float(MAX_SNOOZE))
        incident = self._store.snooze(incident_id, user_id, until=self._now() + seconds)
        if incident is not None:
            self._refresh(incident.account_key)
        return incident

    def incident(self, incident_id: int) -> Incident | None:
        return self._store.incident(incident_id)

    def wake_gave_up(
        self, account_key: str, still_offline: Sequence[Agent], *, woken_at: float | None = None
    ) -> Future[None]:
        """For the wake-up coordinator: a wake-up of the account ended with these offline."""
        done: Future[None] = Future()
        if account_key not in self.accounts():
            done.set_result(None)
            return done
        at = woken_at if woken_at is not None else self._now()
        agents = tuple(still_offline)

        def run() -> None:
            try:
                with self._state_lock:
                    state = self._store.load_state(account_key)
                    state, transitions = engine.wake_gave_up(
                        state, agents, self._now(), woken_at=at
                    )
                    self._store.apply(state, transitions, now=self._now(), swept=False)
                self._deliver_account_channels(account_key)
                done.set_result(None)
            except BaseException as exc:
                logger.exception("recording a failed wake-up for watched account failed")
                done.set_exception(exc)

        try:
            self._executor.submit(run)
        except RuntimeError as exc:  # shutting down
            done.set_exception(exc)
        return done

    def report(self, account_key: str, *, private: bool = True) -> Message:
        """The report of one account now, from stored state (for ``/backup report``)."""
        return self._messages.report(
            build_report(
                self._store.load_state(account_key),
                self._store.incidents(account_key, open_only=True),
                self._store.incidents_resolved_since(account_key, self._now() - 86400.0),
                now=self._now(),
                since=self._now() - 86400.0,
            ),
            account=self._label(account_key),
            private=private,
        )

    # -- sweeping ---------------------------------------------------------------------

    def sweep_now(self, account_key: str) -> Future[None]:
        """Sweep one account now; done when its channels are up to date. A sweep already
        under way is never overlapped: this one runs right after it."""
        waiter: Future[None] = Future()
        with self._lock:
            if account_key in self._sweeping:
                self._again.setdefault(account_key, []).append(waiter)
                return waiter
            self._sweeping[account_key] = [waiter]
        self._begin_sweep(account_key)
        return waiter

    def _begin_sweep(self, account_key: str) -> None:
        try:
            future = self._fleet(account_key, True)
        except Exception as exc:  # a refused submit counts as a failed fetch
            future = Future()
            future.set_exception(exc)
        future.add_done_callback(lambda f: self._submit(self._finish_sweep, account_key, f))

    def _submit(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            self._executor.submit(fn, *args)
        except RuntimeError:
            logger.info("watch work dropped: shutting down")

    def _finish_sweep(self, account_key: str, fetched: Future[Fleet]) -> None:
        error: BaseException | None = None
        with self._lock:
            fence = self._fences.pop(account_key, None)
        try:
            if self._record_sweep(account_key, fetched, fence):
                self._deliver_account_channels(account_key, retry=True)
        except BaseException as exc:
            logger.exception("watch sweep of account %r failed", account_key)
            error = exc
        with self._lock:
            waiters = self._sweeping.pop(account_key, [])
            again = self._again.pop(account_key, None)
            if again:
                self._sweeping[account_key] = again
        for waiter in waiters:
            if error is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(error)
        if again:
            self._begin_sweep(account_key)

    def _record_sweep(
        self, account_key: str, fetched: Future[Fleet], fence: tuple[str, str] | None = None
    ) -> bool:
        """False when the sweep lease went to another instance meanwhile (nothing stored)."""
        now = self._now()
        with self._state_lock:
            state = self._store.load_state(account_key)
            exc = fetched.exception()
            transitions: list[Transition]
            if exc is not None:
                logger.warning("watch sweep of account %r failed: %s", account_key, exc)
                state, transitions = engine.sweep_failed(
                    state, str(exc) or type(exc).__name__, now, self.settings.engine
                )
            else:
                fleet = fetched.result()
                state, transitions = engine.sweep_succeeded(
                    state, fleet.agents, fleet.unverified.keys(), now, self.settings.engine
                )
            applied = self._store.apply(state, transitions, now=now, swept=exc is None, fence=fence)
        if applied is False:
            logger.warning("watch sweep of %r dropped: its lease went elsewhere", account_key)
            return False
        return True

    def _schedule_sweep(self, account_key: str, when: float) -> None:
        def due() -> None:
            self._submit(self._periodic_sweep, account_key, when)

        with self._lock:
            if self._stopped:
                return
            try:
                self._timers[account_key] = self._scheduler.call_at(when, due)
            except RuntimeError:  # a shared scheduler that already stopped
                logger.info("watch sweep of %r not scheduled: shutting down", account_key)

    def _periodic_sweep(self, account_key: str, was_due: float) -> None:
        with self._lock:
            self._timers.pop(account_key, None)
        try:
            watched = account_key in self.accounts()
        except Exception as exc:  # the store is away: keep the rhythm, it may be back by then
            logger.warning("watch sweep of %r skipped: %s", account_key, exc)
            self._schedule_sweep(account_key, max(was_due + self.settings.interval, time.time()))
            return
        if not watched:
            return
        if self._shared:
            self._periodic_shared_sweep(account_key)
            return
        self.sweep_now(account_key)
        # The next one keeps the rhythm, yet never lands in the past after a slow spell.
        self._schedule_sweep(account_key, max(was_due + self.settings.interval, time.time()))

    def _periodic_shared_sweep(self, account_key: str) -> None:
        """Every instance's timer aims at the end of the account's sweep lease; the first to
        take it sweeps and holds it for one interval, the others wait for its end. If the
        sweeping instance dies, the lease still ends on time and another one sweeps."""
        name = f"sweep:{account_key}"
        now = time.time()
        try:
            held, until = self._store.hold(
                name, self.owner, now=now, until=now + self.settings.interval
            )
        except Exception as exc:  # the store is away: try again within one lease
            logger.warning("watch sweep lease of %r not taken: %s", account_key, exc)
            self._schedule_sweep(account_key, now + min(self._lease, self.settings.interval))
            return
        if held:
            with self._lock:
                self._fences[account_key] = (name, self.owner)
            self.sweep_now(account_key)
        self._schedule_sweep(account_key, max(until, now + 0.01))

    def _schedule_tick(self) -> None:
        def due() -> None:
            self._submit(self._tick_and_reschedule)

        with self._lock:
            if self._stopped:
                return
            try:
                self._tick_handle = self._scheduler.call_later(self.settings.tick_every, due)
            except RuntimeError:
                logger.info("watch tick not scheduled: shutting down")

    def _tick_and_reschedule(self) -> None:
        try:
            self.tick()
        finally:
            self._schedule_tick()

    def tick(self) -> None:
        """Reminders, quiet-hour ends, report times and pruning for every channel (no API
        call). Runs on the executor every ``tick_every``; tests call it with a set clock."""
        for channel in sorted({s.channel_id for s in self._store.subscriptions()}):
            try:
                self._deliver(channel)
            except Exception:
                logger.exception("watch delivery to channel %s failed", channel)
        self._store.prune(before=self._now() - self.settings.history)

    def tick_now(self) -> Future[None]:
        future: Future[None] = Future()

        def run() -> None:
            try:
                self.tick()
                future.set_result(None)
            except BaseException as exc:
                future.set_exception(exc)

        self._executor.submit(run)
        return future

    def _refresh(self, account_key: str) -> None:
        self._submit(self._deliver_account_channels, account_key, True)

    # -- delivery ---------------------------------------------------------------------

    def _deliver_account_channels(self, account_key: str, retry: bool = False) -> None:
        """``retry``: a channel whose delivery lease another instance holds is tried again
        shortly, since that instance may have read the store before this change."""
        channels = sorted(
            {s.channel_id for s in self._store.subscriptions() if s.account_key == account_key}
        )
        for channel in channels:
            try:
                if not self._deliver(channel) and retry:
                    self._retry_delivery(channel, 1)
            except Exception:
                logger.exception("watch delivery to channel %s failed", channel)

    def _retry_delivery(self, channel: str, attempt: int) -> None:
        # Bounded: past the lease, a holder that died has lost it and the tick takes over.
        pause = min(1.0, self._lease / 3)
        if attempt > int(self._lease / pause) + 2:
            return

        def again() -> None:
            try:
                if not self._deliver(channel):
                    self._retry_delivery(channel, attempt + 1)
            except Exception:
                logger.exception("watch delivery to channel %s failed", channel)

        with self._lock:
            if self._stopped:
                return
        try:
            self._scheduler.call_later(pause, lambda: self._submit(again))
        except RuntimeError:
            logger.info("watch delivery retry dropped: shutting down")

    def _hold_channel(self, channel: str) -> None:
        """Take or extend the channel's delivery lease; ``_LeaseLost`` if another has it."""
        if not self._shared:
            return
        now = time.time()
        held, _ = self._store.hold(
            f"deliver:{channel}", self.owner, now=now, until=now + self._lease
        )
        if not held:
            raise _LeaseLost(channel)

    def _channel_lock(self, channel: str) -> threading.Lock:
        with self._lock:
            return self._channel_locks.setdefault(channel, threading.Lock())

    def _deliver(self, channel: str) -> bool:
        """Bring one channel's messages in step with the store; False when another instance
        holds the channel's delivery lease (nothing done here)."""
        with self._channel_lock(channel):
            try:
                self._hold_channel(channel)
            except _LeaseLost:
                return False
            try:
                if self._shared:
                    # Under the lease, a row still ``posting`` is an earlier holder's that
                    # died between Slack and the store: post it again rather than lose it.
                    self._store.discard_unconfirmed_posts(self.owner, channel=channel)
                self._deliver_held(channel)
            except _LeaseLost:
                logger.warning("watch delivery to %s stopped: its lease went elsewhere", channel)
                return True
            finally:
                if self._shared:
                    try:
                        self._store.release(f"deliver:{channel}", self.owner)
                    except Exception as exc:
                        logger.warning("watch delivery lease of %s not released: %s", channel, exc)
            return True

    def _deliver_held(self, channel: str) -> None:
        now = self._now()
        subs = [s for s in self._store.subscriptions() if s.channel_id == channel]
        if not subs:
            return
        if clock.in_quiet_hours(now, self.settings.quiet_hours, self.settings.timezone):
            self._store.set_quiet(channel, now)
            return
        since = self._store.quiet_since(channel)
        if since is not None:
            self._catch_up(channel, subs, since, now)
            self._store.set_quiet(channel, None)
        for sub in subs:
            self._deliver_account(channel, sub.account_key, now)
        for announcement in self._store.pending_announcements(channel):
            self._hold_channel(channel)
            self._store.announcement_delivered(announcement.announcement_id, channel)
            self._post(channel, self._messages.announcement(announcement, self._label))
        self._daily_reports(channel, subs, now)

    def _post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> str | None:
        self._hold_channel(channel)
        try:
            return self._poster.post(channel, message, thread_ts=thread_ts)
        except PostError as exc:
            logger.warning("watch post to %s refused: %s", channel, exc.code)
        except Exception as exc:
            logger.warning("watch post to %s failed: %s", channel, exc)
        return None

    def _view(self, account_key: str, now: float) -> View:
        name, region_key = split_key(account_key)
        shown = None if name == DEFAULT_ACCOUNT else name
        return View(now, self._label(account_key), region=region_key or None, account_name=shown)

    def _deliver_account(self, channel: str, account_key: str, now: float) -> None:
        incidents = {i.incident_id: i for i in self._store.incidents(account_key, open_only=False)}
        messages = self._store.messages(channel, account_key)
        shown = {item.incident_id for m in messages for item in m.items}
        view = self._view(account_key, now)
        fresh = [i for i in incidents.values() if i.is_open and i.incident_id not in shown]
        for condition in dict.fromkeys(i.condition for i in fresh):
            same = [i for i in fresh if i.condition is condition]
            if len(same) > GROUP_OVER:
                pages = [same[s : s + GROUP_PAGE] for s in range(0, len(same), GROUP_PAGE)]
                for number, page in enumerate(pages, 1):
                    msg = self._messages.group(condition, page, view, page=number, pages=len(pages))
                    if not self._post_new(
                        channel, account_key, "group", page, msg, now, number, len(pages)
                    ):
                        return
            else:
                for incident in same:
                    msg = self._messages.incident(incident, view)
                    if not self._post_new(channel, account_key, "incident", [incident], msg, now):
                        return
        for record in messages:
            if record.posted and record.ts is not None:
                self._keep_current(channel, record, incidents, view, now)

    def _post_new(
        self,
        channel: str,
        account_key: str,
        kind: str,
        incidents: Sequence[Incident],
        message: Message,
        now: float,
        page: int = 1,
        pages: int = 1,
    ) -> bool:
        """Record, post, confirm. False when the channel refuses posts (try again later)."""
        ids = [i.incident_id for i in incidents]
        self._hold_channel(channel)
        message_id = self._store.begin_message(
            channel,
            account_key,
            kind,
            ids,
            now=now,
            page=page,
            pages=pages,
            owner=self.owner,
            lease_until=time.time() + self._lease,
        )
        try:
            ts = self._poster.post(channel, message)
        except ChannelUnreachable as exc:
            self._store.drop_message(message_id)
            logger.warning("watch cannot post in %s (%s): invite the bot", channel, exc.code)
            return False
        except Exception as exc:
            self._store.drop_message(message_id)
            logger.warning("watch post to %s failed, next pass retries: %s", channel, exc)
            return False
        self._store.message_posted(message_id, ts, _digest(message))
        return True

    def _render(
        self, record: MessageRecord, items: Sequence[Incident], view: View
    ) -> Message | None:
        if record.kind == "incident" and items:
            return self._messages.incident(items[0], view)
        if record.kind == "group" and items:
            return self._messages.group(
                items[0].condition, items, view, page=record.page, pages=record.pages
            )
        return None  # a catch-up is a snapshot of a moment; its thread carries what follows

    def _keep_current(
        self,
        channel: str,
        record: MessageRecord,
        incidents: dict[int, Incident],
        view: View,
        now: float,
    ) -> None:
        assert record.ts is not None
        pairs = [(incidents[i.incident_id], i) for i in record.items if i.incident_id in incidents]
        items = [incident for incident, _ in pairs]
        message = self._render(record, items, view)
        if message is not None:
            rendered = _digest(message)
            if rendered != record.rendered:
                self._hold_channel(channel)
                try:
                    self._poster.update(channel, record.ts, message)
                except Exception as exc:
                    logger.warning("watch update in %s failed: %s", channel, exc)
                    return
                self._store.set_rendered(record.message_id, rendered)
        resolved = [
            incident for incident, item in pairs if not incident.is_open and not item.replied
        ]
        if resolved:
            self._hold_channel(channel)
            self._store.mark_replied(record.message_id, [i.incident_id for i in resolved])
            self._post(channel, self._messages.resolution(resolved, view), thread_ts=record.ts)
        every = self.settings.remind_every
        due = [i for i in items if i.needs_reminder(now)]
        last = record.reminded_at if record.reminded_at is not None else record.created_at
        if every > 0 and due and now - last >= every:
            self._hold_channel(channel)
            self._store.set_reminded(record.message_id, now)
            self._post(channel, self._messages.reminder(due, view), thread_ts=record.ts)

    def _catch_up(
        self, channel: str, subs: Sequence[Subscription], since: float, now: float
    ) -> None:
        opened: list[Incident] = []
        resolved: list[Incident] = []
        still_open: list[Incident] = []
        for sub in subs:
            for incident in self._store.incidents(sub.account_key, open_only=False):
                if incident.opened_at >= since:
                    opened.append(incident)
                if incident.resolved_at is not None and incident.resolved_at >= since:
                    if incident.opened_at < since:
                        resolved.append(incident)
                elif incident.is_open and incident.opened_at < since:
                    still_open.append(incident)
        announcements = self._store.pending_announcements(channel)
        if not (opened or resolved or announcements):
            return
        shown = {item.incident_id for m in self._store.messages(channel) for item in m.items}
        adopt = [i.incident_id for i in opened if i.is_open and i.incident_id not in shown]
        message = self._messages.catchup(
            opened=opened,
            resolved=resolved,
            still_open=still_open,
            announcements=announcements,
            label=self._label,
            now=now,
            since=since,
        )
        # The catch-up takes the place of the messages held back: later resolutions of those
        # incidents are replied in its thread.
        self._hold_channel(channel)
        message_id = self._store.begin_message(
            channel,
            CATCH_UP_ACCOUNT,
            "catchup",
            adopt,
            now=now,
            owner=self.owner,
            lease_until=time.time() + self._lease,
        )
        try:
            ts = self._poster.post(channel, message)
        except Exception as exc:
            self._store.drop_message(message_id)
            logger.warning("watch catch-up in %s failed, next pass retries: %s", channel, exc)
            raise
        self._store.message_posted(message_id, ts, _digest(message))
        for announcement in announcements:
            self._store.announcement_delivered(announcement.announcement_id, channel)

    def _daily_reports(self, channel: str, subs: Sequence[Subscription], now: float) -> None:
        due = clock.latest_digest(now, self.settings.digest_at, self.settings.timezone)
        if due is None:
            return
        for sub in subs:
            last = sub.last_report_at if sub.last_report_at is not None else sub.created_at
            if last >= due:
                continue
            report = build_report(
                self._store.load_state(sub.account_key),
                self._store.incidents(sub.account_key, open_only=True),
                self._store.incidents_resolved_since(sub.account_key, last),
                now=now,
                since=sub.last_report_at,
            )
            # Marked first: a crash here loses one report rather than posting it twice.
            self._hold_channel(channel)
            self._store.set_last_report(channel, sub.account_key, now)
            self._post(
                channel,
                self._messages.report(report, account=self._label(sub.account_key), private=False),
            )
