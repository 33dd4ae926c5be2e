"""Slack's Block Kit limits, one truncation helper, and a checker for whole messages.

Slack rejects a message that breaks any limit (``invalid_blocks``, ``msg_blocks_too_long``),
and the user then sees nothing at all. Builders therefore cut every string to fit, and
``check_message`` lets tests prove that they do for any input.

The per-field numbers are Slack's documented maxima. ``MAX_MESSAGE_TEXT`` is not documented:
Slack answers ``msg_blocks_too_long`` once a message's text nears about 13,000 characters,
so builders stay under 12,000.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MAX_BLOCKS = 50
MAX_TEXT_OBJECT = 3000
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_BLOCK_ID = 255
MAX_CONFIRM_TITLE = 100
MAX_CONFIRM_TEXT = 300
MAX_CONFIRM_BUTTON = 30
MAX_MESSAGE_TEXT = 12_000
MAX_FALLBACK_TEXT = 3000
"""The top-level ``text`` is what notifications show; longer would only be cut there."""

ELLIPSIS = "…"
RESPONSE_TYPES = ("ephemeral", "in_channel")
BUTTON_STYLES = ("primary", "danger")

_MARKUP_LOOKBACK = 100
"""Longer than any ``<…>`` token the builders write (a date token is about 70 characters)."""
_PARTIAL_ENTITY = re.compile(r"&[#0-9A-Za-z]{0,6}\Z")


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, never inside mrkdwn markup.

    A cut that would split an entity (``&amp;``) or a ``<…>`` token (a date, a mention)
    backs up to before it, so escaped text stays escaped. In plain text that can cost a
    few characters more than needed, which is harmless.
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    opening = cut.rfind("<", max(0, len(cut) - _MARKUP_LOOKBACK))
    if opening != -1 and ">" not in cut[opening:]:
        cut = cut[:opening]
    partial = _PARTIAL_ENTITY.search(cut)
    if partial is not None:
        cut = cut[: partial.start()]
    return cut + ELLIPSIS


def check_message(message: Mapping[str, Any]) -> list[str]:
    """Every way ``message`` breaks a Slack limit, as readable sentences; empty when none."""
    problems: list[str] = []
    text = message.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.append("the message has no text fallback")
    elif len(text) > MAX_FALLBACK_TEXT:
        problems.append(f"the text fallback has {len(text)} characters (max {MAX_FALLBACK_TEXT})")
    response_type = message.get("response_type")
    if response_type is not None and response_type not in RESPONSE_TYPES:
        problems.append(f"unknown response_type {response_type!r}")
    blocks = message.get("blocks")
    if not isinstance(blocks, list):
        return [*problems, "blocks is not a list"]
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"{len(blocks)} blocks (max {MAX_BLOCKS})")
    checker = _Checker(problems)
    for index, block in enumerate(blocks):
        checker.block(block, f"block {index}")
    if checker.total_text > MAX_MESSAGE_TEXT:
        problems.append(
            f"the blocks hold {checker.total_text} characters of text (max {MAX_MESSAGE_TEXT})"
        )
    return problems


class _Checker:
    """Walks blocks, recording problems and adding up the text Slack counts."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        self.total_text = 0
        self.block_ids: set[str] = set()

    def block(self, block: Any, where: str) -> None:
        if not isinstance(block, dict):
            self.problems.append(f"{where} is not an object")
            return
        self._block_id(block.get("block_id"), where)
        kind = block.get("type")
        if kind == "section":
            self._section(block, where)
        elif kind == "header":
            self.text(block.get("text"), f"{where} header", MAX_HEADER_TEXT, plain_only=True)
        elif kind == "context":
            elements = self._elements(block, where, MAX_CONTEXT_ELEMENTS)
            for index, element in enumerate(elements):
                self.text(element, f"{where} element {index}", MAX_TEXT_OBJECT)
        elif kind == "actions":
            elements = self._elements(block, where, MAX_ACTIONS_ELEMENTS)
            self._buttons(elements, where)
        elif kind != "divider":
            self.problems.append(f"{where} has unknown type {kind!r}")

    def text(self, obj: Any, where: str, limit: int, *, plain_only: bool = False) -> None:
        kinds = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if not isinstance(obj, dict) or obj.get("type") not in kinds:
            self.problems.append(f"{where} is not a {' or '.join(kinds)} text object")
            return
        text = obj.get("text")
        if not isinstance(text, str) or not text.strip():
            self.problems.append(f"{where} text is empty")
            return
        self.total_text += len(text)
        if len(text) > limit:
            self.problems.append(f"{where} text has {len(text)} characters (max {limit})")

    def _block_id(self, block_id: Any, where: str) -> None:
        if block_id is None:
            return
        if not isinstance(block_id, str) or not 0 < len(block_id) <= MAX_BLOCK_ID:
            self.problems.append(f"{where} block_id is empty or over {MAX_BLOCK_ID} characters")
        elif block_id in self.block_ids:
            self.problems.append(f"{where} repeats block_id {block_id!r}")
        else:
            self.block_ids.add(block_id)

    def _section(self, block: dict[str, Any], where: str) -> None:
        text, fields = block.get("text"), block.get("fields")
        if text is None and fields is None:
            self.problems.append(f"{where} section has neither text nor fields")
        if text is not None:
            self.text(text, f"{where} text", MAX_SECTION_TEXT)
        if fields is not None:
            if not isinstance(fields, list) or not 0 < len(fields) <= MAX_SECTION_FIELDS:
                self.problems.append(f"{where} needs 1 to {MAX_SECTION_FIELDS} fields")
            else:
                for index, field in enumerate(fields):
                    self.text(field, f"{where} field {index}", MAX_FIELD_TEXT)
        accessory = block.get("accessory")
        if accessory is not None:
            self._buttons([accessory], where)

    def _elements(self, block: dict[str, Any], where: str, limit: int) -> list[Any]:
        elements = block.get("elements")
        if not isinstance(elements, list) or not 0 < len(elements) <= limit:
            self.problems.append(f"{where} needs 1 to {limit} elements")
            return []
        return elements

    def _buttons(self, elements: list[Any], where: str) -> None:
        action_ids: set[str] = set()
        for index, button in enumerate(elements):
            label = f"{where} button {index}"
            if not isinstance(button, dict) or button.get("type") != "button":
                self.problems.append(f"{label} is not a button")
                continue
            self.text(button.get("text"), label, MAX_BUTTON_TEXT, plain_only=True)
            action_id = button.get("action_id")
            if not isinstance(action_id, str) or not 0 < len(action_id) <= MAX_ACTION_ID:
                self.problems.append(f"{label} action_id is missing or too long")
            elif action_id in action_ids:
                self.problems.append(f"{label} repeats action_id {action_id!r} in its block")
            else:
                action_ids.add(action_id)
            value = button.get("value")
            if value is not None and (not isinstance(value, str) or len(value) > MAX_BUTTON_VALUE):
                self.problems.append(f"{label} value is not a string of at most {MAX_BUTTON_VALUE}")
            style = button.get("style")
            if style is not None and style not in BUTTON_STYLES:
                self.problems.append(f"{label} has unknown style {style!r}")
            if "confirm" in button:
                self._confirm(button["confirm"], label)

    def _confirm(self, confirm: Any, where: str) -> None:
        if not isinstance(confirm, dict):
            self.problems.append(f"{where} confirm is not an object")
            return
        self.text(
            confirm.get("title"), f"{where} confirm title", MAX_CONFIRM_TITLE, plain_only=True
        )
        self.text(confirm.get("text"), f"{where} confirm text", MAX_CONFIRM_TEXT)
        for part in ("confirm", "deny"):
            self.text(confirm.get(part), f"{where} {part}", MAX_CONFIRM_BUTTON, plain_only=True)
