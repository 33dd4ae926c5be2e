"""The metrics module's own rules: bounded labels, settings, one registry per bot."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from prometheus_client import REGISTRY, generate_latest

from bot.config import ConfigError, load_settings
from bot.http_server import make_status_app
from bot.metrics import Metrics, operation_kind, request_name
from tests.metrics.scrape import parse

BASE_ENV = {"BACKUP_API_URL": "http://127.0.0.1:1/v1.0/1", "BACKUP_AUTH_TOKEN": "t"}


@pytest.mark.parametrize(
    ("operation", "kind"),
    [
        ("list agents", "list_agents"),
        ("get agent 213563", "get_agent"),
        ("get the agent of server 5f8f0c7e-7b3a-4d2e-9d1c-2f0e4c1b9a77", "get_agent_by_server"),
        ("wake up agents", "wake_up_agents"),
        ("authenticate with Rackspace Identity", "authenticate"),
        ("delete everything", "other"),
        ("list agents of 123456", "other"),
    ],
)
def test_an_operation_is_named_by_its_kind_never_its_arguments(operation: str, kind: str) -> None:
    assert operation_kind(operation) == kind


def test_a_request_name_outside_the_vocabulary_is_other() -> None:
    assert request_name("agents") == "agents"
    assert request_name("agent_wakeup") == "agent_wakeup"
    assert request_name("watch_snooze_1d") == "watch_snooze_1d"
    assert request_name("U0ALICE") == "other"
    assert request_name("forged_action_310201") == "other"


def test_a_user_id_never_becomes_a_label() -> None:
    metrics = Metrics()
    metrics.request("command", "U0ALICE", "ok")
    metrics.request("U0ALICE", "agents", "ok")
    metrics.api_call("get agent 310201", "200", 0.01, 0)
    text = parse_text(metrics)
    assert "U0ALICE" not in text
    assert "310201" not in text


def parse_text(metrics: Metrics) -> str:
    return generate_latest(metrics.registry).decode()


def test_bots_do_not_share_or_touch_the_global_registry() -> None:
    names_before = set(REGISTRY._names_to_collectors)
    one, two = Metrics(), Metrics()
    one.busy_answers.inc()
    assert parse(parse_text(one)).value("backup_bot_busy_answers_total") == 1
    assert parse(parse_text(two)).value("backup_bot_busy_answers_total") == 0
    assert set(REGISTRY._names_to_collectors) == names_before


def test_the_watch_figures_are_ready_for_the_watcher() -> None:
    metrics = Metrics()
    metrics.watch_sweep(ok=False, seconds=1.5)
    metrics.watch_sweep(ok=True, seconds=0.5)
    metrics.watch_open_incidents_from(
        lambda: {"stale_backup": 2}, conditions=("stale_backup", "api_down")
    )
    metrics.leases_taken_over.inc()
    found = parse(parse_text(metrics))
    assert found.value("backup_bot_watch_sweeps_total", outcome="failed") == 1
    assert found.value("backup_bot_watch_sweeps_total", outcome="ok") == 1
    assert found.value("backup_bot_watch_sweep_seconds_count") == 2
    assert found.value("backup_bot_watch_open_incidents", condition="stale_backup") == 2
    assert found.value("backup_bot_watch_open_incidents", condition="api_down") == 0
    assert found.value("backup_bot_leases_taken_over_total") == 1


@pytest.mark.parametrize(
    ("env", "metrics", "port"),
    [
        ({}, True, None),
        ({"METRICS": "off"}, False, None),
        ({"METRICS": "ON", "METRICS_PORT": "9464"}, True, 9464),
        ({"METRICS_PORT": "0"}, True, 0),
    ],
)
def test_metrics_settings(env: dict[str, str], metrics: bool, port: int | None) -> None:
    settings = load_settings({**BASE_ENV, **env})
    assert settings.metrics is metrics
    assert settings.metrics_port == port


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"METRICS": "maybe"}, "METRICS must be on or off"),
        ({"METRICS_PORT": "http"}, "METRICS_PORT must be a whole number"),
        ({"METRICS_PORT": "-1"}, "METRICS_PORT must be at least 0"),
    ],
)
def test_bad_metrics_settings_are_named(env: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        load_settings({**BASE_ENV, **env})


def call(app: Callable[..., Iterable[bytes]], path: str) -> tuple[str, bytes]:
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer["status"] = status

    body = b"".join(
        app({"PATH_INFO": path, "REQUEST_METHOD": "GET", "QUERY_STRING": ""}, start_response)
    )
    return answer["status"], body


def test_the_socket_mode_listener_serves_health_and_metrics_only() -> None:
    app = make_status_app(lambda: {"in_flight": 0}, Metrics())
    assert call(app, "/healthz")[0].startswith("200")
    status, body = call(app, "/metrics")
    assert status.startswith("200")
    assert parse(body.decode()).has_sample_name("backup_bot_busy_answers_total")
    assert call(app, "/slack/events")[0].startswith("404")


def test_with_metrics_off_the_listener_serves_health_only() -> None:
    app = make_status_app(lambda: {}, None)
    assert call(app, "/healthz")[0].startswith("200")
    assert call(app, "/metrics")[0].startswith("404")
