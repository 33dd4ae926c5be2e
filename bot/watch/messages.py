"""What the watcher says, as a protocol: the watcher decides when, the Slack side decides how.

``bot.slack.blocks.watch_messages`` implements it with the Block Kit builders, so nothing
under ``bot/watch`` imports Slack.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from bot.watch.model import AccountLabel, Announcement, Condition, Incident, View
from bot.watch.report import AccountReport

Message = dict[str, Any]


class WatchMessages(Protocol):
    def watching(self, account: str, rules: Sequence[str]) -> Message:
        """The answer to ``watch``: what will be alerted."""
        ...

    def incident(self, incident: Incident, view: View) -> Message: ...

    def group(
        self,
        condition: Condition,
        incidents: Sequence[Incident],
        view: View,
        *,
        page: int,
        pages: int,
    ) -> Message: ...

    def resolution(self, incidents: Sequence[Incident], view: View) -> Message:
        """The thread reply saying what resolved."""
        ...

    def reminder(self, incidents: Sequence[Incident], view: View) -> Message: ...

    def announcement(self, announcement: Announcement, label: AccountLabel) -> Message: ...

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
    ) -> Message: ...

    def report(self, report: AccountReport, *, account: str, private: bool) -> Message: ...
