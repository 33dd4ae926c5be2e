"""Slack's Socket Mode WebSocket endpoint on 127.0.0.1, for the Slack stand-in.

The bot's Socket Mode runs slack_sdk's own WebSocket client unchanged: it calls
apps.connections.open on the stand-in, connects to the ``ws://`` URL handed back (the client
speaks plain WebSocket to any port but 443), and answers envelopes here as it would Slack's.
The server speaks as much RFC 6455 as that client uses: the upgrade handshake, unfragmented
text frames both ways, ping and pong, and the close handshake.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import logging
import secrets
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.loopback import ServingThread

logger = logging.getLogger(__name__)

LINK_PATH = "/link/"
DEFAULT_PING_INTERVAL = 0.2
"""Slack pings every few seconds. slack_sdk's client closes only once its blocking read
returns, so pinging this often keeps a client's close (and every test teardown) quick."""

_WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_OP_TEXT = 0x1
_OP_CLOSE, _OP_PING, _OP_PONG = 0x8, 0x9, 0xA
_CLOSE_NORMAL, _CLOSE_GOING_AWAY, _CLOSE_PROTOCOL_ERROR = 1000, 1001, 1002
_CLOSE_UNSUPPORTED, _CLOSE_TOO_BIG = 1003, 1009
_MAX_MESSAGE = 1 << 20
"""Far beyond any ack; a longer frame is a broken client."""
_PING_PAYLOAD = b"fake-slack"
"""Not empty: slack_sdk's reader waits for more than two bytes before parsing a frame."""
_POLL_INTERVAL = 0.05
_MAX_STOP_WAIT = 5.0


def accept_key(key: str) -> str:
    """The Sec-WebSocket-Accept answer to a client's Sec-WebSocket-Key (RFC 6455, 4.2.2)."""
    digest = hashlib.sha1((key + _WEBSOCKET_GUID).encode(), usedforsecurity=False).digest()
    return base64.b64encode(digest).decode()


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """One final, unmasked frame: servers never mask (RFC 6455, 5.1)."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, length)
    return header + payload


class ProtocolError(Exception):
    """The client broke RFC 6455; the connection is closed with `code`."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code


def read_frame(stream: io.BufferedIOBase) -> tuple[int, bytes] | None:
    """The next client frame as (opcode, unmasked payload); None when the stream ends."""
    head = stream.read(2)
    if len(head) < 2:
        return None
    first, second = head
    if not first & 0x80:
        raise ProtocolError(_CLOSE_UNSUPPORTED, "fragmented messages are not supported")
    if not second & 0x80:
        raise ProtocolError(_CLOSE_PROTOCOL_ERROR, "client frames must be masked")
    length = second & 0x7F
    if length >= 126:
        size = 2 if length == 126 else 8
        extended = stream.read(size)
        if len(extended) < size:
            return None
        length = int.from_bytes(extended, "big")
    if length > _MAX_MESSAGE:
        raise ProtocolError(_CLOSE_TOO_BIG, "frame too large")
    mask = stream.read(4)
    data = stream.read(length)
    if len(mask) < 4 or len(data) < length:
        return None
    return first & 0x0F, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


@dataclass(eq=False)
class _Connection:
    sock: socket.socket
    opened_at: float = field(default_factory=time.monotonic)
    closed: threading.Event = field(default_factory=threading.Event)
    _send_lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, opcode: int, payload: bytes) -> bool:
        """False when the connection is already gone."""
        with self._send_lock:
            if self.closed.is_set():
                return False
            try:
                self.sock.sendall(encode_frame(opcode, payload))
            except OSError:
                self.closed.set()
                return False
        return True

    def send_json(self, message: dict[str, Any]) -> bool:
        return self.send(_OP_TEXT, json.dumps(message).encode())

    def close(self, code: int, reason: str = "") -> None:
        """Send a close frame (once) and end the connection."""
        self.send(_OP_CLOSE, struct.pack("!H", code) + reason.encode())
        with self._send_lock:
            self.closed.set()
            with contextlib.suppress(OSError):  # the client went first
                self.sock.shutdown(socket.SHUT_RDWR)


class FakeSocketMode:
    """Slack's side of Socket Mode connections: hands out links, sends envelopes, keeps acks.

    Like Slack, it delivers each envelope over one connection, the newest, and keeps the
    client's ack (``{"envelope_id": ..., "payload": {...}}``) for the test to read.
    """

    def __init__(
        self,
        *,
        app_id: str,
        host: str = "127.0.0.1",
        ping_interval: float = DEFAULT_PING_INTERVAL,
    ) -> None:
        self._app_id = app_id
        self._host = host
        self._ping_interval = ping_interval
        self._cond = threading.Condition()
        self._tickets: set[str] = set()
        self._connections: list[_Connection] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self._serving: ServingThread[_Server] | None = None

    def __repr__(self) -> str:
        return f"FakeSocketMode({self.connections} connection(s), {len(self._acks)} ack(s))"

    # -- lifecycle -------------------------------------------------------------------------

    def open_url(self) -> str:
        """A fresh single-use link, as apps.connections.open returns; starts serving if need be."""
        ticket = secrets.token_urlsafe(16)
        with self._cond:
            if self._serving is None:
                server = _Server((self._host, 0), self)
                self._serving = ServingThread(
                    server, name="fake-socket-mode", poll_interval=_POLL_INTERVAL
                )
            self._tickets.add(ticket)
            host, port = self._serving.server.server_address[:2]
        return f"ws://{host!s}:{port}{LINK_PATH}?ticket={ticket}&app_id={self._app_id}"

    def stop(self) -> None:
        """Close every connection as Slack does when it goes away (1001), and stop listening."""
        with self._cond:
            serving, self._serving = self._serving, None
            self._tickets.clear()
        if serving is not None:
            serving.stop(before_close=self._close_all, timeout=_MAX_STOP_WAIT)
        with self._cond:  # each connection's thread ends once its socket is shut down
            self._cond.wait_for(lambda: not self._connections, _MAX_STOP_WAIT)

    def _close_all(self) -> None:
        with self._cond:
            connections = list(self._connections)
        for connection in connections:
            connection.close(_CLOSE_GOING_AWAY, "server stopping")

    # -- connections -----------------------------------------------------------------------

    @property
    def connections(self) -> int:
        """Open connections that were greeted with hello."""
        with self._cond:
            return len(self._connections)

    @property
    def connected(self) -> bool:
        return self.connections > 0

    def wait_connected(self, *, timeout: float = 10.0) -> None:
        """Wait until a client is connected and greeted."""
        with self._cond:
            if not self._cond.wait_for(lambda: bool(self._connections), timeout):
                raise TimeoutError(f"waited {timeout:g}s for a Socket Mode client to connect")

    def wait_disconnected(self, *, timeout: float = 10.0) -> None:
        """Wait until no client is connected (it closed, or was closed)."""
        with self._cond:
            if not self._cond.wait_for(lambda: not self._connections, timeout):
                raise TimeoutError(f"waited {timeout:g}s for the Socket Mode client to close")

    # -- envelopes -------------------------------------------------------------------------

    def send_envelope(self, type: str, payload: dict[str, Any]) -> str:
        """Deliver `payload` as a `type` envelope ("slash_commands", "interactive", ...).

        As from Slack, only a slash command's envelope accepts a response payload: the ack
        of a block_actions click shows nothing.
        """
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": type,
            "accepts_response_payload": type == "slash_commands",
        }
        with self._cond:
            connection = self._connections[-1] if self._connections else None
        if connection is None or not connection.send_json(envelope):
            raise ConnectionError("no Socket Mode client is connected")
        return envelope_id

    def wait_for_ack(self, envelope_id: str, *, timeout: float = 10.0) -> dict[str, Any]:
        """The client's ack of one envelope: ``{"envelope_id": ..., "payload": ...}``."""
        with self._cond:
            if not self._cond.wait_for(lambda: envelope_id in self._acks, timeout):
                raise TimeoutError(f"waited {timeout:g}s for the ack of envelope {envelope_id}")
            return self._acks[envelope_id]

    # -- the server side (handler threads) -------------------------------------------------

    def _take_ticket(self, path: str) -> bool:
        parts = urlsplit(path)
        ticket = (parse_qs(parts.query).get("ticket") or [""])[0]
        with self._cond:
            if parts.path != LINK_PATH or ticket not in self._tickets:
                return False
            self._tickets.discard(ticket)
            return True

    def _serve(self, connection: _Connection, stream: io.BufferedIOBase) -> None:
        """Greet the client, then read its frames until either side closes."""
        # Greeted and listed in one step: a client that has read its hello can be sent an
        # envelope at once, and no envelope can overtake the hello.
        with self._cond:
            connection.send_json(_hello(self._app_id, len(self._connections) + 1))
            self._connections.append(connection)
            self._cond.notify_all()
        pinger = threading.Thread(
            target=self._ping, args=(connection,), name="fake-socket-mode-ping", daemon=True
        )
        pinger.start()
        try:
            self._read_frames(connection, stream)
        except ProtocolError as exc:
            connection.close(exc.code, str(exc))
        except OSError:
            pass  # reset by the client, or shut down by stop()
        finally:
            connection.closed.set()
            with self._cond:
                self._connections.remove(connection)
                self._cond.notify_all()
            pinger.join(_MAX_STOP_WAIT)

    def _read_frames(self, connection: _Connection, stream: io.BufferedIOBase) -> None:
        while not connection.closed.is_set():
            frame = read_frame(stream)
            if frame is None:
                return
            opcode, data = frame
            if opcode == _OP_TEXT:
                self._receive(data)
            elif opcode == _OP_PING:
                connection.send(_OP_PONG, data)
            elif opcode == _OP_CLOSE:
                code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else _CLOSE_NORMAL
                connection.close(code)
                return
            elif opcode != _OP_PONG:
                raise ProtocolError(_CLOSE_UNSUPPORTED, f"unsupported opcode {opcode}")

    def _receive(self, data: bytes) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            logger.warning("fake socket mode: a text frame that is not JSON: %r", data[:200])
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        if not isinstance(envelope_id, str):
            logger.warning("fake socket mode: a message that acks nothing: %r", data[:200])
            return
        with self._cond:
            self._acks[envelope_id] = message
            self._cond.notify_all()

    def _ping(self, connection: _Connection) -> None:
        while not connection.closed.wait(self._ping_interval):
            connection.send(_OP_PING, _PING_PAYLOAD)


def _hello(app_id: str, num_connections: int) -> dict[str, Any]:
    return {
        "type": "hello",
        "num_connections": num_connections,
        "debug_info": {
            "host": "applink-fake-slack",
            "build_number": 1,
            "approximate_connection_time": 18060,
        },
        "connection_info": {"app_id": app_id},
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], socket_mode: FakeSocketMode) -> None:
        self.socket_mode = socket_mode
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        key = self.headers.get("Sec-WebSocket-Key", "")
        upgrade = self.headers.get("Upgrade", "").lower() == "websocket"
        if not upgrade or not key or self.headers.get("Sec-WebSocket-Version") != "13":
            self._refuse(HTTPStatus.BAD_REQUEST, "a WebSocket upgrade (version 13) is expected")
            return
        if not self.server.socket_mode._take_ticket(self.path):
            self._refuse(HTTPStatus.UNAUTHORIZED, "unknown or used ticket")
            return
        self.send_response(HTTPStatus.SWITCHING_PROTOCOLS)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept_key(key))
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        self.server.socket_mode._serve(_Connection(self.connection), self.rfile)

    def _refuse(self, status: HTTPStatus, reason: str) -> None:
        body = reason.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fake socket mode: " + format, *args)
