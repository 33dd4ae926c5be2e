"""Rackspace Identity v2.0 ``POST /tokens``: credentials in, token and service catalog out.

The catalog holds ``cloudBackup`` (type ``rax:backup``) for every simulated region next to
unrelated services, so a client has to pick the right entry, as with the real service. The
unrelated services point back at the simulator (which answers 404) so a client that picks
the wrong one never leaves the loopback interface.
"""

from __future__ import annotations

import hmac
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.simulator.config import SimulatorConfig
from bot.simulator.data import REGIONS, files_account
from bot.simulator.wire import iso_millis

_CREDENTIAL_KINDS = {
    "RAX-KSKEY:apiKeyCredentials": ("apiKey", "APIKEY"),
    "passwordCredentials": ("password", "PASSWORD"),
}


class InvalidRequestBody(ValueError):
    """The token request is not one Identity understands (answered 400)."""


@dataclass(frozen=True)
class Credentials:
    kind: str  # a key of _CREDENTIAL_KINDS
    username: str
    secret: str = field(repr=False)

    def match(self, config: SimulatorConfig) -> bool:
        expected = config.api_key if self.kind == "RAX-KSKEY:apiKeyCredentials" else config.password
        same_user = hmac.compare_digest(self.username.encode(), config.username.encode())
        return hmac.compare_digest(self.secret.encode(), expected.encode()) and same_user


def parse_credentials(body: bytes) -> Credentials:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidRequestBody("Invalid request body: malformed JSON") from None
    auth = payload.get("auth") if isinstance(payload, dict) else None
    if not isinstance(auth, dict):
        raise InvalidRequestBody("Invalid request body: 'auth' object is required")
    for kind, (secret_key, _) in _CREDENTIAL_KINDS.items():
        given = auth.get(kind)
        if given is None:
            continue
        if not isinstance(given, dict):
            raise InvalidRequestBody(f"Invalid request body: '{kind}' must be an object")
        username, secret = given.get("username"), given.get(secret_key)
        if not isinstance(username, str) or not isinstance(secret, str):
            raise InvalidRequestBody(
                f"Invalid request body: '{kind}' needs string 'username' and '{secret_key}'"
            )
        return Credentials(kind, username, secret)
    raise InvalidRequestBody("Invalid request body: no supported credentials in 'auth'")


def token_response(
    config: SimulatorConfig,
    credentials: Credentials,
    *,
    token: str,
    expires: datetime,
    base_url: str,
    backup_url: Callable[[str], str],
) -> dict[str, object]:
    tenant = config.tenant_id
    files = files_account(tenant)

    def endpoints(url: Callable[[str], str], tenant_id: str) -> list[dict[str, str]]:
        return [{"region": r, "tenantId": tenant_id, "publicURL": url(r)} for r in REGIONS]

    catalog = [
        {
            "name": "cloudServersOpenStack",
            "type": "compute",
            "endpoints": endpoints(lambda r: f"{base_url}/{r.lower()}/servers/v2/{tenant}", tenant),
        },
        {
            "name": "cloudFiles",
            "type": "object-store",
            "endpoints": endpoints(lambda r: f"{base_url}/{r.lower()}/files/v1/{files}", files),
        },
        {"name": "cloudBackup", "type": "rax:backup", "endpoints": endpoints(backup_url, tenant)},
    ]
    return {
        "access": {
            "token": {
                "id": token,
                "expires": iso_millis(expires),
                "tenant": {"id": tenant, "name": tenant},
                "RAX-AUTH:authenticatedBy": [_CREDENTIAL_KINDS[credentials.kind][1]],
            },
            "serviceCatalog": catalog,
            "user": {
                "id": uuid.uuid5(uuid.NAMESPACE_URL, f"user:{config.username}").hex,
                "name": config.username,
                "roles": [{"id": "3", "name": "identity:user-admin"}],
                "RAX-AUTH:defaultRegion": config.default_region,
            },
        }
    }
