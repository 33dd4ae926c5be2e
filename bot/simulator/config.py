"""Settings of one simulator instance: the fake account, its data set and its timings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SimulatorConfig:
    """Everything a simulator needs to start; every field has a demo-ready default.

    ``api_key`` and ``password`` are fake demo credentials, yet they stay out of ``repr``
    so that the same discipline applies everywhere a credential-shaped value lives.
    """

    host: str = "127.0.0.1"
    port: int = 0
    tenant_id: str = "123456"
    username: str = "demo"
    api_key: str = field(default="demo-api-key", repr=False)
    password: str = field(default="demo-password", repr=False)
    default_region: str = "DFW"
    agents_file: Path | None = None
    agents_count: int | None = None
    seed: int = 7
    # Per-agent random delay, drawn per wake-up, until an agent reports Online.
    wake_delay: tuple[float, float] = (10.0, 20.0)
    # An Online agent falls back to Offline after this long without a wake-up.
    idle_timeout: float = 300.0
    token_ttl: float = 86400.0
    # Seconds added to every backup API request (not to identity).
    latency: float = 0.0

    def __post_init__(self) -> None:
        low, high = self.wake_delay
        if not 0 <= low <= high:
            raise ValueError(f"wake_delay must be 0 <= MIN <= MAX, got {self.wake_delay}")
        if self.idle_timeout <= 0 or self.token_ttl <= 0 or self.latency < 0:
            raise ValueError("idle_timeout and token_ttl must be > 0, latency >= 0")
        if self.agents_file is not None and self.agents_count is not None:
            raise ValueError("give agents_file or agents_count, not both")
