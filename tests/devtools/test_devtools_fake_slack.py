from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient

from bot.devtools.fake_slack import DEFAULT_BOT_TOKEN, FakeSlack, Message

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*web-01* online"}}


def error_of(call: Any) -> tuple[int, str]:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value.response.status_code, caught.value.response["error"]


# -- Web API ---------------------------------------------------------------------------------


def test_post_message_is_answered_and_recorded(fake: FakeSlack, client: WebClient) -> None:
    response = client.chat_postMessage(channel="C0OPS", text="hello", blocks=[SECTION])

    assert response["ok"] is True
    assert response["channel"] == "C0OPS"
    assert response["message"]["blocks"] == [SECTION]
    [message] = fake.messages
    assert message.via == "chat.postMessage"
    assert message.channel_id == "C0OPS"
    assert message.user_id is None
    assert message.response_type == "in_channel"
    assert (message.text, message.blocks, message.ts) == ("hello", [SECTION], response["ts"])
    assert "token" not in message.payload
    assert fake.calls("chat.postMessage") == 1


def test_auth_test_names_the_bot(client: WebClient) -> None:
    response = client.auth_test()

    assert response["ok"] is True
    assert response["user_id"] == "UBOT"
    assert response["bot_id"]
    assert response["team_id"] == "T0001"
    assert response["url"].startswith("https://")


def test_api_test_needs_no_token_and_echoes_args(fake: FakeSlack) -> None:
    anonymous = WebClient(base_url=fake.api_url)

    assert anonymous.api_test(foo="bar")["args"] == {"foo": "bar"}
    assert error_of(lambda: anonymous.api_test(error="my_error")) == (200, "my_error")


def test_wrong_token_is_invalid_auth_with_http_200(fake: FakeSlack) -> None:
    intruder = WebClient(base_url=fake.api_url, token="xoxb-wrong")
    anonymous = WebClient(base_url=fake.api_url)

    assert error_of(lambda: intruder.chat_postMessage(channel="C1", text="x")) == (
        200,
        "invalid_auth",
    )
    assert error_of(lambda: anonymous.auth_test()) == (200, "not_authed")
    assert fake.messages == []
    assert fake.calls("chat.postMessage") == 1


def test_token_in_a_form_field_is_accepted(fake: FakeSlack) -> None:
    response = requests.post(
        fake.api_url + "chat.postMessage",
        data={
            "token": DEFAULT_BOT_TOKEN,
            "channel": "G123",
            "blocks": f"[{SECTION}]".replace("'", '"'),
        },
        timeout=5,
    )

    assert response.json()["ok"] is True
    assert fake.messages[0].blocks == [SECTION]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"channel": "C1"}, "no_text"),
        ({"channel": "U123", "text": "x"}, "channel_not_found"),
        ({"channel": "C1", "text": "x", "blocks": [SECTION] * 51}, "invalid_blocks"),
    ],
)
def test_messages_slack_would_refuse(
    fake: FakeSlack, client: WebClient, kwargs: dict[str, Any], error: str
) -> None:
    assert error_of(lambda: client.chat_postMessage(**kwargs)) == (200, error)
    assert fake.messages == []


def test_invalid_blocks_say_where(client: WebClient) -> None:
    too_long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}

    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C1", text="x", blocks=[SECTION, too_long])

    assert caught.value.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/1/text/text]"
    ]


def test_unknown_method(client: WebClient) -> None:
    assert error_of(lambda: client.api_call("chat.scheduleNothing")) == (200, "unknown_method")


def test_ephemeral_and_update(fake: FakeSlack, client: WebClient) -> None:
    client.chat_postEphemeral(channel="C0OPS", user="U_BOB", text="only bob")
    posted = client.chat_postMessage(channel="C0OPS", text="v1")
    client.chat_update(channel="C0OPS", ts=posted["ts"], text="v2")

    ephemeral, _, updated = fake.messages
    assert (ephemeral.via, ephemeral.user_id, ephemeral.response_type) == (
        "chat.postEphemeral",
        "U_BOB",
        "ephemeral",
    )
    assert (updated.via, updated.ts, updated.text) == ("chat.update", posted["ts"], "v2")
    assert updated.replace_original is True
    assert error_of(lambda: client.chat_update(channel="C0OPS", ts="1.2", text="x")) == (
        200,
        "message_not_found",
    )


# -- faults ----------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after(fake: FakeSlack, client: WebClient) -> None:
    fake.rate_limit_next(1, retry_after=7)

    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C1", text="x")

    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "7"
    assert caught.value.response["error"] == "ratelimited"
    assert client.chat_postMessage(channel="C1", text="x")["ok"] is True


def test_slack_sdk_retries_a_rate_limit_and_posts_once(fake: FakeSlack) -> None:
    fake.rate_limit_next(1, retry_after=0)
    patient = WebClient(
        base_url=fake.api_url,
        token=DEFAULT_BOT_TOKEN,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )

    assert patient.chat_postMessage(channel="C1", text="once")["ok"] is True

    assert [m.text for m in fake.messages] == ["once"]
    assert [(a.status, a.error) for a in fake.attempts] == [(429, "ratelimited"), (200, None)]
    assert fake.calls("chat.postMessage") == 2


def test_rate_limit_only_hits_its_method(fake: FakeSlack, client: WebClient) -> None:
    fake.rate_limit_next(1, method="chat.postEphemeral")

    assert client.chat_postMessage(channel="C1", text="x")["ok"] is True
    assert error_of(lambda: client.chat_postEphemeral(channel="C1", user="U1", text="x")) == (
        429,
        "ratelimited",
    )


def test_server_errors_then_recovery(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next(2, status=503)

    assert error_of(lambda: client.auth_test()) == (503, "service_unavailable")
    retrying = WebClient(
        base_url=fake.api_url,
        token=DEFAULT_BOT_TOKEN,
        retry_handlers=[
            ServerErrorRetryHandler(
                max_retry_count=2, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
            )
        ],
    )
    assert retrying.chat_postMessage(channel="C1", text="x")["ok"] is True
    assert [a.status for a in fake.attempts] == [503, 503, 200]


def test_delay_trips_a_client_timeout(fake: FakeSlack) -> None:
    fake.delay_next(1, 2.0, method="chat.postMessage")
    impatient = WebClient(base_url=fake.api_url, token=DEFAULT_BOT_TOKEN, timeout=0.1)  # type: ignore[arg-type]

    started = time.monotonic()
    with pytest.raises(OSError, match="timed out"):
        impatient.chat_postMessage(channel="C1", text="slow")
    assert time.monotonic() - started < 1.5


def test_delay_then_answer(fake: FakeSlack, client: WebClient) -> None:
    fake.delay_next(1, 0.1)

    started = time.monotonic()
    assert client.auth_test()["ok"] is True
    assert time.monotonic() - started >= 0.1
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started < 0.1


def test_fault_counts(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next(0)

    assert client.auth_test()["ok"] is True
    with pytest.raises(ValueError, match="negative"):
        fake.fail_next(-1)


def test_slow_then_failing(fake: FakeSlack, client: WebClient) -> None:
    fake.delay_next(1, 0.05, method="auth.test")
    fake.fail_next(1, method="auth.test")

    started = time.monotonic()
    assert error_of(client.auth_test) == (500, "internal_server_error")
    assert time.monotonic() - started >= 0.05


# -- response_url ----------------------------------------------------------------------------


def test_response_url_post_is_recorded_for_its_channel_and_user(fake: FakeSlack) -> None:
    url = fake.new_response_url(channel_id="C0OPS", user_id="U0ALICE")

    response = WebhookClient(url).send(text="hi", blocks=[SECTION])

    assert (response.status_code, response.body) == (200, "ok")
    [message] = fake.messages
    assert (message.via, message.channel_id, message.user_id) == (
        "response_url",
        "C0OPS",
        "U0ALICE",
    )
    assert message.response_type == "ephemeral"
    assert (message.replace_original, message.delete_original) == (False, False)
    assert message.blocks == [SECTION]


def test_response_url_flags(fake: FakeSlack) -> None:
    url = fake.new_response_url(channel_id="C0OPS", user_id="U0ALICE")
    hook = WebhookClient(url)

    hook.send(text="all", response_type="in_channel", replace_original=True)
    hook.send_dict({"delete_original": True})

    shared, deleted = fake.messages
    assert (shared.response_type, shared.replace_original) == ("in_channel", True)
    assert deleted.delete_original is True


def test_response_url_is_used_up_after_max_uses(fake: FakeSlack) -> None:
    hook = WebhookClient(fake.new_response_url(channel_id="C1", user_id="U1"))

    statuses = [hook.send(text=f"post {n}").status_code for n in range(5)]
    sixth = hook.send(text="one too many")

    assert statuses == [200] * 5
    assert (sixth.status_code, sixth.body) == (404, "used_url")
    assert len(fake.messages) == 5
    assert fake.calls("response_url") == 6


def test_response_url_max_uses_and_expiry(fake: FakeSlack) -> None:
    once = WebhookClient(fake.new_response_url(channel_id="C1", user_id="U1", max_uses=1))
    url = fake.new_response_url(channel_id="C1", user_id="U1")
    fake.expire_response_url(url)
    short_lived = WebhookClient(fake.new_response_url(channel_id="C1", user_id="U1", ttl=0.0))

    assert once.send(text="a").status_code == 200
    assert once.send(text="b").body == "used_url"
    expired = WebhookClient(url).send(text="late")
    assert (expired.status_code, expired.body) == (404, "expired_url")
    assert short_lived.send(text="late").body == "expired_url"
    assert WebhookClient(fake.url + "/response/unknown").send(text="x").status_code == 404


def test_response_url_refuses_what_slack_refuses(fake: FakeSlack) -> None:
    url = fake.new_response_url(channel_id="C1", user_id="U1")

    empty = WebhookClient(url).send_dict({"response_type": "in_channel"})
    not_json = requests.post(url, data=b"text=hi", timeout=5)

    assert (empty.status_code, empty.body) == (400, "no_text")
    assert (not_json.status_code, not_json.text) == (400, "invalid_payload")
    assert fake.messages == []


def test_failing_response_urls(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_response_urls(1)
    hook = WebhookClient(fake.new_response_url(channel_id="C1", user_id="U1"))

    assert client.auth_test()["ok"] is True  # Web API calls are not affected
    assert hook.send(text="lost").status_code == 404
    assert hook.send(text="kept").status_code == 200
    assert [m.text for m in fake.messages] == ["kept"]


# -- waiting ---------------------------------------------------------------------------------


def test_wait_for_a_message_posted_later(fake: FakeSlack, client: WebClient) -> None:
    def post() -> None:
        client.chat_postMessage(channel="C1", text="first")
        client.chat_postMessage(channel="C1", text="awake")

    later = threading.Timer(0.05, post)  # posted after the wait below has begun
    later.start()

    message = fake.wait_for(lambda m: "awake" in m.text, timeout=5)
    assert message.text == "awake"
    assert [m.text for m in fake.wait_for_count(2, timeout=5)] == ["first", "awake"]
    later.join(5)


def test_wait_for_timeout_says_what_was_received(fake: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel="C0OPS", text="something else")
    fake.rate_limit_next(1)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0OPS", text="refused")

    started = time.monotonic()
    with pytest.raises(TimeoutError) as caught:
        fake.wait_for(lambda m: m.text == "never", timeout=0.05)

    assert time.monotonic() - started < 1
    report = str(caught.value)
    assert "0 matched" in report
    assert "chat.postMessage in_channel C0OPS: 'something else'" in report
    assert "chat.postMessage -> 429 ratelimited" in report


def test_clear_forgets_messages_and_attempts(fake: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="x")

    fake.clear()

    assert fake.messages == []
    assert fake.calls("chat.postMessage") == 0


def test_concurrent_posts_are_all_recorded_with_unique_ts(fake: FakeSlack) -> None:
    def post(n: int) -> None:
        WebClient(base_url=fake.api_url, token=DEFAULT_BOT_TOKEN).chat_postMessage(
            channel="C1", text=str(n)
        )

    threads = [threading.Thread(target=post, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)

    messages: list[Message] = fake.wait_for_count(20, timeout=5)
    assert sorted(int(m.text) for m in messages) == list(range(20))
    assert len({m.ts for m in messages}) == 20


def test_stopped_fake_refuses_connections_until_restarted() -> None:
    slack = FakeSlack().start()
    url = slack.api_url
    response_url = slack.new_response_url(channel_id="C1", user_id="U1")
    slack.stop()

    with pytest.raises(requests.ConnectionError):
        requests.post(url + "api.test", timeout=2)
    with pytest.raises(RuntimeError, match="not running"):
        _ = slack.url
    with slack:
        assert slack.api_url == url
        assert requests.post(url + "api.test", timeout=2).json()["ok"] is True
        assert WebhookClient(response_url).send(text="back").status_code == 200
