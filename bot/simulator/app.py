"""Request handling of the simulator, independent of the HTTP plumbing around it.

Served paths:

* ``POST /v2.0/tokens``: Rackspace Identity v2.0 (API key or password credentials).
* ``/{region}/v1.0/{tenant}/...``: Cloud Backup v1.0 for each region of ``REGIONS``; the
  path prefix stands in for the real per-region hosts (``dfw.backup.api...``). Each region
  serves only the agents whose ``Datacenter`` is that region: the real service's regional
  endpoints are separate deployments, and the bot must pick one from the catalog.
* ``/__admin/...``: test hooks (faults, stats, reset). They need no token and answer only
  loopback clients.

A backup API request goes through, in order: latency and hang faults, a pending failure,
the token (401), the tenant in the path (403), then the endpoint itself.
"""

from __future__ import annotations

import ipaddress
import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

from bot.simulator.agents import AgentBook
from bot.simulator.config import SimulatorConfig
from bot.simulator.data import REGIONS
from bot.simulator.faults import Failure, Faults
from bot.simulator.identity import InvalidRequestBody, parse_credentials, token_response
from bot.simulator.stats import Stats
from bot.simulator.tokens import TokenStore
from bot.simulator.wire import BROKEN_JSON, JSON_CONTENT_TYPE, encode_json

NOT_FOUND_MESSAGE = "The server has not found anything matching the Request-URI."
UNAUTHORIZED_MESSAGE = (
    "The supplied token was not authorized to access the resources. "
    "Either it is expired or invalid."
)
_IDENTITY_ERROR_KEYS = {400: "badRequest", 401: "unauthorized", 404: "itemNotFound"}
_IDENTITY_ERROR_KEYS |= {405: "badMethod"}


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query string
    headers: Mapping[str, str]  # names lower-cased
    body: bytes
    client_ip: str


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    name: str  # a Stats endpoint for the identity and backup routes
    family: str  # "identity", "backup" or "admin": decides the error body style


_BACKUP_PREFIX = rf"/(?P<region>(?i:{'|'.join(REGIONS)}))/v1\.0/(?P<tenant>[^/]+)"
_ROUTES = tuple(
    _Route(method, re.compile(pattern), name, family)
    for method, pattern, name, family in (
        ("POST", r"/v2\.0/tokens", "tokens", "identity"),
        ("GET", _BACKUP_PREFIX + r"/user/agents", "list_agents", "backup"),
        ("GET", _BACKUP_PREFIX + r"/agent/server/(?P<server>[^/]+)", "agent_by_server", "backup"),
        ("GET", _BACKUP_PREFIX + r"/agent/(?P<agent_id>[^/]+)", "agent_details", "backup"),
        ("POST", _BACKUP_PREFIX + r"/user/wakeupagents", "wakeupagents", "backup"),
        ("POST", r"/__admin/faults", "faults", "admin"),
        ("GET", r"/__admin/stats", "stats", "admin"),
        ("POST", r"/__admin/reset", "reset", "admin"),
    )
)


class SimulatorApp:
    """Answers one request at a time; thread-safe, shared by every request thread."""

    def __init__(
        self,
        config: SimulatorConfig,
        *,
        book: AgentBook,
        faults: Faults,
        stats: Stats,
        tokens: TokenStore,
    ) -> None:
        self._config = config
        self._book = book
        self._faults = faults
        self._stats = stats
        self._tokens = tokens
        self._interrupted = threading.Event()
        self._backup_endpoints: dict[str, Callable[[str, dict[str, str]], Response]] = {
            "list_agents": self._list_agents,
            "agent_details": self._agent_details,
            "agent_by_server": self._agent_by_server,
            "wakeupagents": self._wake_up,
        }
        self._admin_endpoints: dict[str, Callable[[Request], Response]] = {
            "faults": self._set_faults,
            "stats": self._get_stats,
            "reset": self._reset,
        }

    def handle(self, request: Request, base_url: str) -> Response:
        matches = [(r, m) for r in _ROUTES if (m := r.pattern.fullmatch(request.path))]
        for route, match in matches:
            if route.method == request.method:
                return self._dispatch(route, match.groupdict(), request, base_url)
        if matches:
            allow = ("Allow", ", ".join(route.method for route, _ in matches))
            return _error(matches[0][0].family, 405, "Method not allowed", (allow,))
        return _error("backup", 404, NOT_FOUND_MESSAGE)

    def interrupt(self) -> None:
        """Cut every latency or hang pause short, so the server can stop at once."""
        self._interrupted.set()

    def resume(self) -> None:
        self._interrupted.clear()

    def _dispatch(
        self, route: _Route, params: dict[str, str], request: Request, base_url: str
    ) -> Response:
        if route.family == "admin":
            if not ipaddress.ip_address(request.client_ip).is_loopback:
                return _error("admin", 403, "Test hooks answer loopback clients only.")
            return self._admin_endpoints[route.name](request)
        self._stats.count(route.name)
        if route.family == "identity":
            return self._issue_token(request, base_url)
        with self._stats.in_flight():
            return self._backup(route, params, request, base_url)

    def _backup(
        self, route: _Route, params: dict[str, str], request: Request, base_url: str
    ) -> Response:
        pause = self._faults.latency + self._faults.take_hang()
        if pause > 0:
            self._interrupted.wait(pause)
        failure = self._faults.take_failure(request.path)
        if failure is not None:
            return _failure_response(failure)
        token = request.headers.get("x-auth-token")
        tenant = self._tokens.tenant_of(token) if token else None
        if tenant is None:
            message = UNAUTHORIZED_MESSAGE if token else "No X-Auth-Token header was supplied."
            challenge = ("WWW-Authenticate", f"Keystone uri='{base_url}/v2.0/'")
            return _error("backup", 401, message, (challenge,))
        if tenant != params["tenant"]:
            return _error("backup", 403, "Access to the requested resource was denied.")
        response = self._backup_endpoints[route.name](params["region"].upper(), params)
        if response.status == 200 and response.body and self._faults.take_malformed():
            return replace(response, body=BROKEN_JSON)
        return response

    def _issue_token(self, request: Request, base_url: str) -> Response:
        try:
            credentials = parse_credentials(request.body)
        except InvalidRequestBody as error:
            return _error("identity", 400, str(error))
        if not credentials.match(self._config):
            message = "Unable to authenticate user with credentials provided."
            return _error("identity", 401, message)
        payload = token_response(
            self._config,
            credentials,
            token=self._tokens.issue(),
            expires=datetime.now(UTC) + timedelta(seconds=self._config.token_ttl),
            base_url=base_url,
            backup_url=lambda region: backup_url(base_url, region, self._config.tenant_id),
        )
        return _json(200, payload)

    def _list_agents(self, region: str, params: dict[str, str]) -> Response:
        return _json(200, self._book.list_view(region))

    def _agent_details(self, region: str, params: dict[str, str]) -> Response:
        raw_id = params["agent_id"]
        valid_id = raw_id.isascii() and raw_id.isdigit()
        agent = self._book.details(region, int(raw_id)) if valid_id else None
        return _found(agent)

    def _agent_by_server(self, region: str, params: dict[str, str]) -> Response:
        return _found(self._book.details_by_server(region, params["server"]))

    def _wake_up(self, region: str, params: dict[str, str]) -> Response:
        self._book.wake(region)
        return Response(200)

    def _set_faults(self, request: Request) -> Response:
        try:
            settings = json.loads(request.body or b"{}")
            if not isinstance(settings, dict):
                raise ValueError("expected a JSON object")
            self._faults.apply(settings)
        except (UnicodeDecodeError, ValueError) as error:
            return _error("admin", 400, f"Invalid fault settings: {error}")
        return Response(204)

    def _get_stats(self, request: Request) -> Response:
        return _json(200, {**self._stats.snapshot(), "max_in_flight": self._stats.max_in_flight})

    def _reset(self, request: Request) -> Response:
        self._faults.reset()
        self._stats.reset()
        return Response(204)


def backup_url(base_url: str, region: str, tenant_id: str) -> str:
    return f"{base_url}/{region.lower()}/v1.0/{tenant_id}"


def _json(status: int, payload: object, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(status, encode_json(payload), (("Content-Type", JSON_CONTENT_TYPE), *headers))


def _error(
    family: str, status: int, message: str, headers: tuple[tuple[str, str], ...] = ()
) -> Response:
    """Identity wraps errors in a named object; the backup API's body is a bare message."""
    if family == "identity":
        payload: object = {_IDENTITY_ERROR_KEYS[status]: {"code": status, "message": message}}
    else:
        payload = {"message": message}
    return _json(status, payload, headers)


def _found(agent: dict[str, object] | None) -> Response:
    return _error("backup", 404, NOT_FOUND_MESSAGE) if agent is None else _json(200, agent)


def _failure_response(failure: Failure) -> Response:
    headers: tuple[tuple[str, str], ...] = ()
    if failure.retry_after is not None:
        seconds = failure.retry_after
        headers = (("Retry-After", str(int(seconds)) if seconds.is_integer() else str(seconds)),)
    if failure.body is None:
        return _error("backup", failure.status, HTTPStatus(failure.status).phrase, headers)
    if not failure.body:
        return Response(failure.status, b"", headers)
    try:
        json.loads(failure.body)
        content_type = JSON_CONTENT_TYPE
    except ValueError:
        content_type = "text/plain; charset=utf-8"
    body = failure.body.encode()
    return Response(failure.status, body, (("Content-Type", content_type), *headers))
