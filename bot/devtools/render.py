"""Slack messages drawn in a terminal, for the demo and for readable test failures.

Pure functions: the same message, time zone and clock give the same text. Buttons are numbered
in display order so a person at the terminal can say which one to click; `Rendered.buttons`
lists them in that same order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from functools import partial
from itertools import zip_longest
from typing import Any
from urllib.parse import quote

from bot.devtools.block_kit import buttons, interactive_elements
from bot.devtools.fake_slack import Message

_BLOCK_KIT_BUILDER = "https://app.slack.com/block-kit-builder/#"

_STYLES = {
    "bold": ("\x1b[1m", "\x1b[22m"),
    "dim": ("\x1b[2m", "\x1b[22m"),
    "italic": ("\x1b[3m", "\x1b[23m"),
    "underline": ("\x1b[4m", "\x1b[24m"),
    "strike": ("\x1b[9m", "\x1b[29m"),
    "code": ("\x1b[36m", "\x1b[39m"),
    "mention": ("\x1b[33m", "\x1b[39m"),
    "primary": ("\x1b[32m", "\x1b[39m"),
    "danger": ("\x1b[31m", "\x1b[39m"),
}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Rendered:
    text: str
    buttons: list[dict[str, Any]]
    """Button elements (with their block_id) in the order they are numbered in `text`."""


@dataclass
class _Context:
    color: bool
    tz: tzinfo | None
    now: datetime | None
    width: int
    next_button: int


def render_message(
    message: Message | dict[str, Any],
    *,
    color: bool = True,
    tz: tzinfo | None = None,
    first_button_number: int = 1,
    width: int = 100,
    now: datetime | None = None,
) -> Rendered:
    """Draw a recorded Message, or a message payload dict as the bot would post it.

    `tz` defaults to the local time zone and `now` (which decides "today" in dates) to the
    current time.
    """
    view = message if isinstance(message, Message) else _from_payload(message)
    ctx = _Context(color, tz, now, width, first_button_number)
    lines = [_banner(view.via, ctx), *_audience(view, ctx)]
    if view.delete_original:
        return Rendered("\n".join(lines), [])
    if view.blocks:
        lines.extend(line for block in view.blocks for line in _render_block(block, ctx))
    else:
        lines.extend(_wrap(_mrkdwn(view.text, ctx), width))
    return Rendered("\n".join(lines), buttons(view.blocks))


def render_mrkdwn(text: str, *, color: bool, tz: tzinfo | None, now: datetime | None = None) -> str:
    """Slack mrkdwn as terminal text; escaped `&lt; &gt; &amp;` come out literally, unparsed."""
    stash: list[str] = []

    def keep(rendered: str) -> str:
        # Rendered pieces are set aside so later rules cannot reformat them.
        stash.append(rendered)
        return f"\ue000{len(stash) - 1}\ue001"

    text = _CODE_BLOCK.sub(lambda m: keep(_style(m[0], "code", color)), text)
    text = _CODE_SPAN.sub(lambda m: keep(_style(m[0], "code", color)), text)
    text = _ANGLE.sub(lambda m: keep(_angle(m[1], color, tz, now)), text)
    for pattern, style in _EMPHASIS:
        text = pattern.sub(partial(_emphasize, style=style, color=color), text)
    if color:  # a terminal that takes colour takes emoji too; plain output keeps the codes
        text = _SHORTCODE.sub(lambda m: _EMOJI.get(m[1], m[0]), text)
    for _ in range(len(stash)):  # a stashed piece may hold an earlier placeholder
        text, count = _PLACEHOLDER.subn(lambda m: stash[int(m[1])], text)
        if not count:
            break
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def block_kit_builder_url(payload: dict[str, Any]) -> str:
    """A link that opens the payload's blocks in Slack's Block Kit Builder."""
    blocks = json.dumps({"blocks": payload.get("blocks", [])}, separators=(",", ":"))
    return _BLOCK_KIT_BUILDER + quote(blocks, safe="")


# -- message frame ---------------------------------------------------------------------------


def _from_payload(payload: dict[str, Any]) -> Message:
    return Message(
        via=str(payload.get("via", "payload")),
        channel_id=str(payload.get("channel", "")),
        user_id=payload.get("user"),
        response_type=str(payload.get("response_type") or "ephemeral"),
        replace_original=bool(payload.get("replace_original")),
        delete_original=bool(payload.get("delete_original")),
        text=str(payload.get("text") or ""),
        blocks=list(payload.get("blocks") or []),
        payload=payload,
        received_at=0.0,
    )


def _banner(via: str, ctx: _Context) -> str:
    title = f"── {via} "
    return _style(title + "─" * max(0, ctx.width - len(title)), "dim", ctx.color)


def _audience(view: Message, ctx: _Context) -> list[str]:
    if view.response_type == "ephemeral":
        who = f" ({view.user_id})" if view.user_id else ""
        lines = [_style(f"Only visible to you{who}", "dim", ctx.color)]
    else:
        lines = [_style(f"#{view.channel_id or 'channel'} (everyone)", "bold", ctx.color)]
    if view.delete_original:
        lines.append(_style("✕ deletes the original message", "dim", ctx.color))
    elif view.replace_original:
        lines.append(_style("↻ replaces the original message", "dim", ctx.color))
    if view.thread_ts:
        lines.append(
            _style(f"↳ a reply in the thread of message {view.thread_ts}", "dim", ctx.color)
        )
    return lines


# -- blocks ----------------------------------------------------------------------------------


def _render_block(block: dict[str, Any], ctx: _Context) -> list[str]:
    render = _BLOCKS.get(str(block.get("type")), _unknown_block)
    return render(block, ctx)


def _header(block: dict[str, Any], ctx: _Context) -> list[str]:
    title = _text(block.get("text"), ctx)
    return [_style(_style(title, "bold", ctx.color), "underline", ctx.color)]


def _section(block: dict[str, Any], ctx: _Context) -> list[str]:
    elements = interactive_elements(block)
    label = _element_label(elements[0], ctx) if elements else ""
    text_width = ctx.width - _visible_len(label) - 2 if label else ctx.width
    lines = _wrap(_text(block.get("text"), ctx), text_width) if block.get("text") else []
    if label:
        lines = _beside(lines, label, ctx.width)
    fields = [_text(f, ctx) for f in block.get("fields", [])]
    return lines + _columns(fields, ctx.width)


def _context(block: dict[str, Any], ctx: _Context) -> list[str]:
    parts = [
        f"[{e.get('alt_text', 'image')}]" if e.get("type") == "image" else _text(e, ctx)
        for e in block.get("elements", [])
    ]
    return [_style(line, "dim", ctx.color) for line in _wrap("  ".join(parts), ctx.width)]


def _divider(_block: dict[str, Any], ctx: _Context) -> list[str]:
    return [_style("─" * ctx.width, "dim", ctx.color)]


def _actions(block: dict[str, Any], ctx: _Context) -> list[str]:
    labels = [_element_label(e, ctx) for e in interactive_elements(block)]
    return _wrap(" ".join(labels), ctx.width)


def _image(block: dict[str, Any], ctx: _Context) -> list[str]:
    return [_style(f"[image: {block.get('alt_text', '')}]", "dim", ctx.color)]


def _unknown_block(block: dict[str, Any], ctx: _Context) -> list[str]:
    return [_style(f"[{block.get('type')} block]", "dim", ctx.color)]


_BLOCKS: dict[str, Callable[[dict[str, Any], _Context], list[str]]] = {
    "header": _header,
    "section": _section,
    "context": _context,
    "divider": _divider,
    "actions": _actions,
    "image": _image,
}


def _element_label(element: dict[str, Any], ctx: _Context) -> str:
    """A numbered `[3 Wake up]` for a button; other elements are shown but not numbered."""
    if element.get("type") != "button":
        return _style(f"[{element.get('type')}]", "dim", ctx.color)
    number = ctx.next_button
    ctx.next_button += 1
    label = f"[{number} {_text(element.get('text'), ctx)}]"
    return _style(label, str(element.get("style", "bold")), ctx.color)


def _text(obj: object, ctx: _Context) -> str:
    """A Block Kit text object: mrkdwn is formatted, plain_text is shown as written."""
    if not isinstance(obj, dict):
        return ""
    text = str(obj.get("text", ""))
    return _mrkdwn(text, ctx) if obj.get("type") == "mrkdwn" else text


def _mrkdwn(text: str, ctx: _Context) -> str:
    return render_mrkdwn(text, color=ctx.color, tz=ctx.tz, now=ctx.now)


# -- layout ----------------------------------------------------------------------------------


def _wrap(text: str, width: int) -> list[str]:
    """Lines no wider than `width` on screen, counting what shows, not the ANSI codes."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in re.split(r"(?<= )", paragraph):
            if line.strip() and _visible_len(line + word.rstrip()) > width:
                lines.append(line.rstrip())
                line = word
            else:
                line += word
        lines.append(line.rstrip())
    return lines


def _beside(lines: list[str], label: str, width: int) -> list[str]:
    """`label` at the right end of the first line, where Slack shows a section accessory."""
    first = lines[0] if lines else ""
    gap = max(2, width - _visible_len(first) - _visible_len(label))
    return [first + " " * gap + label, *lines[1:]]


def _columns(cells: list[str], width: int) -> list[str]:
    """Section fields in two columns, as Slack lays them out."""
    column = max(10, (width - 2) // 2)
    lines = []
    for left, right in zip_longest(cells[::2], cells[1::2], fillvalue=""):
        for a, b in zip_longest(_wrap(left, column), _wrap(right, column), fillvalue=""):
            lines.append((a + " " * (column - _visible_len(a)) + "  " + b).rstrip())
    return lines


def _visible_len(text: str) -> int:
    return len(_ANSI.sub("", text))


def _style(text: str, style: str, color: bool) -> str:
    if not color or not text or style not in _STYLES:
        return text
    on, off = _STYLES[style]
    return f"{on}{text}{off}"


# -- mrkdwn ----------------------------------------------------------------------------------

_CODE_BLOCK = re.compile(r"```.*?```", re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]+`")
_ANGLE = re.compile(r"<([^<>\n]*)>")
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")


def _emphasis_pattern(marker: str) -> re.Pattern[str]:
    """`*bold*`: markers hug the text and do not touch a word, as in Slack (snake_case stays)."""
    m = re.escape(marker)
    return re.compile(rf"(?<![\w{m}]){m}(?=[^\s{m}])([^{m}\n]*[^\s{m}]){m}(?![\w{m}])")


_EMPHASIS = (
    (_emphasis_pattern("*"), "bold"),
    (_emphasis_pattern("_"), "italic"),
    (_emphasis_pattern("~"), "strike"),
)


def _emphasize(match: re.Match[str], *, style: str, color: bool) -> str:
    return _style(match[1], style, color)


def _angle(inner: str, color: bool, tz: tzinfo | None, now: datetime | None) -> str:
    """One `<...>` sequence: a date, a mention or a link."""
    target, _, label = inner.partition("|")
    if target.startswith("!date^"):
        return _date(target, label, tz, now)
    if target.startswith("!subteam^"):
        return _style(label or "@" + target.split("^")[1], "mention", color)
    if target.startswith(("@", "!")):  # <@U123>, <!here>, <!channel>
        return _style("@" + target[1:], "mention", color)
    if target.startswith("#"):
        return _style("#" + (label or target[1:]), "mention", color)
    if label:
        return f"{_style(label, 'underline', color)} ({target})"
    return _style(target, "underline", color)


# -- dates -----------------------------------------------------------------------------------

_SHORTCODE = re.compile(r":([a-z0-9_+-]+):")
# The emoji the bot's own messages use, as a Slack client would draw them.
_EMOJI = {
    "alarm_clock": "\u23f0",
    "hourglass": "\u231b",
    "hourglass_flowing_sand": "\u23f3",
    "large_green_circle": "\U0001f7e2",
    "lock": "\U0001f512",
    "mag": "\U0001f50d",
    "no_entry": "\u26d4",
    "no_entry_sign": "\U0001f6ab",
    "red_circle": "\U0001f534",
    "warning": "\u26a0\ufe0f",
    "white_check_mark": "\u2705",
    "white_circle": "\u26aa",
}
_DATE_TOKEN = re.compile(r"\{(\w+)\}")
_RELATIVE_DAYS = {-1: "yesterday", 0: "today", 1: "tomorrow"}
_PRETTY = "_pretty"


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _clock(moment: datetime, *, seconds: bool) -> str:
    hour = moment.hour % 12 or 12
    secs = f":{moment.second:02d}" if seconds else ""
    return f"{hour}:{moment.minute:02d}{secs} {'AM' if moment.hour < 12 else 'PM'}"


_DATE_FORMATS: dict[str, Callable[[datetime], str]] = {
    "date_num": lambda d: f"{d:%Y-%m-%d}",
    "date_slash": lambda d: f"{d:%d/%m/%Y}",
    "date": lambda d: f"{d:%B} {_ordinal(d.day)}, {d.year}",
    "date_short": lambda d: f"{d:%b} {d.day}, {d.year}",
    "date_long": lambda d: f"{d:%A}, {d:%B} {_ordinal(d.day)}, {d.year}",
    "date_long_full": lambda d: f"{d:%B} {d.day}, {d.year}",
    "time": lambda d: _clock(d, seconds=False),
    "time_secs": lambda d: _clock(d, seconds=True),
}


def _date(target: str, fallback: str, tz: tzinfo | None, now: datetime | None) -> str:
    """`<!date^STAMP^TEMPLATE[^LINK]|FALLBACK>` in the reader's time zone."""
    _, stamp, template, link = [*target.split("^", 3), "", ""][:4]
    try:
        moment = datetime.fromtimestamp(int(stamp), UTC).astimezone(tz)
    except (ValueError, OverflowError, OSError):
        return fallback
    today = (now or datetime.now(UTC)).astimezone(moment.tzinfo).date()

    def token(match: re.Match[str]) -> str:
        return _date_token(match[1], moment, today) or match[0]

    text = _DATE_TOKEN.sub(token, template)
    return f"{text} ({link})" if link else text


def _date_token(name: str, moment: datetime, today: date) -> str | None:
    """One `{token}`; `*_pretty` tokens say today, yesterday or tomorrow when they can."""
    if name.endswith(_PRETTY) and name.removesuffix(_PRETTY) in _DATE_FORMATS:
        relative = _RELATIVE_DAYS.get((moment.date() - today).days)
        return relative or _DATE_FORMATS[name.removesuffix(_PRETTY)](moment)
    formatter = _DATE_FORMATS.get(name)
    return formatter(moment) if formatter else None
