"""Where a running simulator listens: the Identity port, then one port per region.

The real service has a host per region (``https://dfw.backup.api.rackspacecloud.com``) and
``/v1.0/{tenant}`` as the path; a port per region gives loopback the same shape, and since
every port is chosen by the OS, any number of simulators run side by side.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SiteUrls:
    identity: str  # scheme, host and port, no path
    regions: Mapping[str, str] = field(default_factory=dict)  # upper-case region -> base

    def backup_url(self, region: str, tenant_id: str) -> str:
        """A region's ``publicURL``: its own host, then ``/v1.0/{tenant}``."""
        return f"{self.regions[region.upper()]}/v1.0/{tenant_id}"
