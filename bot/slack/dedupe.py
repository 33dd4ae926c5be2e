"""A Slack retry of a request that already ran runs nothing: it is acked, and that is all.

Slack sends a request again when no answer came in time (``X-Slack-Retry-Num``), and in
Socket Mode it may hand an unacknowledged envelope to another connection; with several
instances the second copy can land anywhere. So before anything runs, the request's
fingerprint goes into the shared ledger (bot/state/requests.py): the first copy records it,
any later copy finds it and stops here. The fingerprint is of what identifies one user
action: the team, channel and user, the command and its text or the button and its value,
and the ``trigger_id`` and ``response_url`` Slack made for that very action, so two
deliberate runs of the same command never look alike. Bolt's Socket Mode adapter hands
middleware the payload without its envelope, so the envelope's id cannot be used; a
redelivered envelope carries the same payload and fingerprint.

This is also the first thing on a request's path that needs the store. When the store is
unreachable, what needs state (a wake-up, watching, an incident button) is refused here
with a clear message instead of being accepted and forgotten; everything else still runs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse

from bot.slack.blocks.errors import store_unavailable_message
from bot.slack.jobs import Jobs, Reply
from bot.slack.middleware import REQUEST_KEY
from bot.slack.replies import EPHEMERAL_NEW
from bot.slack.request import SlackRequest
from bot.state.requests import DEDUPE_TTL, RequestLedger
from bot.storage import StateStoreError, StateUnavailable

logger = logging.getLogger(__name__)

RETRY_HEADER = "x-slack-retry-num"


def fingerprint(request: SlackRequest, body: dict[str, Any]) -> str:
    """One user action's identity; equal for Slack's copies of it, different for another."""
    actions = body.get("actions")
    action = actions[0] if isinstance(actions, list) and actions else {}
    parts = [
        request.team_id,
        request.channel_id,
        request.user_id,
        request.kind,
        str(body.get("command", "")) if request.kind == "command" else request.action_id,
        request.raw,
        str(action.get("action_ts", "")) if isinstance(action, dict) else "",
        str(body.get("trigger_id", "")),
        request.response_url,
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def needs_state(request: SlackRequest) -> bool:
    """What cannot be done without the store: a wake-up, watching, an incident's buttons."""
    return request.wants_wakeup or request.wants_watch_change or request.name == "report"


def unreachable_message(request: SlackRequest) -> dict[str, Any]:
    return store_unavailable_message("wake-up" if request.wants_wakeup else f"`{request.name}`")


def dedupe_middleware(
    ledger: RequestLedger,
    *,
    jobs: Jobs,
    ttl: float = DEDUPE_TTL,
    clock: Callable[[], float] = time.time,
) -> Callable[..., BoltResponse | None]:
    """Registered right after the request reader, before access and every listener."""

    def drop_retries(
        req: BoltRequest, body: dict[str, Any], context: BoltContext, next: Callable[[], None]
    ) -> BoltResponse | None:
        request = context.get(REQUEST_KEY)
        if not isinstance(request, SlackRequest):
            next()
            return None
        retries = req.headers.get(RETRY_HEADER) or []
        retry = retries[0] if retries else None
        try:
            first = ledger.first_time(fingerprint(request, body), now=clock(), ttl=ttl)
        except StateUnavailable as exc:
            if not needs_state(request):
                next()  # nothing of it is stored: run it, even if it may be a retry
                return None
            logger.warning("%s refused: %s", request.name, exc)
            return _refuse(request, jobs)
        except StateStoreError as exc:
            logger.warning("Slack request ledger failed, %s runs unchecked: %s", request.name, exc)
            next()
            return None
        if first:
            next()
            return None
        logger.info(
            "Slack %s of %s dropped: it already ran",
            f"retry {retry}" if retry else "copy",
            request.name,
        )
        return BoltResponse(status=200, body="")

    return drop_retries


def _refuse(request: SlackRequest, jobs: Jobs) -> BoltResponse:
    message = unreachable_message(request)
    if request.kind == "command":
        jobs.audit(request, "unavailable")
        return BoltResponse(
            status=200,
            body=json.dumps({**message, "response_type": "ephemeral"}),
            headers={"content-type": "application/json;charset=utf-8"},
        )
    # A button: the ack shows nothing, so say it through the response_url.
    jobs.start(request, lambda: Reply(message, EPHEMERAL_NEW, outcome="unavailable"))
    return BoltResponse(status=200, body="")
