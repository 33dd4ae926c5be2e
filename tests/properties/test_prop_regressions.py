"""Plain regression tests for bugs the property tests found, one per bug."""

from __future__ import annotations

from bot.slack import blocks
from bot.slack.commands import AgentQuery, AgentsCommand, parse_command


def test_a_query_for_entity_lookalike_text_is_the_same_on_page_two() -> None:
    """Found by the paging property: the button's query was HTML-unescaped a second time."""
    first = parse_command("agents &amp;amp; &amp;copy &ampamp")
    assert first == AgentsCommand(AgentQuery(words=("&amp;", "&copy", "&amp")))
    value = blocks.encode_page_value(first.query, 1)
    assert value is not None
    decoded = blocks.decode_page_value(value)
    assert decoded is not None
    assert parse_command("agents " + decoded[0]) == first
