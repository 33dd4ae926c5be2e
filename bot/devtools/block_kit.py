"""What the Slack stand-in knows about Block Kit: where buttons sit and which limits Slack enforces.

The fake Web API, the request sender and the terminal renderer all walk message blocks; keeping
that knowledge here means a button is numbered, clicked and validated by the same rules.
"""

from __future__ import annotations

from typing import Any

MAX_BLOCKS = 50
"""Slack rejects a message with more blocks than this (`invalid_blocks`)."""

# Documented per-field limits, checked by Slack when a message is posted.
_MAX_BLOCK_ID = 255
_MAX_TEXT = {"header": 150, "section": 3000}
_MAX_FIELDS = 10
_MAX_FIELD_TEXT = 2000
_MAX_ELEMENTS = {"actions": 25, "context": 10}
_MAX_BUTTON_TEXT = 75
_MAX_BUTTON_VALUE = 2000
_MAX_ACTION_ID = 255
_MAX_URL = 3000
_TEXT_TYPES = ("plain_text", "mrkdwn")


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every button in display order (actions blocks and section accessories).

    Each is a copy of the element with the `block_id` of its block added, which is what a
    block_actions payload needs to say which button was clicked.
    """
    return [
        dict(element, block_id=block.get("block_id"))
        for block in blocks
        for element in interactive_elements(block)
        if element.get("type") == "button"
    ]


def interactive_elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    """The elements a user can act on in one block, in display order."""
    if block.get("type") == "actions":
        return [e for e in block.get("elements", []) if isinstance(e, dict)]
    accessory = block.get("accessory")
    if block.get("type") == "section" and isinstance(accessory, dict):
        return [accessory]
    return []


def block_errors(blocks: object) -> list[str]:
    """Slack's complaints about `blocks`, worded as in its `response_metadata.messages`.

    An empty list means Slack would accept the blocks. Only the documented limits that a bot's
    block builders can plausibly break are checked.
    """
    if not isinstance(blocks, list):
        return [_error("must be an array", "/blocks")]
    errors = []
    if len(blocks) > MAX_BLOCKS:
        errors.append(_error(f"no more than {MAX_BLOCKS} items allowed", "/blocks"))
    seen_ids: set[str] = set()
    for index, block in enumerate(blocks):
        errors.extend(_one_block_errors(block, f"/blocks/{index}", seen_ids))
    return errors


def _one_block_errors(block: object, pointer: str, seen_ids: set[str]) -> list[str]:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return [_error("must provide an object with a type", pointer)]
    errors = []
    block_id = block.get("block_id")
    if block_id is not None:
        errors.extend(_length_errors(block_id, _MAX_BLOCK_ID, f"{pointer}/block_id"))
        if block_id in seen_ids:
            errors.append(_error(f"duplicate block_id {block_id!r}", f"{pointer}/block_id"))
        seen_ids.add(str(block_id))
    kind = block["type"]
    if kind in _MAX_TEXT:
        errors.extend(_section_or_header_errors(block, kind, pointer))
    if kind in _MAX_ELEMENTS:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            errors.append(_error("must provide at least 1 element", f"{pointer}/elements"))
        elif len(elements) > _MAX_ELEMENTS[kind]:
            limit = _MAX_ELEMENTS[kind]
            errors.append(_error(f"no more than {limit} items allowed", f"{pointer}/elements"))
    for index, element in enumerate(interactive_elements(block)):
        where = f"{pointer}/accessory" if kind == "section" else f"{pointer}/elements/{index}"
        if element.get("type") == "button":
            errors.extend(_button_errors(element, where))
    return errors


def _section_or_header_errors(block: dict[str, Any], kind: str, pointer: str) -> list[str]:
    text = block.get("text")
    fields = block.get("fields")
    if kind == "header" or text is not None:
        errors = _text_object_errors(text, _MAX_TEXT[kind], f"{pointer}/text")
    elif fields is None:
        return [_error("must provide either text or fields", pointer)]
    else:
        errors = []
    if fields is None:
        return errors
    if not isinstance(fields, list) or len(fields) > _MAX_FIELDS:
        return [*errors, _error(f"no more than {_MAX_FIELDS} items allowed", f"{pointer}/fields")]
    for index, field in enumerate(fields):
        errors.extend(_text_object_errors(field, _MAX_FIELD_TEXT, f"{pointer}/fields/{index}"))
    return errors


def _button_errors(button: dict[str, Any], pointer: str) -> list[str]:
    errors = _text_object_errors(button.get("text"), _MAX_BUTTON_TEXT, f"{pointer}/text")
    for key, limit in (("action_id", _MAX_ACTION_ID), ("value", _MAX_BUTTON_VALUE)):
        if key in button:
            errors.extend(_length_errors(button[key], limit, f"{pointer}/{key}"))
    if "url" in button:
        errors.extend(_length_errors(button["url"], _MAX_URL, f"{pointer}/url"))
    return errors


def _text_object_errors(obj: object, limit: int, pointer: str) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in _TEXT_TYPES:
        return [_error("must provide a text object of type plain_text or mrkdwn", pointer)]
    return _length_errors(obj.get("text"), limit, f"{pointer}/text")


def _length_errors(value: object, limit: int, pointer: str) -> list[str]:
    if not isinstance(value, str):
        return [_error("must be a string", pointer)]
    if not value:
        return [_error("must be more than 0 characters", pointer)]
    if len(value) > limit:
        return [_error(f"must be less than {limit + 1} characters", pointer)]
    return []


def _error(problem: str, pointer: str) -> str:
    return f"[ERROR] {problem} [json-pointer:{pointer}]"
