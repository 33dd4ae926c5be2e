"""Lifecycle and HTTP plumbing of the simulator server."""

from __future__ import annotations

from http.client import HTTPConnection

import pytest
import requests

from bot.devtools.processes import free_port
from bot.simulator import Faults, Simulator, SimulatorConfig
from bot.simulator.agents import AgentBook
from bot.simulator.app import Request, SimulatorApp
from bot.simulator.stats import Stats
from bot.simulator.tokens import TokenStore
from tests.simulator.sim_helpers import StartSimulator, backup_get


def test_stop_closes_kept_alive_connections(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    assert backup_get(http, sim, "user/agents", token).status_code == 200

    sim.stop()

    with pytest.raises(requests.ConnectionError):
        backup_get(http, sim, "user/agents", token)


def test_restart_reuses_the_port_and_keeps_the_state(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    url = sim.url
    sim.remove_agent(sim.agents()[0]["MachineAgentId"])
    sim.stop()

    sim.start()

    assert sim.url == url
    assert len(backup_get(http, sim, "user/agents", token).json()) == 7


def test_start_twice_is_refused(sim: Simulator) -> None:
    with pytest.raises(RuntimeError, match="already running"):
        sim.start()


def test_url_needs_a_port() -> None:
    with pytest.raises(RuntimeError, match="started"):
        _ = Simulator().url


def test_context_manager_serves_then_stops() -> None:
    with Simulator() as simulator:
        url = simulator.url
        assert requests.get(f"{url}/__admin/stats", timeout=5).status_code == 200

    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/__admin/stats", timeout=5)


def test_a_fixed_port_is_honoured(start_simulator: StartSimulator) -> None:
    port = free_port()

    simulator = start_simulator(port=port)

    assert simulator.url == f"http://127.0.0.1:{port}"
    assert simulator.identity_url == f"http://127.0.0.1:{port}/v2.0/"


def test_chunked_bodies_are_refused(sim: Simulator, http: requests.Session) -> None:
    response = http.post(sim.identity_url + "tokens", data=iter([b"{}"]), timeout=5)

    assert response.status_code == 411


def test_oversized_bodies_are_refused_before_being_read(sim: Simulator) -> None:
    connection = HTTPConnection("127.0.0.1", int(sim.url.rsplit(":", 1)[1]), timeout=5)
    connection.putrequest("POST", "/v2.0/tokens")
    connection.putheader("Content-Length", str(2 << 20))
    connection.endheaders()

    response = connection.getresponse()
    connection.close()

    assert response.status == 413


def test_admin_hooks_answer_loopback_clients_only() -> None:
    faults = Faults()
    app = SimulatorApp(
        SimulatorConfig(),
        book=AgentBook([], wake_delay=(0, 0), idle_timeout=1, seed=1),
        faults=faults,
        stats=Stats(),
        tokens=TokenStore("123456", 60, faults),
    )

    def ask(client_ip: str) -> int:
        request = Request("GET", "/__admin/stats", {}, b"", client_ip)
        return app.handle(request, None).status

    assert (ask("127.0.0.1"), ask("::1"), ask("192.0.2.10")) == (200, 200, 403)


def test_server_header_names_the_simulator(sim: Simulator, http: requests.Session) -> None:
    response = http.get(f"{sim.url}/__admin/stats", timeout=5)

    assert response.headers["Server"] == "CloudBackupSimulator"


def test_default_config_serves_loopback() -> None:
    assert SimulatorConfig().host == "127.0.0.1"
