"""The simulator as loopback HTTP servers on a background thread, and its test-facing API.

One listener serves Identity and the test hooks, one more per region serves that region's
Cloud Backup API (see ``bot.simulator.urls``); a single thread accepts on all of them, so a
simulator costs one idle thread however many regions it has. ``ThreadingHTTPServer`` speaks
HTTP/1.1 with keep-alive, like the real service behind its
load balancers, so a client's connection pool behaves as it would in production. Stopping
also shuts every kept-alive connection, so a stopped simulator really answers nothing.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from bot.simulator.agents import AgentBook
from bot.simulator.app import Request, Response, SimulatorApp
from bot.simulator.config import SimulatorConfig
from bot.simulator.data import REGIONS, load_agents
from bot.simulator.faults import Faults
from bot.simulator.stats import Stats
from bot.simulator.tokens import TokenStore
from bot.simulator.urls import SiteUrls

_log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1 << 20
DEFAULT_CONFIG = SimulatorConfig()
_ANY_ADDRESS = {"", "0.0.0.0", "::"}


class Simulator:
    """Cloud Backup and Identity on 127.0.0.1; see ``bot.simulator.app`` for what it serves."""

    def __init__(self, config: SimulatorConfig = DEFAULT_CONFIG) -> None:
        self.config = config
        self.faults = Faults(config.latency)
        self._stats = Stats()
        self._tokens = TokenStore(config.tenant_id, config.token_ttl, self.faults)
        seeds = load_agents(
            tenant_id=config.tenant_id,
            now=datetime.now(UTC),
            seed=config.seed,
            agents_file=config.agents_file,
            agents_count=config.agents_count,
        )
        self._book = AgentBook(
            seeds, wake_delay=config.wake_delay, idle_timeout=config.idle_timeout, seed=config.seed
        )
        self._app = SimulatorApp(
            config, book=self._book, faults=self.faults, stats=self._stats, tokens=self._tokens
        )
        self._port = config.port
        # A fixed port puts the regions on the next ones (8900: DFW on 8901 ... SYD on 8905),
        # so a simulator run by hand keeps its addresses; port 0 lets the OS choose each.
        self._region_ports = {
            region: 0 if config.port == 0 else config.port + offset
            for offset, region in enumerate(REGIONS, start=1)
        }
        self._serving: _ServingLoop | None = None

    def start(self) -> Simulator:
        """Serve on a background thread; a restart after ``stop`` reuses the same ports."""
        if self._serving is not None:
            raise RuntimeError("the simulator is already running")
        self._app.resume()
        servers: list[_Server] = []
        try:
            servers.append(_Server((self.config.host, self._port), self._app, None))
            for region in REGIONS:
                address = (self.config.host, self._region_ports[region])
                servers.append(_Server(address, self._app, region))
        except BaseException:
            for server in servers:
                server.server_close()
            raise
        self._port = servers[0].server_address[1]
        for server in servers[1:]:
            assert server.region is not None
            self._region_ports[server.region] = server.server_address[1]
        self._app.bind(self.urls)
        self._serving = _ServingLoop(servers, name=f"backup-simulator-{self._port}")
        return self

    def stop(self) -> None:
        serving = self._serving
        if serving is None:
            return
        self._app.interrupt()
        serving.stop(timeout=5)
        self._serving = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Identity and the test hooks (``/v2.0/tokens``, ``/__admin/...``)."""
        if self._port == 0:
            raise RuntimeError("the simulator has no port until it is started")
        return f"http://{self._host}:{self._port}"

    @property
    def urls(self) -> SiteUrls:
        """The Identity base and each region's base URL (scheme, host, port)."""
        regions = {
            region: f"http://{self._host}:{port}" for region, port in self._region_ports.items()
        }
        return SiteUrls(self.url, regions)

    @property
    def identity_url(self) -> str:
        return f"{self.url}/v2.0/"

    def region_url(self, region: str = "DFW") -> str:
        """A region's host, as ``https://dfw.backup.api.rackspacecloud.com`` is for DFW."""
        if self._port == 0:
            raise RuntimeError("the simulator has no port until it is started")
        return self.urls.regions[region.upper()]

    def backup_url(self, region: str = "DFW") -> str:
        """A region's ``publicURL`` in the catalog: ``http://127.0.0.1:PORT/v1.0/{tenant}``."""
        return f"{self.region_url(region)}/v1.0/{self.config.tenant_id}"

    @property
    def _host(self) -> str:
        return "127.0.0.1" if self.config.host in _ANY_ADDRESS else self.config.host

    def issue_token(self) -> str:
        """A valid token without going through Identity (for the direct-endpoint mode)."""
        return self._tokens.issue()

    def issued_tokens(self) -> list[str]:
        """Every token handed out (by Identity or ``issue_token``), so tests can look for leaks."""
        return self._tokens.issued()

    def env_lines(self) -> list[str]:
        """The settings that point the bot at this simulator, in ``.env`` form."""
        return [
            f"RACKSPACE_IDENTITY_URL={self.identity_url}",
            f"RACKSPACE_USERNAME={self.config.username}",
            f"RACKSPACE_API_KEY={self.config.api_key}",
            f"RACKSPACE_REGION={self.config.default_region}",
        ]

    def stats(self) -> dict[str, int]:
        """Requests per endpoint, counted whatever their outcome (faults and 401s included)."""
        return self._stats.snapshot()

    def reset_stats(self) -> None:
        self._stats.reset()

    @property
    def max_in_flight(self) -> int:
        """Peak number of backup API requests served at the same time."""
        return self._stats.max_in_flight

    def agents(self, region: str | None = None) -> list[dict[str, Any]]:
        """The agents as agent details would show them now (copies of decoded JSON)."""
        return self._book.all_details(region)

    def remove_agent(self, agent_id: int) -> None:
        """The agent vanishes: it leaves the list and its details answer 404."""
        self._book.remove(agent_id)

    def find_agent(self, ref: int | str) -> int:
        """The MachineAgentId of the agent with that id or MachineName (``LookupError`` if none)."""
        return self._book.find(str(ref))

    def record_backup(self, ref: int | str, at: datetime | None = None) -> None:
        """A backup of the agent succeeded ``at`` (aware; default now): agent details show it."""
        self._book.set_last_backup(self.find_agent(ref), at or datetime.now(UTC))

    def clear_last_backup(self, ref: int | str) -> None:
        """The agent has never backed up (TimeOfLastSuccessfulBackup null)."""
        self._book.set_last_backup(self.find_agent(ref), None)

    def set_disabled(self, ref: int | str, disabled: bool = True) -> None:
        """Disable (Offline, ignores wake-ups) or enable backups of the agent."""
        self._book.set_disabled(self.find_agent(ref), disabled)

    def set_powered(self, ref: int | str, powered_on: bool) -> None:
        """Power the agent's server off (Offline, never wakes) or on (Offline until woken)."""
        self._book.set_powered(self.find_agent(ref), powered_on)

    def set_agent_fields(self, agent_id: int, **wire_fields: object) -> None:
        """Override wire fields verbatim (any JSON value; ``ABSENT`` drops the field)."""
        self._book.set_fields(agent_id, wire_fields)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Kept-alive connections are closed by close_connections(); joining them could hang.
    block_on_close = False
    # socketserver's default backlog of 5 drops the SYNs of a burst of parallel requests,
    # which then wait a whole second for the kernel's retry.
    request_queue_size = 128
    # handle_request() is called once its socket is readable; should the client have gone
    # meanwhile, a zero timeout returns at once instead of waiting for the next one.
    timeout = 0.0

    def __init__(self, address: tuple[str, int], app: SimulatorApp, region: str | None) -> None:
        self.app = app
        self.region = region  # None: the Identity port
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        """A client that stopped waiting (its read timeout) is expected, not a server fault."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            _log.debug("client %s left before its answer was sent", client_address)
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # the peer may have closed it first
                connection.shutdown(socket.SHUT_RDWR)


class _ServingLoop:
    """One thread accepting on every listener; each connection then gets its own thread."""

    def __init__(self, servers: Sequence[_Server], *, name: str) -> None:
        self._servers = list(servers)
        self._stopping = threading.Event()
        self._selector = selectors.DefaultSelector()
        for server in self._servers:
            self._selector.register(server, selectors.EVENT_READ, server)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        # ``stop`` waits up to one select timeout, and tests start and stop many servers.
        while not self._stopping.is_set():
            for key, _ in self._selector.select(timeout=0.01):
                server: _Server = key.data
                server.handle_request()  # the socket is readable: accept does not block

    def stop(self, *, timeout: float) -> None:
        """Stop accepting, drop kept-alive connections, free every port."""
        self._stopping.set()
        self._thread.join(timeout)
        self._selector.close()
        for server in self._servers:
            server.close_connections()
            server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CloudBackupSimulator"
    timeout = 60  # idle keep-alive connections are dropped after this long
    # Headers and body go out as two writes; with Nagle on, each response waits ~40 ms
    # for the client's delayed ACK.
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def _serve(self) -> None:
        server = cast(_Server, self.server)
        body = self._read_body()
        if body is None:
            return
        request = Request(
            method=self.command,
            path=unquote(urlsplit(self.path).path),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            client_ip=self.client_address[0],
        )
        try:
            response = server.app.handle(request, server.region)
        except Exception:
            _log.exception("simulator failed on %s %s", self.command, request.path)
            response = Response(500, b'{"message":"Instance Fault"}')
        self._send(response)

    def _read_body(self) -> bytes | None:
        """The request body, or ``None`` after answering a body this server will not read."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.send_error(411, "Length Required")
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            self.send_error(400 if length < 0 else 413)
            return None
        return self.rfile.read(length)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        _log.debug("%s - " + format, self.address_string(), *args)
