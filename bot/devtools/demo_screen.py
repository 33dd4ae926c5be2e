"""The demo's terminal: every message the bot sends, drawn as it arrives, with numbered buttons.

Messages arrive on two threads (the ack on the one that sent the request, everything else on
the thread watching the Slack stand-in), so every write goes through one lock. Buttons are
numbered across the whole session, never reused, so `click 3` means the same button however
many messages arrive in between. While a person is typing at the prompt, a message that
arrives clears the prompt line, prints, and draws the prompt and the half-typed line again.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

from bot.devtools.block_kit import buttons
from bot.devtools.fake_slack import Message
from bot.devtools.render import block_kit_builder_url, render_message

try:
    import readline
except ImportError:  # not on every platform; the prompt still works without line editing
    readline = None  # type: ignore[assignment]

_CLEAR_LINE = "\r\x1b[2K"
_DIM = ("\x1b[2m", "\x1b[22m")
_WARN = ("\x1b[33m", "\x1b[39m")


@dataclass(frozen=True)
class Button:
    """A button on screen: the element and the message it belongs to, which a click needs."""

    number: int
    element: dict[str, Any]
    message: Message

    @property
    def label(self) -> str:
        text = self.element.get("text")
        return str(text.get("text", "")) if isinstance(text, dict) else ""


def json_view(message: Message, numbered: list[Button]) -> str:
    """The payload as posted (pretty, keys sorted), its buttons' numbers and a builder link."""
    audience = (
        f"only {message.user_id or 'you'}"
        if message.response_type == "ephemeral"
        else f"everyone in {message.channel_id}"
    )
    flags = " · replaces the original" if message.replace_original else ""
    lines = [
        f"── {message.via} · {message.response_type} ({audience}){flags}",
        json.dumps(message.payload, indent=2, sort_keys=True, ensure_ascii=False),
    ]
    if numbered:
        lines.append("Buttons: " + " ".join(f"[{b.number} {b.label}]" for b in numbered))
    lines.append(f"Block Kit Builder: {block_kit_builder_url(message.payload)}")
    return "\n".join(lines)


class Screen:
    def __init__(self, out: TextIO, *, as_json: bool, color: bool, width: int = 100) -> None:
        self._out = out
        self._as_json = as_json
        self._color = color
        self._width = width
        self._lock = threading.RLock()
        self._buttons: list[Button] = []
        self._prompt: str | None = None
        self._redraw = out.isatty()

    @property
    def color(self) -> bool:
        return self._color

    @contextmanager
    def holding(self) -> Iterator[None]:
        """Nothing else is written meanwhile: an ack is shown before the replies it started."""
        with self._lock:
            yield

    def show(self, message: Message) -> list[Button]:
        """Draw one message and number its buttons after every button shown before."""
        with self._lock:
            first = len(self._buttons) + 1
            numbered = [
                Button(number, element, message)
                for number, element in enumerate(buttons(message.blocks), start=first)
            ]
            self._buttons.extend(numbered)
            if self._as_json:
                text = json_view(message, numbered)
            else:
                text = render_message(
                    message, color=self._color, first_button_number=first, width=self._width
                ).text
            self._write(text + "\n")
            return numbered

    def button(self, number: int) -> Button | None:
        with self._lock:
            return self._buttons[number - 1] if 0 < number <= len(self._buttons) else None

    @property
    def button_count(self) -> int:
        with self._lock:
            return len(self._buttons)

    def say(self, text: str) -> None:
        """The demo's own words, kept apart from the bot's messages by being dim."""
        self._write(self._styled(text, _DIM))

    def warn(self, text: str) -> None:
        self._write(self._styled(text, _WARN))

    def echo(self, line: str) -> None:
        """What was sent, when it was not typed at a terminal that already shows it."""
        self._write(self._styled(f"› {line}", _DIM))

    def read_line(self, prompt: str) -> str | None:
        """A line typed at the terminal, or None at end of input; async output keeps the prompt."""
        with self._lock:
            self._prompt = prompt
        try:
            return input(prompt)
        except EOFError:
            self._write("")
            return None
        finally:
            with self._lock:
                self._prompt = None

    def _styled(self, text: str, style: tuple[str, str]) -> str:
        return f"{style[0]}{text}{style[1]}" if self._color and text else text

    def _write(self, text: str) -> None:
        with self._lock:
            prompt = self._prompt
            if prompt is not None:
                self._out.write(_CLEAR_LINE if self._redraw else "\n")
            self._out.write(text + "\n")
            if prompt is not None and self._redraw:
                typed = readline.get_line_buffer() if readline is not None else ""
                self._out.write(prompt + typed)
            self._out.flush()
