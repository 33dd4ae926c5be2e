"""The typed, immutable view of a Cloud Backup agent that the rest of the bot reads.

The wire format is loose (see ``parsing``); everything past the adapter sees only these
normalised types, so a renderer never has to guess whether ``"false"`` is true.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class AgentStatus(enum.Enum):
    """Status of an agent. Only agent details tell the truth; the list call says Unknown."""

    ONLINE = "Online"
    OFFLINE = "Offline"
    UNKNOWN = "Unknown"

    @property
    def label(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class PublicKey:
    modulus_hex: str | None = None
    exponent_hex: str | None = None


@dataclass(frozen=True, slots=True)
class Agent:
    """One backup agent. ``None`` means the service did not say (or said it unreadably)."""

    id: int
    name: str = ""
    status: AgentStatus = AgentStatus.UNKNOWN
    datacenter: str | None = None
    ip_address: str | None = None
    os_name: str | None = None
    os_version: str | None = None
    agent_version: str | None = None
    architecture: str | None = None
    flavor: str | None = None
    is_disabled: bool | None = None
    is_encrypted: bool | None = None
    cleanup_allowed: bool | None = None
    use_service_net: bool | None = None
    vault_size_bytes: int | None = None
    vault_size_text: str | None = None
    last_successful_backup: datetime | None = None
    backup_container: str | None = None
    backup_datacenter: str | None = None
    host_server_id: str | None = None
    public_key: PublicKey | None = None

    @property
    def never_backed_up(self) -> bool:
        return self.last_successful_backup is None

    @property
    def os_display(self) -> str:
        """OS name and version as one phrase, for people."""
        return " ".join(part for part in (self.os_name, self.os_version) if part)
