"""A local stand-in for Slack's Web API and its response_url endpoints.

It is a real HTTP server on loopback, so the bot's own slack_sdk clients, retry handlers and
timeouts run unchanged against it. Every accepted post is recorded as a `Message` that tests,
the demo and the benchmarks can wait for; every request, accepted or not, is recorded as an
`Attempt` so a test can prove that a retry happened. Fault knobs make the next requests slow,
rate limited or failing, the way Slack misbehaves in production.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.devtools.block_kit import block_errors
from bot.devtools.fake_socket_mode import FakeSocketMode
from bot.loopback import ServingThread

logger = logging.getLogger(__name__)

DEFAULT_BOT_TOKEN = "xoxb-test-token"  # noqa: S105 (a fixture value, not a credential)
DEFAULT_APP_TOKEN = "xapp-1-A0BACKUPBOT-1-test-token"  # noqa: S105 (a fixture value)
APP_ID = "A0BACKUPBOT"
TEAM_ID = "T0001"
TEAM_DOMAIN = "example"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
DEFAULT_SCOPES = ("commands", "chat:write", "chat:write.public")
"""The bot scopes manifest.yaml asks for, which auth.test reports in ``x-oauth-scopes``."""
RESPONSE_URL = "response_url"
"""The `via` of messages posted to a response_url, and the fault target naming those posts."""

RESPONSE_URL_MAX_USES = 5
RESPONSE_URL_TTL = 30 * 60.0
"""Slack lets a response_url be used 5 times within 30 minutes."""

_API_PATH = "/api/"
_RESPONSE_PATH = "/response/"
_CHANNEL_PREFIXES = ("C", "G", "D")
_MAX_STOP_WAIT = 5.0
_POLL_INTERVAL = 0.05
"""How soon stop() takes effect: serve_forever checks for shutdown this often."""
_SUMMARY_LIMIT = 20


@dataclass(frozen=True)
class Message:
    """One message Slack accepted, as a user would see it."""

    via: str
    """Where it was posted: "response_url", "chat.postMessage", "chat.postEphemeral" or
    "chat.update"."""
    channel_id: str
    user_id: str | None
    """The user a response_url was created for, or the `user` of chat.postEphemeral."""
    response_type: str
    """Who sees it: "ephemeral" (one user) or "in_channel" (everyone)."""
    replace_original: bool
    """True for a response_url post replacing its message, and for every chat.update."""
    delete_original: bool
    text: str
    blocks: list[dict[str, Any]]
    payload: dict[str, Any]
    """The JSON or form fields posted, without any token."""
    received_at: float
    """time.monotonic() when the message was accepted."""
    ts: str = ""
    """Slack's message timestamp: what chat.update and a block_actions container refer to."""
    response_url: str = ""
    """For a response_url post, the URL it came through: which command or click it answers."""
    thread_ts: str = ""
    """For a reply in a thread (chat.postMessage with thread_ts), the parent message's ts."""


@dataclass(frozen=True)
class Attempt:
    """One request that reached the stand-in, whatever the answer."""

    via: str
    """The Web API method, or "response_url"."""
    status: int
    error: str | None
    """Slack's error code, or None when the request was accepted."""
    received_at: float


@dataclass
class _Fault:
    """A scripted misbehaviour for the next `remaining` matching requests."""

    target: str | None
    """A Web API method, RESPONSE_URL, or None for every Web API method."""
    remaining: int
    status: int = HTTPStatus.OK
    error: str = ""
    retry_after: int | None = None
    delay: float = 0.0

    def matches(self, via: str) -> bool:
        return via != RESPONSE_URL if self.target is None else via == self.target


@dataclass
class _ResponseUrl:
    channel_id: str
    user_id: str
    uses_left: int
    expires_at: float
    expired: bool = False


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes
    content_type: str
    error: str | None = None
    message: Message | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


def _api_answer(body: dict[str, Any], message: Message | None = None) -> _Answer:
    """Slack answers Web API errors with HTTP 200 and `ok: false`, like successes."""
    error = None if body.get("ok") else str(body.get("error"))
    return _Answer(HTTPStatus.OK, json.dumps(body).encode(), _JSON, error=error, message=message)


def _api_error(error: str, **extra: Any) -> _Answer:
    return _api_answer({"ok": False, "error": error, **extra})


def _text_answer(status: int, text: str, message: Message | None = None) -> _Answer:
    error = None if status == HTTPStatus.OK else text
    return _Answer(status, text.encode(), _TEXT, error=error, message=message)


_JSON = "application/json; charset=utf-8"
_TEXT = "text/plain; charset=utf-8"


class FakeSlack:
    """Slack's Web API and response_url endpoints on 127.0.0.1, recording what the bot posts.

    `socket_mode` is Slack's Socket Mode endpoint: apps.connections.open, called with
    `app_token`, links a client to it, and a test sends it slash commands and clicks there.
    """

    def __init__(
        self,
        *,
        bot_token: str = DEFAULT_BOT_TOKEN,
        app_token: str = DEFAULT_APP_TOKEN,
        scopes: tuple[str, ...] = DEFAULT_SCOPES,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._bot_token = bot_token
        self._app_token = app_token
        self.scopes = scopes
        """What auth.test reports as granted (its x-oauth-scopes header); tests may change it."""
        self.socket_mode = FakeSocketMode(app_id=APP_ID, host=host)
        self._address = (host, port)
        self._cond = threading.Condition(threading.RLock())
        self._messages: list[Message] = []
        self._attempts: list[Attempt] = []
        self._delays: list[_Fault] = []
        self._refusals: list[_Fault] = []
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._updatable: set[tuple[str, str]] = set()
        self._closed_channels: dict[str, str] = {}
        self._ts_counter = 0
        self._stopping = threading.Event()
        self._serving: ServingThread[_Server] | None = None

    def __repr__(self) -> str:
        where = self.url if self._serving else "stopped"
        return f"FakeSlack({where}, {len(self._messages)} messages)"

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        if self._serving is not None:
            raise RuntimeError("FakeSlack is already running")
        self._stopping.clear()
        server = _Server(self._address, self)
        self._serving = ServingThread(server, name="fake-slack", poll_interval=_POLL_INTERVAL)
        return self

    def stop(self) -> None:
        """Stop listening; a later start() takes the same port, so URLs handed out stay valid."""
        serving = self._serving
        if serving is None:
            return
        self._stopping.set()  # wakes handlers sleeping in a delay fault
        serving.stop(timeout=_MAX_STOP_WAIT)
        host, port = serving.server.server_address[:2]
        self._address = (str(host), int(port))
        self._serving = None
        self.socket_mode.stop()  # after the Web API: a client told to go cannot reconnect

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._serving is None:
            raise RuntimeError("FakeSlack is not running: call start() first")
        host, port = self._serving.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """The base_url to give slack_sdk's WebClient."""
        return self.url + _API_PATH

    # -- response URLs ---------------------------------------------------------------------

    def new_response_url(
        self,
        *,
        channel_id: str,
        user_id: str,
        max_uses: int = RESPONSE_URL_MAX_USES,
        ttl: float = RESPONSE_URL_TTL,
    ) -> str:
        """A fresh response_url for one slash command or button click by `user_id`."""
        key = secrets.token_urlsafe(16)
        with self._cond:
            self._response_urls[key] = _ResponseUrl(
                channel_id, user_id, max_uses, time.monotonic() + ttl
            )
        return self.url + _RESPONSE_PATH + key

    def expire_response_url(self, url: str) -> None:
        with self._cond:
            self._response_urls[_response_key(url)].expired = True

    # -- channels the bot cannot post in ------------------------------------------------

    def make_private_without_bot(self, channel_id: str, *, error: str = "not_in_channel") -> None:
        """Posts to ``channel_id`` are refused as Slack refuses them in a private channel the
        bot was not invited to: ``not_in_channel``, or ``channel_not_found`` when the bot
        cannot even see it."""
        if error not in ("not_in_channel", "channel_not_found"):
            raise ValueError("error must be not_in_channel or channel_not_found")
        with self._cond:
            self._closed_channels[channel_id] = error

    def invite_bot(self, channel_id: str) -> None:
        with self._cond:
            self._closed_channels.pop(channel_id, None)

    # -- what was received -----------------------------------------------------------------

    def posts(self, channel_id: str | None = None) -> list[Message]:
        """chat.postMessage messages that started a conversation (not thread replies)."""
        return [
            m
            for m in self.messages
            if m.via == "chat.postMessage"
            and not m.thread_ts
            and (channel_id is None or m.channel_id == channel_id)
        ]

    def replies(self, channel_id: str, thread_ts: str) -> list[Message]:
        """Thread replies under one message, oldest first."""
        return [
            m
            for m in self.messages
            if m.via == "chat.postMessage"
            and m.channel_id == channel_id
            and m.thread_ts == thread_ts
        ]

    def updates(self, channel_id: str, ts: str) -> list[Message]:
        """chat.update calls accepted for one message, oldest first."""
        return [
            m
            for m in self.messages
            if m.via == "chat.update" and m.channel_id == channel_id and m.ts == ts
        ]

    @property
    def messages(self) -> list[Message]:
        with self._cond:
            return list(self._messages)

    @property
    def attempts(self) -> list[Attempt]:
        with self._cond:
            return list(self._attempts)

    def calls(self, method: str) -> int:
        """Requests to a Web API method (or to response URLs), failed ones included."""
        with self._cond:
            return sum(1 for attempt in self._attempts if attempt.via == method)

    def clear(self) -> None:
        """Forget received messages and attempts; pending faults and response URLs stay."""
        with self._cond:
            self._messages.clear()
            self._attempts.clear()

    def wait_for(self, predicate: Callable[[Message], bool], *, timeout: float = 10.0) -> Message:
        """The first received message (earlier ones included) matching `predicate`."""
        return self.wait_for_count(1, predicate, timeout=timeout)[0]

    def wait_for_count(
        self,
        n: int,
        predicate: Callable[[Message], bool] = lambda _: True,
        *,
        timeout: float = 10.0,
    ) -> list[Message]:
        """The first `n` received messages matching `predicate`, waiting until there are `n`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matched = [m for m in self._messages if predicate(m)]
                if len(matched) >= n:
                    return matched[:n]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self._timeout_report(n, len(matched), timeout))
                self._cond.wait(remaining)

    def _timeout_report(self, wanted: int, matched: int, timeout: float) -> str:
        lines = [
            f"waited {timeout:g}s for {wanted} matching message(s), {matched} matched;"
            f" received {len(self._messages)} message(s):"
        ]
        shown = self._messages[-_SUMMARY_LIMIT:]
        lines.extend(f"  {_summary(m)}" for m in shown)
        failed = [a for a in self._attempts if a.error is not None]
        if failed:
            lines.append(f"and {len(failed)} refused request(s):")
            lines.extend(f"  {a.via} -> {a.status} {a.error}" for a in failed[-_SUMMARY_LIMIT:])
        return "\n".join(lines)

    # -- fault knobs -----------------------------------------------------------------------

    def rate_limit_next(
        self, n: int, *, retry_after: int = 1, method: str = "chat.postMessage"
    ) -> None:
        """The next `n` calls answer 429 with Retry-After, as Slack's rate limiter does.

        Like every fault knob, `method` names a Web API method or "response_url".
        """
        fault = _Fault(method, n, HTTPStatus.TOO_MANY_REQUESTS, "ratelimited", retry_after)
        self._add_fault(self._refusals, fault)

    def fail_next(self, n: int, *, status: int = 500, method: str | None = None) -> None:
        """The next `n` calls of `method` (None: of any Web API method) answer `status`."""
        self._add_fault(self._refusals, _Fault(method, n, status, _status_error(status)))

    def delay_next(self, n: int, seconds: float, *, method: str | None = None) -> None:
        """The next `n` calls of `method` (None: of any Web API method) wait `seconds` first.

        A delay combines with a refusal scripted for the same call: slow, then failing.
        """
        self._add_fault(self._delays, _Fault(method, n, delay=seconds))

    def fail_response_urls(self, n: int, status: int = 404) -> None:
        """The next `n` response_url posts answer `status` instead of being shown."""
        self._add_fault(self._refusals, _Fault(RESPONSE_URL, n, status, _status_error(status)))

    def _add_fault(self, queue: list[_Fault], fault: _Fault) -> None:
        if fault.remaining < 0:
            raise ValueError("the number of requests must not be negative")
        if fault.remaining:
            with self._cond:
                queue.append(fault)

    def _take_fault(self, queue: list[_Fault], via: str) -> _Fault | None:
        """The oldest scripted fault for this request, consumed once."""
        with self._cond:
            fault = next((f for f in queue if f.matches(via)), None)
            if fault is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.remove(fault)
        return fault

    # -- request handling ------------------------------------------------------------------

    def _handle(self, path: str, headers: Mapping[str, str], body: bytes) -> _Answer:
        """Answer one request and record it; called on the server's handler threads.

        `headers` are keyed in lower case: clients differ in how they capitalise them.
        """
        parts = urlsplit(path)
        if parts.path.startswith(_API_PATH):
            via = parts.path[len(_API_PATH) :]
        elif parts.path.startswith(_RESPONSE_PATH):
            via = RESPONSE_URL
        else:
            return _text_answer(HTTPStatus.NOT_FOUND, "not_found")
        delay = self._take_fault(self._delays, via)
        if delay is not None:
            self._stopping.wait(delay.delay)
        refusal = self._take_fault(self._refusals, via)
        if refusal is not None:
            answer = _refusal_answer(refusal, web_api=via != RESPONSE_URL)
        elif via == RESPONSE_URL:
            answer = self._post_to_response_url(parts.path[len(_RESPONSE_PATH) :], body)
        else:
            answer = self._call_method(via, headers, _api_args(parts.query, headers, body))
        self._record(via, answer)
        return answer

    def _record(self, via: str, answer: _Answer) -> None:
        with self._cond:
            self._attempts.append(Attempt(via, int(answer.status), answer.error, time.monotonic()))
            if answer.message is not None:
                self._messages.append(answer.message)
            self._cond.notify_all()

    def _call_method(
        self, method: str, headers: Mapping[str, str], args: dict[str, Any]
    ) -> _Answer:
        if method == "api.test":
            return _api_test(args)
        handler = _METHODS.get(method)
        if handler is None:
            return _api_error("unknown_method")
        token = _bearer_token(headers) or args.get("token")
        if not token:
            return _api_error("not_authed")
        expected = self._app_token if method in _APP_LEVEL_METHODS else self._bot_token
        if not hmac.compare_digest(str(token).encode(), expected.encode()):
            return _api_error("invalid_auth")
        args.pop("token", None)
        return handler(self, args)

    def _auth_test(self, _args: dict[str, Any]) -> _Answer:
        answer = _api_answer(
            {
                "ok": True,
                "url": f"https://{TEAM_DOMAIN}.slack.com/",
                "team": TEAM_DOMAIN.title(),
                "user": "backup-bot",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        )
        return replace(answer, headers={"x-oauth-scopes": ",".join(self.scopes)})

    def _connections_open(self, _args: dict[str, Any]) -> _Answer:
        return _api_answer({"ok": True, "url": self.socket_mode.open_url()})

    def _post_message(self, args: dict[str, Any]) -> _Answer:
        return self._chat(args, "chat.postMessage", user_id=None, ts=self._next_ts())

    def _post_ephemeral(self, args: dict[str, Any]) -> _Answer:
        user = args.get("user")
        if not user:
            return _api_error("user_not_in_channel")
        return self._chat(args, "chat.postEphemeral", user_id=str(user), ts=self._next_ts())

    def _update(self, args: dict[str, Any]) -> _Answer:
        key = (str(args.get("channel", "")), str(args.get("ts", "")))
        with self._cond:
            known = key in self._updatable
        if not known:
            return _api_error("message_not_found")
        return self._chat(args, "chat.update", user_id=None, ts=key[1])

    def _chat(self, args: dict[str, Any], method: str, *, user_id: str | None, ts: str) -> _Answer:
        """The checks and the answer shared by chat.postMessage, postEphemeral and update."""
        channel = str(args.get("channel") or "")
        if not channel.startswith(_CHANNEL_PREFIXES):
            return _api_error("channel_not_found")
        with self._cond:
            closed = self._closed_channels.get(channel)
        if closed is not None:
            return _api_error(closed)
        refused = _content_error(args, web_api=True)
        if refused is not None:
            return refused
        message = Message(
            via=method,
            channel_id=channel,
            user_id=user_id,
            response_type="ephemeral" if method == "chat.postEphemeral" else "in_channel",
            replace_original=method == "chat.update",
            delete_original=False,
            text=str(args.get("text") or ""),
            blocks=args.get("blocks") or [],
            payload=args,
            received_at=time.monotonic(),
            ts=ts,
            thread_ts=str(args.get("thread_ts") or "") if method == "chat.postMessage" else "",
        )
        if method == "chat.postEphemeral":
            return _api_answer({"ok": True, "message_ts": ts}, message)
        with self._cond:
            self._updatable.add((channel, ts))
        posted = {
            "type": "message",
            "text": message.text,
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "ts": ts,
            "blocks": message.blocks,
        }
        if message.thread_ts:
            posted["thread_ts"] = message.thread_ts
        return _api_answer({"ok": True, "channel": channel, "ts": ts, "message": posted}, message)

    def _post_to_response_url(self, key: str, body: bytes) -> _Answer:
        with self._cond:
            target = self._response_urls.get(key)
            if target is None:
                return _text_answer(HTTPStatus.NOT_FOUND, "no_service")
            if target.expired or time.monotonic() > target.expires_at:
                return _text_answer(HTTPStatus.NOT_FOUND, "expired_url")
            if target.uses_left <= 0:
                return _text_answer(HTTPStatus.NOT_FOUND, "used_url")
            try:
                payload = json.loads(body)
            except ValueError:
                payload = None
            if not isinstance(payload, dict):
                return _text_answer(HTTPStatus.BAD_REQUEST, "invalid_payload")
            refused = _content_error(payload, web_api=False)
            if refused is not None:
                return refused
            target.uses_left -= 1
            message = Message(
                via=RESPONSE_URL,
                channel_id=target.channel_id,
                user_id=target.user_id,
                response_type=str(payload.get("response_type") or "ephemeral"),
                replace_original=_truthy(payload.get("replace_original")),
                delete_original=_truthy(payload.get("delete_original")),
                text=str(payload.get("text") or ""),
                blocks=payload.get("blocks") or [],
                payload=payload,
                received_at=time.monotonic(),
                ts=self._next_ts(),
                response_url=self.url + _RESPONSE_PATH + key,
            )
        return _text_answer(HTTPStatus.OK, "ok", message)

    def _next_ts(self) -> str:
        """A unique Slack-style timestamp ("seconds.sequence")."""
        with self._cond:
            self._ts_counter += 1
            return f"{int(time.time())}.{self._ts_counter:06d}"


_METHODS: dict[str, Callable[[FakeSlack, dict[str, Any]], _Answer]] = {
    "apps.connections.open": FakeSlack._connections_open,
    "auth.test": FakeSlack._auth_test,
    "chat.postMessage": FakeSlack._post_message,
    "chat.postEphemeral": FakeSlack._post_ephemeral,
    "chat.update": FakeSlack._update,
}

_APP_LEVEL_METHODS = frozenset({"apps.connections.open"})
"""Methods that take the app-level token (xapp-...) instead of the bot token."""


def _api_test(args: dict[str, Any]) -> _Answer:
    """api.test needs no token and echoes its arguments; an `error` argument makes it fail."""
    args.pop("token", None)
    if "error" in args:
        return _api_error(str(args["error"]), args=args)
    return _api_answer({"ok": True, "args": args})


def _content_error(payload: dict[str, Any], *, web_api: bool) -> _Answer | None:
    """Slack's refusal of a message body with nothing to show or with invalid blocks."""
    blocks = payload.get("blocks")
    if blocks is not None:
        errors = block_errors(blocks)
        if errors:
            if not web_api:
                return _text_answer(HTTPStatus.BAD_REQUEST, "invalid_blocks")
            kind = "invalid_blocks" if isinstance(blocks, list) else "invalid_blocks_format"
            return _api_error(kind, errors=errors, response_metadata={"messages": errors})
    has_content = payload.get("text") or blocks or payload.get("attachments")
    if has_content or _truthy(payload.get("delete_original")):
        return None
    if web_api:
        return _api_error("no_text")
    return _text_answer(HTTPStatus.BAD_REQUEST, "no_text")


def _refusal_answer(fault: _Fault, *, web_api: bool) -> _Answer:
    headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
    if web_api:
        body, content_type = json.dumps({"ok": False, "error": fault.error}).encode(), _JSON
    else:
        body, content_type = fault.error.encode(), _TEXT
    return _Answer(fault.status, body, content_type, error=fault.error, headers=headers)


def _status_error(status: int) -> str:
    return HTTPStatus(status).phrase.lower().replace(" ", "_")


def _api_args(query: str, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """Web API arguments from the query string and a JSON or form-encoded body."""
    args: dict[str, Any] = dict(parse_qsl(query))
    content_type = headers.get("content-type", "")
    if "json" in content_type:
        try:
            decoded = json.loads(body or b"{}")
        except ValueError:
            decoded = {}
        args.update(decoded if isinstance(decoded, dict) else {})
    else:
        args.update(parse_qsl(body.decode("utf-8", "replace")))
    if isinstance(args.get("blocks"), str):  # form bodies carry blocks as a JSON string
        # A string that is not JSON stays a string, and Slack's invalid_blocks_format answers it.
        with contextlib.suppress(ValueError):
            args["blocks"] = json.loads(args["blocks"])
    return args


def _bearer_token(headers: Mapping[str, str]) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _truthy(value: object) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def _response_key(url: str) -> str:
    path = urlsplit(url).path
    if not path.startswith(_RESPONSE_PATH):
        raise ValueError(f"not a response_url of this FakeSlack: {url}")
    return path[len(_RESPONSE_PATH) :]


def _summary(message: Message) -> str:
    text = message.text or json.dumps(message.blocks)[:200]
    who = f"{message.channel_id}/{message.user_id}" if message.user_id else message.channel_id
    flags = " replace_original" if message.replace_original else ""
    flags += " delete_original" if message.delete_original else ""
    snippet = text if len(text) <= 80 else text[:77] + "..."
    return f"{message.via} {message.response_type} {who}{flags}: {snippet!r}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a burst of concurrent posts must not wait out a SYN retry

    def __init__(self, address: tuple[str, int], fake: FakeSlack) -> None:
        self.fake = fake
        super().__init__(address, _Handler)

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        """A client that went away mid-answer (a bot killed by a test) is expected."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            logger.debug("client %s left before its answer was sent", client_address)
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {name.lower(): value for name, value in self.headers.items()}
        answer = self.server.fake._handle(self.path, headers, body)
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fake slack: " + format, *args)
