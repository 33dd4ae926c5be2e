"""The stand-in's apps.connections.open and its WebSocket endpoint, spoken to byte by byte."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.devtools.fake_slack import APP_ID, DEFAULT_APP_TOKEN, DEFAULT_BOT_TOKEN, FakeSlack
from bot.devtools.fake_socket_mode import accept_key

TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class RawClient:
    """A WebSocket client written from RFC 6455, to hold the server to the protocol."""

    def __init__(self, url: str, *, upgrade: bool = True) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
        self.stream = self.sock.makefile("rb")
        self.key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {parts.path}?{parts.query} HTTP/1.1", f"Host: {parts.hostname}"]
        if upgrade:
            lines += ["Upgrade: websocket", "Connection: Upgrade"]
        lines += [f"Sec-WebSocket-Key: {self.key}", "Sec-WebSocket-Version: 13", "", ""]
        self.sock.sendall("\r\n".join(lines).encode())
        self.status = int(self.stream.readline().split()[1])
        self.headers: dict[str, str] = {}
        while (line := self.stream.readline().decode().strip()) != "":
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()

    def send(self, opcode: int, payload: bytes, *, masked: bool = True) -> None:
        mask = os.urandom(4) if masked else b""
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload)) if masked else payload
        length = len(payload)
        head = struct.pack("!BB", 0x80 | opcode, (0x80 if masked else 0) | min(length, 126))
        if length >= 126:
            head += struct.pack("!H", length)
        self.sock.sendall(head + mask + body)

    def receive(self, *, skip_pings: bool = True) -> tuple[int, bytes]:
        while True:
            first, second = self.stream.read(2)
            assert not second & 0x80, "a server must not mask its frames"
            length = second & 0x7F
            if length == 126:
                length = struct.unpack("!H", self.stream.read(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", self.stream.read(8))[0]
            frame = first & 0x0F, self.stream.read(length)
            if not (skip_pings and frame[0] == PING):
                return frame

    def receive_json(self) -> dict[str, Any]:
        opcode, data = self.receive()
        assert opcode == TEXT
        decoded: dict[str, Any] = json.loads(data)
        return decoded

    def close(self) -> None:
        self.stream.close()
        self.sock.close()


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


@pytest.fixture
def client(fake: FakeSlack) -> Iterator[RawClient]:
    connected = RawClient(fake.socket_mode.open_url())
    yield connected
    connected.close()


def open_connection(fake: FakeSlack, token: str) -> str:
    response = WebClient(base_url=fake.api_url, timeout=5).apps_connections_open(app_token=token)
    return str(response["url"])


def test_the_app_token_opens_a_loopback_link(fake: FakeSlack) -> None:
    url = urlsplit(open_connection(fake, DEFAULT_APP_TOKEN))
    assert (url.scheme, url.hostname, url.path) == ("ws", "127.0.0.1", "/link/")
    assert "ticket=" in url.query
    assert f"app_id={APP_ID}" in url.query


@pytest.mark.parametrize("token", ["xapp-1-A0OTHER-1-nope", DEFAULT_BOT_TOKEN])
def test_any_other_token_is_refused(fake: FakeSlack, token: str) -> None:
    with pytest.raises(SlackApiError) as refused:
        open_connection(fake, token)
    assert refused.value.response["error"] == "invalid_auth"


def test_the_app_token_posts_no_message(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=fake.api_url, token=DEFAULT_APP_TOKEN).chat_postMessage(
            channel="C0OPS", text="hi"
        )
    assert refused.value.response["error"] == "invalid_auth"


def test_the_accept_key_is_rfc_6455s_example() -> None:
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_a_link_upgrades_once_and_says_hello(fake: FakeSlack, client: RawClient) -> None:
    assert client.status == 101
    assert client.headers["sec-websocket-accept"] == accept_key(client.key)
    hello = client.receive_json()
    assert hello["type"] == "hello"
    assert hello["num_connections"] == 1
    assert hello["connection_info"] == {"app_id": APP_ID}
    fake.socket_mode.wait_connected()

    url = f"ws://127.0.0.1:{client.sock.getpeername()[1]}/link/?ticket=made-up"
    for refused, status in ((RawClient(url), 401), (RawClient(url, upgrade=False), 400)):
        assert refused.status == status
        refused.close()


def test_a_used_ticket_is_refused(fake: FakeSlack) -> None:
    url = fake.socket_mode.open_url()
    RawClient(url).close()
    again = RawClient(url)
    assert again.status == 401
    again.close()


def test_an_envelope_goes_out_and_its_ack_comes_back(fake: FakeSlack, client: RawClient) -> None:
    client.receive_json()  # hello
    envelope_id = fake.socket_mode.send_envelope("slash_commands", {"text": "agents"})

    envelope = client.receive_json()
    assert envelope == {
        "envelope_id": envelope_id,
        "payload": {"text": "agents"},
        "type": "slash_commands",
        "accepts_response_payload": True,
    }
    ack = {"envelope_id": envelope_id, "payload": {"text": "x" * 300}}
    client.send(TEXT, json.dumps(ack).encode())
    assert fake.socket_mode.wait_for_ack(envelope_id, timeout=5) == ack

    clicked = fake.socket_mode.send_envelope("interactive", {"type": "block_actions"})
    assert client.receive_json()["accepts_response_payload"] is False
    with pytest.raises(TimeoutError):
        fake.socket_mode.wait_for_ack(clicked, timeout=0.05)


def test_pings_are_answered_and_sent(client: RawClient) -> None:
    client.receive_json()  # hello
    client.send(PING, b"client-ping")
    assert client.receive() == (PONG, b"client-ping")
    opcode, data = client.receive(skip_pings=False)
    assert opcode == PING
    assert data  # slack_sdk's reader stalls on a frame of two bytes


def test_a_close_is_answered_and_ends_the_connection(fake: FakeSlack, client: RawClient) -> None:
    client.receive_json()  # hello
    fake.socket_mode.wait_connected()
    assert fake.socket_mode.connected
    client.send(CLOSE, struct.pack("!H", 1000))
    assert client.receive() == (CLOSE, struct.pack("!H", 1000))
    fake.socket_mode.wait_disconnected(timeout=5)
    assert not fake.socket_mode.connected
    with pytest.raises(ConnectionError):
        fake.socket_mode.send_envelope("slash_commands", {})


def test_an_unmasked_frame_is_a_protocol_error(client: RawClient) -> None:
    client.receive_json()  # hello
    client.send(TEXT, b"{}", masked=False)
    opcode, data = client.receive()
    assert opcode == CLOSE
    assert struct.unpack("!H", data[:2])[0] == 1002


def test_stopping_slack_closes_the_connection_as_going_away(
    fake: FakeSlack, client: RawClient
) -> None:
    client.receive_json()  # hello
    fake.stop()
    opcode, data = client.receive()
    assert opcode == CLOSE
    assert struct.unpack("!H", data[:2])[0] == 1001
    assert fake.socket_mode.connections == 0
