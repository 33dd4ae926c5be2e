"""Rackspace Identity v2.0 ``POST /tokens``: credentials in, token and service catalog out.

Three kinds of credentials are accepted, as real Identity does: API key, password, and an
existing token (``{"auth": {"token": {"id": ...}, "tenantId": ...}}``), with which
Rackspace's SDK re-scopes a token; that answers the same token with its own expiry.

The catalog holds ``cloudBackup`` (type ``rax:backup``) for every simulated region next to
unrelated services, so a client has to pick the right entry, as with the real service. Cloud
Files endpoints carry an ``internalURL`` (ServiceNet) beside the ``publicURL``, as real ones
do. The unrelated services point back at the Identity port (which answers 404), so a client
that picks the wrong one never leaves the loopback interface.
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
from bot.simulator.urls import SiteUrls
from bot.simulator.wire import iso_millis

# Credential object key -> (secret field, RAX-AUTH:authenticatedBy value)
_CREDENTIAL_KINDS = {
    "RAX-KSKEY:apiKeyCredentials": ("apiKey", "APIKEY"),
    "passwordCredentials": ("password", "PASSWORD"),
}


class InvalidRequestBody(ValueError):
    """The token request is not one Identity understands (answered 400)."""


@dataclass(frozen=True)
class Credentials:
    """API key or password credentials."""

    kind: str  # a key of _CREDENTIAL_KINDS
    username: str
    secret: str = field(repr=False)

    @property
    def method(self) -> str:
        return _CREDENTIAL_KINDS[self.kind][1]

    def match(self, config: SimulatorConfig) -> bool:
        expected = config.api_key if self.kind == "RAX-KSKEY:apiKeyCredentials" else config.password
        same_user = hmac.compare_digest(self.username.encode(), config.username.encode())
        return hmac.compare_digest(self.secret.encode(), expected.encode()) and same_user


@dataclass(frozen=True)
class TokenCredentials:
    """An existing token, optionally scoped to a tenant by id or by name."""

    token: str = field(repr=False)
    tenant_id: str | None = None
    tenant_name: str | None = None

    def scoped_to(self, tenant: str) -> bool:
        """True unless the request names a tenant the token does not belong to."""
        return all(given in (None, tenant) for given in (self.tenant_id, self.tenant_name))


def parse_credentials(body: bytes) -> Credentials | TokenCredentials:
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
    if "token" in auth:
        return _token_credentials(auth)
    raise InvalidRequestBody("Invalid request body: no supported credentials in 'auth'")


def _token_credentials(auth: dict[str, object]) -> TokenCredentials:
    token = auth["token"]
    token_id = token.get("id") if isinstance(token, dict) else None
    if not isinstance(token_id, str):
        raise InvalidRequestBody("Invalid request body: 'token' needs a string 'id'")
    scope = {key: auth.get(key) for key in ("tenantId", "tenantName")}
    for key, value in scope.items():
        if value is not None and not isinstance(value, str):
            raise InvalidRequestBody(f"Invalid request body: '{key}' must be a string")
    tenant_id, tenant_name = scope["tenantId"], scope["tenantName"]
    assert tenant_id is None or isinstance(tenant_id, str)
    assert tenant_name is None or isinstance(tenant_name, str)
    return TokenCredentials(token_id, tenant_id, tenant_name)


def token_response(
    config: SimulatorConfig,
    *,
    authenticated_by: str,
    token: str,
    expires: datetime,
    urls: SiteUrls,
) -> dict[str, object]:
    tenant = config.tenant_id
    files = files_account(tenant)
    base = urls.identity

    def endpoints(url: Callable[[str], str], tenant_id: str) -> list[dict[str, str]]:
        return [{"region": r, "tenantId": tenant_id, "publicURL": url(r)} for r in REGIONS]

    def files_endpoints() -> list[dict[str, str]]:
        # Real ones: https://storage101.dfw1.clouddrive.com/v1/MossoCloudFS_... and, on
        # ServiceNet, the same path on https://snet-storage101.dfw1.clouddrive.com.
        return [
            {
                **endpoint,
                "internalURL": f"{base}/snet-{endpoint['region'].lower()}/files/v1/{files}",
            }
            for endpoint in endpoints(lambda r: f"{base}/{r.lower()}/files/v1/{files}", files)
        ]

    catalog = [
        {
            "name": "cloudServersOpenStack",
            "type": "compute",
            "endpoints": endpoints(lambda r: f"{base}/{r.lower()}/servers/v2/{tenant}", tenant),
        },
        {"name": "cloudFiles", "type": "object-store", "endpoints": files_endpoints()},
        {
            "name": "cloudBackup",
            "type": "rax:backup",
            "endpoints": endpoints(lambda r: urls.backup_url(r, tenant), tenant),
        },
    ]
    return {
        "access": {
            "token": {
                "id": token,
                "expires": iso_millis(expires),
                "tenant": {"id": tenant, "name": tenant},
                "RAX-AUTH:authenticatedBy": [authenticated_by],
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
