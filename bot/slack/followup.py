"""Turns a finished wake-up into the channel message each requester is waiting for."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.slack.blocks import wakeup_followup_message
from bot.wakeup import Requester, WakeupOutcome

if TYPE_CHECKING:
    from bot.runtime import Runtime

logger = logging.getLogger(__name__)


def deliver_followup(runtime: Runtime, requester: Requester, outcome: WakeupOutcome) -> None:
    """Post one follow-up in the requester's channel; raises DeliveryError to be retried."""
    message = wakeup_followup_message(
        requester_id=requester.user_id,
        account_id=runtime.known_account_id(outcome.account_key),
        region=runtime.region_label(outcome.account_key),
        agents=outcome.agents,
        elapsed=max(0.0, outcome.finished_at - requester.requested_at),
        gave_up=outcome.gave_up,
        give_up_after=runtime.settings.wakeup_give_up_after,
        error=outcome.error,
    )
    via = runtime.delivery.announce(requester.response_url, requester.channel_id, message)
    logger.info(
        "wake-up follow-up posted",
        extra={
            "user": requester.user_id,
            "channel": requester.channel_id,
            "via": via,
            "gave_up": outcome.gave_up,
            "failed": outcome.error is not None,
        },
    )
