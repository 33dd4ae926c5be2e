"""The soak's settings: how long, how busy, how often things break, and the bot's timings."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

WATCH_CHANNEL = "C0WATCH"
"""Watched by configuration for the whole run: the channel whose incidents are counted."""
CRASH_EDGE = 2.0
"""Seconds after Slack accepted a post within which a SIGKILL may make it post again."""
ACK_DEADLINE = 3.0
SHORT_RUN = 300.0
"""Runs shorter than this (seconds) stop the bot more often."""


@dataclass(frozen=True)
class Plan:
    seed: int
    seconds: float
    client_threads: int = 3
    pause: tuple[float, float] = (0.15, 1.0)
    """Seconds each client waits between two actions."""
    chaos_every: tuple[float, float] = (6.0, 16.0)
    restart_every: tuple[float, float] = (30.0, 80.0)
    """Seconds between two stops of the bot (SIGTERM or SIGKILL, drawn)."""
    agents_every: tuple[float, float] = (4.0, 12.0)
    users: int = 40
    channels: int = 12
    agents: int = 30
    drain_timeout: float = 150.0
    settle: float = 12.0
    """Seconds of quiet after the drain, for any late duplicate to show."""

    @property
    def bot_env(self) -> dict[str, str]:
        return {
            "LOG_FORMAT": "json",
            "WAKEUP_CHECK_AFTER": "1",
            "WAKEUP_CHECK_EVERY": "0.5",
            "WAKEUP_GIVE_UP_AFTER": "6",
            "BACKUP_API_READ_TIMEOUT": "3",
            "BACKUP_API_CONNECT_TIMEOUT": "2",
            "AGENTS_CACHE_TTL": "3",
            "WATCH_INTERVAL": "5",
            "WATCH_STALE_AFTER": "1h",
            "WATCH_API_DOWN_AFTER": "3",
            "WATCH_REMIND_EVERY": "0",
            "WATCH_DIGEST_AT": "off",
            "WATCH_CHANNEL_IDS": WATCH_CHANNEL,
        }


def plan_from_environment(default_minutes: float = 10.0) -> Plan:
    """SOAK_MINUTES (default 10) and SOAK_SEED (default: a new random one)."""
    minutes = float(os.environ.get("SOAK_MINUTES", "").strip() or default_minutes)
    if not 0 < minutes <= 24 * 60:
        raise ValueError(f"SOAK_MINUTES must be between 0 and 1440, got {minutes:g}")
    raw_seed = os.environ.get("SOAK_SEED", "").strip()
    seed = int(raw_seed) if raw_seed else secrets.randbelow(2**31)
    seconds = minutes * 60.0
    if seconds < SHORT_RUN:
        # A short run still restarts the bot a few times, and so drains sooner.
        return Plan(seed=seed, seconds=seconds, restart_every=(12.0, 25.0), drain_timeout=90.0)
    return Plan(seed=seed, seconds=seconds)
