"""Request helpers shared by the simulator tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from bot.simulator import Simulator

StartSimulator = Callable[..., Simulator]


def authenticate(
    http: requests.Session, simulator: Simulator, **credentials: str
) -> requests.Response:
    """``POST /v2.0/tokens`` with API key credentials (the simulator's unless given)."""
    body = {"username": simulator.config.username, "apiKey": simulator.config.api_key}
    body.update(credentials)
    return http.post(
        simulator.identity_url + "tokens",
        json={"auth": {"RAX-KSKEY:apiKeyCredentials": body}},
        timeout=5,
    )


def backup_get(
    http: requests.Session,
    simulator: Simulator,
    path: str,
    token: str | None,
    region: str = "DFW",
) -> requests.Response:
    headers = {} if token is None else {"X-Auth-Token": token}
    return http.get(f"{simulator.backup_url(region)}/{path}", headers=headers, timeout=5)


def wake_up(
    http: requests.Session, simulator: Simulator, token: str, region: str = "DFW"
) -> requests.Response:
    return http.post(
        f"{simulator.backup_url(region)}/user/wakeupagents",
        headers={"X-Auth-Token": token},
        timeout=5,
    )


def agent_by_name(simulator: Simulator, name: str) -> dict[str, Any]:
    return next(agent for agent in simulator.agents() if agent["MachineName"] == name)


def status_of(http: requests.Session, simulator: Simulator, token: str, name: str) -> str:
    """The Status that agent details report for the agent called ``name``."""
    agent = agent_by_name(simulator, name)
    region = str(agent["Datacenter"])
    details = backup_get(http, simulator, f"agent/{agent['MachineAgentId']}", token, region)
    assert details.status_code == 200
    return str(details.json()["Status"])
