"""The two middlewares every request passes, in order: read it once, then check access.

The first turns the payload into a ``SlackRequest`` in Bolt's ``context``; the second and
every listener read that value and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltResponse

from bot.accounts import Accounts
from bot.slack.access import refusal_reason
from bot.slack.blocks import refusal_message
from bot.slack.jobs import Jobs, Reply
from bot.slack.replies import EPHEMERAL_NEW
from bot.slack.request import SlackRequest, read_request

REQUEST_KEY = "backup_bot_request"


class RequestMissingError(RuntimeError):
    """A listener ran without the reader middleware before it: a wiring bug, never input."""


def request_of(context: BoltContext | dict[str, Any]) -> SlackRequest:
    request = context.get(REQUEST_KEY)
    if not isinstance(request, SlackRequest):
        raise RequestMissingError("no SlackRequest in the context: is read_request_middleware on?")
    return request


def request_reader(accounts: Accounts) -> Callable[..., None]:
    """The first middleware: each request read once, its account resolved for its channel."""

    def read_request_middleware(
        body: dict[str, Any], context: BoltContext, next: Callable[[], None]
    ) -> None:
        request = read_request(body, accounts)
        if request is not None:
            context[REQUEST_KEY] = request
        next()

    return read_request_middleware


def access_middleware(
    *, allowed_channels: frozenset[str], jobs: Jobs
) -> Callable[..., BoltResponse | None]:
    def check_access(context: BoltContext, next: Callable[[], None]) -> BoltResponse | None:
        request = context.get(REQUEST_KEY)
        if not isinstance(request, SlackRequest):
            next()  # not a command or a button: nothing of ours runs
            return None
        reason = refusal_reason(request, allowed_channels=allowed_channels)
        if reason is None:
            next()
            return None
        message = refusal_message(reason=reason)
        if request.kind == "command":
            jobs.audit(request, "refused")
            return BoltResponse(
                status=200,
                body=json.dumps({**message, "response_type": "ephemeral"}),
                headers={"content-type": "application/json;charset=utf-8"},
            )
        # A button: the ack body shows nothing, so answer through the response_url, off the
        # request path.
        jobs.start(request, lambda: Reply(message, EPHEMERAL_NEW, outcome="refused"))
        return BoltResponse(status=200, body="")

    return check_access
