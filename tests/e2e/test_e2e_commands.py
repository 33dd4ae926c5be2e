"""Every subcommand of ``/backup``, typed in Slack and answered over real HTTP."""

from __future__ import annotations

import re

import pytest

from bot.devtools.fake_slack import Message
from bot.devtools.local_stack import LocalStack
from tests.e2e.e2e_helpers import (
    BUILD_RUNNER,
    DB1,
    ORD_DB1,
    REPORTING_OLD,
    STAGING_API,
    WEB1,
    WEB2,
    Bot,
    action_ids,
    button,
    shown,
)
from tests.support.stacks import StartStack

_ENTRY = re.compile(r"^\*(.+?)\*  `(\d+)`\n(.*)$", re.DOTALL)


def entries(message: Message) -> dict[int, str]:
    """Agent id -> its list entry (name and details), in display order."""
    found: dict[int, str] = {}
    for block in message.blocks:
        match = _ENTRY.match(block.get("text", {}).get("text", ""))
        if block["type"] == "section" and match:
            found[int(match.group(2))] = f"{match.group(1)} {match.group(3)}"
    return found


# -- help ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["help", "", "   "])
def test_help_and_empty_text_answer_usage_in_the_ack(bot: Bot, text: str) -> None:
    sent = bot.command(text)

    assert sent.json is not None
    assert sent.json["response_type"] == "ephemeral"
    usage = shown(sent.json)
    for subcommand in ("/backup agents", "/backup agent &lt;id", "/backup wakeup", "/backup help"):
        assert subcommand in usage
    assert "dc:DFW" in usage
    assert "status:" in usage
    assert "region:ORD" in usage
    assert bot.stack.simulator.stats()["tokens"] == 0  # nothing asked of the backup API


def test_an_unknown_word_is_named_with_the_nearest_subcommand(bot: Bot) -> None:
    sent = bot.command("agnets web")

    assert sent.json is not None
    assert sent.json["response_type"] == "ephemeral"
    usage = shown(sent.json)
    assert "I don't know `agnets`. Did you mean `agents`?" in usage
    assert "/backup wakeup" in usage


def test_an_unreadable_option_says_what_to_change(bot: Bot) -> None:
    sent = bot.command("agents status:asleep")

    assert sent.json is not None
    assert sent.json["response_type"] == "ephemeral"
    assert "`asleep` is not a status; use online, offline or unknown." in shown(sent.json)


def test_a_renamed_slash_command_is_the_one_answered(start_stack: StartStack) -> None:
    stack = start_stack(env={"SLASH_COMMAND": "/bk"})

    sent = stack.sender.command("help", command="/bk", user_id="U0ALICE", channel_id="C0OPS")

    assert sent.status == 200
    assert sent.json is not None
    assert "/bk agents" in shown(sent.json)


# -- agents ----------------------------------------------------------------------------


def test_agents_lists_true_status_from_details_problems_first(bot: Bot) -> None:
    listed = {agent["MachineAgentId"] for agent in bot.stack.simulator.agents("DFW")}

    sent, reply = bot.ask("agents")

    assert sent.json is not None
    assert "Fetching agents" in shown(sent.json)
    assert reply.response_type == "ephemeral"
    assert reply.replace_original
    by_id = entries(reply)
    assert set(by_id) == listed
    # The simulator's list call says Unknown for everyone; details know better.
    assert "Online" in by_id[WEB1]
    assert "Online" in by_id[DB1]
    assert "Offline" in by_id[WEB2]
    assert "Unknown" not in shown(reply)
    text = shown(reply)
    assert "*8 agents* · :large_green_circle: 2 online · :red_circle: 6 offline" in text
    assert "1 disabled" in text
    assert "1 never backed up" in text
    order = list(by_id)
    assert order[-2:] == [DB1, WEB1]  # healthy last
    assert order.index(STAGING_API) < order.index(BUILD_RUNNER) < order.index(DB1)
    assert "last backup never" in by_id[STAGING_API]
    assert "<!date^" in by_id[WEB1]
    assert "vault 35.3 MB" in by_id[WEB1]
    assert "DFW" in by_id[WEB1]
    assert "Ubuntu 22.04" in by_id[WEB1]
    assert "disabled" in by_id[BUILD_RUNNER]
    assert "encrypted" in by_id[310230]
    assert action_ids(reply) == ["agents_share"]
    stats = bot.stack.simulator.stats()
    assert stats["list_agents"] == 1
    assert stats["agent_details"] == len(listed)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("web", {WEB1, WEB2}),
        ("WEB .10", {WEB1}),
        ("203.0.113.2", {DB1}),
        ("3102", {WEB1, WEB2, DB1, 310211, BUILD_RUNNER, STAGING_API, REPORTING_OLD, 310230}),
        ("status:online", {WEB1, DB1}),
        ("dc:DFW status:ONLINE db", {DB1}),
        ("region:ORD", {420117, ORD_DB1}),
        ("region:ord status:offline db", {ORD_DB1}),
    ],
)
def test_agents_filters(bot: Bot, query: str, expected: set[int]) -> None:
    _, reply = bot.ask(f"agents {query}")

    assert set(entries(reply)) == expected
    assert f"{len(expected)} agent" in shown(reply)


def test_region_asks_that_regions_endpoint(bot: Bot) -> None:
    _, reply = bot.ask("agents region:ORD")

    # Each simulated regional endpoint serves only its own agents.
    assert {a["Datacenter"] for a in bot.stack.simulator.agents("ORD")} == {"ORD"}
    assert set(entries(reply)) == {a["MachineAgentId"] for a in bot.stack.simulator.agents("ORD")}
    assert "account 123456 (ORD)" in shown(reply)


def test_a_filter_matching_nothing_says_so(bot: Bot) -> None:
    _, reply = bot.ask("agents dc:ORD")

    assert entries(reply) == {}
    assert "No agents match `dc:ORD`" in shown(reply)


def test_hostile_names_are_shown_not_obeyed(bot: Bot) -> None:
    bot.stack.simulator.set_agent_fields(WEB2, MachineName="<!channel> <http://evil.example|x>")

    _, reply = bot.ask("agents")

    text = shown(reply)
    assert "&lt;!channel&gt; &lt;http://evil.example|x&gt;" in text
    assert "<!channel>" not in text
    assert "<http://evil" not in text


# -- agent -----------------------------------------------------------------------------

AGENT_FIELDS = (
    "Status",
    "Agent id",
    "Datacenter",
    "IP address",
    "Operating system",
    "Agent version",
    "Architecture",
    "Flavor",
    "Disabled",
    "Encrypted",
    "Cleanup allowed",
    "Uses ServiceNet",
    "Vault size",
    "Last successful backup",
    "Backup container",
    "Backup datacenter",
    "Host server id",
    "Public key",
)


def assert_agent_view(message: Message, name: str, agent_id: int) -> None:
    assert message.blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": name, "emoji": True},
    }
    text = shown(message)
    for label in AGENT_FIELDS:
        assert f"*{label}*\n" in text
    assert f"`{agent_id}`" in text
    assert action_ids(message) == ["agent_refresh", "agent_wakeup"]
    assert button(message, "agent_wakeup")["confirm"]["title"]["text"] == "Wake up every agent?"


def test_agent_by_id_shows_every_field(bot: Bot) -> None:
    sent, reply = bot.ask(f"agent {WEB1}")

    assert sent.json is not None
    assert f"Looking up agent {WEB1}" in shown(sent.json)
    assert_agent_view(reply, "web1", WEB1)
    assert ":large_green_circle: Online" in shown(reply)
    assert "203.0.113.10" in shown(reply)


def test_agent_by_a_name_with_one_match(bot: Bot) -> None:
    _, reply = bot.ask("agent DB1")

    assert_agent_view(reply, "db1", DB1)


def test_agent_by_a_name_with_several_matches_offers_a_choice(bot: Bot) -> None:
    _, reply = bot.ask("agent web")

    assert reply.response_type == "ephemeral"
    assert "2 agents match `web`. Which one did you mean?" in shown(reply)
    assert [b["value"] for b in (button(reply, "agent_show", index=i) for i in (0, 1))] == [
        f"{WEB1}:DFW",
        f"{WEB2}:DFW",
    ]


def test_agent_by_a_name_with_no_match_says_so(bot: Bot) -> None:
    _, reply = bot.ask("agent nosuchbox")

    assert "No agent matches `nosuchbox`" in shown(reply)
    assert action_ids(reply) == []


def test_agent_by_host_server_id(bot: Bot) -> None:
    [db1] = [a for a in bot.stack.simulator.agents("DFW") if a["MachineAgentId"] == DB1]
    server_id = str(db1["HostServerId"]).upper()

    _, reply = bot.ask(f"agent {server_id}")

    assert_agent_view(reply, "db1", DB1)
    assert bot.stack.simulator.stats()["agent_by_server"] == 1


def test_agent_in_another_region(bot: Bot) -> None:
    _, reply = bot.ask(f"agent {ORD_DB1} region:ORD")

    assert_agent_view(reply, "ord-db1", ORD_DB1)
    assert button(reply, "agent_refresh")["value"] == f"{ORD_DB1}:ORD"


# -- wakeup ----------------------------------------------------------------------------


def test_wakeup_acks_at_once_and_wakes_the_account(stack: LocalStack, bot: Bot) -> None:
    stack.simulator.remove_agent(REPORTING_OLD)  # powered off: it would never wake

    sent = bot.command("wakeup")

    assert sent.json is not None
    assert sent.json["response_type"] == "ephemeral"
    assert "Waking up agents for " in shown(sent.json)
    bot.follow_ups(1)
    assert stack.simulator.stats()["wakeupagents"] == 1


def test_wakeup_takes_no_names(bot: Bot) -> None:
    sent = bot.command("wakeup web1")

    assert sent.json is not None
    assert "`wakeup` takes no names" in shown(sent.json)
    assert bot.stack.simulator.stats()["wakeupagents"] == 0
