"""The Cloud Backup API client the bot calls: typed operations over one HTTP session."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import MappingProxyType, TracebackType
from typing import Any, Self
from urllib.parse import quote

import requests

from bot.backup_api.auth import DEFAULT_IDENTITY_URL, Auth, Grant, IdentityAuth, StaticTokenAuth
from bot.backup_api.catalog import Endpoint, normalize_region
from bot.backup_api.errors import AgentNotFoundError, BackupApiError, MalformedResponseError
from bot.backup_api.models import Agent, AgentStatus
from bot.backup_api.parsing import ShapeError, json_type, merge_agent, parse_agent, parse_agents
from bot.backup_api.transport import (
    CallObserver,
    configure_session,
    http_failure,
    is_success,
    read_json,
    retry_policy,
    send,
)

_log = logging.getLogger(__name__)

DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0
LIST_AGENTS = "list agents"
WAKE_UP_AGENTS = "wake up agents"


@dataclass(frozen=True)
class Fleet:
    """The account's agents with their real status, as far as details could tell.

    ``unverified`` maps the id of each agent whose details could not be fetched to a short
    reason; such an agent keeps its list data with status UNKNOWN.
    """

    agents: tuple[Agent, ...]
    unverified: Mapping[int, str]
    fetched_at: datetime
    account_id: str
    region: str | None


class BackupApiClient:
    """Thread-safe; one instance serves the whole bot.

    The client takes over ``session`` (mounting its retry policy and User-Agent on it) and
    closes it in ``close()``. Clients made by ``for_region`` share the session, the worker
    pool and the auth (so one token cache); only the original closes them.
    """

    def __init__(
        self,
        auth: Auth,
        *,
        region: str | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        max_retries: int = 3,
        backoff_factor: float = 0.5,
        backoff_max: float = 8.0,
        retry_after_max: float = 10.0,
        concurrency: int = 8,
        session: requests.Session | None = None,
        observe: CallObserver | None = None,
    ) -> None:
        """``observe`` hears of every HTTP call made (``bot.metrics``)."""
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._auth = auth
        self._region = normalize_region(region)
        self._timeout = (connect_timeout, read_timeout)
        self._observe = observe
        self._session = session or requests.Session()
        retry = retry_policy(
            max_retries=max_retries,
            backoff_factor=backoff_factor,
            backoff_max=backoff_max,
            retry_after_max=retry_after_max,
        )
        configure_session(self._session, retry, pool_size=concurrency)
        self._executor = ThreadPoolExecutor(concurrency, thread_name_prefix="backup-api")
        self._owns_resources = True

    def __repr__(self) -> str:
        return f"BackupApiClient(auth={self._auth!r}, region={self._region!r})"

    # --- where the calls go -----------------------------------------------------------

    def endpoint(self) -> Endpoint:
        """Where the calls go: base URL, tenant id and region.

        A method, not a property, because learning it may authenticate over the network;
        callers that only need a label use the values a finished call returned.
        """
        return self._auth.grant(self._region).endpoint

    def for_region(self, region: str | None) -> BackupApiClient:
        """The same client aimed at another region's endpoint.

        The region is checked now (which may authenticate), so a mistyped region fails
        here with the list of regions that exist.
        """
        other = copy.copy(self)
        other._region = normalize_region(region)
        other._owns_resources = False
        self._auth.grant(other._region)
        return other

    # --- operations -------------------------------------------------------------------

    def list_agents(self) -> list[Agent]:
        """All agents of the account; their status is not reliable (details are)."""
        body = self._get_json(LIST_AGENTS, "user/agents")
        try:
            return parse_agents(body)
        except ShapeError as error:
            raise MalformedResponseError(LIST_AGENTS, f"the service sent {error}") from None

    def get_agent(self, agent_id: int) -> Agent:
        operation = f"get agent {agent_id}"
        body = self._get_json(operation, f"agent/{agent_id:d}", agent_lookup=True)
        return self._one_agent(operation, body)

    def get_agent_by_server(self, host_server_id: str) -> Agent:
        operation = f"get the agent of server {host_server_id}"
        path = f"agent/server/{quote(host_server_id, safe='')}"
        return self._one_agent(operation, self._get_json(operation, path, agent_lookup=True))

    def wake_up_agents(self) -> None:
        """Ask every agent of the account to wake up (v1 has no per-agent wake-up)."""
        self._call("POST", WAKE_UP_AGENTS, "user/wakeupagents")

    def list_agents_with_status(self) -> Fleet:
        """The list, completed with each agent's details (fetched in parallel).

        An agent whose details answer 404 has vanished since the list and is dropped; one
        whose details fail otherwise keeps its list data with status UNKNOWN and is
        recorded in ``Fleet.unverified``. A failing list call raises.
        """
        listed = self.list_agents()
        pending = [(agent, self._executor.submit(self.get_agent, agent.id)) for agent in listed]
        agents: list[Agent] = []
        unverified: dict[int, str] = {}
        for agent, future in pending:
            try:
                agents.append(merge_agent(agent, future.result()))
            except AgentNotFoundError:
                _log.info("Agent %s vanished between the list and its details", agent.id)
            except BackupApiError as error:
                _log.warning("Agent %s left unverified: %s", agent.id, error)
                unverified[agent.id] = error.short_reason
                agents.append(replace(agent, status=AgentStatus.UNKNOWN))
        endpoint = self.endpoint()
        return Fleet(
            agents=tuple(agents),
            unverified=MappingProxyType(unverified),
            fetched_at=datetime.now(UTC),
            account_id=endpoint.account_id,
            region=endpoint.region,
        )

    # --- lifecycle --------------------------------------------------------------------

    def close(self) -> None:
        if self._owns_resources:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- plumbing ---------------------------------------------------------------------

    def _get_json(self, operation: str, path: str, *, agent_lookup: bool = False) -> object:
        return read_json(self._call("GET", operation, path, agent_lookup=agent_lookup), operation)

    def _call(
        self, method: str, operation: str, path: str, *, agent_lookup: bool = False
    ) -> requests.Response:
        """One operation; a 401 gets one more try with a fresh token when that can help."""
        grant = self._auth.grant(self._region)
        response = self._send(method, operation, path, grant)
        if response.status_code == 401 and self._auth.invalidate(grant.token):
            _log.info("The backup API refused the token; retrying once with a fresh one")
            grant = self._auth.grant(self._region)
            response = self._send(method, operation, path, grant)
        if not is_success(response):
            raise http_failure(
                response,
                operation,
                secrets=(grant.token,),
                agent_lookup=agent_lookup,
                hint=self._auth.unauthorized_hint if response.status_code == 401 else None,
            )
        return response

    def _send(self, method: str, operation: str, path: str, grant: Grant) -> requests.Response:
        return send(
            self._session,
            method,
            f"{grant.endpoint.url}/{path}",
            operation=operation,
            timeout=self._timeout,
            headers={"X-Auth-Token": grant.token},
            observe=self._observe,
        )

    @staticmethod
    def _one_agent(operation: str, body: object) -> Agent:
        agent = parse_agent(body)
        if agent is None:
            raise MalformedResponseError(
                operation, f"the service sent {json_type(body)} that is not a readable agent"
            )
        return agent


def build_client(
    *,
    identity_url: str | None = None,
    username: str | None = None,
    api_key: str | None = None,
    region: str | None = None,
    backup_api_url: str | None = None,
    backup_auth_token: str | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
    observe: CallObserver | None = None,
    on_authenticated: Callable[[str], None] | None = None,
    **client_kwargs: Any,
) -> BackupApiClient:
    """A client over one session: Identity when a username and API key are given, else the
    direct endpoint. ``region`` is the default region (Identity only); ``client_kwargs`` go
    to ``BackupApiClient`` (retries, backoff, concurrency). ``observe`` and
    ``on_authenticated`` feed the metrics (see ``IdentityAuth``).
    """
    session = requests.Session()
    auth: Auth
    if username and api_key:
        auth = IdentityAuth(
            identity_url or DEFAULT_IDENTITY_URL,
            username,
            api_key,
            region=region,
            session=session,
            timeout=(connect_timeout, read_timeout),
            observe=observe,
            on_authenticated=on_authenticated,
        )
    elif backup_api_url and backup_auth_token:
        if normalize_region(region):
            raise ValueError(
                "a region can only be chosen with a Rackspace username and API key; "
                "the backup API URL already fixes the region"
            )
        auth = StaticTokenAuth(backup_api_url, backup_auth_token)
    else:
        raise ValueError(
            "no backup API credentials: give a Rackspace username and API key, "
            "or a backup API URL and token"
        )
    return BackupApiClient(
        auth,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        session=session,
        observe=observe,
        **client_kwargs,
    )
