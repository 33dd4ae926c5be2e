"""Request handling of the simulator, independent of the HTTP plumbing around it.

The simulator listens on one port for Identity and the test hooks and on one port per
region for Cloud Backup, so every regional ``publicURL`` has the real service's shape, a host
of its own and ``/v1.0/{tenant}`` as the path (``http://127.0.0.1:PORT/v1.0/123456`` for
``https://dfw.backup.api.rackspacecloud.com/v1.0/123456``). Served paths:

* Identity port: ``POST /v2.0/tokens`` (Rackspace Identity v2.0: API key, password or token
  credentials) and ``/__admin/...`` (test hooks, see ``bot.simulator``).
* Each region's port, Cloud Backup v1.0 with and without the tenant in the path (Rackspace's
  own clients leave it out; the tenant then comes from the token):
  ``GET /v1.0[/{tenant}]/user/agents``, ``POST /v1.0[/{tenant}]/user/wakeupagents``,
  ``GET /v1.0[/{tenant}]/agent/{id}`` (digits) and
  ``GET /v1.0[/{tenant}]/agent/server/{hostServerId}``. A region serves only the agents whose
  ``Datacenter`` is that region: the real regional endpoints are separate deployments.

Anything else answers 404, as the real service does for a URI it does not have (Identity's
own path keeps Identity's 405 for a wrong method). A backup API request goes through, in
order: latency and hang faults, a pending failure, the token (401), the tenant in the path
(403), then the endpoint itself.
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

from bot.simulator.admin import ACTIONS, AdminError, agent_action
from bot.simulator.agents import AgentBook
from bot.simulator.config import SimulatorConfig
from bot.simulator.faults import Failure, Faults
from bot.simulator.identity import (
    InvalidRequestBody,
    TokenCredentials,
    parse_credentials,
    token_response,
)
from bot.simulator.stats import Stats
from bot.simulator.tokens import TokenStore
from bot.simulator.urls import SiteUrls
from bot.simulator.wire import BROKEN_JSON, JSON_CONTENT_TYPE, encode_json

NOT_FOUND_MESSAGE = "The server has not found anything matching the Request-URI."
UNAUTHORIZED_MESSAGE = (
    "The supplied token was not authorized to access the resources. "
    "Either it is expired or invalid."
)
IDENTITY_UNAUTHORIZED_MESSAGE = "Unable to authenticate user with credentials provided."
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


# A tenant id never reads "user" or "agent", so the tenant-less forms cannot pass for one.
_TENANT = r"/v1\.0/(?P<tenant>(?!(?:user|agent)/)[^/]+)"
_NO_TENANT = r"/v1\.0"
_BACKUP_ENDPOINTS = (
    ("GET", r"/user/agents", "list_agents"),
    ("GET", r"/agent/server/(?P<server>[^/]+)", "agent_by_server"),
    ("GET", r"/agent/(?P<agent_id>[0-9]+)", "agent_details"),
    ("POST", r"/user/wakeupagents", "wakeupagents"),
)
# Served on each region's port.
REGIONAL_ROUTES = tuple(
    _Route(method, re.compile(prefix + rest), name, "backup")
    for prefix in (_NO_TENANT, _TENANT)
    for method, rest, name in _BACKUP_ENDPOINTS
)
_AGENT_ACTIONS = "|".join(re.escape(action) for action in ACTIONS)
# Served on the Identity port.
IDENTITY_ROUTES = tuple(
    _Route(method, re.compile(pattern), name, family)
    for method, pattern, name, family in (
        ("POST", r"/v2\.0/tokens", "tokens", "identity"),
        ("POST", r"/__admin/faults", "faults", "admin"),
        ("GET", r"/__admin/stats", "stats", "admin"),
        ("POST", r"/__admin/reset", "reset", "admin"),
        (
            "POST",
            rf"/__admin/agents/(?P<agent>[^/]+)/(?P<action>{_AGENT_ACTIONS})",
            "agent",
            "admin",
        ),
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
        self._urls = SiteUrls("")
        self._interrupted = threading.Event()
        self._backup_endpoints: dict[str, Callable[[str, dict[str, str]], Response]] = {
            "list_agents": self._list_agents,
            "agent_details": self._agent_details,
            "agent_by_server": self._agent_by_server,
            "wakeupagents": self._wake_up,
        }
        self._admin_endpoints: dict[str, Callable[[Request, dict[str, str]], Response]] = {
            "faults": self._set_faults,
            "stats": self._get_stats,
            "reset": self._reset,
            "agent": self._agent_action,
        }

    def bind(self, urls: SiteUrls) -> None:
        """Where the listeners are; set before any request is served."""
        self._urls = urls

    def handle(self, request: Request, region: str | None) -> Response:
        """Answer ``request`` as the Identity port (``region`` None) or a region's port would."""
        routes = IDENTITY_ROUTES if region is None else REGIONAL_ROUTES
        matches = [(r, m) for r in routes if (m := r.pattern.fullmatch(request.path))]
        for route, match in matches:
            if route.method == request.method:
                return self._dispatch(route, match.groupdict(), request, region)
        # Identity and the hooks say 405 for a wrong method; the backup API has no such
        # route at all, and the real service answers 404 for a URI it does not have.
        known = [route for route, _ in matches if route.family != "backup"]
        if known:
            allow = ("Allow", ", ".join(route.method for route in known))
            return _error(known[0].family, 405, "Method not allowed", (allow,))
        return _error("backup", 404, NOT_FOUND_MESSAGE)

    def interrupt(self) -> None:
        """Cut every latency or hang pause short, so the server can stop at once."""
        self._interrupted.set()

    def resume(self) -> None:
        self._interrupted.clear()

    def _dispatch(
        self, route: _Route, params: dict[str, str], request: Request, region: str | None
    ) -> Response:
        if route.family == "admin":
            if not ipaddress.ip_address(request.client_ip).is_loopback:
                return _error("admin", 403, "Test hooks answer loopback clients only.")
            return self._admin_endpoints[route.name](request, params)
        self._stats.count(route.name)
        if route.family == "identity":
            return self._issue_token(request)
        assert region is not None  # backup routes are served on the regional ports only
        with self._stats.in_flight():
            return self._backup(route, params, request, region)

    def _backup(
        self, route: _Route, params: dict[str, str], request: Request, region: str
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
            challenge = ("WWW-Authenticate", f"Keystone uri='{self._urls.identity}/v2.0/'")
            return _error("backup", 401, message, (challenge,))
        # Without a tenant in the path, the request is for the token's own tenant.
        if params.get("tenant", tenant) != tenant:
            return _error("backup", 403, "Access to the requested resource was denied.")
        response = self._backup_endpoints[route.name](region, params)
        if response.status == 200 and response.body and self._faults.take_malformed():
            return replace(response, body=BROKEN_JSON)
        return response

    def _issue_token(self, request: Request) -> Response:
        try:
            credentials = parse_credentials(request.body)
        except InvalidRequestBody as error:
            return _error("identity", 400, str(error))
        if isinstance(credentials, TokenCredentials):
            token, grant = credentials.token, self._tokens.grant_of(credentials.token)
            if grant is None or not credentials.scoped_to(grant.tenant_id):
                return _error("identity", 401, IDENTITY_UNAUTHORIZED_MESSAGE)
            authenticated_by = grant.authenticated_by
        else:
            if not credentials.match(self._config):
                return _error("identity", 401, IDENTITY_UNAUTHORIZED_MESSAGE)
            authenticated_by = credentials.method
            token = self._tokens.issue(authenticated_by)
        remaining = self._tokens.remaining(token)
        payload = token_response(
            self._config,
            authenticated_by=authenticated_by,
            token=token,
            expires=datetime.now(UTC) + timedelta(seconds=remaining),
            urls=self._urls,
        )
        return _json(200, payload)

    def _list_agents(self, region: str, params: dict[str, str]) -> Response:
        return _json(200, self._book.list_view(region))

    def _agent_details(self, region: str, params: dict[str, str]) -> Response:
        return _found(self._book.details(region, int(params["agent_id"])))

    def _agent_by_server(self, region: str, params: dict[str, str]) -> Response:
        return _found(self._book.details_by_server(region, params["server"]))

    def _wake_up(self, region: str, params: dict[str, str]) -> Response:
        self._book.wake(region)
        return Response(200)

    def _set_faults(self, request: Request, params: dict[str, str]) -> Response:
        try:
            settings = _json_object(request.body)
            self._faults.apply(settings)
        except (UnicodeDecodeError, ValueError) as error:
            return _error("admin", 400, f"Invalid fault settings: {error}")
        return Response(204)

    def _get_stats(self, request: Request, params: dict[str, str]) -> Response:
        return _json(200, {**self._stats.snapshot(), "max_in_flight": self._stats.max_in_flight})

    def _reset(self, request: Request, params: dict[str, str]) -> Response:
        self._faults.reset()
        self._stats.reset()
        return Response(204)

    def _agent_action(self, request: Request, params: dict[str, str]) -> Response:
        try:
            settings = _json_object(request.body)
            details = agent_action(self._book, params["agent"], params["action"], settings)
        except AdminError as error:
            return _error("admin", error.status, str(error))
        except (UnicodeDecodeError, ValueError) as error:
            return _error("admin", 400, f"Invalid agent action: {error}")
        return _json(200, details)


def _json_object(body: bytes) -> dict[str, object]:
    settings = json.loads(body or b"{}")
    if not isinstance(settings, dict):
        raise ValueError("expected a JSON object")
    return settings


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
