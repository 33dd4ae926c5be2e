"""Watching channels: incidents posted once, kept current, resolved in their thread; reports.

How to wire it (in bot/wiring.py's ``build_bot``, one ``Watcher``)::

    watcher = Watcher(
        store=SqliteWatchStore(settings.state_path),       # same file as the wake-up store
        fleet=lambda key, fresh: service.fleet_future(key, fresh=fresh),  # shared fetch
        poster=WebClientPoster(web_client),                # chat.postMessage / chat.update
        settings=WatchSettings.from_settings(settings, account_key=service.account_key),
        account_label=lambda key: account_phrase(service.known(key).account_id,
                                                 service.known(key).region),
        scheduler=scheduler,                               # optional: else its own thread
    )
    watcher.start()   # after the scheduler started; watcher.stop() before it stops

Commands call ``subscribe(channel, key)`` (returns ``WatchStatus`` for the answer text,
raises ``ChannelUnreachable``: tell the user to invite the bot; nothing is subscribed),
``unsubscribe(channel, key)`` (``removed`` / ``configured`` (refuse: WATCH_CHANNEL_IDS) /
``absent``) and ``report(key)`` (a private message with a Share button).

Buttons (ids in ``bot.watch.actions``): ``watch_acknowledge`` (value: ``decode_incident``)
-> ``acknowledge(id, user)``; ``watch_snooze_1h|4h|1d|1w`` (``decode_snooze``) ->
``snooze(id, user, seconds)``; ``watch_report_share`` (``decode_report``) -> post
``report(key, private=False)`` in the channel; Show agent reuses ``agent_show``. All
return None for an unknown incident; decoders return None for edited values.

The wake-up coordinator calls ``wake_gave_up(key, outcome.still_offline)`` when a
wake-up gives up. WATCH_ALLOWED_USER_IDS is for the ACL middleware (not checked here).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from bot.watch.actions import WatchActionId
from bot.watch.model import Condition, Incident

if TYPE_CHECKING:
    from bot.watch.poster import ChannelUnreachable, PostError, SlackPoster, WebClientPoster
    from bot.watch.store import SqliteWatchStore, WatchStore
    from bot.watch.watcher import Watcher, WatchSettings, WatchStatus

# The block builders import bot.watch.actions and bot.watch.model; the watcher imports the
# block builders. Loading the rest on first use keeps either import order working.
_LAZY = {
    "ChannelUnreachable": "bot.watch.poster",
    "PostError": "bot.watch.poster",
    "SlackPoster": "bot.watch.poster",
    "WebClientPoster": "bot.watch.poster",
    "SqliteWatchStore": "bot.watch.store",
    "WatchStore": "bot.watch.store",
    "Watcher": "bot.watch.watcher",
    "WatchSettings": "bot.watch.watcher",
    "WatchStatus": "bot.watch.watcher",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bot.watch' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "ChannelUnreachable",
    "Condition",
    "Incident",
    "PostError",
    "SlackPoster",
    "SqliteWatchStore",
    "WatchActionId",
    "WatchSettings",
    "WatchStatus",
    "WatchStore",
    "Watcher",
    "WebClientPoster",
]
