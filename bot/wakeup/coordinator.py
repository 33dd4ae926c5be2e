"""Wake-up jobs: one POST and one check loop per account, a follow-up for every requester.

Each job is a chain of short steps (wake, check, check, ..., finish) and each follow-up a
chain of delivery attempts; the scheduler holds the waits between steps, the executor runs
the steps, and the store records every transition, so that ``resume`` can pick any chain up
again after a restart. Only one step of a chain is ever scheduled at a time, which is what
keeps a job's POST, its checks and each delivery from running twice.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.backup_api.models import Agent
from bot.storage import StateUnavailable
from bot.wakeup.outcome import WakeupOutcome, all_enabled_online, still_offline
from bot.wakeup.scheduler import Scheduler, submit_logged
from bot.wakeup.store import FollowUp, Job, Requester, WakeupStore

if TYPE_CHECKING:
    from bot.metrics import Metrics

__all__ = [
    "DeliveryFailed",
    "WakeupCoordinator",
    "WakeupOutcome",
    "all_enabled_online",
    "delivery_delay",
    "still_offline",
]

logger = logging.getLogger(__name__)

Wake = Callable[[str], None]
Check = Callable[[str], Sequence[Agent]]
Deliver = Callable[[Requester, WakeupOutcome], None]
"""Compose and post one follow-up; raises ``DeliveryFailed`` when posting may work later."""
TellFailure = Callable[[Requester, str], None]
"""Tell a requester that their follow-up could not be composed (with the error id)."""


class DeliveryFailed(Exception):
    """Slack did not take the follow-up (down, rate-limited, refused): worth another try.

    Anything else a ``Deliver`` raises is a bug in composing the message, which no retry
    mends: it is logged once with its trace and the requester is told.
    """


@dataclass(frozen=True, slots=True)
class _Seen:
    """What a job's checks have found so far; ``agents`` is None until one succeeds."""

    agents: tuple[Agent, ...] | None = None
    error: str | None = None

    @property
    def final_error(self) -> str | None:
        """A check error matters only if no check ever succeeded."""
        return self.error if self.agents is None else None


def delivery_delay(attempt: int, *, base: float, cap: float) -> float:
    """Exponential backoff after the ``attempt``-th failure (1-based), capped."""
    return min(cap, base * 2.0 ** min(attempt - 1, 64))


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _without_url(text: str, url: str) -> str:
    """Hide a response_url (and its path, which HTTP errors quote alone) from an error text."""
    for secret in (url, urlsplit(url).path):
        if len(secret) > 1:
            text = text.replace(secret, "<response_url>")
    return text


class WakeupCoordinator:
    """Runs wake-up jobs. Call ``resume`` once at start, before the first ``request``."""

    def __init__(
        self,
        *,
        store: WakeupStore,
        scheduler: Scheduler,
        executor: Executor,
        wake: Wake,
        check: Check,
        deliver: Deliver,
        tell_failure: TellFailure | None = None,
        on_finish: Callable[[WakeupOutcome], None] | None = None,
        check_after: float = 10.0,
        check_every: float = 5.0,
        give_up_after: float = 60.0,
        clock: Callable[[], float] = time.time,
        delivery_backoff: float = 2.0,
        delivery_backoff_max: float = 300.0,
        delivery_attempts: int = 20,
        metrics: Metrics | None = None,
        owner: str | None = None,
        lease: float = 15.0,
    ) -> None:
        if check_every <= 0 or delivery_attempts < 1 or lease <= 0:
            raise ValueError("check_every must be positive and delivery_attempts at least 1")
        self._store = store
        self._scheduler = scheduler
        self._executor = executor
        self._wake = wake
        self._check = check
        self._deliver = deliver
        self._tell_failure = tell_failure
        self._on_finish = on_finish
        self._check_after = check_after
        self._check_every = check_every
        self._give_up_after = give_up_after
        self._clock = clock
        self._delivery_backoff = delivery_backoff
        self._delivery_backoff_max = delivery_backoff_max
        self._delivery_attempts = delivery_attempts
        self._metrics = metrics
        self._serving = False
        self._closed = False
        # Several instances share a store: a chain runs only while this instance holds its
        # row's lease, renewed every third of it; a lost lease stops the chain.
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lease = lease
        self._held_lock = threading.Lock()
        self._held_jobs: set[int] = set()
        self._held_follow_ups: set[int] = set()

    def request(self, account_key: str, requester: Requester) -> bool:
        """Record the request and return at once; True when it joined a running wake-up."""
        self._serving = True
        now = self._clock()
        job, joined = self._store.add_request(
            account_key, requester, started_at=now, owner=self.owner, lease_until=now + self._lease
        )
        if self._metrics is not None:
            (self._metrics.wakeups_joined if joined else self._metrics.wakeups_started).inc()
        if joined:
            logger.info("Wake-up job %d (%s): joined by %s", job.job_id, account_key, requester)
        else:
            logger.info("Wake-up job %d (%s): started by %s", job.job_id, account_key, requester)
            self._hold(jobs=[job.job_id])
            self._run_soon(partial(self._wake_step, job))
        return joined

    def resume(self) -> int:
        """Pick up every job and follow-up left in the store; returns how many."""
        if self._serving:
            raise RuntimeError("resume() must be called once, before the first request()")
        self._serving = True
        count = self._take_over()
        if self._store.shared:
            self._run_at(self._clock() + self._lease / 3, self._tick)
        return count

    def _take_over(self) -> int:
        """Claim what nobody holds (a dead instance's work, or a previous run's) and run it."""
        # Both lists are claimed in one go before starting anything: a resumed job that
        # finishes quickly would otherwise have its follow-ups picked up twice.
        now = self._clock()
        jobs, follow_ups = self._store.claim(self.owner, now=now, lease=self._lease)
        # A chain of this instance whose lease ran out while the store was slow to answer
        # comes back here too: it is still running, so it is not started a second time.
        with self._held_lock:
            jobs = [j for j in jobs if j.job_id not in self._held_jobs]
            follow_ups = [f for f in follow_ups if f.follow_up_id not in self._held_follow_ups]
        if not jobs and not follow_ups:
            return 0
        self._hold(jobs=[j.job_id for j in jobs], follow_ups=[f.follow_up_id for f in follow_ups])
        for job in jobs:
            if job.woken:
                first = max(now, job.started_at + self._check_after)
                self._run_at(first, partial(self._check_step, job, _Seen()))
            else:
                # The POST may never have happened: send it again and count from now.
                self._store.restart_job(job.job_id, started_at=now, owner=self.owner)
                self._run_soon(partial(self._wake_step, replace(job, started_at=now)))
        for follow_up in follow_ups:
            self._run_at(follow_up.next_attempt_at or now, partial(self._deliver_step, follow_up))
        logger.info(
            "Resumed %d wake-up jobs and %d undelivered follow-ups", len(jobs), len(follow_ups)
        )
        return len(jobs) + len(follow_ups)

    def _tick(self) -> None:
        """Renew what this instance holds, take over what another let lapse, come again."""
        if self._closed:
            return
        try:
            with self._held_lock:
                jobs, follow_ups = set(self._held_jobs), set(self._held_follow_ups)
            if jobs or follow_ups:
                kept_jobs, kept_follow_ups = self._store.renew(
                    self.owner, jobs, follow_ups, until=self._clock() + self._lease
                )
                lost = (jobs - kept_jobs) | (follow_ups - kept_follow_ups)
                if lost:
                    logger.warning("Wake-up leases lost to another instance: %s", sorted(lost))
                self._release(jobs=jobs - kept_jobs, follow_ups=follow_ups - kept_follow_ups)
            taken = self._take_over()  # another instance's work, whose lease ran out
            if taken and self._metrics is not None:
                self._metrics.leases_taken_over.inc(taken)
        except Exception as exc:  # the store is away: try again next time
            logger.warning("Wake-up lease renewal failed: %s", exc)
        finally:
            self._run_at(self._clock() + self._lease / 3, self._tick)

    def _hold(self, *, jobs: Sequence[int] = (), follow_ups: Sequence[int] = ()) -> None:
        with self._held_lock:
            self._held_jobs.update(jobs)
            self._held_follow_ups.update(follow_ups)

    def _release(self, *, jobs: Iterable[int] = (), follow_ups: Iterable[int] = ()) -> None:
        with self._held_lock:
            self._held_jobs.difference_update(jobs)
            self._held_follow_ups.difference_update(follow_ups)

    def _holds_job(self, job_id: int) -> bool:
        with self._held_lock:
            return job_id in self._held_jobs

    def _still_holds(self, follow_up: FollowUp) -> bool:
        """Extend the follow-up's lease right before posting it: a lease that ran out (the
        store slow, this process paused) may already be another instance's, and then that
        one posts it. Narrows the window for a double post to the post itself."""
        _, held = self._store.renew(
            self.owner, [], [follow_up.follow_up_id], until=self._clock() + self._lease
        )
        if follow_up.follow_up_id in held:
            return True
        logger.warning("Follow-up %d: lease lost before posting", follow_up.follow_up_id)
        self._release(follow_ups=[follow_up.follow_up_id])
        return False

    def _holds_follow_up(self, follow_up_id: int) -> bool:
        with self._held_lock:
            return follow_up_id in self._held_follow_ups

    def active_jobs(self) -> int:
        return self._store.count_active_jobs()

    def pending_deliveries(self) -> int:
        """Follow-ups not yet delivered nor given up, including those of running jobs."""
        return self._store.count_pending_follow_ups()

    def shutdown(self) -> None:
        """Stop starting steps; what is pending stays in the store for ``resume``."""
        self._closed = True

    def _run_soon(self, step: Callable[[], None]) -> None:
        if not self._closed:
            submit_logged(self._executor, step)

    def _run_at(self, when: float, step: Callable[[], None]) -> None:
        # A delay from the injected clock, so a clock other than time.time() still works.
        if not self._closed:
            self._scheduler.call_later(max(0.0, when - self._clock()), step)

    def _store_away(
        self,
        what: str,
        exc: StateUnavailable,
        *,
        jobs: Sequence[int] = (),
        follow_ups: Sequence[int] = (),
    ) -> None:
        """The shared store went away mid-step: let the rows go, so that once it is back
        the lease runs out and a claim (this instance's or another's) picks them up."""
        logger.warning("Wake-up %s left for a later claim: %s", what, exc)
        self._release(jobs=jobs, follow_ups=follow_ups)

    def _wake_step(self, job: Job) -> None:
        try:
            self._wake_step_held(job)
        except StateUnavailable as exc:
            self._store_away(f"job {job.job_id}", exc, jobs=[job.job_id])

    def _check_step(self, job: Job, seen: _Seen) -> None:
        try:
            self._check_step_held(job, seen)
        except StateUnavailable as exc:
            self._store_away(f"job {job.job_id}", exc, jobs=[job.job_id])

    def _deliver_step(self, follow_up: FollowUp, error_id: str | None = None) -> None:
        try:
            self._deliver_step_held(follow_up, error_id)
        except StateUnavailable as exc:
            self._store_away(
                f"follow-up {follow_up.follow_up_id}", exc, follow_ups=[follow_up.follow_up_id]
            )

    def _wake_step_held(self, job: Job) -> None:
        if self._closed or not self._holds_job(job.job_id):
            return
        if self._store.shared:  # as for a follow-up: the POST only while the lease is held
            held, _ = self._store.renew(
                self.owner, [job.job_id], [], until=self._clock() + self._lease
            )
            if job.job_id not in held:
                logger.warning("Wake-up job %d: lease lost before its POST", job.job_id)
                self._release(jobs=[job.job_id])
                return
        try:
            self._wake(job.account_key)
        except Exception as exc:
            logger.warning(
                "Wake-up job %d (%s): wake-up failed: %s", job.job_id, job.account_key, exc
            )
            self._finish(job, (), error=_describe(exc), gave_up=False)
            return
        if not self._store.mark_woken(job.job_id, owner=self.owner):
            self._release(jobs=[job.job_id])
            logger.warning("Wake-up job %d (%s): lease lost", job.job_id, job.account_key)
            return
        first = job.started_at + self._check_after
        self._run_at(first, partial(self._check_step, job, _Seen()))

    def _check_step_held(self, job: Job, seen: _Seen) -> None:
        if self._closed or not self._holds_job(job.job_id):
            return
        try:
            agents = tuple(self._check(job.account_key))
        except Exception as exc:
            logger.warning(
                "Wake-up job %d (%s): check failed: %s", job.job_id, job.account_key, exc
            )
            seen = replace(seen, error=_describe(exc))
        else:
            seen = _Seen(agents=agents)
            if all_enabled_online(agents):
                self._finish(job, agents, error=None, gave_up=False)
                return
        now = self._clock()
        deadline = job.started_at + self._give_up_after
        if now >= deadline:
            self._finish(job, seen.agents or (), error=seen.final_error, gave_up=True)
        else:
            self._run_at(
                min(now + self._check_every, deadline), partial(self._check_step, job, seen)
            )

    def _finish(
        self, job: Job, agents: tuple[Agent, ...], *, error: str | None, gave_up: bool
    ) -> None:
        outcome = WakeupOutcome(
            account_key=job.account_key,
            agents=agents,
            started_at=job.started_at,
            finished_at=self._clock(),
            gave_up=gave_up,
            error=error,
        )
        follow_ups = self._store.finish_job(
            job.job_id, outcome, owner=self.owner, lease_until=self._clock() + self._lease
        )
        self._release(jobs=[job.job_id])
        self._hold(follow_ups=[f.follow_up_id for f in follow_ups])
        if self._on_finish is not None:
            try:
                self._on_finish(outcome)  # e.g. the watch: agents that did not wake
            except Exception:
                logger.exception(
                    "Wake-up job %d (%s): on_finish failed", job.job_id, job.account_key
                )
        if self._metrics is not None:
            result = "gave_up" if gave_up else "failed" if error is not None else "awake"
            self._metrics.wakeups_finished.labels(result).inc()
            if result == "awake":
                self._metrics.wakeup_seconds.observe(max(0.0, outcome.finished_at - job.started_at))
        logger.info(
            "Wake-up job %d (%s): finished (awake=%s, gave_up=%s), %d follow-ups",
            job.job_id,
            job.account_key,
            outcome.all_awake,
            gave_up,
            len(follow_ups),
        )
        for follow_up in follow_ups:
            self._run_soon(partial(self._deliver_step, follow_up))

    def _deliver_step_held(self, follow_up: FollowUp, error_id: str | None = None) -> None:
        """Post a follow-up, or once composing it has failed, the notice of that failure."""
        if self._closed or not self._holds_follow_up(follow_up.follow_up_id):
            return
        if self._store.shared and not self._still_holds(follow_up):
            return
        requester = follow_up.requester
        try:
            if error_id is None:
                self._deliver(requester, follow_up.outcome)
            elif self._tell_failure is not None:
                self._tell_failure(requester, error_id)
        except DeliveryFailed as exc:
            self._delivery_failed(follow_up, exc, error_id)
            return
        except Exception:
            if error_id is not None:
                logger.exception("Telling %s about error %s failed", requester.user_id, error_id)
                self._store.record_delivery_failure(
                    follow_up.follow_up_id,
                    error=f"error {error_id}",
                    retry_at=None,
                    owner=self.owner,
                )
                self._release(follow_ups=[follow_up.follow_up_id])
                self._count_follow_up("failed")
                return
            error_id = uuid.uuid4().hex[:8]
            logger.exception(
                "Composing follow-up %d of wake-up job %d (%s) failed: error %s",
                follow_up.follow_up_id,
                follow_up.job_id,
                follow_up.outcome.account_key,
                error_id,
                extra={"error_id": error_id},
            )
            self._deliver_step(follow_up, error_id)
            return
        if not self._store.mark_delivered(follow_up.follow_up_id, owner=self.owner):
            # Posted, yet another instance took the follow-up over: it may post it again.
            logger.warning("Follow-up %d delivered after its lease ran out", follow_up.follow_up_id)
        self._release(follow_ups=[follow_up.follow_up_id])
        self._count_follow_up("delivered")

    def _count_follow_up(self, result: str) -> None:
        if self._metrics is not None:
            self._metrics.followups.labels(result).inc()

    def _delivery_failed(
        self, follow_up: FollowUp, exc: Exception, error_id: str | None = None
    ) -> None:
        requester = follow_up.requester
        attempts = follow_up.attempts + 1
        error = _without_url(_describe(exc), requester.response_url)
        what = (
            f"follow-up {follow_up.follow_up_id} of wake-up job {follow_up.job_id}"
            f" ({follow_up.outcome.account_key}) for user {requester.user_id}"
            f" in channel {requester.channel_id} via {urlsplit(requester.response_url).hostname}"
        )
        # Log before recording: killed in between, the attempt is retried and logged again,
        # whereas the other order could mark a follow-up failed without anyone being told.
        if attempts >= self._delivery_attempts:
            logger.error("Gave up delivering %s after %d attempts: %s", what, attempts, error)
            self._store.record_delivery_failure(
                follow_up.follow_up_id, error=error, retry_at=None, owner=self.owner
            )
            self._release(follow_ups=[follow_up.follow_up_id])
            self._count_follow_up("failed")
            return
        self._count_follow_up("retried")
        delay = delivery_delay(
            attempts, base=self._delivery_backoff, cap=self._delivery_backoff_max
        )
        logger.warning(
            "Delivering %s failed (attempt %d of %d), retrying in %.3g s: %s",
            what,
            attempts,
            self._delivery_attempts,
            delay,
            error,
        )
        retry_at = self._clock() + delay
        if not self._store.record_delivery_failure(
            follow_up.follow_up_id, error=error, retry_at=retry_at, owner=self.owner
        ):
            self._release(follow_ups=[follow_up.follow_up_id])
            return
        retry = replace(follow_up, attempts=attempts, next_attempt_at=retry_at)
        self._run_at(retry_at, partial(self._deliver_step, retry, error_id))
