"""Identity's answer (token, expiry, service catalog) and the choice of a backup endpoint.

Pure functions, kept apart from the HTTP and locking in ``auth`` so region choice can be
checked against any catalog shape without a server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.backup_api.errors import RegionNotFoundError
from bot.backup_api.parsing import json_type, parse_iso8601

BACKUP_SERVICE_TYPE = "rax:backup"
BACKUP_SERVICE_NAME = "cloudBackup"
FALLBACK_REGION = "DFW"


def normalize_region(region: str | None) -> str | None:
    """Regions compare case-insensitively (users type ``region:ord``); blank means none."""
    cleaned = (region or "").strip().upper()
    return cleaned or None


@dataclass(frozen=True)
class Endpoint:
    """A Cloud Backup base URL, which already ends in the tenant id."""

    url: str
    region: str | None

    @property
    def account_id(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Access:
    token: str = field(repr=False)
    expires: datetime
    default_region: str | None
    endpoints: tuple[Endpoint, ...]


def parse_access(body: object) -> Access:
    """Identity's ``POST /tokens`` answer. Raises ``ValueError`` naming what is missing."""
    access = _object(_object(body, "the answer").get("access"), "access")
    token = _object(access.get("token"), "access.token")
    token_id = token.get("id")
    expires = token.get("expires")
    if not isinstance(token_id, str) or not token_id:
        raise ValueError("access.token.id is missing")
    if not isinstance(expires, str):
        raise ValueError("access.token.expires is missing")
    user = access.get("user")
    default_region = user.get("RAX-AUTH:defaultRegion") if isinstance(user, dict) else None
    catalog = access.get("serviceCatalog")
    return Access(
        token=token_id,
        expires=parse_iso8601(expires),
        default_region=normalize_region(
            default_region if isinstance(default_region, str) else None
        ),
        endpoints=_backup_endpoints(catalog if isinstance(catalog, list) else []),
    )


def _object(value: object, name: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise ValueError(f"{name} is {json_type(value)}, not an object")
    return value


def _backup_endpoints(catalog: list[object]) -> tuple[Endpoint, ...]:
    found: list[Endpoint] = []
    for service in catalog:
        if not isinstance(service, dict):
            continue
        if (
            service.get("type") != BACKUP_SERVICE_TYPE
            and service.get("name") != BACKUP_SERVICE_NAME
        ):
            continue
        endpoints = service.get("endpoints")
        for entry in endpoints if isinstance(endpoints, list) else []:
            url = entry.get("publicURL") if isinstance(entry, dict) else None
            if isinstance(url, str) and url.strip():
                region = entry.get("region")
                found.append(
                    Endpoint(
                        url=url.strip().rstrip("/"),
                        region=normalize_region(region if isinstance(region, str) else None),
                    )
                )
    return tuple(found)


def choose_endpoint(access: Access, wanted: str | None) -> Endpoint:
    """The endpoint for ``wanted``; without one: the user's default region, else DFW,
    else the region-less endpoint, else the only region there is.

    Raises ``RegionNotFoundError`` listing the regions that do exist.
    """
    by_region = {e.region: e for e in access.endpoints if e.region}
    available = tuple(sorted(by_region))
    if wanted:
        if wanted in by_region:
            return by_region[wanted]
        elsewhere = f"; it has {', '.join(available)}" if available else ""
        raise RegionNotFoundError(
            f"use region {wanted}",
            f"the account has no Cloud Backup endpoint in {wanted}{elsewhere}",
            available=available,
        )
    for region in (access.default_region, FALLBACK_REGION):
        if region in by_region:
            return by_region[region]
    regionless = [e for e in access.endpoints if e.region is None]
    if regionless:
        return regionless[0]
    if len(available) == 1:
        return by_region[available[0]]
    if not available:
        raise RegionNotFoundError(
            "find Cloud Backup",
            "the account's service catalog has no Cloud Backup endpoint",
            available=(),
            hint="Check that Cloud Backup is enabled for this Rackspace account.",
        )
    raise RegionNotFoundError(
        "choose a Cloud Backup region",
        "neither the account's default region nor DFW has Cloud Backup, which the account "
        f"has in {', '.join(available)}",
        available=available,
        hint=f"Set RACKSPACE_REGION to one of: {', '.join(available)}.",
    )
