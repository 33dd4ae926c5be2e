"""One agent, choices, not found, help, wake-up, errors, refusals and acks."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.backup_api.models import Agent, AgentStatus, PublicKey
from bot.slack.blocks import (
    agent_choices_message,
    agent_message,
    agent_not_found_message,
    error_message,
    help_message,
    refusal_message,
    wakeup_ack_message,
    wakeup_followup_message,
    working_message,
)

Inspect = Callable[[dict[str, Any]], list[str]]
MakeAgent = Callable[..., Agent]
FETCHED = datetime(2024, 5, 6, 7, 8, tzinfo=UTC)


def text_of(message: dict[str, Any]) -> str:
    return str(message["blocks"])


def elements(message: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for block in message["blocks"]:
        found += [e for e in block.get("elements", []) if e.get("type") == "button"]
        if "accessory" in block:
            found.append(block["accessory"])
    return found


def full_agent(agent: MakeAgent) -> Agent:
    return agent(
        213563,
        "Web Server2",
        status=AgentStatus.ONLINE,
        ip_address="192.168.1.1",
        os_name="Windows Server 2012",
        os_version="R2",
        agent_version="1.05.005848",
        architecture="64-bit",
        flavor="RaxCloudServer",
        is_disabled=False,
        is_encrypted=True,
        cleanup_allowed=True,
        use_service_net=None,
        backup_container="https://storage101.dfw1.clouddrive.com/v1/Mosso_x/CloudBackup_v2_0_y",
        backup_datacenter="DFW",
        host_server_id="8c2b7d9e-1a2b-4c3d-9e8f-0a1b2c3d4e5f",
        public_key=PublicKey(
            "a5261939156948bb7a58 dffe5ff89e65f0498f9175f5a98288810b8975871e99", "10001"
        ),
    )


# -- one agent ------------------------------------------------------------------------------


def test_agent_message_shows_every_field(agent: MakeAgent, inspect: Inspect) -> None:
    message = agent_message(
        full_agent(agent), fetched_at=FETCHED, region="ORD", account_id="123456"
    )
    assert inspect(message) == []
    assert message["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Web Server2", "emoji": True},
    }
    fields = {
        field["text"].split("\n", 1)[0].strip("*"): field["text"].split("\n", 1)[1]
        for block in message["blocks"]
        for field in block.get("fields", [])
    }
    assert fields == {
        "Status": ":large_green_circle: Online",
        "Agent id": "`213563`",
        "Datacenter": "DFW",
        "IP address": "`192.168.1.1`",
        "Operating system": "Windows Server 2012 R2",
        "Agent version": "1.05.005848",
        "Architecture": "64-bit",
        "Flavor": "RaxCloudServer",
        "Disabled": "No",
        "Encrypted": "Yes",
        "Cleanup allowed": "Yes",
        "Uses ServiceNet": "unknown",
        "Vault size": "35.3 MB (37,014,323 bytes)",
        "Last successful backup": (
            "<!date^1704164640^{date_short_pretty} at {time}|2024-01-02 03:04 UTC>"
        ),
        "Backup container": (
            "`https://storage101.dfw1.clouddrive.com/v1/Mosso_x/CloudBackup_v2_0_y`"
        ),
        "Backup datacenter": "DFW",
        "Host server id": "`8c2b7d9e-1a2b-4c3d-9e8f-0a1b2c3d4e5f`",
        "Public key": "modulus `a5261939…75871e99`, exponent `10001`",
    }
    assert message["text"] == "Agent Web Server2 (213563): Online"


def test_agent_message_buttons_refresh_and_wake_with_a_warning(
    agent: MakeAgent,
) -> None:
    message = agent_message(
        full_agent(agent), fetched_at=FETCHED, region="ORD", account_id="123456"
    )
    refresh, wake = elements(message)
    assert (refresh["action_id"], refresh["value"]) == ("agent_refresh", "213563:ORD")
    assert (wake["action_id"], wake["value"]) == ("agent_wakeup", "213563:ORD")
    assert "confirm" not in refresh
    warning = wake["confirm"]["text"]["text"]
    assert "wakes every agent of account 123456 (ORD)" in warning
    assert "Rackspace account 123456 (ORD) · fetched <!date^1714979280^" in text_of(message)

    no_region = agent_message(full_agent(agent), fetched_at=FETCHED, region=None, account_id="1")
    assert {button["value"] for button in elements(no_region)} == {"213563"}


def test_agent_message_for_a_sparse_agent(agent: MakeAgent, inspect: Inspect) -> None:
    sparse = Agent(id=7)
    message = agent_message(sparse, fetched_at=FETCHED, region=None, account_id="1")
    assert inspect(message) == []
    text = text_of(message)
    assert "(no name)" in text
    assert "*Public key*\\nnone" in text
    assert "*Vault size*\\nunknown" in text
    assert "*Last successful backup*\\nnever" in text
    assert ":white_circle: Unknown" in text


def test_agent_message_with_hostile_fields(
    hostile_text: str, hostile: Callable[[int, str], Agent], inspect: Inspect
) -> None:
    message = agent_message(
        hostile(1, hostile_text), fetched_at=FETCHED, region=hostile_text, account_id=hostile_text
    )
    assert inspect(message) == []


# -- several matches, none --------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 15, 16, 500, 5000])
def test_choices_list_each_with_a_show_button(
    size: int, fleet: Callable[[int], list[Agent]], inspect: Inspect
) -> None:
    agents = fleet(size)
    message = agent_choices_message(agents, ref="server", region="LON")
    assert inspect(message) == []
    shown = elements(message)
    assert len(shown) == min(size, 15)
    assert [button["value"] for button in shown] == [f"{a.id}:LON" for a in agents[:15]]
    assert {button["action_id"] for button in shown} == {"agent_show"}
    assert f"{size:,} agents match `server`" in text_of(message)
    if size > 15:
        assert f"…and {size - 15:,} more" in text_of(message)
    assert message["response_type"] == "ephemeral"


def test_choices_and_not_found_with_hostile_refs(
    hostile_text: str, hostile: Callable[[int, str], Agent], inspect: Inspect
) -> None:
    agents = [hostile(index, hostile_text) for index in range(20)]
    assert inspect(agent_choices_message(agents, ref=hostile_text)) == []
    assert inspect(agent_not_found_message(ref=hostile_text, command=hostile_text)) == []


def test_not_found_suggests_searching(inspect: Inspect) -> None:
    message = agent_not_found_message(ref="web-9", command="/backup")
    assert inspect(message) == []
    assert "No agent matches `web-9`" in text_of(message)
    assert "`/backup agents web-9` searches names" in text_of(message)
    assert message["response_type"] == "ephemeral"


# -- help -------------------------------------------------------------------------------------


def test_help_covers_every_subcommand_and_option(inspect: Inspect) -> None:
    message = help_message(command="/bk")
    assert inspect(message) == []
    assert message["response_type"] == "ephemeral"
    text = text_of(message)
    for phrase in ("`/bk agents", "`/bk agent ", "`/bk wakeup", "`/bk help`"):
        assert phrase in text
    for option in ("dc:DFW", "status:offline", "region:ORD", "online, offline or unknown"):
        assert option in text
    assert "I don't know" not in text


def test_help_names_an_unknown_word_first(inspect: Inspect) -> None:
    message = help_message(command="/backup", unknown="xyz", suggestion="agents")
    assert inspect(message) == []
    assert message["blocks"][0]["text"]["text"] == "I don't know `xyz`. Did you mean `agents`?"
    assert message["text"].startswith("I don't know `xyz`. Did you mean `agents`?")
    plain = help_message(command="/backup", unknown="xyz")
    assert plain["blocks"][0]["text"]["text"] == "I don't know `xyz`."


def test_help_with_hostile_words(hostile_text: str, inspect: Inspect) -> None:
    message = help_message(command=hostile_text, unknown=hostile_text, suggestion=hostile_text)
    assert inspect(message) == []


# -- wake-up ----------------------------------------------------------------------------------


def test_wakeup_ack_started_and_joined(inspect: Inspect) -> None:
    started = wakeup_ack_message(account_id="123456", region="DFW", joined=False)
    joined = wakeup_ack_message(account_id="123456", region=None, joined=True)
    for message in (started, joined):
        assert inspect(message) == []
        assert message["response_type"] == "ephemeral"
    assert started["text"] == (
        ":alarm_clock: Waking up agents for account 123456 (DFW)… "
        "I'll post in this channel when they're awake."
    )
    assert "already under way" in joined["text"]
    assert "I'll tell you here when it finishes" in joined["text"]


def test_wakeup_followup_names_who_is_up_and_why_others_are_not(
    agent: MakeAgent, inspect: Inspect
) -> None:
    agents = [
        agent(1, "web-b", status=AgentStatus.ONLINE),
        agent(2, "web-a", status=AgentStatus.ONLINE),
        agent(3, "old", status=AgentStatus.OFFLINE, is_disabled=True),
        agent(4, "sleepy", status=AgentStatus.OFFLINE),
        agent(5, "mystery", status=AgentStatus.UNKNOWN),
    ]
    message = wakeup_followup_message(
        requester_id="U0ASKER",
        account_id="123456",
        region="DFW",
        agents=agents,
        elapsed=14.2,
        gave_up=False,
        give_up_after=60,
    )
    assert inspect(message) == []
    assert message["response_type"] == "in_channel"
    headline, online, offline = (block["text"]["text"] for block in message["blocks"])
    assert headline.startswith(":white_check_mark: <@U0ASKER> ")
    assert "account 123456 (DFW) in 14 s: 2 of 5 agents online" in headline
    assert online == ":large_green_circle: *Online*: web-a, web-b"
    assert offline == (
        ":red_circle: *Not online*: mystery (status unknown), sleepy, "
        "old (disabled, so it will not wake)"
    )
    assert message["text"] == headline


def test_wakeup_followup_gave_up_and_error(agent: MakeAgent, inspect: Inspect) -> None:
    agents = [agent(1, status=AgentStatus.OFFLINE)]
    common: dict[str, Any] = {
        "requester_id": "U0ASKER",
        "account_id": "123456",
        "region": None,
        "elapsed": 61.0,
        "give_up_after": 60,
    }
    gave_up = wakeup_followup_message(agents=agents, gave_up=True, **common)
    assert inspect(gave_up) == []
    assert "gave up waiting after 60 s: 0 of 1 agents online" in gave_up["text"]

    failed = wakeup_followup_message(
        agents=[],
        gave_up=False,
        error="the backup API answered 503 <Service Unavailable>",
        **common,
    )
    assert inspect(failed) == []
    assert failed["text"] == (
        ":warning: <@U0ASKER> the wake-up of account 123456 did not finish: "
        "the backup API answered 503 &lt;Service Unavailable&gt;"
    )
    assert len(failed["blocks"]) == 1


@pytest.mark.parametrize("size", [0, 1, 40, 500, 5000])
def test_wakeup_followup_stays_within_limits_and_accounts_for_everyone(
    size: int, fleet: Callable[[int], list[Agent]], inspect: Inspect
) -> None:
    agents = fleet(size)
    message = wakeup_followup_message(
        requester_id="U0ASKER",
        account_id="123456",
        region="ORD",
        agents=agents,
        elapsed=3600,
        gave_up=True,
        give_up_after=120,
    )
    assert inspect(message) == []
    listed = 0
    for block in message["blocks"][1:]:
        names = block["text"]["text"].split(": ", 1)[1]
        more = re.search(r" and ([\d,]+) more$", names)
        listed += names.count("server-") + (int(more.group(1).replace(",", "")) if more else 0)
    assert listed == size
    assert "gave up waiting after 2 min" in message["text"]


def test_wakeup_messages_with_hostile_strings(
    hostile_text: str, hostile: Callable[[int, str], Agent], inspect: Inspect
) -> None:
    agents = [hostile(index, hostile_text) for index in range(30)]
    for error in (None, hostile_text):
        message = wakeup_followup_message(
            requester_id=hostile_text,
            account_id=hostile_text,
            region=hostile_text,
            agents=agents,
            elapsed=1,
            gave_up=False,
            give_up_after=60,
            error=error,
        )
        assert inspect(message) == []
    for joined in (True, False):
        ack = wakeup_ack_message(account_id=hostile_text, region=hostile_text, joined=joined)
        assert inspect(ack) == []


# -- errors, refusals, acks -------------------------------------------------------------------


def test_error_message_reads_like_a_sentence(inspect: Inspect) -> None:
    message = error_message(
        what_failed="list agents",
        status=503,
        meaning="Service unavailable",
        service_message="Maintenance <until 10:00> & later",
        hint="Try again in a minute.",
    )
    assert inspect(message) == []
    assert message["response_type"] == "ephemeral"
    assert message["text"] == (
        ":warning: Could not list agents: the backup API answered 503 (Service unavailable). "
        "It said: “Maintenance &lt;until 10:00&gt; &amp; later”. Try again in a minute."
    )


def test_error_message_without_status_or_with_an_error_id(inspect: Inspect) -> None:
    invalid = error_message(
        what_failed="read `/backup agents`",
        status=None,
        meaning="`sleepy` is not a status; use online, offline or unknown.",
        service_message=None,
        hint="Type `/backup help` for the usage.",
    )
    assert invalid["text"] == (
        ":warning: Could not read `/backup agents`: `sleepy` is not a status; use online, "
        "offline or unknown. Type `/backup help` for the usage."
    )
    ours = error_message(
        what_failed="handle your request",
        status=None,
        meaning=None,
        service_message="  ",
        hint=None,
        error_id="ab12cd34",
    )
    assert inspect(ours) == []
    assert ours["text"] == (
        ":warning: Could not handle your request.\nSomething went wrong on our side "
        "(error id `ab12cd34`). An admin can find it in the bot's log."
    )


def test_failure_and_refusal_messages_with_hostile_strings(
    hostile_text: str, inspect: Inspect
) -> None:
    for message in (
        error_message(
            what_failed=hostile_text,
            status=500,
            meaning=hostile_text,
            service_message=hostile_text,
            hint=hostile_text,
            error_id=hostile_text,
        ),
        refusal_message(reason=hostile_text),
        working_message(hostile_text),
    ):
        assert inspect(message) == []
        assert message["response_type"] == "ephemeral"


def test_refusal_and_working_messages(inspect: Inspect) -> None:
    refusal = refusal_message(reason="Only #ops may wake agents.")
    assert inspect(refusal) == []
    assert "Sorry" in refusal["text"]
    assert "Only #ops may wake agents." in refusal["text"]
    working = working_message("Fetching agents…")
    assert inspect(working) == []
    assert working["text"] == ":hourglass_flowing_sand: Fetching agents…"
    assert len(working["blocks"]) == 1


@pytest.mark.parametrize(
    ("text", "size", "shown"),
    [
        ("35.3 MB", 37_014_323, "35.3 MB (37,014,323 bytes)"),
        ("35.3 MB", None, "35.3 MB"),
        (None, 1, "1 byte"),
        ("  ", None, "unknown"),
        (None, None, "unknown"),
    ],
)
def test_vault_size_combines_text_and_bytes(
    agent: MakeAgent, text: str | None, size: int | None, shown: str
) -> None:
    one = agent(1, vault_size_text=text, vault_size_bytes=size)
    message = agent_message(one, fetched_at=FETCHED, region=None, account_id="1")
    assert f"*Vault size*\\n{shown}'" in text_of(message)
