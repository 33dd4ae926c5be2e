"""The slash command and its buttons: ack at once, then hand the slow part to ``Jobs``.

Nothing here calls the backup API on the request path. Each handler acks within
milliseconds; the work function it queues returns the message to send, built by the pure
block builders.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App

from bot.backup_api import BackupApiClient, Fleet
from bot.backup_api.models import Agent
from bot.runtime import Runtime
from bot.slack import blocks
from bot.slack.agent_query import match_agent
from bot.slack.commands import (
    AgentCommand,
    AgentQuery,
    AgentsCommand,
    HelpCommand,
    InvalidCommand,
    WakeupCommand,
    parse_command,
)
from bot.slack.incoming import Incoming, from_body
from bot.slack.jobs import Jobs, Reply, audit
from bot.wakeup import Requester

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_AGENT_VALUE = re.compile(r"^(\d{1,18})(?::([A-Za-z]{2,5}))?$")
REPLACE = {"replace_original": True}
EPHEMERAL_NEW = {"response_type": "ephemeral", "replace_original": False}
IN_CHANNEL_NEW = {"response_type": "in_channel", "replace_original": False}


def parse_agent_value(value: str) -> tuple[int, str | None] | None:
    """An agent button's value, ``"213563"`` or ``"213563:ORD"``; None when tampered with."""
    match = _AGENT_VALUE.match(value.strip())
    if match is None:
        return None
    return int(match.group(1)), (match.group(2) or "").upper() or None


class Handlers:
    def __init__(self, runtime: Runtime, jobs: Jobs) -> None:
        self.rt = runtime
        self.jobs = jobs
        self.command = runtime.settings.slash_command

    # -- the slash command ----------------------------------------------------------------

    def on_command(self, ack: Ack, body: dict[str, Any]) -> None:
        incoming = from_body(body)
        assert incoming is not None  # Bolt only routes slash commands here
        parsed = parse_command(str(body.get("text") or ""))
        if isinstance(parsed, HelpCommand):
            ack(
                **blocks.help_message(
                    command=self.command, unknown=parsed.unknown, suggestion=parsed.suggestion
                )
            )
            audit(incoming, "help" if parsed.unknown is None else "unknown_subcommand")
        elif isinstance(parsed, InvalidCommand):
            ack(
                **blocks.error_message(
                    what_failed=f"read `{self.command} {incoming.name}`",
                    status=None,
                    meaning=parsed.message,
                    service_message=None,
                    hint=f"Type `{self.command} help` for the usage.",
                )
            )
            audit(incoming, "invalid")
        elif isinstance(parsed, AgentsCommand):
            ack(**blocks.working_message("Fetching agents and their status…"))
            self._start_agents(incoming, parsed.query, page=0, options=REPLACE)
        elif isinstance(parsed, AgentCommand):
            ack(**blocks.working_message(f"Looking up agent {parsed.ref}…"))
            ref, region = parsed.ref, parsed.region
            self.jobs.start(incoming, lambda: self._agent_lookup(ref, region))
        elif isinstance(parsed, WakeupCommand):
            self._start_wakeup(ack, incoming, parsed.region)

    def _start_agents(
        self,
        incoming: Incoming,
        query: AgentQuery,
        *,
        page: int,
        options: dict[str, Any],
        shared_by: str | None = None,
    ) -> None:
        """Answer with a page of agents once the region's shared fetch is done."""
        fleet = self.rt.fleet_future(self.rt.account_key(query.region), asked_at=incoming.received)
        self.jobs.start_after(
            incoming,
            fleet,
            lambda done: Reply(
                self._agents_message(done, query, page=page, shared_by=shared_by), options
            ),
        )

    def _agents_message(
        self, fleet: Fleet, query: AgentQuery, *, page: int, shared_by: str | None
    ) -> dict[str, Any]:
        return blocks.agents_message(
            fleet.agents,
            query=query,
            command=self.command,
            page=page,
            fetched_at=fleet.fetched_at,
            cache_ttl=self.rt.fleets.ttl,
            unverified=fleet.unverified,
            account_id=fleet.account_id,
            region=fleet.region,
            shared_by=shared_by,
        )

    def _agent_lookup(self, ref: str, region: str | None) -> Reply:
        key = self.rt.account_key(region)
        if ref.isdigit():
            return self._agent_reply(key, int(ref))
        if _UUID.match(ref):
            return self._agent_reply(key, ref)
        fleet = self.rt.fleet(key)
        matches = match_agent(fleet.agents, ref)
        if not matches:
            return Reply(blocks.agent_not_found_message(ref=ref, command=self.command), REPLACE)
        if len(matches) > 1:
            return Reply(
                blocks.agent_choices_message(matches, ref=ref, region=fleet.region), REPLACE
            )
        client = self.rt.client_for(key)
        return Reply(self._agent_message(matches[0], client, fleet=fleet), REPLACE)

    def _agent_reply(self, key: str, ref: int | str) -> Reply:
        agent, client = self.rt.agent(key, ref)
        return Reply(self._agent_message(agent, client), REPLACE)

    def _agent_message(
        self, agent: Agent, client: BackupApiClient, fleet: Fleet | None = None
    ) -> dict[str, Any]:
        return blocks.agent_message(
            agent,
            fetched_at=fleet.fetched_at if fleet else datetime.now(UTC),
            region=client.region,
            account_id=client.account_id,
        )

    # -- wake-up --------------------------------------------------------------------------

    def _start_wakeup(self, ack: Ack | None, incoming: Incoming, region: str | None) -> None:
        requester = Requester(
            user_id=incoming.user_id,
            channel_id=incoming.channel_id,
            response_url=incoming.response_url,
            requested_at=time.time(),
            user_name=incoming.user_name,
            team_id=incoming.team_id,
        )
        key = self.rt.account_key(region)
        joined = self.rt.wakeups.request(key, requester)
        message = blocks.wakeup_ack_message(
            account_id=self.rt.known_account_id(key), region=region, joined=joined
        )
        if ack is not None:
            ack(**message)
            audit(incoming, "joined" if joined else "started")
        else:
            self.jobs.start(
                incoming,
                lambda: Reply(message, EPHEMERAL_NEW, outcome="joined" if joined else "started"),
            )

    # -- buttons --------------------------------------------------------------------------

    def on_page(self, ack: Ack, body: dict[str, Any]) -> None:
        """A page of a private list replaces it; a page of a shared one goes to the clicker.

        Replacing a list shared in the channel would change it for everyone, under the
        conversation about it, and drop its "Shared by" line.
        """
        ack()
        incoming = from_body(body)
        assert incoming is not None
        options = EPHEMERAL_NEW if _on_shared_message(body) else REPLACE
        self._start_page(incoming, options)

    def on_share(self, ack: Ack, body: dict[str, Any]) -> None:
        ack()
        incoming = from_body(body)
        assert incoming is not None
        self._start_page(incoming, IN_CHANNEL_NEW, shared_by=incoming.user_id)

    def _start_page(
        self, incoming: Incoming, options: dict[str, Any], *, shared_by: str | None = None
    ) -> None:
        """The page a button names; its query and page number travel in the button's value."""
        decoded = blocks.decode_page_value(incoming.args)
        parsed = parse_command("agents " + decoded[0]) if decoded else None
        if decoded is None or not isinstance(parsed, AgentsCommand):
            self._unreadable_button(incoming, "turn the page", f"{self.command} agents")
            return
        self._start_agents(
            incoming, parsed.query, page=decoded[1], options=options, shared_by=shared_by
        )

    def on_agent_button(self, ack: Ack, body: dict[str, Any]) -> None:
        ack()
        incoming = from_body(body)
        assert incoming is not None
        parsed = parse_agent_value(incoming.args)
        if parsed is None:
            self._unreadable_button(incoming, "read the button", f"{self.command} agent <name>")
            return
        agent_id, region = parsed
        if incoming.name == "agent_wakeup":
            self._start_wakeup(None, incoming, region)
        else:
            self.jobs.start(
                incoming, lambda: self._agent_reply(self.rt.account_key(region), agent_id)
            )

    def _unreadable_button(self, incoming: Incoming, what_failed: str, rerun: str) -> None:
        """A button whose value is not ours (edited or truncated): say so, run nothing."""
        message = blocks.error_message(
            what_failed=what_failed,
            status=None,
            meaning="The button's data could not be read.",
            service_message=None,
            hint=f"Run `{rerun}` again.",
        )
        self.jobs.start(incoming, lambda: Reply(message, EPHEMERAL_NEW, outcome="invalid"))


def _on_shared_message(body: dict[str, Any]) -> bool:
    """Whether a button was clicked on a message everyone in the channel sees."""
    container = body.get("container")
    return isinstance(container, dict) and container.get("is_ephemeral") is False


def register(app: App, runtime: Runtime, jobs: Jobs) -> Handlers:
    handlers = Handlers(runtime, jobs)
    app.command(runtime.settings.slash_command)(handlers.on_command)
    app.action("agents_page_prev")(handlers.on_page)
    app.action("agents_page_next")(handlers.on_page)
    app.action("agents_share")(handlers.on_share)
    agent_buttons: Callable[..., None] = handlers.on_agent_button
    for action_id in ("agent_refresh", "agent_wakeup", "agent_show"):
        app.action(action_id)(agent_buttons)
    return handlers
