"""The client over real HTTP against a fixed endpoint: operations, retries, failures."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

import bot
from bot.backup_api import (
    AgentNotFoundError,
    AuthenticationError,
    BackupApiClient,
    BackupApiConnectionError,
    BackupApiHttpError,
    BackupApiTimeoutError,
    MalformedResponseError,
    RegionNotFoundError,
    ServiceUnavailableError,
    StaticTokenAuth,
    build_client,
)
from tests.backup_api.bapi_helpers import (
    API_KEY,
    FAST,
    IDENTITY_TOKENS,
    STATIC_TOKEN,
    TENANT,
    USERNAME,
    Clients,
    FakeServer,
    Reply,
    agent_record,
    backup_path,
    identity_answer,
)

AGENTS = backup_path(None, "user/agents")
WAKE = backup_path(None, "user/wakeupagents")
SEED = Path(__file__).parent / "fixtures" / "seed_list_example.json.txt"


def test_list_agents_sends_token_and_user_agent(server: FakeServer, clients: Clients) -> None:
    server.script("GET", AGENTS, Reply(200, [agent_record(1), agent_record(2, Status="Online")]))
    agents = clients.static().list_agents()
    assert [a.id for a in agents] == [1, 2]
    (seen,) = server.seen("GET", AGENTS)
    assert seen.headers["x-auth-token"] == STATIC_TOKEN
    assert seen.headers["user-agent"] == f"backup-bot/{bot.__version__}"


def test_the_user_example_parses_over_http(server: FakeServer, clients: Clients) -> None:
    server.script("GET", AGENTS, Reply(200, SEED.read_bytes()))
    agents = clients.static().list_agents()
    assert [(a.id, a.public_key.exponent_hex if a.public_key else None) for a in agents] == [
        (213563, "09528"),
        (213564, "82374"),
    ]


def test_agent_details_by_id_and_by_server(server: FakeServer, clients: Clients) -> None:
    server.script("GET", backup_path(None, "agent/7"), Reply(200, agent_record(7, Status="Online")))
    uuid = "a5f1e0c2-43a0-4b1c-9e8e-0c7c6e5b2d11"
    server.script("GET", backup_path(None, f"agent/server/{uuid}"), Reply(200, agent_record(8)))
    client = clients.static()
    assert client.get_agent(7).status.value == "Online"
    assert client.get_agent_by_server(uuid).id == 8


def test_server_id_cannot_escape_its_path_segment(server: FakeServer, clients: Clients) -> None:
    with pytest.raises(AgentNotFoundError):
        clients.static().get_agent_by_server("../../user/agents")
    (seen,) = server.seen()
    assert seen.path == backup_path(None, "agent/server/..%2F..%2Fuser%2Fagents")


def test_wake_up_posts_an_empty_body(server: FakeServer, clients: Clients) -> None:
    server.script("POST", WAKE, Reply(200))
    clients.static().wake_up_agents()
    (seen,) = server.seen("POST", WAKE)
    assert seen.headers["content-length"] == "0"
    assert seen.body == b""
    assert seen.headers["x-auth-token"] == STATIC_TOKEN


# --- retries ----------------------------------------------------------------------------


def test_503_then_success_is_retried_and_counted(
    server: FakeServer, clients: Clients, caplog: pytest.LogCaptureFixture
) -> None:
    server.script("GET", AGENTS, Reply(503), Reply(503), Reply(200, [agent_record(1)]))
    with caplog.at_level(logging.DEBUG, "bot.backup_api"):
        assert [a.id for a in clients.static().list_agents()] == [1]
    assert len(server.seen("GET", AGENTS)) == 3
    assert any(
        f"GET {AGENTS} -> 200" in r.getMessage() and "retries: 2" in r.getMessage()
        for r in caplog.records
    )


def test_503_forever_reports_the_retries(server: FakeServer, clients: Clients) -> None:
    server.script("GET", AGENTS, Reply(503, {"message": "Down for maintenance"}))
    with pytest.raises(ServiceUnavailableError) as caught:
        clients.static(max_retries=3).list_agents()
    error = caught.value
    assert (error.status, error.retries, error.operation) == (503, 3, "list agents")
    assert error.service_message == "Down for maintenance"
    assert "retried 3 times" in str(error)
    assert len(server.seen("GET", AGENTS)) == 4


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_errors_are_retried(server: FakeServer, clients: Clients, status: int) -> None:
    server.script("GET", AGENTS, Reply(status), Reply(200, []))
    assert clients.static().list_agents() == []
    assert len(server.seen()) == 2


def test_instance_fault_is_not_retried(server: FakeServer, clients: Clients) -> None:
    server.script("GET", backup_path(None, "agent/3"), Reply(500, "Instance Fault"))
    with pytest.raises(ServiceUnavailableError) as caught:
        clients.static().get_agent(3)
    assert (caught.value.status, caught.value.retries) == (500, 0)
    assert caught.value.service_message == "Instance Fault"
    assert len(server.seen()) == 1


def test_wake_up_is_retried_too(server: FakeServer, clients: Clients) -> None:
    server.script("POST", WAKE, Reply(503), Reply(200))
    clients.static().wake_up_agents()
    assert len(server.seen("POST", WAKE)) == 2


def test_retry_after_is_honoured_up_to_the_cap(server: FakeServer, clients: Clients) -> None:
    server.script("GET", AGENTS, Reply(503, headers={"Retry-After": "3600"}), Reply(200, []))
    started = time.monotonic()
    clients.static(retry_after_max=1).list_agents()
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 3.0
    assert len(server.seen()) == 2


def test_no_retries_when_disabled(server: FakeServer, clients: Clients) -> None:
    server.script("GET", AGENTS, Reply(503))
    with pytest.raises(ServiceUnavailableError) as caught:
        clients.static(max_retries=0).list_agents()
    assert caught.value.retries == 0
    assert "retried" not in str(caught.value)
    assert len(server.seen()) == 1


# --- transport failures -----------------------------------------------------------------


def test_read_timeout_fires_within_the_configured_timeout(
    server: FakeServer, clients: Clients
) -> None:
    server.script("GET", AGENTS, Reply(200, [], delay=5.0))
    started = time.monotonic()
    with pytest.raises(BackupApiTimeoutError) as caught:
        clients.static(read_timeout=0.3).list_agents()
    assert time.monotonic() - started < 1.5
    assert "did not answer within 0.3 s" in str(caught.value)
    assert caught.value.operation == "list agents"
    assert len(server.seen()) == 1


@pytest.mark.parametrize(("method", "path"), [("GET", AGENTS), ("POST", WAKE)])
def test_a_connection_cut_before_the_answer_is_retried(
    server: FakeServer, clients: Clients, method: str, path: str
) -> None:
    server.script(method, path, Reply(cut=True), Reply(200, []))
    client = clients.static()
    if method == "GET":
        assert client.list_agents() == []
    else:
        client.wake_up_agents()
    assert len(server.seen(method, path)) == 2


def test_a_connection_cut_every_time_is_reported(server: FakeServer, clients: Clients) -> None:
    server.script("GET", AGENTS, Reply(cut=True))
    with pytest.raises(BackupApiConnectionError) as caught:
        clients.static().list_agents()
    assert "the connection was cut" in str(caught.value)
    assert caught.value.retries == 2
    assert len(server.seen()) == 3


def test_refused_connection_is_retried_then_reported(closed_port: int) -> None:
    auth = StaticTokenAuth(f"http://127.0.0.1:{closed_port}/v1.0/{TENANT}", STATIC_TOKEN)
    with BackupApiClient(auth, **FAST) as client:
        started = time.monotonic()
        with pytest.raises(BackupApiConnectionError) as caught:
            client.wake_up_agents()
    assert time.monotonic() - started < 2.0
    error = caught.value
    assert error.retries == 2
    assert "connection refused" in str(error)
    assert f"127.0.0.1:{closed_port}" in str(error)
    assert error.operation == "wake up agents"


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        ("<html>oops</html>", "not JSON"),
        ("", "empty answer"),
        ({"agents": []}, "expected an array of agents, got an object"),
    ],
)
def test_malformed_list_body(
    server: FakeServer, clients: Clients, body: object, phrase: str
) -> None:
    server.script("GET", AGENTS, Reply(200, body))
    with pytest.raises(MalformedResponseError, match=phrase) as caught:
        clients.static().list_agents()
    assert caught.value.operation == "list agents"
    assert caught.value.status is None


def test_malformed_details_body(server: FakeServer, clients: Clients) -> None:
    server.script("GET", backup_path(None, "agent/4"), Reply(200, [agent_record(4)]))
    with pytest.raises(MalformedResponseError, match="not a readable agent"):
        clients.static().get_agent(4)


# --- HTTP errors ------------------------------------------------------------------------


def test_static_token_refused_is_not_retried(server: FakeServer, clients: Clients) -> None:
    server.script("GET", AGENTS, Reply(401, {"unauthorized": {"message": "Token expired"}}))
    with pytest.raises(AuthenticationError) as caught:
        clients.static().list_agents()
    error = caught.value
    assert "expired or invalid" in str(error)
    assert error.service_message == "Token expired"
    assert "BACKUP_AUTH_TOKEN" in error.hint
    assert len(server.seen()) == 1


def test_404_means_agent_not_found_only_on_lookups(server: FakeServer, clients: Clients) -> None:
    client = clients.static()
    with pytest.raises(AgentNotFoundError) as caught:
        client.get_agent(99)
    assert caught.value.operation == "get agent 99"
    with pytest.raises(BackupApiHttpError) as listed:
        client.list_agents()
    assert type(listed.value) is BackupApiHttpError
    assert listed.value.status == 404


def test_redirects_are_not_followed(server: FakeServer, clients: Clients) -> None:
    server.script("GET", AGENTS, Reply(302, headers={"Location": "/elsewhere"}))
    with pytest.raises(BackupApiHttpError) as caught:
        clients.static().list_agents()
    assert caught.value.status == 302
    assert not server.seen(path="/elsewhere")


def test_a_token_echoed_by_the_service_is_blanked(server: FakeServer, clients: Clients) -> None:
    server.script("GET", AGENTS, Reply(400, {"message": f"bad token {STATIC_TOKEN} here"}))
    with pytest.raises(BackupApiHttpError) as caught:
        clients.static().list_agents()
    assert caught.value.service_message == "bad token [redacted] here"
    assert STATIC_TOKEN not in str(caught.value)


def test_debug_log_has_requests_but_never_the_token(
    server: FakeServer, clients: Clients, caplog: pytest.LogCaptureFixture
) -> None:
    server.script("GET", AGENTS, Reply(200, []))
    server.script("POST", WAKE, Reply(503))
    client = clients.static()
    with caplog.at_level(logging.DEBUG):
        client.list_agents()
        with pytest.raises(ServiceUnavailableError):
            client.wake_up_agents()
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith(f"GET {AGENTS} -> 200 in ") for m in messages)
    assert any(m.startswith(f"POST {WAKE} -> 503 in ") for m in messages)
    assert not any(STATIC_TOKEN in m for m in messages)


# --- endpoint, regions and lifecycle ------------------------------------------------------


def test_fixed_endpoint_has_no_region(server: FakeServer, clients: Clients) -> None:
    client = clients.static()
    assert client.endpoint().account_id == TENANT
    assert client.endpoint().region is None
    assert client.for_region(None).endpoint().account_id == TENANT
    with pytest.raises(RegionNotFoundError) as caught:
        client.for_region("ord")
    assert "ORD" in str(caught.value)
    assert "RACKSPACE_USERNAME" in caught.value.hint
    assert not server.seen()


def test_closing_a_regional_view_leaves_the_client_open(
    server: FakeServer, clients: Clients
) -> None:
    server.script("GET", AGENTS, Reply(200, []))
    client = clients.static()
    with client.for_region(None) as view:
        assert view.list_agents() == []
    assert client.list_agents() == []


def test_build_client_without_identity_uses_the_fixed_endpoint(server: FakeServer) -> None:
    server.script("GET", AGENTS, Reply(200, []))
    url = server.url + backup_path(None)
    with build_client(username="", backup_api_url=url, backup_auth_token=STATIC_TOKEN) as client:
        assert client.list_agents() == []
    (seen,) = server.seen()
    assert seen.headers["x-auth-token"] == STATIC_TOKEN


def test_build_client_prefers_identity(server: FakeServer) -> None:
    server.script("POST", IDENTITY_TOKENS, Reply(200, identity_answer(server, "tok-5ecret")))
    server.script("GET", backup_path("IAD", "user/agents"), Reply(200, []))
    with build_client(
        identity_url=server.url + "/v2.0/",
        username=USERNAME,
        api_key=API_KEY,
        region="IAD",
        backup_api_url=server.url + backup_path(None),
        backup_auth_token=STATIC_TOKEN,
        max_retries=0,
    ) as client:
        assert client.list_agents() == []
        assert client.for_region(None).endpoint().region == "IAD"
    assert [s.path for s in server.seen()] == [IDENTITY_TOKENS, backup_path("IAD", "user/agents")]
    assert server.seen()[1].headers["x-auth-token"] == "tok-5ecret"


def test_build_client_refuses_incomplete_settings() -> None:
    with pytest.raises(ValueError, match="no backup API credentials"):
        build_client(username="bob")
    with pytest.raises(ValueError, match="region"):
        build_client(
            region="ORD", backup_api_url="http://127.0.0.1:9/v1.0/1", backup_auth_token="t"
        )


@pytest.mark.parametrize(
    "url",
    ["dfw.backup.api.rackspacecloud.com/v1.0/1", "https://host", "https://host/", "ftp://h/1"],
)
def test_static_auth_wants_a_full_base_url(url: str) -> None:
    with pytest.raises(ValueError, match="tenant id"):
        StaticTokenAuth(url, STATIC_TOKEN)


def test_static_auth_never_shows_its_token() -> None:
    auth = StaticTokenAuth(f"http://127.0.0.1:9/v1.0/{TENANT}", STATIC_TOKEN)
    with BackupApiClient(auth) as client:
        texts = [repr(auth), repr(auth.grant(None)), repr(client), str(auth.unauthorized_hint)]
    assert not [t for t in texts if STATIC_TOKEN in t]
