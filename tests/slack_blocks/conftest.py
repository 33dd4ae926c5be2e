"""Agents to render, hostile strings to render them with, and one inspector for any message.

The inspector applies three independent checks: the project's ``check_message``, slack_sdk's
own Block Kit validators (a second opinion on the same limits), and a scan of every mrkdwn
string for a ``<`` or ``&`` that Slack would read as markup rather than as a character.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.models.blocks import Block, BlockElement, ConfirmObject

from bot.backup_api.models import Agent, AgentStatus, PublicKey
from bot.slack.blocks import check_message

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

_OUR_TOKEN = re.compile(
    r"<!date\^-?\d+\^\{[a-z_]+\}(?: at \{[a-z_]+\})?\|\d{4}-\d\d-\d\d \d\d:\d\d UTC>"
    r"|<@[UW][A-Z0-9]+>"
)
_BARE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")


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


def _mrkdwn_strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from _mrkdwn_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _mrkdwn_strings(item)


def markup_problems(text: str) -> list[str]:
    """``<``, ``>`` or ``&`` in mrkdwn that is not an entity or one of the bot's own tokens."""
    rest = _OUR_TOKEN.sub("", text)
    problems = [f"raw {char!r} in {text[:80]!r}" for char in "<>" if char in rest]
    if _BARE_AMPERSAND.search(rest):
        problems.append(f"bare '&' in {text[:80]!r}")
    return problems


def sdk_problems(message: dict[str, Any]) -> list[str]:
    """What slack_sdk's validators say about each block, button and confirm dialog."""
    problems: list[str] = []

    def validate(kind: Any, payload: dict[str, Any]) -> None:
        try:
            kind.parse(payload).validate_json()
        except Exception as error:  # every complaint, whatever its type, is a finding
            problems.append(f"slack_sdk: {error} in {str(payload)[:120]}")

    for block in message["blocks"]:
        validate(Block, block)
        elements = list(block.get("elements", [])) + (
            [block["accessory"]] if "accessory" in block else []
        )
        for element in elements:
            if element.get("type") == "button":
                validate(BlockElement, element)
                if "confirm" in element:
                    validate(ConfirmObject, element["confirm"])
    return problems


def inspect_message(message: dict[str, Any]) -> list[str]:
    """Every problem found with ``message`` by all three checks."""
    problems = check_message(message) + sdk_problems(message)
    problems += markup_problems(message["text"])
    for text in _mrkdwn_strings(message["blocks"]):
        problems += markup_problems(text)
    assert set(message) <= {"text", "blocks", "response_type"}, "extra keys break ack(**msg)"
    return problems


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
    return lambda node: list(_mrkdwn_strings(node))
