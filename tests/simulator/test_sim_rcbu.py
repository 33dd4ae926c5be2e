"""Rackspace's own older client, ``rcbu`` (PyPI ``rackspace-backup-client``), against the simulator.

Nothing of rcbu is changed or mocked: only its Identity URL, a module constant, points at
loopback; everything after that (the backup endpoint, the hosts, the paths without a
tenant) comes from the simulator's catalog, as it would from Rackspace's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from bot.simulator import REGIONS, Simulator

rcbu_auth = pytest.importorskip("rcbu.common.auth", reason="make install adds rcbu (--no-deps)")
from rcbu.client.client import Client  # noqa: E402
from rcbu.client.connection import Connection  # noqa: E402
from rcbu.utils.bytes import dehumanize_bytes  # noqa: E402


@pytest.fixture(autouse=True)
def identity_on_loopback(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """rcbu reads Identity's address from a module constant: the one thing pointed here."""
    monkeypatch.setattr(rcbu_auth, "IDENTITY_TOKEN_URL", sim.identity_url + "tokens")


def connect(sim: Simulator, region: str = "DFW", **secret: str) -> Any:
    credentials = secret or {"apikey": sim.config.api_key}
    return Connection(sim.config.username, region, **credentials)


def test_api_key_authentication(sim: Simulator) -> None:
    connection = connect(sim)

    assert connection.token in sim.issued_tokens()
    assert connection.tenant == sim.config.tenant_id
    assert connection.username == sim.config.username
    assert abs(connection.expires - (datetime.now(UTC) + timedelta(days=1))) < timedelta(minutes=1)


def test_password_authentication(sim: Simulator) -> None:
    connection = connect(sim, password=sim.config.password)

    assert connection.token in sim.issued_tokens()
    assert connection.tenant == sim.config.tenant_id


def test_wrong_api_key_is_refused_by_identity(sim: Simulator) -> None:
    with pytest.raises(requests.HTTPError) as raised:
        connect(sim, apikey="not-the-key")

    assert raised.value.response.status_code == 401


@pytest.mark.parametrize("region", REGIONS)
def test_backup_endpoint_from_the_catalog_is_the_regions_host(sim: Simulator, region: str) -> None:
    """rcbu strips the tenant from publicURL and reads the API version right after the host."""
    connection = connect(sim, region)

    assert connection.host == f"{sim.region_url(region)}/v1.0"
    assert connection.api_version_tuple == (1, 0)


def test_list_agents_of_the_region(sim: Simulator) -> None:
    agents = list(Client(connect(sim, "ORD")).agents)

    assert sorted(agent.name for agent in agents) == ["ord-db1", "ord-web1"]
    assert {agent.data_center for agent in agents} == {"ORD"}


def test_agent_details(sim: Simulator) -> None:
    db1 = sim.find_agent("db1")

    agent = Client(connect(sim)).get_agent(db1)

    assert (agent.id, agent.name, agent.os, agent.data_center) == (db1, "db1", "Debian 12", "DFW")
    assert (agent.encrypted, agent.enabled, agent.online) == (False, True, True)
    assert agent.vault_size == dehumanize_bytes("2 GB")


def test_details_of_another_regions_agent_are_404(sim: Simulator) -> None:
    with pytest.raises(requests.HTTPError) as raised:
        Client(connect(sim, "DFW")).get_agent(sim.find_agent("ord-web1"))

    assert raised.value.response.status_code == 404


def test_list_says_unknown_so_rcbu_refetches_status_and_vault_size(sim: Simulator) -> None:
    agents = {agent.name: agent for agent in Client(connect(sim)).agents}
    web1, web2, off = agents["web1"], agents["web2"], agents["reporting-old"]
    assert (web1._online, web1._vault_size) == ("Unknown", None)  # the list's quirk
    sim.reset_stats()

    assert (web1.online, web2.online, off.online) == (True, False, False)
    assert sim.stats()["agent_details"] == 3
    assert web1.vault_size == dehumanize_bytes("35.3 MB")
    assert web2.vault_size == dehumanize_bytes("34.9 MB")
    assert sim.stats()["agent_details"] == 5
    assert (web1.online, web1.vault_size) == (True, dehumanize_bytes("35.3 MB"))
    assert sim.stats()["agent_details"] == 5  # known now: no further request


def test_disabled_agent_reads_as_not_enabled(sim: Simulator) -> None:
    agents = {agent.name: agent for agent in Client(connect(sim)).agents}

    assert agents["build-runner"].enabled is False
    assert agents["web1"].enabled is True


def test_operations_the_simulator_does_not_serve_are_404_not_405(sim: Simulator) -> None:
    """rcbu's enable and delete POST to /agent/enable and /agent/delete: not served here."""
    agent = Client(connect(sim)).get_agent(sim.find_agent("web2"))

    for operation in (agent.disable, agent.delete):
        with pytest.raises(requests.HTTPError) as raised:
            operation()
        assert raised.value.response.status_code == 404
