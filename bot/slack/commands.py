"""The slash command's text, read into one of a few typed commands.

Slack sends what the user typed with ``&``, ``<`` and ``>`` HTML-escaped, and people type
with smart quotes, odd spacing and capitals; all of that is undone here so the rest of the
bot sees clean values. A parse never raises: anything unreadable becomes an
``InvalidCommand`` whose message tells the user what to change.

Grammar: ``SUBCOMMAND [word | "quoted words" | key:value]...``. A quoted token is always a
word, so ``"web:01"`` searches for that text rather than being read as an option.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

from bot.backup_api.models import AgentStatus
from bot.services.agent_query import DATACENTERS, OPTION, REGIONS, STATUS_WORDS, AgentQuery
from bot.slack.mrkdwn import INVISIBLE, flatten

__all__ = [
    "MAX_COMMAND_LENGTH",
    "SUBCOMMANDS",
    "AgentCommand",
    "AgentQuery",
    "AgentsCommand",
    "Command",
    "HelpCommand",
    "InvalidCommand",
    "ReportCommand",
    "UnwatchCommand",
    "WakeupCommand",
    "WatchCommand",
    "parse_command",
    "subcommand_of",
]

MAX_COMMAND_LENGTH = 500
"""Commands are short; the cap also keeps a query small enough to ride in a button value."""

SUBCOMMANDS = ("agents", "agent", "wakeup", "watch", "unwatch", "report", "help")
OPTION_KEYS = ("dc", "status", "region", "account")
MAX_ACCOUNT_NAME = 40

_EXAMPLES = {
    "dc": "dc:DFW",
    "status": "status:offline",
    "region": "region:ORD",
    "account": "account:prod",
}
_ACCOUNT_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_KIND = {"dc": "datacenter", "region": "region"}
_SHOWN_VALUE_LENGTH = 40
_TOKEN = re.compile(r'"([^"]*)"|(?<!\S)\'([^\']*)\'(?!\S)|(\S+)')
"""A double-quoted phrase, a single-quoted one (only whole: ``o'brien`` stays a word), a word."""
_ZERO_WIDTH_JOINERS = ("\u200c", "\u200d", "\u180e")
"""Pasted from runbooks and chat clients with the rest of the invisible characters."""
_TYPOGRAPHIC = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "‟": '"', "‘": "'", "’": "'", "‚": "'", "‛": "'"}
    | {char: None for char in (*INVISIBLE, *_ZERO_WIDTH_JOINERS)}
)


@dataclass(frozen=True, slots=True)
class HelpCommand:
    unknown: str | None = None
    suggestion: str | None = None


@dataclass(frozen=True, slots=True)
class AgentsCommand:
    query: AgentQuery


@dataclass(frozen=True, slots=True)
class AgentCommand:
    ref: str
    region: str | None = None
    account: str | None = None


@dataclass(frozen=True, slots=True)
class WakeupCommand:
    region: str | None = None
    account: str | None = None


@dataclass(frozen=True, slots=True)
class WatchCommand:
    """The channel watches an account's backups (``watch``)."""

    region: str | None = None
    account: str | None = None


@dataclass(frozen=True, slots=True)
class UnwatchCommand:
    region: str | None = None
    account: str | None = None


@dataclass(frozen=True, slots=True)
class ReportCommand:
    """The daily backup report, now and privately."""

    region: str | None = None
    account: str | None = None


@dataclass(frozen=True, slots=True)
class InvalidCommand:
    """``message`` is a user-facing sentence; it may use backticks and must still be escaped.

    ``subcommand`` is the subcommand that could not be read, when the text named one.
    """

    message: str
    subcommand: str | None = None


Command = (
    HelpCommand
    | AgentsCommand
    | AgentCommand
    | WakeupCommand
    | WatchCommand
    | UnwatchCommand
    | ReportCommand
    | InvalidCommand
)


def subcommand_of(command: Command) -> str:
    """The canonical name of what runs, for audit lines and messages: one word per outcome."""
    if isinstance(command, HelpCommand):
        return "help" if command.unknown is None else "unknown"
    if isinstance(command, AgentsCommand):
        return "agents"
    if isinstance(command, AgentCommand):
        return "agent"
    if isinstance(command, WakeupCommand):
        return "wakeup"
    if isinstance(command, WatchCommand):
        return "watch"
    if isinstance(command, UnwatchCommand):
        return "unwatch"
    if isinstance(command, ReportCommand):
        return "report"
    return command.subcommand or "invalid"


class _Invalid(Exception):
    """Ends a parse early; caught in ``parse_command`` and turned into an InvalidCommand."""


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    quoted: bool


def parse_command(text: str) -> Command:
    cleaned = flatten(html.unescape(text).translate(_TYPOGRAPHIC)).strip()
    if len(cleaned) > MAX_COMMAND_LENGTH:
        return InvalidCommand(
            f"That command is {len(cleaned)} characters long; "
            f"I read commands of up to {MAX_COMMAND_LENGTH}."
        )
    # A blank quoted word ("" or " ") says nothing: it is neither a subcommand nor a word.
    tokens = [token for token in map(_token, _TOKEN.finditer(cleaned)) if token.text.strip()]
    if not tokens:
        return HelpCommand()
    name, rest = tokens[0].text.casefold(), tokens[1:]
    try:
        if name == "help":
            return HelpCommand()
        if name == "agents":
            return _agents(rest)
        if name == "agent":
            return _agent(rest)
        if name == "wakeup":
            return _wakeup(rest)
        if name in _SCOPED:
            return _scoped(name, rest)
    except _Invalid as invalid:
        return InvalidCommand(str(invalid), subcommand=name)
    suggestion = difflib.get_close_matches(name, SUBCOMMANDS, n=1)
    return HelpCommand(unknown=tokens[0].text, suggestion=suggestion[0] if suggestion else None)


def _token(match: re.Match[str]) -> _Token:
    if match.group(1) is not None:
        return _Token(match.group(1), quoted=True)
    if match.group(2) is not None:
        # No word carries a double quote, so a query always fits back in one.
        return _Token(match.group(2).replace('"', ""), quoted=True)
    return _Token(match.group(3).replace('"', ""), quoted=False)


def _agents(tokens: list[_Token]) -> AgentsCommand:
    words, options = _split(tokens, allowed=OPTION_KEYS, subcommand="agents")
    return AgentsCommand(
        AgentQuery(
            words=tuple(words),
            dc=_datacenter(options["dc"], key="dc") if "dc" in options else None,
            status=_status(options["status"]) if "status" in options else None,
            region=_region(options),
            account=_account(options),
        )
    )


def _agent(tokens: list[_Token]) -> AgentCommand:
    words, options = _split(tokens, allowed=("region", "account"), subcommand="agent")
    if not words:
        raise _Invalid(
            "Tell me which agent: its id, its name or its server's id, "
            "for example `agent 213563` or `agent web-01`."
        )
    return AgentCommand(ref=" ".join(words), region=_region(options), account=_account(options))


def _wakeup(tokens: list[_Token]) -> WakeupCommand:
    words, options = _split(tokens, allowed=("region", "account"), subcommand="wakeup")
    if words:
        raise _Invalid(
            "`wakeup` takes no names: the backup API wakes every agent of the account at "
            "once. Add `region:ORD` to pick a region."
        )
    return WakeupCommand(region=_region(options), account=_account(options))


_SCOPED: dict[str, type[WatchCommand | UnwatchCommand | ReportCommand]] = {
    "watch": WatchCommand,
    "unwatch": UnwatchCommand,
    "report": ReportCommand,
}
"""Subcommands about a whole account: they take only where (``region:``, ``account:``)."""


def _scoped(name: str, tokens: list[_Token]) -> WatchCommand | UnwatchCommand | ReportCommand:
    words, options = _split(tokens, allowed=("region", "account"), subcommand=name)
    if words:
        raise _Invalid(
            f"`{name}` is about the whole account and takes no names. "
            f"{_options_phrase(('region', 'account'))}"
        )
    return _SCOPED[name](region=_region(options), account=_account(options))


def _region(options: dict[str, str]) -> str | None:
    return _datacenter(options["region"], key="region") if "region" in options else None


def _account(options: dict[str, str]) -> str | None:
    """Account names are the accounts file's, compared without regard to case."""
    if "account" not in options:
        return None
    name = options["account"].casefold()
    if len(name) > MAX_ACCOUNT_NAME or not _ACCOUNT_NAME.fullmatch(name):
        raise _Invalid(
            f"`{_shown(options['account'])}` is not an account name: letters, digits, "
            "`-`, `_` and `.` only."
        )
    return name


def _split(
    tokens: list[_Token], *, allowed: tuple[str, ...], subcommand: str
) -> tuple[list[str], dict[str, str]]:
    """The plain words and the ``key:value`` options, each option checked against ``allowed``."""
    words: list[str] = []
    options: dict[str, str] = {}
    for token in tokens:
        option = None if token.quoted else OPTION.fullmatch(token.text)
        if option is None:
            words.append(token.text)
            continue
        key, value = option.group(1).casefold(), option.group(2)
        if key not in OPTION_KEYS:
            raise _Invalid(_unknown_option(key, allowed))
        if key not in allowed:
            raise _Invalid(f"`{subcommand}` does not take `{key}:`. {_options_phrase(allowed)}")
        if not value:
            raise _Invalid(f"`{key}:` needs a value, for example `{_EXAMPLES[key]}`.")
        if key in options:
            raise _Invalid(f"`{key}:` is given twice; give it once.")
        options[key] = value
    return words, options


def _unknown_option(key: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    guess = f" Did you mean `{close[0]}:`?" if close else ""
    return f"I don't know the option `{_shown(key)}:`.{guess} {_options_phrase(allowed)}"


def _options_phrase(allowed: tuple[str, ...]) -> str:
    examples = ", ".join(f"`{_EXAMPLES[key]}`" for key in allowed)
    return f"Options here: {examples}."


def _datacenter(value: str, *, key: str) -> str:
    code = value.upper()
    if code not in DATACENTERS:
        known = " ".join(REGIONS if key == "region" else DATACENTERS)
        raise _Invalid(f"`{_shown(value)}` is not a {_KIND[key]}; use one of {known}.")
    return code


def _status(value: str) -> AgentStatus:
    status = STATUS_WORDS.get(value.casefold())
    if status is None:
        raise _Invalid(f"`{_shown(value)}` is not a status; use online, offline or unknown.")
    return status


def _shown(value: str) -> str:
    """A user's value quoted back in a code span: short, and unable to close the span."""
    shortened = value if len(value) <= _SHOWN_VALUE_LENGTH else value[:_SHOWN_VALUE_LENGTH] + "…"
    return shortened.replace("`", "'")
