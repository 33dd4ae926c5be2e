"""Identity tokens: issued by ``POST /v2.0/tokens``, checked on every backup API request."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.simulator.faults import Faults


@dataclass(frozen=True)
class Grant:
    """What a token stands for: whose it is, until when, and how it was first obtained."""

    tenant_id: str
    expires_at: float
    epoch: int
    authenticated_by: str  # Identity's RAX-AUTH:authenticatedBy value, e.g. "APIKEY"


class TokenStore:
    """Valid tokens; one is expired when its TTL passed or ``Faults.expire_tokens`` ran since."""

    def __init__(
        self,
        tenant_id: str,
        ttl: float,
        faults: Faults,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.Lock()
        self._tenant_id = tenant_id
        self._ttl = ttl
        self._faults = faults
        self._clock = clock
        self._grants: dict[str, Grant] = {}

    def issue(self, authenticated_by: str = "APIKEY") -> str:
        token = secrets.token_hex(16)
        grant = Grant(
            self._tenant_id, self._clock() + self._ttl, self._faults.token_epoch, authenticated_by
        )
        with self._lock:
            self._grants[token] = grant
        return token

    def issued(self) -> list[str]:
        """Every token issued so far, expired ones included, in the order issued."""
        with self._lock:
            return list(self._grants)

    def grant_of(self, token: str) -> Grant | None:
        """The grant behind a token, or ``None`` if it is unknown or expired."""
        with self._lock:
            grant = self._grants.get(token)
        if grant is None or grant.epoch != self._faults.token_epoch:
            return None
        return grant if self._clock() < grant.expires_at else None

    def tenant_of(self, token: str) -> str | None:
        """The tenant a token belongs to, or ``None`` if it is unknown or expired."""
        grant = self.grant_of(token)
        return None if grant is None else grant.tenant_id

    def remaining(self, token: str) -> float:
        """Seconds a token has left (0 when unknown or expired)."""
        grant = self.grant_of(token)
        return 0.0 if grant is None else max(0.0, grant.expires_at - self._clock())
