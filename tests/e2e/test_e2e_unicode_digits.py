"""Agent ids are ASCII digits: superscripts and other scripts' digits are names, not ids.

``str.isdigit`` says yes to ``²`` (which ``int`` refuses) and to ``١٢٣`` (which ``int`` reads
as 123), so an id test built on it either failed with an error or opened another agent.
"""

from __future__ import annotations

from bot.slack.action_ids import ActionId
from tests.e2e.e2e_helpers import WEB1, Bot, button, shown


def test_a_superscript_digit_is_looked_up_as_a_name(bot: Bot) -> None:
    _, reply = bot.ask("agent ²")

    assert "No agent matches" in shown(reply)
    assert "error id" not in shown(reply)


def test_an_agent_button_with_arabic_indic_digits_is_refused(bot: Bot) -> None:
    _, view = bot.ask(f"agent {WEB1}")
    refresh = button(view, ActionId.AGENT_REFRESH)

    sent = bot.stack.sender.click({**refresh, "value": "٣١٠٢٠١"}, message=view)

    assert "could not be read" in shown(bot.answer_to(sent))
