"""Agents to render, hostile strings to render them with, and one inspector for any message.

The inspector applies three independent checks: the project's ``check_message``, slack_sdk's
own Block Kit validators (a second opinion on the same limits), and a scan of every mrkdwn
string for a ``<`` or ``&`` that Slack would read as markup rather than as a character.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.backup_api.models import Agent, AgentStatus, PublicKey
from tests.support.block_checks import message_problems
from tests.support.block_checks import mrkdwn_strings as block_mrkdwn_strings

HOSTILE = (
    "<!channel>",
    "<!here|here>",
    "<@U123ABC>",
    "<#C123|general>",
    "<http://evil.example|click me>",
    "&amp; &lt;already&gt; escaped",
    "*bold* _italic_ ~strike~",
    "`code` and ```block```",
    "> quoted line",
    "line one\nline two\r\n\ttabbed",
    "🔥💾 émoji café 日本語",
    "\u202eevil.exe\u202c RTL override",
    "שרת גיבוי ראשי",
    "<!date^0^{date}|forged date>",
    "x" * 3000,
    "&" * 3000,
    "<" * 1500 + ">" * 1500,
    "*" * 3000,
    "`" * 3000,
    "",
    "   ",
)


def make_agent(agent_id: int, name: str | None = None, **fields: Any) -> Agent:
    defaults: dict[str, Any] = {
        "name": f"server-{agent_id:05d}" if name is None else name,
        "status": AgentStatus.ONLINE,
        "datacenter": "DFW",
        "ip_address": f"10.0.{agent_id // 256 % 256}.{agent_id % 256}",
        "os_name": "Ubuntu",
        "os_version": "22.04",
        "vault_size_text": "35.3 MB",
        "vault_size_bytes": 37_014_323,
        "is_disabled": False,
        "last_successful_backup": datetime(2024, 1, 2, 3, 4, tzinfo=UTC),
    }
    return Agent(id=agent_id, **(defaults | fields))


def hostile_agent(agent_id: int, text: str) -> Agent:
    """Every string field of the agent set to ``text``."""
    return make_agent(
        agent_id,
        name=text,
        datacenter=text,
        ip_address=text,
        os_name=text,
        os_version=text,
        agent_version=text,
        architecture=text,
        flavor=text,
        vault_size_text=text,
        backup_container=text,
        backup_datacenter=text,
        host_server_id=text,
        public_key=PublicKey(modulus_hex=text, exponent_hex=text),
        status=AgentStatus.OFFLINE,
        is_disabled=True,
        last_successful_backup=None,
    )


def mixed_fleet(size: int) -> list[Agent]:
    """A fleet with every status, disabled agents and agents never backed up."""
    statuses = (AgentStatus.ONLINE, AgentStatus.OFFLINE, AgentStatus.UNKNOWN)
    return [
        make_agent(
            100_000 + index,
            status=statuses[index % 3],
            is_disabled=index % 7 == 0,
            last_successful_backup=None if index % 5 == 0 else datetime(2024, 1, 2, tzinfo=UTC),
        )
        for index in range(size)
    ]


def inspect_message(message: dict[str, Any]) -> list[str]:
    """Every problem found with ``message`` by all three checks (any user mention allowed:
    the builders here mention only ids the tests give them)."""
    return message_problems(message, allowed_mentions=None)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``hostile_text`` runs a test once per hostile string."""
    if "hostile_text" in metafunc.fixturenames:
        ids = [f"hostile{index}" for index in range(len(HOSTILE))]
        metafunc.parametrize("hostile_text", HOSTILE, ids=ids)


@pytest.fixture
def inspect() -> Callable[[dict[str, Any]], list[str]]:
    return inspect_message


@pytest.fixture
def agent() -> Callable[..., Agent]:
    return make_agent


@pytest.fixture
def hostile() -> Callable[[int, str], Agent]:
    return hostile_agent


@pytest.fixture
def fleet() -> Callable[[int], list[Agent]]:
    return mixed_fleet


@pytest.fixture
def mrkdwn_strings() -> Callable[[Any], list[str]]:
    return lambda node: list(block_mrkdwn_strings(node))
