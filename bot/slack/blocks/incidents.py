"""Messages of a watched channel: an incident, a grouped flood, thread replies, reminders,
the catch-up after quiet hours, announcements of agents that came or went.

Pure builders: the watcher renders a message again from stored state whenever it might
have changed and compares the result, so a message is updated exactly when what a reader
sees would differ. Everything from the API (names, datacenters, error texts) is escaped;
times are Slack date tokens, so each reader sees their own time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.slack.action_ids import SNOOZES, ActionId
from bot.slack.blocks.agent import encode_agent_value
from bot.slack.blocks.common import (
    Block,
    Message,
    actions,
    button,
    context,
    field_sections,
    message,
    plural,
    section,
    value_text,
)
from bot.slack.blocks.limits import MAX_MESSAGE_TEXT, MAX_SECTION_TEXT, truncate
from bot.slack.incident_values import encode_incident, encode_snooze
from bot.slack.mrkdwn import code, date_token, escape, flatten, literal, mention
from bot.watch.model import GROUP_PAGE, AccountLabel, Announcement, Condition, Incident, View

"""Incidents listed in one grouped message: 20 lines of the longest escaped names fit."""
MAX_LIST_NAME = 40
MAX_DETAIL = 300
MAX_LIST_LINES = 30
_BUDGET = MAX_MESSAGE_TEXT - 1500  # room for the header, context and buttons


_EMOJI = {
    Condition.STALE: ":hourglass:",
    Condition.DISABLED: ":no_entry:",
    Condition.NO_WAKE: ":zzz:",
    Condition.API_DOWN: ":rotating_light:",
}
RESOLVED_EMOJI = ":white_check_mark:"


def how_long(seconds: float) -> str:
    """Coarse on purpose: a message is updated when this text changes, not every sweep."""
    seconds = max(0.0, seconds)
    if seconds < 120:
        return "1 minute" if seconds < 90 else "2 minutes"
    if seconds < 2 * 3600:
        return plural(int(seconds // 60), "minute")
    if seconds < 2 * 86400:
        return plural(int(seconds // 3600), "hour")
    return plural(int(seconds // 86400), "day")


def _when(epoch: float | None) -> str:
    return date_token(None if epoch is None else datetime.fromtimestamp(epoch, UTC))


def _name(incident: Incident, limit: int = 80) -> str:
    if incident.condition is Condition.API_DOWN:
        return "Cloud Backup API"
    return literal(truncate(incident.agent_name.strip() or "(no name)", limit))


def _plain_name(incident: Incident, limit: int = 60) -> str:
    """For the notification text: no formatting, yet Slack still reads ``<!channel>`` there."""
    if incident.condition is Condition.API_DOWN:
        return "Cloud Backup API"
    return escape(truncate(flatten(incident.agent_name).strip() or "(no name)", limit))


def problem_text(incident: Incident, view: View) -> str:
    """What is wrong, in words."""
    if incident.condition is Condition.STALE:
        if incident.since is None:
            return f"never had a successful backup (first checked {_when(incident.opened_at)})"
        return (
            f"no successful backup for {how_long(view.now - incident.since)}"
            f" (last one {_when(incident.since)})"
        )
    if incident.condition is Condition.DISABLED:
        return f"backups are disabled (seen {_when(incident.since or incident.opened_at)})"
    if incident.condition is Condition.NO_WAKE:
        return f"did not come online after the wake-up at {_when(incident.since)}"
    detail = literal(truncate(incident.detail, MAX_DETAIL)) or "no answer"
    return (
        f"the Cloud Backup API cannot be reached for {view.account}"
        f" since {_when(incident.since)} ({detail})"
    )


def _state_lines(incident: Incident, view: View) -> list[str]:
    lines = []
    if incident.acknowledged_by is not None:
        lines.append(
            f":eyes: Acknowledged by {mention(incident.acknowledged_by)}"
            f" {_when(incident.acknowledged_at)}"
        )
    if incident.snoozed(view.now) and incident.snoozed_by is not None:
        lines.append(
            f":mute: Snoozed until {_when(incident.snoozed_until)}"
            f" by {mention(incident.snoozed_by)}"
        )
    return lines


def _agent_fields(incident: Incident, view: View) -> list[str]:
    if incident.condition is Condition.API_DOWN:
        return [f"*Account*\n{view.account}", f"*Since*\n{_when(incident.since)}"]
    return [
        f"*Agent*\n{_name(incident)}",
        f"*ID*\n{code(str(incident.agent_id))}",
        f"*Datacenter*\n{value_text(incident.datacenter, limit=20)}",
        f"*Account*\n{view.account}",
    ]


def incident_buttons(incident: Incident, view: View) -> list[Block]:
    buttons: list[Block] = []
    if incident.is_open and incident.acknowledged_by is None:
        buttons.append(
            button(
                "Acknowledge",
                action_id=ActionId.INCIDENT_ACKNOWLEDGE,
                value=encode_incident(incident.incident_id, view.account_name),
                style="primary",
            )
        )
    if incident.is_open:
        for action_id, label, seconds in SNOOZES:
            buttons.append(
                button(
                    f"Snooze {label}",
                    action_id=action_id,
                    value=encode_snooze(incident.incident_id, seconds, view.account_name),
                )
            )
    if incident.condition is not Condition.API_DOWN:
        buttons.append(
            button(
                "Show agent",
                action_id=ActionId.AGENT_SHOW,
                value=encode_agent_value(incident.agent_id, view.region, view.account_name),
            )
        )
    return buttons


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def incident_message(incident: Incident, view: View) -> Message:
    """One incident; resolved, it says so and how long it lasted, without action buttons."""
    label = incident.condition.label
    if incident.is_open:
        headline = f"{_EMOJI[incident.condition]} *{label}:* {_name(incident)}"
        text = f"{label}: {_plain_name(incident)}"
        status = _sentence(problem_text(incident, view)) + "."
    else:
        headline = f"{RESOLVED_EMOJI} *Resolved — {label}:* {_name(incident)}"
        text = f"Resolved — {label}: {_plain_name(incident)}"
        lasted = how_long((incident.resolved_at or view.now) - incident.opened_at)
        status = f"Resolved {_when(incident.resolved_at)}, after {lasted}. Was: " + (
            problem_text(incident, View(incident.resolved_at or view.now, view.account))
        )
    blocks: list[Block] = [
        section(headline),
        section(status),
        *field_sections(_agent_fields(incident, view)),
    ]
    states = _state_lines(incident, view) if incident.is_open else []
    if states:
        blocks.append(context(*states))
    blocks.append(context(f"Opened {_when(incident.opened_at)} · incident {incident.incident_id}"))
    buttons = incident_buttons(incident, view) if incident.is_open else []
    if buttons:
        blocks.append(actions(*buttons))
    return message(text, blocks)


def incident_line(incident: Incident, view: View, *, with_state: bool = True) -> str:
    where = f", {literal(truncate(incident.datacenter, 20))}" if incident.datacenter else ""
    ident = (
        ""
        if incident.condition is Condition.API_DOWN
        else f" ({code(str(incident.agent_id))}{where})"
    )
    if incident.is_open:
        head = f"• {_name(incident, MAX_LIST_NAME)}{ident}: {problem_text(incident, view)}"
        if with_state and incident.acknowledged_by is not None:
            head += f" · acknowledged by {mention(incident.acknowledged_by)}"
        if with_state and incident.snoozed(view.now):
            head += f" · snoozed until {_when(incident.snoozed_until)}"
        return head
    return (
        f"• {RESOLVED_EMOJI} ~{_name(incident, MAX_LIST_NAME)}~{ident}: resolved"
        f" {_when(incident.resolved_at)}"
    )


def packed_lines(
    lines: Sequence[str], *, budget: int = _BUDGET, max_lines: int = 1000
) -> list[Block]:
    """Lines in as few sections as fit, cut with "and N more" when the budget runs out."""
    blocks: list[Block] = []
    chunk: list[str] = []
    used = 0
    shown = 0
    for line in lines:
        if shown >= max_lines or used + len(line) + 1 > budget:
            break
        if sum(len(x) + 1 for x in chunk) + len(line) > MAX_SECTION_TEXT - 100:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
        used += len(line) + 1
        shown += 1
    if chunk:
        blocks.append(section("\n".join(chunk)))
    if shown < len(lines):
        blocks.append(context(f"…and {len(lines) - shown:,} more."))
    return blocks


def group_message(
    condition: Condition,
    incidents: Sequence[Incident],
    view: View,
    *,
    page: int = 1,
    pages: int = 1,
) -> Message:
    """Many new incidents of one condition at once: one message, updated as each resolves."""
    still_open = sum(1 for i in incidents if i.is_open)
    part = f" (part {page} of {pages})" if pages > 1 else ""
    if still_open:
        headline = (
            f"{_EMOJI[condition]} *{condition.label}:* {plural(len(incidents), 'agent')}"
            f" in {view.account}{part}, {still_open:,} still open"
        )
    else:
        headline = (
            f"{RESOLVED_EMOJI} *Resolved — {condition.label}:* all"
            f" {plural(len(incidents), 'agent')} in {view.account}{part}"
        )
    text = f"{condition.label}: {plural(len(incidents), 'agent')}, {still_open:,} still open"
    lines = [incident_line(i, view) for i in incidents[:GROUP_PAGE]]
    blocks = [section(headline), *packed_lines(lines)]
    blocks.append(
        context("This list updates itself as each one resolves; reminders come in its thread.")
    )
    return message(text, blocks)


def resolution_reply(incidents: Sequence[Incident], view: View) -> Message:
    """The one thread reply saying what resolved each incident (the bot's own words)."""
    lines = []
    for incident in incidents:
        lasted = how_long((incident.resolved_at or view.now) - incident.opened_at)
        # The engine's own words, read back from the store: escaped all the same.
        reason = escape(incident.resolution or "The condition cleared.")
        lines.append(
            f"{RESOLVED_EMOJI} {_name(incident, MAX_LIST_NAME)}: {reason}"
            f" Resolved {_when(incident.resolved_at)} after {lasted}."
        )
    if len(incidents) == 1:
        text = f"Resolved: {_plain_name(incidents[0])}"
    else:
        text = f"Resolved: {plural(len(incidents), 'incident')}"
    return message(text, packed_lines(lines))


def reminder_message(incidents: Sequence[Incident], view: View) -> Message:
    """A nudge in the thread while nobody acknowledged or snoozed."""
    lines = [incident_line(i, view, with_state=False) for i in incidents]
    if len(incidents) == 1:
        text = f"Still open: {_plain_name(incidents[0])}"
        head = f":bell: Still open, nobody acknowledged it yet: {_name(incidents[0])}."
        blocks = [section(head), section(_sentence(problem_text(incidents[0], view)) + ".")]
    else:
        text = f"Still open: {plural(len(incidents), 'incident')}"
        head = f":bell: Still open, nobody acknowledged them yet ({len(incidents):,}):"
        blocks = [section(head), *packed_lines(lines, max_lines=MAX_LIST_LINES)]
    return message(text, blocks)


def catchup_message(
    *,
    opened: Sequence[Incident],
    resolved: Sequence[Incident],
    still_open: Sequence[Incident],
    announcements: Sequence[Announcement],
    label: AccountLabel,
    now: float,
    since: float,
) -> Message:
    """The one message after quiet hours: what opened, what resolved, what is still open."""

    def lines(items: Sequence[Incident]) -> list[str]:
        return [
            f"{incident_line(i, View(now, label(i.account_key)))} · {i.condition.label.lower()}"
            for i in items
        ]

    blocks: list[Block] = [
        section(f":sunrise: *While quiet hours were on* (since {_when(since)}):"),
    ]
    parts = (
        ("Opened", opened),
        ("Resolved", resolved),
        ("Still open from before", still_open),
    )
    budget = _BUDGET // 4
    for title, items in parts:
        if items:
            blocks.append(section(f"*{title}* ({len(items):,})"))
            blocks.extend(packed_lines(lines(items), budget=budget, max_lines=10))
    changes = [announcement_line(a, label) for a in announcements]
    if changes:
        blocks.append(section("*Agents that came or went*"))
        blocks.extend(packed_lines(changes, budget=budget, max_lines=5))
    if len(blocks) == 1:
        blocks.append(section("Nothing happened."))
    text = (
        f"While quiet hours were on: {len(opened):,} opened, {len(resolved):,} resolved,"
        f" {len(still_open):,} still open from before"
    )
    return message(text, blocks)


def _names(agents: Sequence[tuple[int, str]], limit: int = 10) -> str:
    shown = [
        f"{literal(truncate(name.strip() or '(no name)', MAX_LIST_NAME))} ({code(str(agent_id))})"
        for agent_id, name in agents[:limit]
    ]
    more = f" and {len(agents) - limit:,} more" if len(agents) > limit else ""
    return ", ".join(shown) + more


def announcement_line(announcement: Announcement, label: AccountLabel) -> str:
    parts = []
    if announcement.appeared:
        parts.append(f"new: {_names(announcement.appeared)}")
    if announcement.disappeared:
        parts.append(f"gone: {_names(announcement.disappeared)}")
    return f"• {label(announcement.account_key)}: " + "; ".join(parts)


def announcement_message(announcement: Announcement, label: AccountLabel) -> Message:
    """Agents that appeared in or disappeared from the account, once, grouped."""
    blocks: list[Block] = []
    account = label(announcement.account_key)
    if announcement.appeared:
        blocks.append(
            section(
                f":new: *{plural(len(announcement.appeared), 'new agent')}* in {account}:"
                f" {_names(announcement.appeared, 30)}"
            )
        )
    if announcement.disappeared:
        blocks.append(
            section(
                f":wave: *{plural(len(announcement.disappeared), 'agent')} no longer in*"
                f" {account}: {_names(announcement.disappeared, 30)}"
            )
        )
    text = (
        f"Agents changed: {len(announcement.appeared):,} new,"
        f" {len(announcement.disappeared):,} gone"
    )
    return message(text, blocks or [section("No change.")])


def watching_message(account: str, rules: Sequence[str]) -> Message:
    """Posted once when a channel starts watching: what it will hear about."""
    blocks = [
        section(f":eyes: This channel now watches {account}."),
        section("\n".join(f"• {rule}" for rule in rules) or "Nothing to alert about."),
    ]
    return message("This channel now watches the account's backups", blocks)


def incident_action_answer(
    incident: Incident | None, *, user_id: str, snoozed_for: int | None
) -> Message:
    """The private answer to Acknowledge or Snooze; the incident's message changes for all."""
    if incident is None:
        text = "I no longer know that incident: it may have been resolved and pruned."
        return message(text, [section(text)], response_type="ephemeral")
    if snoozed_for is None:
        done, after = f"{mention(user_id)} acknowledged", "No more reminders."
    else:
        done, after = f"Snoozed for {how_long(snoozed_for)}", "No reminders until then."
    return message(
        f"{done}: {_plain_name(incident)}. {after}",
        [section(f"{done}: {_name(incident)}. {after}")],
        response_type="ephemeral",
    )
