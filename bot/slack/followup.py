"""Turns a finished wake-up into the channel message each requester is waiting for."""

from __future__ import annotations

import logging

from bot.services import BackupService
from bot.slack.blocks import wakeup_followup_message
from bot.slack.blocks.common import Message
from bot.slack.delivery import Delivery, DeliveryError
from bot.slack.jobs import unexpected_error_message
from bot.wakeup import DeliveryFailed, Requester, WakeupOutcome

logger = logging.getLogger(__name__)


class Followups:
    """Composes and posts follow-ups for the coordinator; only Slack's refusals are retried."""

    def __init__(self, service: BackupService, delivery: Delivery, *, give_up_after: float):
        self._service = service
        self._delivery = delivery
        self._give_up_after = give_up_after

    def deliver(self, requester: Requester, outcome: WakeupOutcome) -> None:
        """Post one follow-up in the requester's channel; raises DeliveryFailed to be retried."""
        account = self._service.known(outcome.account_key)
        message = wakeup_followup_message(
            requester_id=requester.user_id,
            account_id=account.account_id,
            region=account.region,
            account_name=account.name,
            agents=outcome.agents,
            elapsed=max(0.0, outcome.finished_at - requester.requested_at),
            gave_up=outcome.gave_up,
            give_up_after=self._give_up_after,
            error=outcome.error,
        )
        via = self._announce(requester, message)
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

    def tell_failure(self, requester: Requester, error_id: str) -> None:
        """The follow-up could not be composed: the requester hears so, with the error id."""
        self._announce(requester, unexpected_error_message(error_id))

    def _announce(self, requester: Requester, message: Message) -> str:
        try:
            return self._delivery.announce(requester.response_url, requester.channel_id, message)
        except DeliveryError as exc:
            raise DeliveryFailed(str(exc)) from exc
