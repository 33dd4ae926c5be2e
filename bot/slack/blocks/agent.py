"""One agent in full, the choice between several matches, and the "no such agent" answer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.backup_api.models import Agent, PublicKey
from bot.services.agent_query import REGIONS
from bot.slack.action_ids import ActionId
from bot.slack.blocks.common import (
    NO_NAME,
    Block,
    Message,
    account_phrase,
    actions,
    agent_name,
    button,
    command_span,
    confirm_dialog,
    context,
    field_sections,
    header,
    message,
    plural,
    section,
    status_text,
    value_text,
    yes_no,
)
from bot.slack.blocks.limits import truncate
from bot.slack.mrkdwn import code, date_token, flatten, literal

MAX_VALUE_SHOWN = 80
"""Characters of one field's value; a whole agent then stays far below the message limit."""
MAX_URL_SHOWN = 200
MAX_REF_SHOWN = 100
MAX_CHOICES = 15
MAX_CHOICE_TEXT = 600
MAX_DATACENTER_SHOWN = 20
KEY_END_DIGITS = 8


def encode_agent_value(agent_id: int, region: str | None, account: str | None = None) -> str:
    """``"213563"``, ``"213563:ORD"`` when a known region was asked for, and ``@prod`` after
    it when the bot serves several accounts: a button always names its account."""
    where = f":{region.upper()}" if region is not None and region.upper() in REGIONS else ""
    return f"{agent_id}{where}" + (f"@{account}" if account else "")


def agent_message(
    agent: Agent,
    *,
    fetched_at: datetime,
    region: str | None,
    account_id: str,
    account_name: str | None = None,
) -> Message:
    """Every field the API gave for one agent, with Refresh and Wake up buttons."""
    value = encode_agent_value(agent.id, region, account_name)
    account = account_phrase(account_id, region, account_name)
    wake_up = confirm_dialog(
        title="Wake up every agent?",
        text=(
            "The backup API cannot wake one agent alone: this wakes every agent of "
            f"{account}. I'll post in this channel when they're awake."
        ),
        confirm="Wake them up",
        deny="Cancel",
    )
    blocks: list[Block] = [
        header(flatten(agent.name).strip() or NO_NAME),
        *field_sections([f"*{label}*\n{shown}" for label, shown in _fields(agent)]),
        context(f"Rackspace {account} · fetched {date_token(fetched_at)}"),
        actions(
            button("Refresh", action_id=ActionId.AGENT_REFRESH, value=value),
            button("Wake up", action_id=ActionId.AGENT_WAKEUP, value=value, confirm=wake_up),
        ),
    ]
    fallback = f"Agent {agent_name(agent)} ({agent.id}): {agent.status.label}"
    return message(fallback, blocks)


def agent_choices_message(
    agents: Sequence[Agent], *, ref: str, region: str | None = None, account_name: str | None = None
) -> Message:
    """Several agents match ``ref``: list them, each with a button to show it."""
    blocks: list[Block] = [
        section(f"{plural(len(agents), 'agent')} match {_ref_shown(ref)}. Which one did you mean?")
    ]
    blocks.extend(
        section(
            truncate(
                f"*{agent_name(agent)}*  `{agent.id}` · {status_text(agent.status)} · "
                f"{_value(agent.datacenter, limit=MAX_DATACENTER_SHOWN)}",
                MAX_CHOICE_TEXT,
            ),
            accessory=button(
                "Show",
                action_id=ActionId.AGENT_SHOW,
                value=encode_agent_value(agent.id, region, account_name),
            ),
        )
        for agent in agents[:MAX_CHOICES]
    )
    hidden = len(agents) - MAX_CHOICES
    if hidden > 0:
        blocks.append(
            context(f"…and {hidden:,} more. Use the agent's id or its full name to pick one.")
        )
    fallback = f"{plural(len(agents), 'agent')} match {literal(truncate(ref, MAX_REF_SHOWN))}."
    return message(fallback, blocks, response_type="ephemeral")


def agent_not_found_message(*, ref: str, command: str) -> Message:
    shown = truncate(ref, MAX_REF_SHOWN)
    text = (
        f":mag: No agent matches {_ref_shown(ref)}. "
        f"{command_span(command, f'agents {shown}')} searches names, IP addresses and ids; "
        f"{command_span(command, 'agents')} lists them all."
    )
    fallback = f"No agent matches {literal(shown)}."
    return message(fallback, [section(text)], response_type="ephemeral")


def _fields(agent: Agent) -> list[tuple[str, str]]:
    return [
        ("Status", status_text(agent.status)),
        ("Agent id", f"`{agent.id}`"),
        ("Datacenter", _value(agent.datacenter)),
        ("IP address", _value(agent.ip_address, as_code=True)),
        ("Operating system", _value(agent.os_display)),
        ("Agent version", _value(agent.agent_version)),
        ("Architecture", _value(agent.architecture)),
        ("Flavor", _value(agent.flavor)),
        ("Disabled", yes_no(agent.is_disabled)),
        ("Encrypted", yes_no(agent.is_encrypted)),
        ("Cleanup allowed", yes_no(agent.cleanup_allowed)),
        ("Uses ServiceNet", yes_no(agent.use_service_net)),
        ("Vault size", _vault_size(agent)),
        ("Last successful backup", date_token(agent.last_successful_backup)),
        ("Backup container", _value(agent.backup_container, as_code=True, limit=MAX_URL_SHOWN)),
        ("Backup datacenter", _value(agent.backup_datacenter)),
        ("Host server id", _value(agent.host_server_id, as_code=True)),
        ("Public key", _public_key(agent.public_key)),
    ]


def _value(value: str | None, *, as_code: bool = False, limit: int = MAX_VALUE_SHOWN) -> str:
    return value_text(value, limit=limit, as_code=as_code)


def _vault_size(agent: Agent) -> str:
    """The size as the API wrote it, with the exact byte count when the adapter had one."""
    shown = value_text(agent.vault_size_text, limit=MAX_VALUE_SHOWN, missing="")
    if agent.vault_size_bytes is None:
        return shown or "unknown"
    size_bytes = plural(agent.vault_size_bytes, "byte")
    return f"{shown} ({size_bytes})" if shown else size_bytes


def _public_key(key: PublicKey | None) -> str:
    """The modulus shortened to its ends: enough to tell two keys apart at a glance."""
    modulus = "".join((key.modulus_hex or "").split()) if key is not None else ""
    if key is None or not modulus:
        return "none"
    if len(modulus) > 2 * KEY_END_DIGITS + 1:
        modulus = f"{modulus[:KEY_END_DIGITS]}…{modulus[-KEY_END_DIGITS:]}"
    shown = f"modulus {_value(modulus, as_code=True)}"
    if key.exponent_hex:
        shown += f", exponent {_value(key.exponent_hex, as_code=True)}"
    return shown


def _ref_shown(ref: str) -> str:
    return code(truncate(ref, MAX_REF_SHOWN))
