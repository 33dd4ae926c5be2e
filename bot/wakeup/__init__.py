"""Wake-up jobs: a scheduler thread, a durable store and the coordinator that joins them."""

from bot.storage import StateStoreError
from bot.wakeup.coordinator import DeliveryFailed, WakeupCoordinator
from bot.wakeup.outcome import WakeupOutcome, all_enabled_online, still_offline
from bot.wakeup.scheduler import Handle, Scheduler
from bot.wakeup.store import Requester, SqliteWakeupStore, WakeupStore

__all__ = [
    "DeliveryFailed",
    "Handle",
    "Requester",
    "Scheduler",
    "SqliteWakeupStore",
    "StateStoreError",
    "WakeupCoordinator",
    "WakeupOutcome",
    "WakeupStore",
    "all_enabled_online",
    "still_offline",
]
