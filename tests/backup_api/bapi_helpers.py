"""A scriptable Cloud Backup + Identity stand-in on 127.0.0.1 for the client tests.

Each test scripts exact answers per path (a 503 then a 200, a slow answer, a broken body)
and reads back what the client really sent, over real HTTP.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from bot.backup_api import BackupApiClient, IdentityAuth, StaticTokenAuth

TENANT = "836986"
USERNAME = "alice"
API_KEY = "apikey-5ecret-0123456789abcdef"
STATIC_TOKEN = "static-5ecret-token-0123456789"
FAST: dict[str, Any] = {
    "max_retries": 2,
    "backoff_factor": 0.001,
    "backoff_max": 0.01,
    "read_timeout": 2.0,
}


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: object = None  # bytes/str sent as they are, None as an empty body, others as JSON
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    cut: bool = False  # close the connection instead of answering


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes


Responder = Callable[[Seen], Reply]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # twenty callers connect at once; the default backlog is 5


class FakeServer:
    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], Responder] = {}
        self._seen: list[Seen] = []
        self._lock = threading.Condition()
        self._in_flight = 0
        self.max_in_flight = 0
        self.released = threading.Event()  # cuts every scripted delay short at teardown
        self._httpd = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def stop(self) -> None:
        self.released.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def script(self, method: str, path: str, *replies: Reply) -> None:
        """Answer ``method path`` with ``replies`` in order; the last one repeats."""
        queue = deque(replies)

        def next_reply(_: Seen) -> Reply:
            with self._lock:
                return queue.popleft() if len(queue) > 1 else queue[0]

        self.respond(method, path, next_reply)

    def respond(self, method: str, path: str, responder: Responder) -> None:
        self._routes[(method, path)] = responder

    def seen(self, method: str | None = None, path: str | None = None) -> list[Seen]:
        with self._lock:
            return [
                s
                for s in self._seen
                if (method is None or s.method == method) and (path is None or s.path == path)
            ]

    def wait_for_in_flight(self, count: int, timeout: float) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: self._in_flight >= count, timeout)

    def _answer(self, seen: Seen) -> Reply:
        with self._lock:
            self._seen.append(seen)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            self._lock.notify_all()
        try:
            responder = self._routes.get((seen.method, seen.path))
            reply = responder(seen) if responder else Reply(404, {"message": "no such route"})
            if reply.delay:
                self.released.wait(reply.delay)
            return reply
        finally:
            with self._lock:
                self._in_flight -= 1

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length),
                )
                reply = server._answer(seen)
                if reply.cut:
                    self.close_connection = True
                    return
                body = reply.body
                if body is None:
                    payload = b""
                elif isinstance(body, bytes):
                    payload = body
                elif isinstance(body, str):
                    payload = body.encode()
                else:
                    payload = json.dumps(body).encode()
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def backup_path(region: str | None, rest: str = "") -> str:
    """Where the fake serves a region's backup API (region-less: ``/global``)."""
    return f"/{(region or 'global').lower()}/v1.0/{TENANT}" + (f"/{rest}" if rest else "")


def agent_record(agent_id: int, **fields: object) -> dict[str, object]:
    record: dict[str, object] = {
        "MachineAgentId": agent_id,
        "MachineName": f"web{agent_id}",
        "AgentVersion": "1.05.005848",
        "Architecture": "64-bit",
        "Flavor": "RaxCloudServer",
        "OperatingSystem": "Ubuntu",
        "OperatingSystemVersion": "22.04",
        "Datacenter": "DFW",
        "IPAddress": "203.0.113.10",
        "IsDisabled": False,
        "IsEncrypted": False,
        "CleanupAllowed": True,
        "UseServiceNet": False,
        "BackupVaultSize": None,
        "Status": "Unknown",
        "TimeOfLastSuccessfulBackup": None,
    }
    record.update(fields)
    return record


def identity_answer(
    server: FakeServer,
    token: str,
    *,
    regions: tuple[str | None, ...] = ("DFW", "ORD", "IAD"),
    default_region: str | None = "ORD",
    expires: datetime | None = None,
    expires_text: str | None = None,
) -> dict[str, object]:
    expires = expires or datetime.now(UTC) + timedelta(hours=24)
    user: dict[str, object] = {"id": "1", "name": USERNAME}
    if default_region:
        user["RAX-AUTH:defaultRegion"] = default_region
    endpoints: list[dict[str, object]] = []
    for region in regions:
        entry: dict[str, object] = {
            "tenantId": TENANT,
            "publicURL": server.url + backup_path(region),
        }
        if region:
            entry["region"] = region
        endpoints.append(entry)
    return {
        "access": {
            "token": {
                "id": token,
                "expires": expires_text or expires.isoformat().replace("+00:00", "Z"),
                "tenant": {"id": TENANT},
            },
            "user": user,
            "serviceCatalog": [
                {"name": "cloudFiles", "type": "object-store", "endpoints": []},
                {"name": "cloudBackup", "type": "rax:backup", "endpoints": endpoints},
            ],
        }
    }


IDENTITY_TOKENS = "/v2.0/tokens"


class Clients:
    """Builds clients against the fake server and closes them after the test."""

    def __init__(self, server: FakeServer) -> None:
        self._server = server
        self._made: list[BackupApiClient] = []

    def static(self, **kwargs: Any) -> BackupApiClient:
        auth = StaticTokenAuth(self._server.url + backup_path(None), STATIC_TOKEN)
        return self._keep(BackupApiClient(auth, **{**FAST, **kwargs}))

    def identity(
        self, *, auth_region: str | None = None, **kwargs: Any
    ) -> tuple[BackupApiClient, IdentityAuth]:
        session = requests.Session()
        auth = IdentityAuth(
            self._server.url + "/v2.0",
            USERNAME,
            API_KEY,
            region=auth_region,
            session=session,
            timeout=(1.0, 2.0),
        )
        client = BackupApiClient(auth, session=session, **{**FAST, **kwargs})
        return self._keep(client), auth

    def _keep(self, client: BackupApiClient) -> BackupApiClient:
        self._made.append(client)
        return client

    def close_all(self) -> None:
        for client in self._made:
            client.close()
