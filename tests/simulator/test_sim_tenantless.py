"""The paths without a tenant, as Rackspace's clients call them on a region's host.

rcbu has no wake-up and no lookup by host server, so those two are driven with requests in
the form the newer ``cloudbackup`` SDK uses (``POST /v1.0/user/wakeupagents``).
"""

from __future__ import annotations

import pytest
import requests

from bot.devtools.processes import free_port
from bot.simulator import REGIONS, Simulator
from tests.simulator.sim_helpers import StartSimulator, agent_by_name, status_of
from tests.support.waiting import wait_until


def tenantless(
    http: requests.Session,
    sim: Simulator,
    method: str,
    rest: str,
    token: str | None,
    region: str = "DFW",
) -> requests.Response:
    headers = {} if token is None else {"X-Auth-Token": token}
    url = f"{sim.region_url(region)}/v1.0/{rest}"
    return http.request(method, url, headers=headers, timeout=5)


def test_wake_up_without_the_tenant_wakes_the_tokens_region(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    assert status_of(http, sim, token, "web2") == "Offline"

    response = tenantless(http, sim, "POST", "user/wakeupagents", token)

    assert (response.status_code, response.content) == (200, b"")
    wait_until(
        lambda: status_of(http, sim, token, "web2") == "Online",
        timeout=3.0,
        what="web2 to be Online",
    )
    assert status_of(http, sim, token, "ord-web1") == "Offline"  # another region's host
    assert sim.stats()["wakeupagents"] == 1


def test_agent_by_host_server_without_the_tenant(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    ord_db1 = agent_by_name(sim, "ord-db1")
    server = str(ord_db1["HostServerId"])
    path = f"agent/server/{server}"

    response = tenantless(http, sim, "GET", path, token, "ORD")

    assert response.status_code == 200
    assert response.json()["MachineName"] == "ord-db1"
    assert response.json()["Status"] == "Offline"
    assert (
        tenantless(http, sim, "GET", f"agent/server/{server.upper()}", token, "ORD").status_code
        == 200
    )
    assert tenantless(http, sim, "GET", path, token, "DFW").status_code == 404


def test_tenantless_list_is_the_tenant_forms(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    without = tenantless(http, sim, "GET", "user/agents", token).json()
    with_tenant = tenantless(http, sim, "GET", f"{sim.config.tenant_id}/user/agents", token).json()

    assert without == with_tenant
    assert len(without) == 8


def test_tenantless_paths_still_need_a_valid_token(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    assert tenantless(http, sim, "GET", "user/agents", None).status_code == 401
    assert tenantless(http, sim, "POST", "user/wakeupagents", "bogus").status_code == 401
    sim.faults.expire_tokens()
    response = tenantless(http, sim, "GET", "agent/310201", token)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == f"Keystone uri='{sim.identity_url}'"


def test_two_simulators_run_side_by_side(
    start_simulator: StartSimulator, http: requests.Session
) -> None:
    first, second = start_simulator(tenant_id="111"), start_simulator(tenant_id="222")
    ports = {url for sim in (first, second) for url in (sim.url, *sim.urls.regions.values())}

    assert len(ports) == 12
    for sim in (first, second):
        response = tenantless(http, sim, "GET", "user/agents", sim.issue_token())
        assert response.status_code == 200
    other = tenantless(http, second, "GET", "user/agents", first.issue_token())
    assert other.status_code == 401  # each simulator knows only its own tokens


def test_a_restart_keeps_every_port(start_simulator: StartSimulator) -> None:
    sim = start_simulator()
    urls = sim.urls
    sim.stop()

    sim.start()

    assert sim.urls == urls


def test_a_fixed_port_puts_the_regions_on_the_next_five(start_simulator: StartSimulator) -> None:
    """What `backup-bot simulator --port 8900` relies on; retried if a neighbour port is busy."""
    for _ in range(5):
        port = free_port()
        try:
            sim = start_simulator(port=port)
        except OSError:
            continue
        expected = {r: f"http://127.0.0.1:{port + i}" for i, r in enumerate(REGIONS, start=1)}
        assert sim.urls.regions == expected
        return
    pytest.fail("no free run of six ports in five tries")
