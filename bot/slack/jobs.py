"""Runs the slow part of a command after the ack, and makes sure the user always hears back.

Handlers ack at once and hand their work here. Whatever happens next — an answer, a backup
API error, a bug — the user gets a message through the response_url and one audit line is
written with who, where, what, the outcome and how long it took.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from bot.backup_api import BackupApiError
from bot.executor import BoundedExecutor, BusyError
from bot.logs import audit_logger
from bot.slack.blocks import error_message
from bot.slack.blocks.errors import store_unavailable_message
from bot.slack.delivery import Delivery, DeliveryError, Message
from bot.slack.request import SlackRequest
from bot.storage import StateUnavailable

if TYPE_CHECKING:
    from bot.metrics import Metrics

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Reply:
    message: Message
    options: dict[str, Any] = field(default_factory=dict)
    outcome: str = "ok"


Work = Callable[[], Reply | None]


def new_error_id() -> str:
    return uuid.uuid4().hex[:8]


def api_error_message(error: BackupApiError) -> Message:
    return error_message(
        what_failed=error.operation,
        status=error.status,
        meaning=error.meaning,
        service_message=error.service_message,
        hint=error.hint,
        retries=error.retries,
    )


def unexpected_error_message(error_id: str) -> Message:
    return error_message(
        what_failed="handle your request",
        status=None,
        meaning=None,
        service_message=None,
        hint=None,
        error_id=error_id,
    )


def audit(request: SlackRequest, outcome: str, **extra: Any) -> None:
    duration_ms = round((time.monotonic() - request.received) * 1000, 1)
    audit_logger().info(
        "%s %s: %s",
        request.kind,
        request.name or "(empty)",
        outcome,
        extra={**request.audit_fields(), "outcome": outcome, "duration_ms": duration_ms, **extra},
    )


def restart_message(request: SlackRequest) -> Message:
    return error_message(
        what_failed=f"finish `{request.name}`",
        status=None,
        meaning="The bot was restarting and stopped before it had an answer.",
        service_message=None,
        hint="Try again in a minute.",
    )


class Jobs:
    def __init__(
        self, executor: BoundedExecutor, delivery: Delivery, metrics: Metrics | None = None
    ) -> None:
        self._executor = executor
        self._delivery = delivery
        self._metrics = metrics
        self._lock = threading.Lock()
        self._keys = itertools.count()
        self._unfinished: dict[int, SlackRequest] = {}

    def audit(self, request: SlackRequest, outcome: str, **extra: Any) -> None:
        """The request's one audit line, counted by subcommand and outcome."""
        audit(request, outcome, **extra)
        if self._metrics is not None:
            self._metrics.request(request.kind, request.name, outcome)

    def start(self, request: SlackRequest, work: Work) -> None:
        """Queue ``work``; never raises, and answers at once when the queue is full."""
        self._enqueue(self._remember(request), request, work)

    def start_after(
        self, request: SlackRequest, ready: Future[T], work: Callable[[T], Reply | None]
    ) -> None:
        """Queue ``work`` with the result of ``ready`` once it is there.

        Waiting holds no thread: fifty requests sharing one fetch cost no worker until the
        fetch is done. A failed ``ready`` reaches the user like any other failure.
        """
        key = self._remember(request)
        ready.add_done_callback(
            lambda done: self._enqueue(key, request, lambda: work(done.result()))
        )

    def _remember(self, request: SlackRequest) -> int:
        key = next(self._keys)
        with self._lock:
            self._unfinished[key] = request
        return key

    def _enqueue(self, key: int, request: SlackRequest, work: Work) -> None:
        try:
            self._executor.submit(self._run, key, request, work)
        except BusyError as exc:
            self._forget(key)
            self._reply(
                request,
                error_message(
                    what_failed=f"start `{request.name}`",
                    status=None,
                    meaning=f"The bot is busy: {exc}.",
                    service_message=None,
                    hint="Try again in a few seconds.",
                ),
            )
            if self._metrics is not None:
                self._metrics.busy_answers.inc()
            self.audit(request, "busy")

    def abandon(self, *, timeout: float) -> int:
        """Tell each user whose request is still queued or running that it will not finish.

        For a shutdown that cannot wait for them; returns how many were told. The notices go
        out in parallel and are given ``timeout`` seconds in all.
        """
        with self._lock:
            pending = list(self._unfinished.values())
            self._unfinished.clear()
        if not pending:
            return 0
        pool = ThreadPoolExecutor(max_workers=min(len(pending), 8), thread_name_prefix="abandon")
        notices = [pool.submit(self._reply, item, restart_message(item)) for item in pending]
        wait(notices, timeout=timeout)
        pool.shutdown(wait=False, cancel_futures=True)
        for request in pending:
            self.audit(request, "abandoned")
        return len(pending)

    def _forget(self, key: int) -> None:
        with self._lock:
            self._unfinished.pop(key, None)

    def _run(self, key: int, request: SlackRequest, work: Work) -> None:
        try:
            self._answer(request, work)
        finally:
            self._forget(key)

    def _answer(self, request: SlackRequest, work: Work) -> None:
        extra: dict[str, Any] = {}
        try:
            reply = work()
            outcome = "ok"
            if reply is not None:
                self._delivery.respond(request.response_url, reply.message, **reply.options)
                outcome = reply.outcome
        except StateUnavailable as exc:
            logger.warning("state store unreachable during %s: %s", request.name, exc)
            self._reply(request, store_unavailable_message(f"`{request.name}`"))
            outcome = "store_unavailable"
        except BackupApiError as exc:
            logger.warning("backup API error during %s: %s", request.name, exc)
            self._reply(request, api_error_message(exc))
            outcome, extra["status"] = "api_error", exc.status
        except DeliveryError as exc:
            logger.error("could not answer %s: %s", request.name, exc)
            outcome = "delivery_failed"
        except Exception:
            error_id = new_error_id()
            logger.exception(
                "unexpected error %s during %s",
                error_id,
                request.name,
                extra={"error_id": error_id},
            )
            self._reply(request, unexpected_error_message(error_id))
            outcome, extra["error_id"] = "error", error_id
        self.audit(request, outcome, **extra)

    def _reply(self, request: SlackRequest, message: Message) -> None:
        try:
            self._delivery.respond(
                request.response_url, message, response_type="ephemeral", replace_original=False
            )
        except DeliveryError as exc:
            logger.error("could not tell the user about a failure: %s", exc)
