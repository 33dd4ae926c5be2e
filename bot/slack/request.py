"""Each Slack request read once, into one typed value that every later step decides on.

Access control, the audit line and the listeners all read the ``SlackRequest`` this module
builds; nothing else parses the command text or a button's value. A second, simpler reading
of the same input is how a permission check ends up judging something other than what runs:
here "is this a wake-up?" is asked of the parsed command itself.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from bot.accounts import AccountConfig, Accounts, Refusal
from bot.services.agent_query import AgentQuery
from bot.services.backup import BackupService, split_key
from bot.slack.action_ids import (
    AGENT_ACTIONS,
    INCIDENT_ACTIONS,
    PAGE_ACTIONS,
    SNOOZE_ACTIONS,
    WAKEUP_ACTIONS,
    ActionId,
)
from bot.slack.blocks import decode_page_value
from bot.slack.commands import (
    AgentCommand,
    AgentsCommand,
    Command,
    ReportCommand,
    UnwatchCommand,
    WakeupCommand,
    WatchCommand,
    parse_command,
    subcommand_of,
)
from bot.slack.incident_values import decode_incident, decode_report, decode_snooze

AUDIT_TEXT_MAX = 200
"""Characters of the raw command text or button value kept in an audit line."""
_AGENT_VALUE = re.compile(r"^([0-9]{1,18})(?::([A-Za-z]{2,5}))?(?:@([a-z0-9][a-z0-9_.-]{0,39}))?$")


@dataclass(frozen=True, slots=True)
class PageButton:
    """A paging or Share button: the list's query and the page to show."""

    query: AgentQuery
    page: int


@dataclass(frozen=True, slots=True)
class AgentButton:
    """A Refresh, Show or Wake up button: one agent, and the region it was listed in."""

    agent_id: int
    region: str | None
    account: str | None = None


@dataclass(frozen=True, slots=True)
class IncidentButton:
    """Acknowledge (``seconds`` None) or Snooze on an incident message."""

    incident_id: int
    seconds: int | None = None
    account: str | None = None


@dataclass(frozen=True, slots=True)
class ReportButton:
    """Share on a private report: the account key it was made for."""

    account_key: str


@dataclass(frozen=True, slots=True)
class UnreadableButton:
    """A value that is not ours (edited by hand or truncated): it runs nothing."""


ButtonValue = PageButton | AgentButton | IncidentButton | ReportButton | UnreadableButton


@dataclass(frozen=True, slots=True)
class AccountSearch:
    """``agent <id>`` where several accounts may be used and none was named: the lookup asks
    each of these (only those usable in the channel), and nothing else runs on them."""

    accounts: tuple[AccountConfig, ...]


@dataclass(frozen=True)
class SlackRequest:
    kind: Literal["command", "button"]
    user_id: str
    user_name: str
    channel_id: str
    team_id: str
    response_url: str = field(repr=False)
    raw: str = field(repr=False)
    """What the user typed or the button carried, as received; for the audit line only."""
    command: Command | None = None
    action: ActionId | None = None
    action_id: str = ""
    """The button's action id as received (an unknown one has no ``action``)."""
    button: ButtonValue | None = None
    on_shared_message: bool = False
    """A button pressed on a message everyone in the channel sees."""
    account: AccountConfig | AccountSearch | Refusal | None = None
    """The account this request is about, resolved for its channel from the name it gives
    (``account:``, or the one its button carries) or the channel's defaults; None for what
    needs no account (help, an unreadable button)."""
    received: float = field(default_factory=time.monotonic)

    @property
    def name(self) -> str:
        """The canonical subcommand or action id: what runs, whatever was typed."""
        if self.command is not None:
            return subcommand_of(self.command)
        return self.action_id or "(none)"

    @property
    def wants_watch_change(self) -> bool:
        """Watching, unwatching and changing an incident: held to WATCH_ALLOWED_USER_IDS."""
        if self.kind == "command":
            return isinstance(self.command, WatchCommand | UnwatchCommand)
        return self.action in INCIDENT_ACTIONS and isinstance(self.button, IncidentButton)

    @property
    def wants_wakeup(self) -> bool:
        if self.kind == "command":
            return isinstance(self.command, WakeupCommand)
        return self.action in WAKEUP_ACTIONS and isinstance(self.button, AgentButton)

    def audit_fields(self) -> dict[str, Any]:
        """Fields for a log record's ``extra``: none may be a LogRecord attribute (``args``!)."""
        return {
            "kind": self.kind,
            "action": self.name,
            "text": self.raw[:AUDIT_TEXT_MAX],
            "user": self.user_id,
            "channel": self.channel_id,
            "team": self.team_id,
        }


def read_request(body: dict[str, Any], accounts: Accounts | None = None) -> SlackRequest | None:
    """A slash command or a block_actions payload; None for anything else.

    With ``accounts``, the request's account is resolved here too, once, so the walls between
    accounts are decided on the same value as everything else.
    """
    request = _read(body)
    if request is None or accounts is None:
        return request
    wants, named = _wanted_account(request)
    if not wants:
        return request
    account: AccountConfig | AccountSearch | Refusal = accounts.resolve(request.channel_id, named)
    command = request.command
    if (
        isinstance(account, Refusal)
        and account.reason == "ambiguous"
        and isinstance(command, AgentCommand)
        and BackupService.is_id(command.ref)
    ):
        account = AccountSearch(accounts.usable_in(request.channel_id))
    return replace(request, account=account)


def _wanted_account(request: SlackRequest) -> tuple[bool, str | None]:
    """Whether the request is about an account, and the name it gives (None: none given)."""
    command, button = request.command, request.button
    if isinstance(command, AgentsCommand):
        return True, command.query.account
    if isinstance(
        command, AgentCommand | WakeupCommand | WatchCommand | UnwatchCommand | ReportCommand
    ):
        return True, command.account
    if isinstance(button, PageButton):
        return True, button.query.account
    if isinstance(button, AgentButton | IncidentButton):
        return True, button.account
    if isinstance(button, ReportButton):
        name, _ = split_key(button.account_key)
        return True, name
    return False, None


def _read(body: dict[str, Any]) -> SlackRequest | None:
    if "command" in body:
        text = _text(body.get("text"))
        return SlackRequest(
            kind="command",
            user_id=_text(body.get("user_id")),
            user_name=_text(body.get("user_name")),
            channel_id=_text(body.get("channel_id")),
            team_id=_text(body.get("team_id")),
            response_url=_text(body.get("response_url")),
            raw=text,
            command=parse_command(text),
        )
    if body.get("type") == "block_actions":
        actions = body.get("actions")
        action = actions[0] if isinstance(actions, list) and actions else {}
        action = action if isinstance(action, dict) else {}
        user = _mapping(body.get("user"))
        channel = _mapping(body.get("channel")) or _mapping(body.get("container"))
        action_id = _text(action.get("action_id"))
        value = _text(action.get("value"))
        known = ActionId(action_id) if action_id in ActionId._value2member_map_ else None
        container = body.get("container")
        return SlackRequest(
            kind="button",
            user_id=_text(user.get("id")),
            user_name=_text(user.get("username") or user.get("name")),
            channel_id=_text(channel.get("id") or channel.get("channel_id")),
            team_id=_text(_mapping(body.get("team")).get("id")),
            response_url=_text(body.get("response_url")),
            raw=value,
            action=known,
            action_id=action_id,
            button=read_button(known, value),
            on_shared_message=isinstance(container, dict)
            and container.get("is_ephemeral") is False,
        )
    return None


def read_button(action: ActionId | None, value: str) -> ButtonValue:
    """Decode a button's value by the kind of button; never raises."""
    if action in PAGE_ACTIONS:
        decoded = decode_page_value(value)
        if decoded is not None:
            parsed = parse_command("agents " + decoded[0])
            if isinstance(parsed, AgentsCommand):
                return PageButton(parsed.query, decoded[1])
    elif action in AGENT_ACTIONS:
        match = _AGENT_VALUE.match(value.strip())
        if match is not None:
            region = (match.group(2) or "").upper() or None
            return AgentButton(int(match.group(1)), region, match.group(3))
    elif action in SNOOZE_ACTIONS:
        snooze = decode_snooze(value)
        if snooze is not None:
            return IncidentButton(snooze.incident_id, snooze.seconds, snooze.account)
    elif action is ActionId.INCIDENT_ACKNOWLEDGE:
        incident = decode_incident(value)
        if incident is not None:
            return IncidentButton(incident.incident_id, account=incident.account)
    elif action is ActionId.REPORT_SHARE:
        account_key = decode_report(value)
        if account_key is not None:
            return ReportButton(account_key)
    return UnreadableButton()


def _text(value: object) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
