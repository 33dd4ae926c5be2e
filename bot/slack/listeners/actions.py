"""The buttons: paging and sharing a list, and Refresh, Show and Wake up on an agent."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from bot.services.backup import split_key
from bot.slack.action_ids import AGENT_ACTIONS, INCIDENT_ACTIONS, ActionId
from bot.slack.blocks.incidents import incident_action_answer
from bot.slack.jobs import Reply
from bot.slack.listeners.deps import ListenerDeps
from bot.slack.middleware import request_of
from bot.slack.replies import EPHEMERAL_NEW, IN_CHANNEL_NEW, REPLACE
from bot.slack.request import (
    AgentButton,
    IncidentButton,
    PageButton,
    ReportButton,
    SlackRequest,
)


def register(app: App, deps: ListenerDeps) -> None:
    def on_page(ack: Ack, context: BoltContext) -> None:
        """A page of a private list replaces it; a page of a shared one goes to the clicker.

        Replacing a list shared in the channel would change it for everyone, under the
        conversation about it, and drop its "Shared by" line.
        """
        ack()
        request = request_of(context)
        button = request.button
        if not isinstance(button, PageButton):
            deps.unreadable_button(request, "turn the page", "agents")
            return
        sharing = request.action is ActionId.AGENTS_SHARE
        if sharing:
            options, shared_by = IN_CHANNEL_NEW, request.user_id
        else:
            options = EPHEMERAL_NEW if request.on_shared_message else REPLACE
            shared_by = None
        deps.start_agents(
            request, button.query, page=button.page, options=options, shared_by=shared_by
        )

    def on_agent_button(ack: Ack, context: BoltContext) -> None:
        ack()
        request = request_of(context)
        button = request.button
        if not isinstance(button, AgentButton):
            deps.unreadable_button(request, "read the button", "agent <name>")
            return
        if request.action is ActionId.AGENT_WAKEUP:
            deps.start_wakeup(None, request, button.region)
            return
        key = deps.key_for(request, button.region)
        agent_id = button.agent_id
        deps.jobs.start(request, lambda: deps.agent_reply(deps.service.get_agent(key, agent_id)))

    def on_incident_button(ack: Ack, context: BoltContext) -> None:
        """Acknowledge or Snooze: recorded at once; the message is updated by the watcher."""
        ack()
        request = request_of(context)
        button = request.button
        if not isinstance(button, IncidentButton):
            deps.unreadable_button(request, "read the button", "report")
            return
        # The store is changed off the request path, like every other piece of work.
        deps.jobs.start(request, lambda: _change_incident(deps, request, button))

    def on_report_share(ack: Ack, context: BoltContext) -> None:
        ack()
        request = request_of(context)
        button = request.button
        if not isinstance(button, ReportButton):
            deps.unreadable_button(request, "share the report", "report")
            return
        key = button.account_key
        deps.jobs.start(
            request, lambda: Reply(deps.watcher.report(key, private=False), IN_CHANNEL_NEW)
        )

    for action_id in (ActionId.AGENTS_PREVIOUS, ActionId.AGENTS_NEXT, ActionId.AGENTS_SHARE):
        app.action(action_id.value)(on_page)
    for action_id in sorted(AGENT_ACTIONS):
        app.action(action_id.value)(on_agent_button)
    for action_id in sorted(INCIDENT_ACTIONS):
        app.action(action_id.value)(on_incident_button)
    app.action(ActionId.REPORT_SHARE.value)(on_report_share)


def _change_incident(deps: ListenerDeps, request: SlackRequest, button: IncidentButton) -> Reply:
    """Acknowledge or snooze; the incident's message is then updated by the watcher."""
    incident = deps.watcher.incident(button.incident_id)
    if incident is not None and split_key(incident.account_key)[0] != deps.account_of(request).name:
        incident = None  # another account's incident: as unknown as one that never was
    elif button.seconds is None:
        incident = deps.watcher.acknowledge(button.incident_id, request.user_id)
    else:
        incident = deps.watcher.snooze(button.incident_id, request.user_id, button.seconds)
    answer = incident_action_answer(incident, user_id=request.user_id, snoozed_for=button.seconds)
    return Reply(answer, EPHEMERAL_NEW, outcome="ok" if incident else "not_found")
