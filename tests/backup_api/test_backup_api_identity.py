"""Rackspace Identity: token cache, re-authentication, regions, refused credentials."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
import requests

from bot.backup_api import (
    AuthenticationError,
    BackupApiClient,
    BackupApiError,
    IdentityAuth,
    MalformedResponseError,
    RegionNotFoundError,
    ServiceUnavailableError,
)
from bot.backup_api.catalog import choose_endpoint, parse_access
from tests.backup_api.bapi_helpers import (
    API_KEY,
    IDENTITY_TOKENS,
    TENANT,
    USERNAME,
    Clients,
    FakeServer,
    Reply,
    Seen,
    agent_record,
    backup_path,
    identity_answer,
)

TOKEN_1 = "tok1-5ecret-aaaaaaaaaaaa"
TOKEN_2 = "tok2-5ecret-bbbbbbbbbbbb"
PAST = datetime.now(UTC) - timedelta(hours=1)


def issue(server: FakeServer, *answers: dict[str, object], delay: float = 0.0) -> None:
    server.script("POST", IDENTITY_TOKENS, *(Reply(200, a, delay=delay) for a in answers))


def serve_agents(server: FakeServer, region: str | None) -> str:
    path = backup_path(region, "user/agents")
    server.script("GET", path, Reply(200, [agent_record(1)]))
    return path


def run_together(count: int, work: Callable[[], object]) -> list[object]:
    """Run ``work`` on ``count`` threads released at the same moment; return results."""
    barrier = threading.Barrier(count)
    results: list[object] = []
    lock = threading.Lock()

    def runner() -> None:
        barrier.wait(timeout=5)
        try:
            outcome: object = work()
        except BackupApiError as error:
            outcome = error
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=runner) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(t.is_alive() for t in threads)
    return results


# --- authentication request and token cache -------------------------------------------------


def test_authenticates_with_the_api_key_and_uses_the_default_region(
    server: FakeServer, clients: Clients
) -> None:
    issue(server, identity_answer(server, TOKEN_1, default_region="ORD"))
    path = serve_agents(server, "ORD")
    client, _ = clients.identity()
    assert [a.id for a in client.list_agents()] == [1]
    (auth_request,) = server.seen("POST", IDENTITY_TOKENS)
    assert json.loads(auth_request.body) == {
        "auth": {"RAX-KSKEY:apiKeyCredentials": {"username": USERNAME, "apiKey": API_KEY}}
    }
    assert auth_request.headers["content-type"] == "application/json"
    assert auth_request.headers["user-agent"].startswith("backup-bot/")
    (listed,) = server.seen("GET", path)
    assert listed.headers["x-auth-token"] == TOKEN_1
    assert (client.endpoint().region, client.endpoint().account_id) == ("ORD", TENANT)


@pytest.mark.parametrize("suffix", ["/v2.0", "/v2.0/"])
def test_identity_url_with_or_without_slash(server: FakeServer, suffix: str) -> None:
    issue(server, identity_answer(server, TOKEN_1))
    with requests.Session() as session:
        auth = IdentityAuth(server.url + suffix, USERNAME, API_KEY, session=session)
        assert auth.grant(None).token == TOKEN_1
    assert len(server.seen("POST", IDENTITY_TOKENS)) == 1


def test_token_is_cached(server: FakeServer, clients: Clients) -> None:
    issue(server, identity_answer(server, TOKEN_1))
    serve_agents(server, "ORD")
    client, _ = clients.identity()
    client.list_agents()
    client.list_agents()
    assert len(server.seen("POST", IDENTITY_TOKENS)) == 1


def test_expired_token_is_renewed_before_use(server: FakeServer, clients: Clients) -> None:
    issue(server, identity_answer(server, TOKEN_1, expires=PAST), identity_answer(server, TOKEN_2))
    path = serve_agents(server, "ORD")
    client, _ = clients.identity()
    client.list_agents()
    client.list_agents()
    assert len(server.seen("POST", IDENTITY_TOKENS)) == 2
    assert [s.headers["x-auth-token"] for s in server.seen("GET", path)] == [TOKEN_1, TOKEN_2]


def test_a_short_lived_token_is_still_reused(server: FakeServer, clients: Clients) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=60)
    issue(server, identity_answer(server, TOKEN_1, expires=soon))
    serve_agents(server, "ORD")
    client, _ = clients.identity()
    client.list_agents()
    client.list_agents()
    assert len(server.seen("POST", IDENTITY_TOKENS)) == 1


def test_expiry_with_an_offset_and_fraction(server: FakeServer, clients: Clients) -> None:
    later = (datetime.now(UTC) + timedelta(days=1)).astimezone(timezone(timedelta(hours=-5)))
    issue(
        server,
        identity_answer(server, TOKEN_1, expires_text=later.isoformat(timespec="milliseconds")),
    )
    serve_agents(server, "ORD")
    client, _ = clients.identity()
    client.list_agents()
    client.list_agents()
    assert len(server.seen("POST", IDENTITY_TOKENS)) == 1


def test_escaped_slashes_from_identity(server: FakeServer, clients: Clients) -> None:
    text = json.dumps(identity_answer(server, TOKEN_1)).replace("/", "\\/")
    server.script("POST", IDENTITY_TOKENS, Reply(200, text))
    serve_agents(server, "ORD")
    client, _ = clients.identity()
    assert [a.id for a in client.list_agents()] == [1]


# --- 401 from the backup API ----------------------------------------------------------------


def tokens_answer(refused: set[str], delay: float = 0.0) -> Callable[[Seen], Reply]:
    def answer(seen: Seen) -> Reply:
        if seen.headers.get("x-auth-token") in refused:
            return Reply(401, {"unauthorized": {"message": "token expired"}}, delay=delay)
        return Reply(200, [agent_record(1)])

    return answer


def test_401_reauthenticates_once_and_retries(server: FakeServer, clients: Clients) -> None:
    issue(server, identity_answer(server, TOKEN_1), identity_answer(server, TOKEN_2))
    path = backup_path("ORD", "user/agents")
    server.respond("GET", path, tokens_answer({TOKEN_1}))
    client, _ = clients.identity()
    assert [a.id for a in client.list_agents()] == [1]
    assert len(server.seen("POST", IDENTITY_TOKENS)) == 2
    assert [s.headers["x-auth-token"] for s in server.seen("GET", path)] == [TOKEN_1, TOKEN_2]


def test_401_with_a_fresh_token_too_gives_up(server: FakeServer, clients: Clients) -> None:
    issue(server, identity_answer(server, TOKEN_1), identity_answer(server, TOKEN_2))
    path = backup_path("ORD", "user/agents")
    server.respond("GET", path, tokens_answer({TOKEN_1, TOKEN_2}))
    client, _ = clients.identity()
    with pytest.raises(AuthenticationError) as caught:
        client.list_agents()
    assert caught.value.status == 401
    assert "Cloud Backup role" in caught.value.hint
    assert len(server.seen("GET", path)) == 2
    assert len(server.seen("POST", IDENTITY_TOKENS)) == 2


def test_twenty_callers_with_an_expired_token_authenticate_once(
    server: FakeServer, clients: Clients
) -> None:
    issue(
        server,
        identity_answer(server, TOKEN_1, expires=PAST),
        identity_answer(server, TOKEN_2),
        delay=0.05,
    )
    path = serve_agents(server, "ORD")
    client, _ = clients.identity(concurrency=20)
    assert client.endpoint().account_id == TENANT  # holds TOKEN_1, which is already stale
    results = run_together(20, client.list_agents)
    assert all(isinstance(r, list) and len(r) == 1 for r in results), results
    assert len(server.seen("POST", IDENTITY_TOKENS)) == 2
    assert {s.headers["x-auth-token"] for s in server.seen("GET", path)} == {TOKEN_2}


def test_twenty_callers_refused_at_once_reauthenticate_once(
    server: FakeServer, clients: Clients
) -> None:
    issue(server, identity_answer(server, TOKEN_1), identity_answer(server, TOKEN_2), delay=0.02)
    path = backup_path("ORD", "user/agents")
    server.respond("GET", path, tokens_answer({TOKEN_1}, delay=0.05))
    client, _ = clients.identity(concurrency=20)
    assert client.endpoint().account_id == TENANT
    results = run_together(20, client.list_agents)
    assert all(isinstance(r, list) and len(r) == 1 for r in results), results
    assert len(server.seen("POST", IDENTITY_TOKENS)) == 2
    refused = [s for s in server.seen("GET", path) if s.headers["x-auth-token"] == TOKEN_1]
    assert len(refused) >= 2  # several callers really did hold the old token at once


def test_invalidate_only_drops_the_current_token(server: FakeServer, clients: Clients) -> None:
    issue(server, identity_answer(server, TOKEN_1), identity_answer(server, TOKEN_2))
    _, auth = clients.identity()
    assert auth.grant(None).token == TOKEN_1
    assert auth.invalidate("some older token") is True
    assert auth.grant(None).token == TOKEN_1
    auth.invalidate(TOKEN_1)
    assert auth.grant(None).token == TOKEN_2
    assert len(server.seen("POST", IDENTITY_TOKENS)) == 2


# --- Identity failures ------------------------------------------------------------------------


def test_wrong_api_key(server: FakeServer, clients: Clients) -> None:
    refusal = {
        "unauthorized": {
            "code": 401,
            "message": "Unable to authenticate user with credentials provided.",
        }
    }
    server.script("POST", IDENTITY_TOKENS, Reply(401, refusal))
    client, _ = clients.identity()
    with pytest.raises(AuthenticationError) as caught:
        client.list_agents()
    error = caught.value
    assert error.operation == "authenticate with Rackspace Identity"
    assert error.status == 401
    assert "refused the username 'alice' and its API key" in str(error)
    assert error.service_message == "Unable to authenticate user with credentials provided."
    assert "RACKSPACE_API_KEY" in error.hint
    for text in (str(error), repr(error), error.hint):
        assert API_KEY not in text
    assert len(server.seen("POST", IDENTITY_TOKENS)) == 1
    assert not server.seen("GET")


def test_api_key_echoed_by_identity_is_blanked(server: FakeServer, clients: Clients) -> None:
    server.script(
        "POST", IDENTITY_TOKENS, Reply(400, {"badRequest": {"message": f"bad {API_KEY}"}})
    )
    client, _ = clients.identity()
    with pytest.raises(BackupApiError) as caught:
        client.list_agents()
    assert caught.value.service_message == "bad [redacted]"
    assert API_KEY not in str(caught.value)


def test_identity_unavailable(server: FakeServer, clients: Clients) -> None:
    server.script("POST", IDENTITY_TOKENS, Reply(503))
    client, _ = clients.identity()
    with pytest.raises(ServiceUnavailableError) as caught:
        client.wake_up_agents()
    assert caught.value.operation == "authenticate with Rackspace Identity"
    assert caught.value.retries == 2
    assert len(server.seen("POST", IDENTITY_TOKENS)) == 3


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        ({"access": {}}, "access.token"),
        ({"access": {"token": {"id": TOKEN_1, "expires": "soon"}}}, "unexpected answer"),
        ([1, 2], "not an object"),
        ("Welcome!", "not JSON"),
    ],
)
def test_malformed_identity_answer(
    server: FakeServer, clients: Clients, body: object, phrase: str
) -> None:
    server.script("POST", IDENTITY_TOKENS, Reply(200, body))
    client, _ = clients.identity()
    with pytest.raises(MalformedResponseError, match=phrase):
        client.list_agents()


# --- regions ---------------------------------------------------------------------------------


def test_without_a_default_region_dfw_is_used(server: FakeServer, clients: Clients) -> None:
    issue(server, identity_answer(server, TOKEN_1, default_region=None))
    client, _ = clients.identity()
    assert client.endpoint().region == "DFW"


def test_region_less_endpoint(server: FakeServer, clients: Clients) -> None:
    issue(
        server, identity_answer(server, TOKEN_1, regions=("ORD", "IAD", None), default_region=None)
    )
    path = serve_agents(server, None)
    client, _ = clients.identity()
    assert client.endpoint().region is None
    assert client.endpoint().account_id == TENANT
    client.list_agents()
    assert len(server.seen("GET", path)) == 1


def test_explicit_region_wins(server: FakeServer, clients: Clients) -> None:
    issue(server, identity_answer(server, TOKEN_1, default_region="ORD"))
    path = serve_agents(server, "IAD")
    client, _ = clients.identity(region="iad")
    client.list_agents()
    assert client.endpoint().region == "IAD"
    assert len(server.seen("GET", path)) == 1
    configured, _ = clients.identity(auth_region="DFW")
    assert configured.endpoint().region == "DFW"


def test_unknown_region_names_the_regions_that_exist(server: FakeServer, clients: Clients) -> None:
    issue(server, identity_answer(server, TOKEN_1))
    client, _ = clients.identity(region="SYD")
    with pytest.raises(RegionNotFoundError) as caught:
        client.list_agents()
    error = caught.value
    assert error.available == ("DFW", "IAD", "ORD")
    assert str(error) == (
        "Could not use region SYD: the account has no Cloud Backup endpoint in SYD; "
        "it has DFW, IAD, ORD."
    )
    assert not server.seen("GET")


def test_for_region_shares_the_token(server: FakeServer, clients: Clients) -> None:
    issue(server, identity_answer(server, TOKEN_1))
    ord_path = serve_agents(server, "ORD")
    iad_path = serve_agents(server, "IAD")
    client, _ = clients.identity()
    client.list_agents()
    iad = client.for_region("iad")
    iad.list_agents()
    assert (client.endpoint().region, iad.endpoint().region) == ("ORD", "IAD")
    assert len(server.seen("POST", IDENTITY_TOKENS)) == 1
    assert [len(server.seen("GET", p)) for p in (ord_path, iad_path)] == [1, 1]
    with pytest.raises(RegionNotFoundError, match="DFW, IAD, ORD"):
        client.for_region("LON")


def test_no_backup_in_the_catalog(server: FakeServer, clients: Clients) -> None:
    issue(server, identity_answer(server, TOKEN_1, regions=()))
    client, _ = clients.identity()
    with pytest.raises(RegionNotFoundError, match="no Cloud Backup endpoint"):
        client.list_agents()


def catalog(*endpoints: object, default: str | None = None) -> dict[str, object]:
    user = {"RAX-AUTH:defaultRegion": default} if default else {}
    return {
        "access": {
            "token": {"id": TOKEN_1, "expires": "2030-01-01T00:00:00Z"},
            "user": user,
            "serviceCatalog": [
                "junk",
                {"name": "cloudBackup", "endpoints": list(endpoints)},
                {"type": "rax:backup", "endpoints": "junk"},
            ],
        }
    }


def test_catalog_parsing_is_tolerant() -> None:
    access = parse_access(
        catalog(
            {"region": "lon", "publicURL": "https://lon.backup/v1.0/99/"},
            {"region": "SYD"},
            "junk",
        )
    )
    assert [(e.url, e.region, e.account_id) for e in access.endpoints] == [
        ("https://lon.backup/v1.0/99", "LON", "99")
    ]
    assert choose_endpoint(access, None).region == "LON"
    assert access.expires == datetime(2030, 1, 1, tzinfo=UTC)
    assert access.token == TOKEN_1
    assert TOKEN_1 not in repr(access)


def test_several_regions_but_no_default_asks_for_one() -> None:
    access = parse_access(
        catalog(
            {"region": "LON", "publicURL": "https://lon/v1.0/1"},
            {"region": "SYD", "publicURL": "https://syd/v1.0/1"},
            default="HKG",
        )
    )
    with pytest.raises(RegionNotFoundError) as caught:
        choose_endpoint(access, None)
    assert caught.value.available == ("LON", "SYD")
    assert "RACKSPACE_REGION" in caught.value.hint


# --- secrets ---------------------------------------------------------------------------------


def test_no_secret_in_reprs_errors_or_logs(
    server: FakeServer, clients: Clients, caplog: pytest.LogCaptureFixture
) -> None:
    issue(server, identity_answer(server, TOKEN_1), identity_answer(server, TOKEN_2))
    server.respond("GET", backup_path("ORD", "user/agents"), tokens_answer({TOKEN_1, TOKEN_2}))
    client, auth = clients.identity()
    texts: list[str] = []
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(AuthenticationError) as refused:
            client.list_agents()
        with pytest.raises(RegionNotFoundError) as missing:
            client.for_region("HKG")
        grant = auth.grant(None)
    for error in (refused.value, missing.value):
        texts += [str(error), repr(error), error.hint]
    texts += [repr(auth), repr(grant), repr(client), repr(grant.endpoint)]
    texts += [r.getMessage() for r in caplog.records]
    for secret in (API_KEY, TOKEN_1, TOKEN_2):
        assert not [t for t in texts if secret in t]
    assert isinstance(client, BackupApiClient)
