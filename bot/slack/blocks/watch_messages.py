"""The watcher's messages in Block Kit: ``WatchMessages`` over the pure builders."""

from __future__ import annotations

from collections.abc import Sequence

from bot.slack.blocks.common import Message
from bot.slack.blocks.incidents import (
    announcement_message,
    catchup_message,
    group_message,
    incident_message,
    reminder_message,
    resolution_reply,
    watching_message,
)
from bot.slack.blocks.report import report_message
from bot.watch.messages import WatchMessages
from bot.watch.model import AccountLabel, Announcement, Condition, Incident, View
from bot.watch.report import AccountReport


class BlockKitWatchMessages(WatchMessages):
    def watching(self, account: str, rules: Sequence[str]) -> Message:
        return watching_message(account, rules)

    def incident(self, incident: Incident, view: View) -> Message:
        return incident_message(incident, view)

    def group(
        self,
        condition: Condition,
        incidents: Sequence[Incident],
        view: View,
        *,
        page: int,
        pages: int,
    ) -> Message:
        return group_message(condition, incidents, view, page=page, pages=pages)

    def resolution(self, incidents: Sequence[Incident], view: View) -> Message:
        return resolution_reply(incidents, view)

    def reminder(self, incidents: Sequence[Incident], view: View) -> Message:
        return reminder_message(incidents, view)

    def announcement(self, announcement: Announcement, label: AccountLabel) -> Message:
        return announcement_message(announcement, label)

    def catchup(
        self,
        *,
        opened: Sequence[Incident],
        resolved: Sequence[Incident],
        still_open: Sequence[Incident],
        announcements: Sequence[Announcement],
        label: AccountLabel,
        now: float,
        since: float,
    ) -> Message:
        return catchup_message(
            opened=opened,
            resolved=resolved,
            still_open=still_open,
            announcements=announcements,
            label=label,
            now=now,
            since=since,
        )

    def report(self, report: AccountReport, *, account: str, private: bool) -> Message:
        return report_message(report, account=account, private=private)
