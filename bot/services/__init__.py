"""What the bot does with the backup API, with no Slack in it: accounts, fleets, lookups.

Listeners, the wake-up coordinator and the watch call this layer; it returns plain values
(agents, fleets, the account and region a result belongs to), so no message builder ever
triggers a network call to learn what to print.
"""

from bot.services.backup import (
    DEFAULT_REGION_KEY,
    AccountRef,
    BackupService,
    Choices,
    Found,
    Lookup,
    NotFound,
)

__all__ = [
    "DEFAULT_REGION_KEY",
    "AccountRef",
    "BackupService",
    "Choices",
    "Found",
    "Lookup",
    "NotFound",
]
