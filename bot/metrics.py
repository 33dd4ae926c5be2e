"""Every Prometheus metric the bot exposes, in one registry per bot.

Operators alert on these ("follow-ups are failing", "the backup API answers 503") and graph
them next to their other services. One ``Metrics`` per bot, built by the composition root and
handed to what it observes: a process that builds two bots (the tests do) gets two registries
that never see each other's figures, and nothing is registered in prometheus_client's global
default registry.

Labels stay bounded: a label value is always one of a fixed set written in this module or the
code (a subcommand, an operation kind, an outcome, an HTTP status), never a user, channel,
agent, account or URL; anything unexpected is reported as ``other``. No metric carries a
secret.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import make_wsgi_app as prometheus_wsgi_app

from bot.slack.action_ids import ActionId

if TYPE_CHECKING:
    from wsgiref.types import WSGIApplication

METRICS_PATH = "/metrics"
NAMESPACE = "backup_bot"
OTHER = "other"

SUBCOMMANDS = frozenset(
    {"help", "unknown", "agents", "agent", "wakeup", "watch", "unwatch", "report", "invalid"}
)
"""The names ``bot.slack.commands.subcommand_of`` gives."""
REQUEST_NAMES = SUBCOMMANDS | frozenset(action.value for action in ActionId)
"""What a request may be counted as: a subcommand or one of our buttons' action ids. Any
other name (a forged action id) is counted as ``other``."""

REQUEST_KINDS = frozenset({"command", "button"})

_OPERATIONS: tuple[tuple[str, str], ...] = (
    ("list agents", "list_agents"),
    ("get the agent of server ", "get_agent_by_server"),
    ("get agent ", "get_agent"),
    ("wake up agents", "wake_up_agents"),
    ("authenticate with rackspace identity", "authenticate"),
)

ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
"""Slack waits 3 s for an ack; the buckets are finest well below that."""
API_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
WAKEUP_BUCKETS = (1.0, 5.0, 10.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 300.0, 600.0)
SWEEP_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


def operation_kind(operation: str) -> str:
    """The fixed kind of a backup API operation: "get agent 213563" is ``get_agent``."""
    text = operation.strip().lower()
    for prefix, kind in _OPERATIONS:
        if text == prefix.strip() or (prefix.endswith(" ") and text.startswith(prefix)):
            return kind
    return OTHER


def request_name(name: str) -> str:
    return name if name in REQUEST_NAMES else OTHER


def http_status(status: int | None) -> str:
    """An HTTP status as a label: the code when it is one, else ``other``."""
    return str(status) if status is not None and 100 <= status <= 599 else OTHER


class Pool(Protocol):
    """What a pool shows at each scrape (``bot.executor.BoundedExecutor``)."""

    @property
    def in_flight(self) -> int: ...

    @property
    def queued(self) -> int: ...


class Metrics:
    """The collectors of one bot, and the few helpers that keep their labels bounded."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        ns = NAMESPACE
        # -- Slack requests --------------------------------------------------------------
        self.requests = Counter(
            "requests",
            "Commands and button clicks, by subcommand or action id and outcome (counted "
            "once each, when the audit line is written).",
            ["kind", "name", "outcome"],
            namespace=ns,
            registry=r,
        )
        self.ack_seconds = Histogram(
            "ack_seconds",
            "Seconds from a Slack request reaching Bolt to its ack being ready.",
            ["kind"],
            namespace=ns,
            buckets=ACK_BUCKETS,
            registry=r,
        )
        # -- the executor ------------------------------------------------------------------
        self.executor_queue_depth = Gauge(
            "executor_queue_depth",
            "Work waiting for a free worker in a bounded pool (work: commands; wakeup: "
            "wake-up checks and follow-ups).",
            ["pool"],
            namespace=ns,
            registry=r,
        )
        self.executor_in_flight = Gauge(
            "executor_in_flight",
            "Work queued or running in a bounded pool.",
            ["pool"],
            namespace=ns,
            registry=r,
        )
        self.busy_answers = Counter(
            "busy_answers",
            "Requests answered 'the bot is busy' because the work queue was full.",
            namespace=ns,
            registry=r,
        )
        # -- the backup API ----------------------------------------------------------------
        self.api_calls = Counter(
            "backup_api_calls",
            "Backup API and Identity calls by operation kind and final HTTP status "
            "(timeout or connection_error when none came).",
            ["operation", "status"],
            namespace=ns,
            registry=r,
        )
        self.api_seconds = Histogram(
            "backup_api_call_seconds",
            "Seconds per backup API or Identity call, retries included.",
            ["operation"],
            namespace=ns,
            buckets=API_BUCKETS,
            registry=r,
        )
        self.api_retries = Counter(
            "backup_api_retries",
            "Retries made inside backup API and Identity calls (502/503/504, dropped connections).",
            ["operation"],
            namespace=ns,
            registry=r,
        )
        self.identity_authentications = Counter(
            "identity_authentications",
            "Token requests to Rackspace Identity by outcome (ok, refused, failed).",
            ["outcome"],
            namespace=ns,
            registry=r,
        )
        # -- the fleet cache ---------------------------------------------------------------
        self.fleet_cache = Counter(
            "fleet_cache_requests",
            "Fleet (list + details) requests by result: hit (served from the cache), shared "
            "(joined a fetch under way), fetch (started a fetch).",
            ["result"],
            namespace=ns,
            registry=r,
        )
        # -- wake-ups and follow-ups -------------------------------------------------------
        self.wakeups_started = Counter(
            "wakeups_started", "Wake-ups that sent a new POST.", namespace=ns, registry=r
        )
        self.wakeups_joined = Counter(
            "wakeups_joined",
            "Wake-up requests that joined one already running for the account.",
            namespace=ns,
            registry=r,
        )
        self.wakeups_finished = Counter(
            "wakeups_finished",
            "Finished wake-ups by outcome: awake (every enabled agent online), gave_up, "
            "failed (the wake-up POST failed).",
            ["outcome"],
            namespace=ns,
            registry=r,
        )
        self.wakeup_seconds = Histogram(
            "wakeup_duration_seconds",
            "Seconds from a wake-up's start until every enabled agent was online.",
            namespace=ns,
            buckets=WAKEUP_BUCKETS,
            registry=r,
        )
        self.followups = Counter(
            "followups",
            "Wake-up follow-up delivery attempts by result: delivered, retried (Slack did "
            "not take it; tried again later), failed (given up).",
            ["result"],
            namespace=ns,
            registry=r,
        )
        # -- Slack's API -------------------------------------------------------------------
        self.slack_calls = Counter(
            "slack_api_calls",
            "Calls to Slack (Web API methods, and response_url posts) by final status: ok, "
            "an HTTP status, api_error (HTTP 200 with ok false) or connection_error.",
            ["method", "status"],
            namespace=ns,
            registry=r,
        )
        self.slack_rate_limited = Counter(
            "slack_rate_limited",
            "429 answers from Slack, retried ones included.",
            ["method"],
            namespace=ns,
            registry=r,
        )
        # -- watching channels (bot/watch) -------------------------------------------------
        self.watch_sweeps = Counter(
            "watch_sweeps",
            "Watch sweeps of one account by outcome (ok, failed). For bot/watch: increment "
            "once per sweep with ``watch_sweep(ok=..., seconds=...)``.",
            ["outcome"],
            namespace=ns,
            registry=r,
        )
        self.watch_sweep_seconds = Histogram(
            "watch_sweep_seconds",
            "Seconds per watch sweep (list + details), failed ones included. For bot/watch.",
            namespace=ns,
            buckets=SWEEP_BUCKETS,
            registry=r,
        )
        self.watch_open_incidents = Gauge(
            "watch_open_incidents",
            "Open watch incidents by condition (a fixed set, e.g. stale_backup, api_down). "
            "Counted from the watch store at each scrape.",
            ["condition"],
            namespace=ns,
            registry=r,
        )
        self.leases_taken_over = Counter(
            "leases_taken_over",
            "Wake-up jobs and follow-ups taken over from another instance whose lease ran out "
            "(several instances on PostgreSQL).",
            namespace=ns,
            registry=r,
        )

        # Series an alert reads exist from the start at 0: Prometheus's increase() cannot
        # see the first count of a series that appears with it.
        for counter, values in (
            (self.followups, ("delivered", "retried", "failed")),
            (self.wakeups_finished, ("awake", "gave_up", "failed")),
            (self.identity_authentications, ("ok", "refused", "failed")),
            (self.fleet_cache, ("hit", "shared", "fetch")),
            (self.watch_sweeps, ("ok", "failed")),
        ):
            for value in values:
                counter.labels(value)

    # -- helpers the instrumented code calls ------------------------------------------------

    def request(self, kind: str, name: str, outcome: str) -> None:
        self.requests.labels(
            kind if kind in REQUEST_KINDS else OTHER, request_name(name), outcome
        ).inc()

    def ack(self, kind: str, seconds: float) -> None:
        self.ack_seconds.labels(kind if kind in REQUEST_KINDS else OTHER).observe(seconds)

    def api_call(self, operation: str, status: str, seconds: float, retries: int) -> None:
        """One backup API or Identity call; ``operation`` is normalised to its kind."""
        kind = operation_kind(operation)
        self.api_calls.labels(kind, status).inc()
        self.api_seconds.labels(kind).observe(seconds)
        if retries > 0:
            self.api_retries.labels(kind).inc(retries)

    def authenticated(self, outcome: str) -> None:
        """One token request to Identity: ok, refused (401/403) or failed."""
        self.identity_authentications.labels(outcome).inc()

    def fleet_lookup(self, result: str) -> None:
        """One fleet request: hit, shared or fetch (``SingleFlightCache``)."""
        self.fleet_cache.labels(result).inc()

    def pool(self, name: str, pool: Pool) -> None:
        """Report a bounded pool's figures at each scrape (read then, never pushed)."""
        self.executor_in_flight.labels(name).set_function(lambda: pool.in_flight)
        self.executor_queue_depth.labels(name).set_function(lambda: pool.queued)

    def watch_sweep(self, *, ok: bool, seconds: float) -> None:
        """For bot/watch: one sweep finished (or failed) after ``seconds``."""
        self.watch_sweeps.labels("ok" if ok else "failed").inc()
        self.watch_sweep_seconds.observe(seconds)

    def watch_open_incidents_from(
        self, count: Callable[[], Mapping[str, int]], *, conditions: Iterable[str]
    ) -> None:
        """The open incidents by condition, counted from the store at each scrape."""
        for condition in conditions:
            self.watch_open_incidents.labels(condition).set_function(
                partial(_count_of, count, condition)
            )

    def wsgi_app(self) -> WSGIApplication:
        """The exposition (text format, OpenMetrics or gzip as the scraper asks)."""
        return prometheus_wsgi_app(self.registry)


def _count_of(count: Callable[[], Mapping[str, int]], key: str) -> float:
    return float(count().get(key, 0))
