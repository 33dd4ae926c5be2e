"""Watching channels: incidents posted once, kept current, resolved in their thread; reports.

Nothing here imports Slack: the watcher is given a ``SlackPoster`` (``bot.slack.poster``)
and a ``WatchMessages`` (``bot.slack.blocks.watch_messages``), and the composition root
(``bot.wiring``) builds one ``Watcher`` on the bot's shared fleet fetch and scheduler.

Commands call ``subscribe(channel, key)`` (returns ``WatchStatus`` for the answer text,
raises ``ChannelUnreachable``: tell the user to invite the bot; nothing is subscribed),
``unsubscribe(channel, key)`` (``removed`` / ``configured`` (refuse: WATCH_CHANNEL_IDS) /
``absent``) and ``report(key)``. Buttons change incidents through ``acknowledge`` and
``snooze``; the wake-up coordinator reports a wake-up that gave up through
``wake_gave_up``. WATCH_ALLOWED_USER_IDS is checked by the Slack side's access policy.
"""

from bot.watch.model import Condition, Incident
from bot.watch.poster import ChannelUnreachable, PostError, SlackPoster
from bot.watch.store import SqliteWatchStore, WatchStore
from bot.watch.watcher import Watcher, WatchSettings, WatchStatus

__all__ = [
    "ChannelUnreachable",
    "Condition",
    "Incident",
    "PostError",
    "SlackPoster",
    "SqliteWatchStore",
    "WatchSettings",
    "WatchStatus",
    "WatchStore",
    "Watcher",
]
