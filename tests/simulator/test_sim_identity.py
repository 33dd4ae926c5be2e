"""Identity v2.0 ``POST /tokens`` over real HTTP."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests

from bot.simulator import REGIONS, Simulator
from tests.simulator.sim_helpers import StartSimulator, authenticate, backup_get


def test_api_key_credentials_give_a_token_that_the_backup_api_accepts(
    sim: Simulator, http: requests.Session
) -> None:
    response = authenticate(http, sim)

    assert response.status_code == 200
    access = response.json()["access"]
    assert re.fullmatch(r"[0-9a-f]{32}", access["token"]["id"])
    assert access["token"]["tenant"] == {"id": "123456", "name": "123456"}
    assert access["user"]["name"] == "demo"
    assert access["user"]["RAX-AUTH:defaultRegion"] == "DFW"
    assert backup_get(http, sim, "user/agents", access["token"]["id"]).status_code == 200


def test_password_credentials_give_a_token(sim: Simulator, http: requests.Session) -> None:
    credentials = {"username": "demo", "password": "demo-password"}
    response = http.post(
        sim.identity_url + "tokens", json={"auth": {"passwordCredentials": credentials}}, timeout=5
    )

    assert response.status_code == 200
    assert response.json()["access"]["token"]["RAX-AUTH:authenticatedBy"] == ["PASSWORD"]


def test_token_expiry_is_iso_with_milliseconds_one_ttl_ahead(
    start_simulator: StartSimulator, http: requests.Session
) -> None:
    simulator = start_simulator(token_ttl=3600.0)

    expires = authenticate(http, simulator).json()["access"]["token"]["expires"]

    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", expires)
    moment = datetime.fromisoformat(expires.replace("Z", "+00:00"))
    assert abs(moment - (datetime.now(UTC) + timedelta(hours=1))) < timedelta(seconds=30)


@pytest.mark.parametrize(
    "credentials",
    [{"apiKey": "wrong-key"}, {"username": "someone-else"}, {"apiKey": ""}],
)
def test_wrong_credentials_are_401(
    sim: Simulator, http: requests.Session, credentials: dict[str, str]
) -> None:
    response = authenticate(http, sim, **credentials)

    assert response.status_code == 401
    assert response.json() == {
        "unauthorized": {
            "code": 401,
            "message": "Unable to authenticate user with credentials provided.",
        }
    }


def test_a_password_is_not_an_api_key(sim: Simulator, http: requests.Session) -> None:
    assert authenticate(http, sim, apiKey=sim.config.password).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b'{"auth": "demo"}',
        b'{"auth": {"tokenCredentials": {"id": "x"}}}',
        b'{"auth": {"passwordCredentials": {"username": "demo"}}}',
        b'{"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": 1, "apiKey": "k"}}}',
    ],
)
def test_bad_bodies_are_400(sim: Simulator, http: requests.Session, body: bytes) -> None:
    response = http.post(
        sim.identity_url + "tokens",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=5,
    )

    assert response.status_code == 400
    error = response.json()["badRequest"]
    assert error["code"] == 400
    assert error["message"].startswith("Invalid request body: ")


def test_catalog_offers_backup_in_every_region_among_other_services(
    sim: Simulator, http: requests.Session
) -> None:
    catalog = authenticate(http, sim).json()["access"]["serviceCatalog"]

    by_type = {service["type"]: service for service in catalog}
    assert set(by_type) == {"compute", "object-store", "rax:backup"}
    backup = by_type["rax:backup"]
    assert backup["name"] == "cloudBackup"
    assert [(e["region"], e["tenantId"], e["publicURL"]) for e in backup["endpoints"]] == [
        (region, "123456", sim.backup_url(region)) for region in REGIONS
    ]
    assert sim.backup_url("ORD") == f"{sim.region_url('ORD')}/v1.0/123456"
    other_urls = [e["publicURL"] for s in catalog if s is not backup for e in s["endpoints"]]
    assert all(url.startswith(sim.url) for url in other_urls)
    assert all(http.get(url, timeout=5).status_code == 404 for url in other_urls[:2])


def test_slashes_are_escaped_in_the_raw_json(sim: Simulator, http: requests.Session) -> None:
    raw = authenticate(http, sim).text

    assert f'"publicURL":"{sim.backup_url().replace("/", chr(92) + "/")}"' in raw
    assert "http://" not in raw


def test_get_on_tokens_is_405(sim: Simulator, http: requests.Session) -> None:
    response = http.get(sim.identity_url + "tokens", timeout=5)

    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert response.json()["badMethod"]["code"] == 405


def token_auth(http: requests.Session, sim: Simulator, **auth: object) -> requests.Response:
    return http.post(sim.identity_url + "tokens", json={"auth": auth}, timeout=5)


def test_token_credentials_rescope_the_same_token(sim: Simulator, http: requests.Session) -> None:
    first = authenticate(http, sim).json()["access"]
    token = first["token"]["id"]

    again = token_auth(http, sim, token={"id": token}, tenantId=sim.config.tenant_id)

    assert again.status_code == 200
    access = again.json()["access"]
    assert access["token"]["id"] == token
    assert access["token"]["tenant"]["id"] == sim.config.tenant_id
    assert access["token"]["RAX-AUTH:authenticatedBy"] == ["APIKEY"]
    assert access["serviceCatalog"] == first["serviceCatalog"]
    assert access["token"]["expires"] <= first["token"]["expires"]
    by_name = token_auth(http, sim, token={"id": token}, tenantName=sim.config.tenant_id)
    assert by_name.status_code == 200
    assert token_auth(http, sim, token={"id": token}).status_code == 200


@pytest.mark.parametrize(
    "auth",
    [
        {"token": {"id": "not-a-token"}, "tenantId": "123456"},
        {"token": {"id": "VALID"}, "tenantId": "999999"},
        {"token": {"id": "VALID"}, "tenantName": "someone-else"},
    ],
)
def test_token_credentials_refused(
    sim: Simulator, http: requests.Session, auth: dict[str, object]
) -> None:
    valid = sim.issue_token()
    auth = {**auth, "token": {"id": valid if auth["token"] == {"id": "VALID"} else "nope"}}

    response = token_auth(http, sim, **auth)

    assert response.status_code == 401
    assert response.json()["unauthorized"]["code"] == 401


def test_expired_token_cannot_be_rescoped(sim: Simulator, http: requests.Session) -> None:
    token = sim.issue_token()
    sim.faults.expire_tokens()

    response = token_auth(http, sim, token={"id": token}, tenantId=sim.config.tenant_id)

    assert response.status_code == 401


@pytest.mark.parametrize(
    "auth",
    [{"token": "abc"}, {"token": {"id": 5}}, {"token": {"id": "a"}, "tenantId": 123456}],
)
def test_malformed_token_credentials_are_400(
    sim: Simulator, http: requests.Session, auth: dict[str, object]
) -> None:
    response = token_auth(http, sim, **auth)

    assert response.status_code == 400
    assert response.json()["badRequest"]["message"].startswith("Invalid request body: ")


def test_cloud_files_endpoints_carry_an_internal_url(
    sim: Simulator, http: requests.Session
) -> None:
    catalog = authenticate(http, sim).json()["access"]["serviceCatalog"]
    files = next(service for service in catalog if service["name"] == "cloudFiles")

    assert [e["region"] for e in files["endpoints"]] == list(REGIONS)
    for endpoint in files["endpoints"]:
        public, internal = endpoint["publicURL"], endpoint["internalURL"]
        assert public != internal
        assert (
            public.rsplit("/", 2)[1:] == internal.rsplit("/", 2)[1:] == ["v1", endpoint["tenantId"]]
        )
        assert internal.startswith(sim.url)
        assert http.get(internal, timeout=5).status_code == 404


def test_backup_public_urls_have_the_real_shape(sim: Simulator, http: requests.Session) -> None:
    """A host of its own per region, then /v1.0/{tenant}: nothing between host and version."""
    catalog = authenticate(http, sim).json()["access"]["serviceCatalog"]
    backup = next(service for service in catalog if service["type"] == "rax:backup")
    urls = [urlsplit(endpoint["publicURL"]) for endpoint in backup["endpoints"]]

    assert len({url.netloc for url in urls}) == len(REGIONS)
    assert {url.path for url in urls} == {"/v1.0/123456"}
    assert urlsplit(sim.url).netloc not in {url.netloc for url in urls}
