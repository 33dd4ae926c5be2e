"""Plain regression tests for bugs the property tests found, one per bug."""

from __future__ import annotations

import pytest

from bot.backup_api import parse_agent, parse_agents
from bot.slack import blocks
from bot.slack.commands import AgentQuery, AgentsCommand, HelpCommand, InvalidCommand, parse_command


def test_a_query_for_entity_lookalike_text_is_the_same_on_page_two() -> None:
    """Found by the paging property: the button's query was HTML-unescaped a second time."""
    first = parse_command("agents &amp;amp; &amp;copy &ampamp")
    assert first == AgentsCommand(AgentQuery(words=("&amp;", "&copy", "&amp")))
    value = blocks.encode_page_value(first.query, 1)
    assert value is not None
    decoded = blocks.decode_page_value(value)
    assert decoded is not None
    assert parse_command("agents " + decoded[0]) == first


@pytest.mark.parametrize(
    "size", [10**400, 1.8e302, 1e308, "9" * 320 + " PB", "1" + "0" * 300 + " PB"]
)
def test_a_vault_size_too_large_for_a_float_is_unknown_not_a_lost_list(size: object) -> None:
    """Found by the field property: the byte count overflowed and the whole list raised."""
    agents = parse_agents([{"MachineAgentId": 1, "BackupVaultSize": size}, {"MachineAgentId": 2}])
    assert [agent.id for agent in agents] == [1, 2]
    assert agents[0].vault_size_bytes is None
    agent = parse_agent({"MachineAgentId": 3, "BackupVaultSize": "35.3 MB"})
    assert agent is not None
    assert agent.vault_size_bytes == round(35.3 * 1024**2)


@pytest.mark.parametrize("text", ['" "', "“ “", '"  " agents'])
def test_a_blank_quoted_word_is_not_an_unknown_subcommand(text: str) -> None:
    """Found by the parser property: ``" "`` was answered "I don't know ` `"."""
    parsed = parse_command(text)
    assert isinstance(parsed, HelpCommand | AgentsCommand)
    assert not isinstance(parsed, HelpCommand) or parsed.unknown is None


def test_a_blank_quoted_word_is_no_agent_name_and_no_search_word() -> None:
    assert isinstance(parse_command('agent " "'), InvalidCommand)
    assert parse_command('agents " " web') == AgentsCommand(AgentQuery(words=("web",)))
