"""The daily report of a watched account, and the same report on demand with a Share button.

Built from stored state only, so it costs no API call; counts come first, then each kind of
trouble with ages, then what resolved since the last report, or one "all clear" line.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.slack.action_ids import ActionId
from bot.slack.blocks.common import (
    Block,
    Message,
    actions,
    button,
    context,
    header,
    message,
    plural,
    section,
)
from bot.slack.blocks.incidents import incident_line, packed_lines
from bot.slack.blocks.limits import MAX_MESSAGE_TEXT
from bot.slack.incident_values import encode_report
from bot.slack.mrkdwn import date_token, mention
from bot.watch.model import Condition, View
from bot.watch.report import AccountReport

MAX_LINES_PER_PART = 10
_PART_BUDGET = (MAX_MESSAGE_TEXT - 2000) // 5


def _when(epoch: float | None) -> str:
    return date_token(None if epoch is None else datetime.fromtimestamp(epoch, UTC))


def report_message(report: AccountReport, *, account: str, private: bool = False) -> Message:
    """``account``: bot-written mrkdwn naming it. ``private`` adds a Share button."""
    view = View(report.generated_at, account)
    stale = report.of(Condition.STALE)
    no_wake = report.of(Condition.NO_WAKE)
    blocks: list[Block] = [
        header("Daily backup report"),
        section(f"*{account}* · {_when(report.generated_at)}"),
    ]
    if not report.swept:
        blocks.append(section(":hourglass_flowing_sand: No sweep has finished yet."))
    else:
        blocks.append(
            section(
                f"{plural(report.total, 'agent')} · {report.online:,} online ·"
                f" {report.disabled:,} disabled · {len(stale):,} stale ·"
                f" {len(no_wake):,} did not wake"
            )
        )
    if report.open:
        blocks.append(section(f"*Open incidents* ({len(report.open):,})"))
        lines = []
        for incident in report.open:
            kind = incident.condition.label.lower()
            line = f"{incident_line(incident, view, with_state=False)} · {kind}"
            if incident.acknowledged_by is not None:
                line += f" · acknowledged by {mention(incident.acknowledged_by)}"
            lines.append(line)
        blocks.extend(
            packed_lines(lines, budget=_PART_BUDGET * 3, max_lines=MAX_LINES_PER_PART * 2)
        )
    if report.resolved:
        since = f" since {_when(report.since)}" if report.since is not None else ""
        blocks.append(section(f"*Resolved{since}* ({len(report.resolved):,})"))
        lines = [f"{incident_line(i, view)} · {i.condition.label.lower()}" for i in report.resolved]
        blocks.extend(packed_lines(lines, budget=_PART_BUDGET, max_lines=MAX_LINES_PER_PART))
    if report.all_clear:
        blocks.append(section(":white_check_mark: All clear: no open incidents."))
    if private:
        blocks.append(
            actions(
                button(
                    "Share in channel",
                    action_id=ActionId.REPORT_SHARE,
                    value=encode_report(report.account_key),
                )
            )
        )
    else:
        blocks.append(context("Sent every day by the channel's watch."))
    if report.all_clear:
        text = "Backup report: all clear"
    else:
        text = f"Backup report: {plural(len(report.open), 'open incident')}"
    return message(text, blocks, response_type="ephemeral" if private else None)
