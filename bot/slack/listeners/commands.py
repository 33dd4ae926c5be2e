"""``/backup``: one listener that dispatches on the parsed command in the request."""

from __future__ import annotations

import time

from slack_bolt import Ack, App, BoltContext

from bot.services import Choices, Found, Lookup
from bot.slack import blocks
from bot.slack.blocks.watching import invite_needed_message, unwatch_answer, watch_answer
from bot.slack.commands import (
    AgentCommand,
    AgentsCommand,
    HelpCommand,
    InvalidCommand,
    ReportCommand,
    UnwatchCommand,
    WakeupCommand,
    WatchCommand,
)
from bot.slack.jobs import Reply
from bot.slack.listeners.deps import ListenerDeps
from bot.slack.middleware import request_of
from bot.slack.replies import REPLACE
from bot.slack.request import AccountSearch, SlackRequest
from bot.watch import ChannelUnreachable
from bot.watch.model import View


def register(app: App, deps: ListenerDeps) -> None:
    command = deps.slash_command

    def on_command(ack: Ack, context: BoltContext) -> None:
        request = request_of(context)
        parsed = request.command
        if isinstance(parsed, HelpCommand):
            ack(
                **blocks.help_message(
                    command=command, unknown=parsed.unknown, suggestion=parsed.suggestion
                )
            )
            deps.jobs.audit(request, "help" if parsed.unknown is None else "unknown_subcommand")
        elif isinstance(parsed, InvalidCommand):
            typed = f"{command} {parsed.subcommand}" if parsed.subcommand else command
            ack(
                **blocks.error_message(
                    what_failed=f"read `{typed}`",
                    status=None,
                    meaning=parsed.message,
                    service_message=None,
                    hint=f"Type `{command} help` for the usage.",
                )
            )
            deps.jobs.audit(request, "invalid")
        elif isinstance(parsed, AgentsCommand):
            ack(**blocks.working_message("Fetching agents and their status…"))
            deps.start_agents(request, parsed.query, page=0, options=REPLACE)
        elif isinstance(parsed, AgentCommand):
            ack(**blocks.working_message(f"Looking up agent {parsed.ref}…"))
            ref, region = parsed.ref, parsed.region
            if isinstance(request.account, AccountSearch):
                keys = [deps.service.account_key(region, a.name) for a in request.account.accounts]
                deps.jobs.start(
                    request, lambda: _lookup_reply(deps, deps.service.find_by_id(keys, ref))
                )
            else:
                key = deps.key_for(request, region)
                deps.jobs.start(request, lambda: _lookup_reply(deps, deps.service.lookup(key, ref)))
        elif isinstance(parsed, WakeupCommand):
            deps.start_wakeup(ack, request, parsed.region)
        elif isinstance(parsed, WatchCommand):
            ack(**blocks.working_message("Setting up the watch…"))
            key = deps.key_for(request, parsed.region)
            deps.jobs.start(request, lambda: _watch(deps, request, key))
        elif isinstance(parsed, UnwatchCommand):
            key = deps.key_for(request, parsed.region)
            result = deps.watcher.unsubscribe(request.channel_id, key)
            ack(**unwatch_answer(account=deps.account_label(key), result=result, command=command))
            deps.jobs.audit(request, "refused" if result == "configured" else result)
        elif isinstance(parsed, ReportCommand):
            ack(**blocks.working_message("Putting the report together…"))
            key = deps.key_for(request, parsed.region)
            deps.jobs.start(request, lambda: Reply(deps.watcher.report(key), REPLACE))
        else:  # the reader parses every command; an empty slot is a wiring bug
            raise TypeError(f"no command in the request: {parsed!r}")

    app.command(command)(on_command)


def _watch(deps: ListenerDeps, request: SlackRequest, key: str) -> Reply:
    """Subscribe (which posts in the channel, so a channel the bot cannot reach shows now)."""
    try:
        status = deps.watcher.subscribe(request.channel_id, key)
    except ChannelUnreachable:
        return Reply(
            invite_needed_message(command=deps.slash_command), REPLACE, outcome="not_in_channel"
        )
    label = deps.account_label(key)
    answer = watch_answer(
        account=label,
        new=status.new,
        rules=status.rules,
        open_incidents=status.open_incidents,
        view=View(time.time(), label, region=key or None),
        command=deps.slash_command,
    )
    return Reply(answer, REPLACE, outcome="started" if status.new else "ok")


def _lookup_reply(deps: ListenerDeps, found: Lookup) -> Reply:
    if isinstance(found, Found):
        return deps.agent_reply(found)
    if isinstance(found, Choices):
        return Reply(
            blocks.agent_choices_message(
                found.agents, ref=found.ref, region=found.region, account_name=found.account_name
            ),
            REPLACE,
        )
    return Reply(blocks.agent_not_found_message(ref=found.ref, command=deps.slash_command), REPLACE)
