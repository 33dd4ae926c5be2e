from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import pytest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from bot.devtools.fake_slack import FakeSlack
from bot.devtools.slack_sender import SlackSender, buttons

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"

COMMAND_FIELDS = [
    "token",
    "team_id",
    "team_domain",
    "channel_id",
    "channel_name",
    "user_id",
    "user_name",
    "command",
    "text",
    "api_app_id",
    "is_enterprise_install",
    "response_url",
    "trigger_id",
]

LIST_BLOCKS: list[dict[str, Any]] = [
    {
        "type": "section",
        "block_id": "agent-1",
        "text": {"type": "mrkdwn", "text": "*web-01*"},
        "accessory": {
            "type": "button",
            "action_id": "wake_agent",
            "value": "1",
            "text": {"type": "plain_text", "text": "Wake up"},
        },
    },
    {"type": "divider"},
    {
        "type": "actions",
        "block_id": "nav",
        "elements": [
            {
                "type": "button",
                "action_id": "share",
                "text": {"type": "plain_text", "text": "Share"},
                "style": "primary",
            },
            {"type": "static_select", "action_id": "pick"},
            {
                "type": "button",
                "action_id": "next_page",
                "value": "2",
                "text": {"type": "plain_text", "text": "Next"},
            },
        ],
    },
]


@dataclass(frozen=True)
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class RecordingServer:
    """A stand-in for the bot's request URL that keeps every raw request it receives."""

    url: str
    requests: list[Recorded] = field(default_factory=list)


@pytest.fixture
def recorder() -> Iterator[RecordingServer]:
    record = RecordingServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            record.requests.append(Recorded(self.path, dict(self.headers.items()), body))
            answer = b'{"response_type": "ephemeral", "text": "ack"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    record.url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    yield record
    server.shutdown()
    server.server_close()
    thread.join(5)


def only_request(recorder: RecordingServer) -> Recorded:
    [request] = recorder.requests
    return request


def assert_signed(request: Recorded) -> None:
    assert SignatureVerifier(SECRET).is_valid_request(request.body, request.headers)
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_command_is_a_signed_slack_form(recorder: RecordingServer, fake: FakeSlack) -> None:
    sender = SlackSender(recorder.url, SECRET, fake_slack=fake)

    sent = sender.command("agents dc:DFW", user_id="U_BOB", channel_id="C_DEV")

    request = only_request(recorder)
    assert_signed(request)
    fields = parse_qsl(request.body.decode(), keep_blank_values=True)
    assert [name for name, _ in fields] == COMMAND_FIELDS
    form = dict(fields)
    assert form["command"] == "/backup"
    assert form["text"] == "agents dc:DFW"
    assert (form["user_id"], form["channel_id"], form["team_id"]) == ("U_BOB", "C_DEV", "T0001")
    assert form["response_url"] == sent.response_url
    assert sent.status == 200
    assert sent.json == {"response_type": "ephemeral", "text": "ack"}
    assert sent.elapsed > 0


def test_command_response_url_reaches_the_fake_for_that_user(
    recorder: RecordingServer, fake: FakeSlack
) -> None:
    sent = SlackSender(recorder.url, SECRET, fake_slack=fake).command("help", user_id="U_BOB")
    assert sent.response_url is not None

    WebhookClient(sent.response_url).send(text="later")

    assert (fake.messages[0].user_id, fake.messages[0].channel_id) == ("U_BOB", "C0OPS")


def test_buttons_in_display_order_with_their_block(fake: FakeSlack) -> None:
    found = buttons(LIST_BLOCKS)

    assert [(b["action_id"], b["block_id"]) for b in found] == [
        ("wake_agent", "agent-1"),
        ("share", "nav"),
        ("next_page", "nav"),
    ]
    assert "block_id" not in LIST_BLOCKS[0]["accessory"]  # copies, the message is untouched


def test_click_on_a_channel_message(recorder: RecordingServer, fake: FakeSlack) -> None:
    client = WebClient(base_url=fake.api_url, token="xoxb-test-token")
    client.chat_postMessage(channel="C0OPS", text="agents", blocks=LIST_BLOCKS)
    message = fake.messages[0]
    sender = SlackSender(recorder.url, SECRET, fake_slack=fake)

    sent = sender.click(buttons(message.blocks)[2], message=message, user_id="U_BOB")

    request = only_request(recorder)
    assert_signed(request)
    [raw] = parse_qs(request.body.decode())["payload"]
    payload = json.loads(raw)
    assert payload["type"] == "block_actions"
    assert payload["user"]["id"] == "U_BOB"
    assert payload["team"] == {"id": "T0001", "domain": "example"}
    assert payload["channel"]["id"] == "C0OPS"
    assert payload["container"] == {
        "type": "message",
        "message_ts": message.ts,
        "channel_id": "C0OPS",
        "is_ephemeral": False,
    }
    assert payload["message"]["ts"] == message.ts
    assert payload["message"]["blocks"] == LIST_BLOCKS
    assert payload["response_url"] == sent.response_url
    assert payload["trigger_id"]
    assert payload["api_app_id"] == "A0BACKUPBOT"
    [action] = payload["actions"]
    assert {k: action[k] for k in ("action_id", "block_id", "value", "type")} == {
        "action_id": "next_page",
        "block_id": "nav",
        "value": "2",
        "type": "button",
    }
    assert action["text"] == {"type": "plain_text", "text": "Next"}
    assert float(action["action_ts"]) > 0


def test_click_on_an_ephemeral_message_has_no_message_content(
    recorder: RecordingServer, fake: FakeSlack
) -> None:
    url = fake.new_response_url(channel_id="C0OPS", user_id="U0ALICE")
    WebhookClient(url).send(text="agents", blocks=LIST_BLOCKS)
    message = fake.messages[0]

    SlackSender(recorder.url, SECRET, fake_slack=fake).click(
        buttons(LIST_BLOCKS)[0], message=message
    )

    payload = json.loads(parse_qs(only_request(recorder).body.decode())["payload"][0])
    assert "message" not in payload
    assert payload["container"]["is_ephemeral"] is True
    assert payload["container"]["message_ts"] == message.ts
    assert payload["actions"][0]["action_id"] == "wake_agent"
    assert "style" not in payload["actions"][0]


def test_click_uses_a_given_response_url(recorder: RecordingServer) -> None:
    given = "http://127.0.0.1:1/response/given"

    sent = SlackSender(recorder.url, SECRET).click(buttons(LIST_BLOCKS)[1], response_url=given)

    payload = json.loads(parse_qs(only_request(recorder).body.decode())["payload"][0])
    assert payload["response_url"] == sent.response_url == given
    assert payload["actions"][0]["style"] == "primary"


def test_send_raw_stale_or_forged(recorder: RecordingServer) -> None:
    sender = SlackSender(recorder.url, SECRET)
    stale = int(time.time()) - 10 * 60

    sender.send_raw(b"a=1", content_type="text/plain", timestamp=stale)
    sender.send_raw(b"a=1", content_type="text/plain", signature="v0=forged")

    old, forged = recorder.requests
    verifier = SignatureVerifier(SECRET)
    assert old.headers["X-Slack-Request-Timestamp"] == str(stale)
    assert old.headers["X-Slack-Signature"] == verifier.generate_signature(
        timestamp=str(stale), body=b"a=1"
    )
    assert not verifier.is_valid_request(old.body, old.headers)
    assert forged.headers["X-Slack-Signature"] == "v0=forged"
    assert not verifier.is_valid_request(forged.body, forged.headers)
    assert old.headers["Content-Type"] == "text/plain"


def test_sender_repr_hides_the_secret(recorder: RecordingServer) -> None:
    assert SECRET not in repr(SlackSender(recorder.url, SECRET))
