"""How text from the backup API or from a user is put into Slack mrkdwn safely.

Slack gives three characters a control meaning in mrkdwn: ``&``, ``<`` and ``>``. Left alone,
an agent named ``<!channel>`` would ping a whole channel and ``<http://x|y>`` would become a
link. :func:`escape` turns them into the entities Slack documents, which it shows as the
characters themselves. That is the hard guarantee, and :func:`escape` alone is right for
text the bot wrote, where backticks and asterisks are meant as formatting.

Slack has no escape for the formatting characters ``*``, ``_``, ``~`` and the backtick, so
:func:`literal` (for names and other foreign strings) defuses them where they could act. Slack
takes ``*``, ``_`` and ``~`` as delimiters only at a word boundary, so one with a letter or
digit on both sides (``web_server_01``) is left as it is; any other, and every backtick (code
spans are less fussy), gets a zero-width space on each side. Whether a client counts that
space as a word character or as white space, the delimiter then has the same kind of
neighbour on both sides, so it can neither open nor close a span. A leading
``>`` (a block quote) is preceded by a soft hyphen, and line breaks and other control
characters become spaces so a name cannot start a line of its own. The command parser removes
these invisible characters again, so a name copied from a message still finds its agent.

:func:`code` shows machine values (ids, IPs, URLs) in a code span, where formatting is off and
copying gives the exact value; a value with a backtick cannot live in a span and falls back to
:func:`literal`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

ZERO_WIDTH_SPACE = "\u200b"
SOFT_HYPHEN = "\u00ad"
INVISIBLE = frozenset({ZERO_WIDTH_SPACE, SOFT_HYPHEN, "\u2060", "\ufeff"})
"""Characters :func:`literal` may add (plus the other zero-width marks), which readers drop."""

WORD_DELIMITERS = frozenset("*_~")
DEFAULT_DATE_FORMAT = "{date_short_pretty} at {time}"

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,30}")


def escape(text: str) -> str:
    """Replace the three characters Slack reserves with the entities it documents."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def flatten(text: str) -> str:
    """One line: control characters and line breaks become spaces."""
    return _CONTROL.sub(" ", text)


def literal(text: str) -> str:
    """Foreign text shown as typed: escaped, on one line, with formatting defused."""
    flat = flatten(text)
    pieces: list[str] = []
    for index, char in enumerate(flat):
        if char == "`" or (char in WORD_DELIMITERS and not _inside_word(flat, index)):
            pieces.append(f"{ZERO_WIDTH_SPACE}{char}{ZERO_WIDTH_SPACE}")
        else:
            pieces.append(char)
    escaped = escape("".join(pieces))
    return SOFT_HYPHEN + escaped if escaped.startswith("&gt;") else escaped


def code(text: str) -> str:
    """A machine value in a code span, or as :func:`literal` text when it holds a backtick."""
    flat = flatten(text)
    if "`" in flat or not flat.strip():
        return literal(text)
    return f"`{escape(flat)}`"


def date_token(dt: datetime | None, fmt: str = DEFAULT_DATE_FORMAT) -> str:
    """A date every reader sees in their own time zone, with a UTC fallback; "never" for None.

    A naive ``dt`` is taken as UTC, as the adapter produces UTC times. ``fmt`` is Slack's
    date template (``{date_num}``, ``{time}``, ...), written by the bot, never by a user.
    """
    if dt is None:
        return "never"
    aware = dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
    fallback = aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(aware.timestamp())}^{fmt}|{fallback}>"


def mention(user_id: str) -> str:
    """A user mention for a Slack user id; anything that is not one is shown as text."""
    if _USER_ID.fullmatch(user_id):
        return f"<@{user_id}>"
    return literal(user_id)


def _inside_word(text: str, index: int) -> bool:
    return 0 < index < len(text) - 1 and text[index - 1].isalnum() and text[index + 1].isalnum()
