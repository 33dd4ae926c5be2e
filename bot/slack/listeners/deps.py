"""What listeners need, handed in by the composition root; and the replies they share."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from slack_bolt import Ack

from bot.accounts import AccountConfig
from bot.services import BackupService, Found
from bot.services.agent_query import AgentQuery
from bot.slack import blocks
from bot.slack.blocks.common import Message, known_account_phrase
from bot.slack.jobs import Jobs, Reply
from bot.slack.replies import EPHEMERAL_NEW, REPLACE
from bot.slack.request import SlackRequest
from bot.storage import StateUnavailable
from bot.wakeup import Requester, WakeupCoordinator
from bot.watch import Watcher


class RoutingError(RuntimeError):
    """A listener ran for a request with no account: a wiring bug, never user input."""


@dataclass(frozen=True)
class ListenerDeps:
    service: BackupService
    wakeups: WakeupCoordinator
    jobs: Jobs
    slash_command: str
    watcher: Watcher
    single_account: bool = True
    """One account from the environment: buttons carry no account name, as before."""

    def key_for(self, request: SlackRequest, region: str | None) -> str:
        """The account key of the request's resolved account (and ``region``)."""
        return self.service.account_key(region, self.account_of(request).name)

    @staticmethod
    def account_of(request: SlackRequest) -> AccountConfig:
        account = request.account
        if not isinstance(account, AccountConfig):
            # The access middleware refuses a request without one before any listener runs.
            raise RoutingError(f"no account resolved for {request.name}")
        return account

    def button_account(self, request: SlackRequest) -> str | None:
        """The account name a button must carry: only when the bot serves named accounts."""
        return None if self.single_account else self.account_of(request).name

    def start_agents(
        self,
        request: SlackRequest,
        query: AgentQuery,
        *,
        page: int,
        options: dict[str, object],
        shared_by: str | None = None,
    ) -> None:
        """Answer with a page of agents once the region's shared fetch is done."""
        fleet = self.service.fleet_future(
            self.key_for(request, query.region), asked_at=request.received
        )
        query = replace(query, account=self.button_account(request))
        self.jobs.start_after(
            request,
            fleet,
            lambda done: Reply(
                blocks.agents_message(
                    done.agents,
                    query=query,
                    command=self.slash_command,
                    page=page,
                    fetched_at=done.fetched_at,
                    cache_ttl=self.service.cache_ttl,
                    unverified=done.unverified,
                    account_id=done.account_id,
                    region=done.region,
                    shared_by=shared_by,
                ),
                dict(options),
            ),
        )

    def start_wakeup(self, ack: Ack | None, request: SlackRequest, region: str | None) -> None:
        """Join or start the account's wake-up; the ack says which, before any API call."""
        requester = Requester(
            user_id=request.user_id,
            channel_id=request.channel_id,
            response_url=request.response_url,
            requested_at=time.time(),
            user_name=request.user_name,
            team_id=request.team_id,
        )
        key = self.key_for(request, region)
        try:
            joined = self.wakeups.request(key, requester)
        except StateUnavailable:
            # The store went away after the access checks: refused, never accepted and lost.
            refused = blocks.store_unavailable_message("wake-up")
            if ack is not None:
                ack(**refused)
                self.jobs.audit(request, "store_unavailable")
            else:
                self.jobs.start(
                    request, lambda: Reply(refused, EPHEMERAL_NEW, outcome="store_unavailable")
                )
            return
        known = self.service.known(key)
        message = blocks.wakeup_ack_message(
            account_id=known.account_id, region=region, joined=joined, account_name=known.name
        )
        outcome = "joined" if joined else "started"
        if ack is not None:
            ack(**message)
            self.jobs.audit(request, outcome)
        else:
            self.jobs.start(request, lambda: Reply(message, EPHEMERAL_NEW, outcome=outcome))

    def account_label(self, key: str) -> str:
        """How messages name an account: what calls told us, never a call to learn it."""
        return known_account_phrase(self.service.known(key))

    def agent_reply(self, found: Found) -> Reply:
        return Reply(
            blocks.agent_message(
                found.agent,
                fetched_at=found.fetched_at,
                region=found.account.region,
                account_id=found.account.account_id,
                account_name=found.account.name,
            ),
            REPLACE,
        )

    def unreadable_button(self, request: SlackRequest, what_failed: str, rerun: str) -> None:
        """A button whose value is not ours (edited or truncated): say so, run nothing."""
        message: Message = blocks.error_message(
            what_failed=what_failed,
            status=None,
            meaning="The button's data could not be read.",
            service_message=None,
            hint=f"Run `{self.slash_command} {rerun}` again.",
        )
        self.jobs.start(request, lambda: Reply(message, EPHEMERAL_NEW, outcome="invalid"))
