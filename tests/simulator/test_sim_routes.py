"""The route table: every operation the reference page names answers as the page says, in
the tenant form and the tenant-less form Rackspace's clients use; every other path is 404.
"""

from __future__ import annotations

import pytest
import requests

from bot.simulator import Simulator
from tests.simulator.sim_helpers import agent_by_name

TENANT = "123456"
FORMS = (f"/v1.0/{TENANT}", "/v1.0")


def call(
    http: requests.Session, sim: Simulator, method: str, path: str, token: str, region: str = "DFW"
) -> requests.Response:
    headers = {"X-Auth-Token": token, "Content-Type": "application/json"}
    return http.request(method, sim.region_url(region) + path, headers=headers, timeout=5)


@pytest.mark.parametrize("prefix", FORMS)
def test_list_all_agents(sim: Simulator, http: requests.Session, token: str, prefix: str) -> None:
    response = call(http, sim, "GET", f"{prefix}/user/agents", token)

    assert response.status_code == 200
    agents = response.json()
    assert isinstance(agents, list)
    assert len(agents) == 8
    assert {agent["Status"] for agent in agents} == {"Unknown"}  # the page: not the truth


@pytest.mark.parametrize("prefix", FORMS)
def test_wake_up_agents(sim: Simulator, http: requests.Session, token: str, prefix: str) -> None:
    response = call(http, sim, "POST", f"{prefix}/user/wakeupagents", token)

    assert (response.status_code, response.content) == (200, b"")


@pytest.mark.parametrize("prefix", FORMS)
def test_list_agent_details(
    sim: Simulator, http: requests.Session, token: str, prefix: str
) -> None:
    web1 = agent_by_name(sim, "web1")

    response = call(http, sim, "GET", f"{prefix}/agent/{web1['MachineAgentId']}", token)

    assert response.status_code == 200
    assert response.json()["MachineName"] == "web1"
    assert response.json()["Status"] == "Online"
    missing = call(http, sim, "GET", f"{prefix}/agent/999", token)
    assert missing.status_code == 404
    assert "anything matching the Request-URI" in missing.json()["message"]


@pytest.mark.parametrize("prefix", FORMS)
def test_agent_details_by_server(
    sim: Simulator, http: requests.Session, token: str, prefix: str
) -> None:
    db1 = agent_by_name(sim, "db1")

    response = call(http, sim, "GET", f"{prefix}/agent/server/{db1['HostServerId']}", token)

    assert response.status_code == 200
    assert response.json()["MachineAgentId"] == db1["MachineAgentId"]
    unknown = "00000000-0000-4000-8000-000000000000"
    assert call(http, sim, "GET", f"{prefix}/agent/server/{unknown}", token).status_code == 404


# The page's "other v1.0 operations" and rcbu's and cloudbackup's further calls: the
# simulator does not serve them, so they are URIs it does not have.
NOT_SERVED = [
    ("GET", "/activity"),
    ("GET", "/system/activity/310201"),
    ("GET", "/backup-configuration"),
    ("GET", "/backup-configuration/system/310201"),
    ("POST", "/backup/action-requested"),
    ("GET", "/backup/42"),
    ("GET", "/backup/report/42"),
    ("PUT", "/restore"),
    ("GET", "/restore/42"),
    ("POST", "/agent/enable"),
    ("POST", "/agent/delete"),
    ("POST", "/agent/encrypt"),
    ("PUT", "/agent/logging"),
    ("GET", "/agent/logging/310201"),
    ("GET", "/agent/configuration/310201"),
    ("GET", "/agent/abc"),
    ("GET", "/agent/-310201"),
    ("GET", "/agent/310201/extra"),
    ("GET", "/agent"),
    ("GET", "/agent/server"),
    ("GET", "/user"),
    ("GET", "/user/agentz"),
    # Served paths with another method: the real service has no such route.
    ("POST", "/user/agents"),
    ("DELETE", "/user/agents"),
    ("GET", "/user/wakeupagents"),
    ("PUT", "/user/wakeupagents"),
    ("POST", "/agent/310201"),
    ("DELETE", "/agent/310201"),
    ("PATCH", "/agent/server/x"),
]


@pytest.mark.parametrize("prefix", FORMS)
@pytest.mark.parametrize(("method", "rest"), NOT_SERVED)
def test_every_other_backup_route_is_404(
    sim: Simulator, http: requests.Session, token: str, prefix: str, method: str, rest: str
) -> None:
    response = call(http, sim, method, prefix + rest, token)

    assert response.status_code == 404
    assert "Allow" not in response.headers


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/v1.0",
        "/v1.0/",
        "/v2.0/tokens",
        "/__admin/stats",
        "/dfw/v1.0/123456/user/agents",
        "/v1.0/user/agent/310201",
        "/v1.1/123456/user/agents",
        "/v1.0/123456/user/agents/",
    ],
)
def test_other_paths_on_a_regions_host_are_404(
    sim: Simulator, http: requests.Session, token: str, path: str
) -> None:
    assert call(http, sim, "GET", path, token).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/v1.0/123456/user/agents", "/v1.0/user/agents", "/v2.0", "/v2.0/tokens/x", "/__admin"],
)
def test_backup_paths_on_the_identity_host_are_404(
    sim: Simulator, http: requests.Session, token: str, path: str
) -> None:
    response = http.get(sim.url + path, headers={"X-Auth-Token": token}, timeout=5)

    assert response.status_code == 404
