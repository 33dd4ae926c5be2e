"""Where the token and the endpoint come from: Rackspace Identity, or a fixed pair.

Both sit behind ``Auth`` so the client only ever asks "a token and a URL for region X"
and, on a 401, "is a different token worth asking for?".
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

import requests

from bot.backup_api.catalog import Access, Endpoint, choose_endpoint, normalize_region, parse_access
from bot.backup_api.errors import BackupApiHttpError, MalformedResponseError, RegionNotFoundError
from bot.backup_api.transport import (
    CallObserver,
    Timeout,
    http_failure,
    is_success,
    read_json,
    send,
)

_log = logging.getLogger(__name__)

DEFAULT_IDENTITY_URL = "https://identity.api.rackspacecloud.com/v2.0/"
AUTHENTICATE = "authenticate with Rackspace Identity"
# Renew this long before Identity's expiry, so no request leaves with a dying token;
# at most a tenth of the token's life, so short-lived tokens are still used.
MAX_REFRESH_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class Grant:
    """A token and the endpoint it is good for."""

    token: str = field(repr=False)
    endpoint: Endpoint


class Auth(Protocol):
    def grant(self, region: str | None) -> Grant:
        """A current token and the endpoint for ``region`` (``None``: the default one)."""
        ...

    def invalidate(self, token: str) -> bool:
        """Drop ``token`` if it is still the current one; say whether a retry can help."""
        ...

    @property
    def unauthorized_hint(self) -> str:
        """What to do when the backup API refuses even a fresh token."""
        ...


class StaticTokenAuth:
    """A fixed base URL (tenant included) and token: nothing to renew, one region only."""

    unauthorized_hint = (
        "BACKUP_AUTH_TOKEN is expired or invalid: set a fresh one, or set RACKSPACE_USERNAME "
        "and RACKSPACE_API_KEY so the bot renews its token by itself."
    )

    def __init__(self, base_url: str, token: str) -> None:
        url = base_url.strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or not parts.path.strip("/"):
            raise ValueError(
                "the backup API URL must be the full base URL including the tenant id, "
                "e.g. https://dfw.backup.api.rackspacecloud.com/v1.0/123456"
            )
        if not token:
            raise ValueError("the backup API token is empty")
        self._endpoint = Endpoint(url=url, region=None)
        self._token = token

    def grant(self, region: str | None) -> Grant:
        wanted = normalize_region(region)
        if wanted is not None:
            raise RegionNotFoundError(
                f"use region {wanted}",
                "the bot is set up with one fixed backup API URL, which cannot switch regions",
                available=(),
                hint="Set RACKSPACE_USERNAME and RACKSPACE_API_KEY instead of BACKUP_API_URL "
                "to reach other regions.",
            )
        return Grant(self._token, self._endpoint)

    def invalidate(self, token: str) -> bool:
        return False

    def __repr__(self) -> str:
        return f"StaticTokenAuth(base_url={self._endpoint.url!r})"


@dataclass(frozen=True)
class _Cached:
    access: Access
    refresh_at: float  # time.monotonic() deadline


class IdentityAuth:
    """Rackspace Identity v2.0 with an API key; the token is shared by every thread.

    The token is cached until shortly before it expires. However many threads find it
    stale (or get a 401 with it) at once, one of them asks Identity and the rest reuse
    its answer.
    """

    unauthorized_hint = (
        "Rackspace issued a fresh token but the backup API refused it: check that the "
        "Rackspace user has a Cloud Backup role on this account."
    )

    def __init__(
        self,
        identity_url: str,
        username: str,
        api_key: str,
        *,
        region: str | None = None,
        session: requests.Session,
        timeout: Timeout = (5.0, 30.0),
        observe: CallObserver | None = None,
        on_authenticated: Callable[[str], None] | None = None,
    ) -> None:
        """``on_authenticated`` hears each token request's outcome: ok, refused or failed."""
        if not username or not api_key:
            raise ValueError("Rackspace Identity needs both a username and an API key")
        self._tokens_url = identity_url.strip().rstrip("/") + "/tokens"
        self._username = username
        self._api_key = api_key
        self._region = normalize_region(region)
        self._session = session
        self._timeout = timeout
        self._observe = observe
        self._on_authenticated = on_authenticated
        self._lock = threading.Lock()
        self._cached: _Cached | None = None

    def __repr__(self) -> str:
        return (
            f"IdentityAuth(tokens_url={self._tokens_url!r}, username={self._username!r}, "
            f"region={self._region!r})"
        )

    def grant(self, region: str | None) -> Grant:
        access = self._access()
        return Grant(
            access.token, choose_endpoint(access, normalize_region(region) or self._region)
        )

    def invalidate(self, token: str) -> bool:
        with self._lock:
            if self._cached is not None and self._cached.access.token == token:
                self._cached = None
        return True

    def _access(self) -> Access:
        cached = self._cached
        if cached is None or time.monotonic() >= cached.refresh_at:
            with self._lock:
                cached = self._cached
                if cached is None or time.monotonic() >= cached.refresh_at:
                    cached = self._authenticate()
                    self._cached = cached
        return cached.access

    def _authenticate(self) -> _Cached:
        try:
            cached = self._ask_identity()
        except Exception as error:
            if self._on_authenticated is not None:
                refused = isinstance(error, BackupApiHttpError) and error.status in (401, 403)
                self._on_authenticated("refused" if refused else "failed")
            raise
        if self._on_authenticated is not None:
            self._on_authenticated("ok")
        return cached

    def _ask_identity(self) -> _Cached:
        credentials = {"username": self._username, "apiKey": self._api_key}
        response = send(
            self._session,
            "POST",
            self._tokens_url,
            operation=AUTHENTICATE,
            timeout=self._timeout,
            json_body={"auth": {"RAX-KSKEY:apiKeyCredentials": credentials}},
            observe=self._observe,
        )
        if not is_success(response):
            refused = response.status_code in (401, 403)
            raise http_failure(
                response,
                AUTHENTICATE,
                secrets=(self._api_key,),
                meaning=(
                    f"Rackspace Identity refused the username {self._username!r} and its API key"
                    if refused
                    else None
                ),
                hint=(
                    "Check RACKSPACE_USERNAME and RACKSPACE_API_KEY: the key must be the user's "
                    "current API key (not the password), and the user must be enabled."
                    if refused
                    else None
                ),
            )
        try:
            access = parse_access(read_json(response, AUTHENTICATE))
        except ValueError as error:
            raise MalformedResponseError(
                AUTHENTICATE, f"Rackspace Identity sent an unexpected answer ({error})"
            ) from None
        _log.info("Authenticated with Rackspace Identity as %s", self._username)
        return _Cached(access, refresh_at=time.monotonic() + _seconds_until_refresh(access.expires))


def _seconds_until_refresh(expires: datetime) -> float:
    life = expires - datetime.now(UTC)
    return max(0.0, (life - min(MAX_REFRESH_MARGIN, life / 10)).total_seconds())
