"""The `/promise` grammar: the text after `/promise` read into one frozen dataclass per intent.

Pure: no database, no Slack, no clock. What needs them (a deadline read in the owner's zone,
a permission, a person's profile) is decided by the command runner from what is read here.
Text a person typed stays as Slack sent it (`from_slack` decodes it later, with names).
A sub-command Kept recognises but cannot run as typed reads as `Unclear`, whose `problem`
says what is missing; anything else that is not a sub-command is a new promise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

MAX_COMMAND_TEXT = 12000
MAX_REPORT_DAYS = 366
REPORT_DAYS = 7
CHANNEL_ACTIONS = ("show", "set", "clear", "help", "list")
REPORT_SCOPES = ("team", "everyone", "all")

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_ANY_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_PROMISE_ID = re.compile(r"^\s*(?:#|p-?)?(\d{1,12})\s*$", re.I)
_CHANNEL_REF = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,31}$")
_DAYS = re.compile(r"^(\d{1,4})\s*(?:d|days?)?$", re.I)
# the sub-commands that make someone a new owner, supervisor or cover (or report on someone):
# Slack is asked about the people they name before the transaction (profiles.Looked)
_NAMING = frozenset({"handoff", "hand-off", "supervisor", "away", "report"})


# ------------------------------------------------------------------------------ words


def mention(word: str) -> str | None:
    """`<@U123|jane>` -> `U123`; anything else -> None."""
    match = _MENTION.match(word.strip())
    return match.group(1) if match else None


def parse_promise_id(text: str) -> int | None:
    """`42`, `#42`, `P42` or `p-42` -> 42; anything else -> None."""
    match = _PROMISE_ID.match(text or "")
    if not match:
        return None
    value = int(match.group(1))
    return value if 0 < value < 2**31 else None


def is_channel_id(value: str) -> bool:
    return bool(_CHANNEL_ID.match(value))


def channel_ref(word: str) -> str | None:
    """`<#C123|sales>` (how Slack sends `#sales`) or a bare `C123` -> `C123`; else None."""
    word = word.strip()
    match = _CHANNEL_REF.match(word)
    if match:
        return match.group(1)
    return word if is_channel_id(word) else None


def named_people(text: str) -> list[str]:
    """The people a command would make an owner, supervisor or cover, or report on: Slack is
    asked about them before the command's transaction opens."""
    word, _, rest = text.strip().partition(" ")
    if word.lower() not in _NAMING:
        return []
    return list(dict.fromkeys(_ANY_MENTION.findall(rest)))


def _page_of(rest: str) -> tuple[str, int]:
    """`team page 3` -> ("team", 3); no page: page 1."""
    words = rest.split()
    if len(words) >= 2 and words[-2].lower() == "page" and words[-1].isdecimal():
        return " ".join(words[:-2]), max(1, int(words[-1]))
    return rest, 1


# ---------------------------------------------------------------------------- intents


class Problem(StrEnum):
    """Why a recognised sub-command cannot run as typed."""

    NO_ID = "no_id"  # `done` with no promise id
    BAD_ID = "bad_id"  # `done soon`: `word` isn't a promise id
    NO_WHEN = "no_when"  # `extend 42` with no new deadline
    NO_NEW_OWNER = "no_new_owner"  # `handoff 42` with nobody @-mentioned
    NO_REP = "no_rep"  # `supervisor` with nobody @-mentioned
    LIST_SCOPE = "list_scope"  # `list` followed by something it can't list
    AWAY_UNTIL = "away_until"  # `away @sam` with no date
    REPORT_DAYS = "report_days"  # `report 0`, `report 400`


@dataclass(frozen=True)
class Unclear:
    """A sub-command Kept recognised but cannot run as typed."""

    problem: Problem
    usage: str = ""  # the sub-command's usage line, for the answer
    word: str = ""  # the word that wasn't understood (BAD_ID)
    promise_id: int | None = None  # the id that was understood (NO_WHEN)


@dataclass(frozen=True)
class OpenForm:
    """`/promise` alone: the New promise form."""


@dataclass(frozen=True)
class TooLong:
    """More than MAX_COMMAND_TEXT characters: not read at all."""

    text: str


@dataclass(frozen=True)
class Help:
    pass


class ListScope(StrEnum):
    MINE = "mine"
    TEAM = "team"
    EVERYONE = "everyone"
    PERSON = "person"


@dataclass(frozen=True)
class ListPromises:
    """`/promise list [team|everyone|@user] [page N]`."""

    scope: ListScope
    page: int = 1
    owner: str | None = None  # PERSON: whose promises
    scope_word: str = ""  # the first word after `list`, as typed (the pager's buttons repeat it)


class Outcome(StrEnum):
    """How `done`/`kept`, `broken` and `cancel` close a promise (the store's Status values)."""

    KEPT = "kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"


CLOSING = {
    "done": Outcome.KEPT,
    "kept": Outcome.KEPT,
    "broken": Outcome.BROKEN,
    "cancel": Outcome.CANCELLED,
}
CLOSE_USAGE = {
    Outcome.KEPT: "/promise done <id> [note]",
    Outcome.BROKEN: "/promise broken <id> <reason>",
    Outcome.CANCELLED: "/promise cancel <id> [reason]",
}
EXTEND_USAGE = "/promise extend <id> <when> [note]"
HANDOFF_USAGE = "/promise handoff <id> @user"
UPDATED_USAGE = "/promise updated <id> [note]"


@dataclass(frozen=True)
class Close:
    """`/promise done|kept|broken|cancel <id> [note]`."""

    promise_id: int
    outcome: Outcome
    note: str = ""


@dataclass(frozen=True)
class Extend:
    """`/promise extend <id> <when> [note]`: `when` holds the deadline and the note."""

    promise_id: int
    when: str


@dataclass(frozen=True)
class HandOff:
    """`/promise handoff <id> @user`."""

    promise_id: int
    new_owner_id: str


@dataclass(frozen=True)
class ShowSupervisor:
    """`/promise supervisor @rep`."""

    rep_id: str


@dataclass(frozen=True)
class SetSupervisor:
    """`/promise supervisor @rep @lead` (admins); `lead_id` None: the second word isn't a
    mention (answered once the admin check passed)."""

    rep_id: str
    lead_id: str | None


@dataclass(frozen=True)
class Updated:
    """`/promise updated <id> [note]`: an update for the current check-in."""

    promise_id: int
    note: str = ""


@dataclass(frozen=True)
class Away:
    """`/promise away [@rep] <until> [@cover]`."""

    until_text: str
    user_id: str | None = None
    cover_id: str | None = None


@dataclass(frozen=True)
class Back:
    """`/promise back [@rep]`."""

    user_id: str | None = None


@dataclass(frozen=True)
class WatchElsewhere:
    """`/promise watch` typed where it can't run (a DM to Kept)."""


@dataclass(frozen=True)
class ChannelAt:
    """Which channel a `/promise channel` command names: `channel_id` None means the
    conversation it was typed in; `unreadable` holds a `#word` that names no channel."""

    channel_id: str | None = None
    unreadable: str | None = None


@dataclass(frozen=True)
class ChannelHelp:
    at: ChannelAt = ChannelAt()


@dataclass(frozen=True)
class ChannelList:
    at: ChannelAt = ChannelAt()
    page: int = 1


@dataclass(frozen=True)
class ChannelShow:
    at: ChannelAt = ChannelAt()


@dataclass(frozen=True)
class ChannelSet:
    """`/promise channel [#c] set <key> <value>`; `key` empty: not enough words."""

    at: ChannelAt = ChannelAt()
    key: str = ""
    value: str = ""


@dataclass(frozen=True)
class ChannelClear:
    """`/promise channel [#c] clear [key]`; no key: every setting."""

    at: ChannelAt = ChannelAt()
    key: str | None = None


class ReportScope(StrEnum):
    TEAM = "team"
    EVERYONE = "everyone"
    PERSON = "person"


@dataclass(frozen=True)
class Report:
    """`/promise report [@user|team|everyone] [days]`; no scope: decided by who asks."""

    days: int = REPORT_DAYS
    scope: ReportScope | None = None
    owner: str | None = None  # PERSON: whose record


@dataclass(frozen=True)
class NewPromise:
    """Anything else: the text of a new promise (its deadline is read later)."""

    text: str


Command = (
    Unclear
    | OpenForm
    | TooLong
    | Help
    | ListPromises
    | Close
    | Extend
    | HandOff
    | ShowSupervisor
    | SetSupervisor
    | Updated
    | Away
    | Back
    | WatchElsewhere
    | ChannelHelp
    | ChannelList
    | ChannelShow
    | ChannelSet
    | ChannelClear
    | Report
    | NewPromise
)


# ---------------------------------------------------------------------------- reading


def _id_or_unclear(word: str, usage: str) -> int | Unclear:
    promise_id = parse_promise_id(word)
    if promise_id is not None:
        return promise_id
    if word:
        return Unclear(Problem.BAD_ID, usage, word=word)
    return Unclear(Problem.NO_ID, usage)


def _close(outcome: Outcome, rest: str) -> Close | Unclear:
    word, _, note = rest.partition(" ")
    promise_id = _id_or_unclear(word, CLOSE_USAGE[outcome])
    if isinstance(promise_id, Unclear):
        return promise_id
    return Close(promise_id, outcome, note)


def _extend(rest: str) -> Extend | Unclear:
    word, _, when = rest.partition(" ")
    promise_id = _id_or_unclear(word, EXTEND_USAGE)
    if isinstance(promise_id, Unclear):
        return promise_id
    if not when.strip():
        return Unclear(Problem.NO_WHEN, EXTEND_USAGE, promise_id=promise_id)
    return Extend(promise_id, when)


def _hand_off(rest: str) -> HandOff | Unclear:
    parts = rest.split()
    promise_id = _id_or_unclear(parts[0] if parts else "", HANDOFF_USAGE)
    if isinstance(promise_id, Unclear):
        return promise_id
    new_owner = mention(parts[1]) if len(parts) > 1 else None
    if new_owner is None:
        return Unclear(Problem.NO_NEW_OWNER, HANDOFF_USAGE)
    return HandOff(promise_id, new_owner)


def _list(rest: str) -> ListPromises | Unclear:
    rest, page = _page_of(rest)
    scope_word = rest.split()[0] if rest else ""
    if not rest:
        return ListPromises(ListScope.MINE, page)
    if rest.lower() in ("everyone", "all"):
        return ListPromises(ListScope.EVERYONE, page, scope_word=scope_word)
    if rest.lower() == "team":
        return ListPromises(ListScope.TEAM, page, scope_word=scope_word)
    owner = mention(scope_word)
    if owner is None:
        return Unclear(Problem.LIST_SCOPE)
    return ListPromises(ListScope.PERSON, page, owner=owner, scope_word=scope_word)


def _supervisor(rest: str) -> ShowSupervisor | SetSupervisor | Unclear:
    parts = rest.split()
    rep = mention(parts[0]) if parts else None
    if rep is None:
        return Unclear(Problem.NO_REP)
    if len(parts) == 1:
        return ShowSupervisor(rep)
    return SetSupervisor(rep, mention(parts[1]))


def _is_channel_command(rest: str) -> bool:
    """`/promise channel ...` is a sub-command, not a promise that starts with "channel"."""
    words = rest.split()
    first = words[0] if words else ""
    return not first or first.lower() in CHANNEL_ACTIONS or first.startswith(("<#", "#"))


def _channel(rest: str) -> ChannelHelp | ChannelList | ChannelShow | ChannelSet | ChannelClear:
    words = rest.split()
    at = ChannelAt()
    if words and channel_ref(words[0]) is not None:
        at = ChannelAt(channel_id=channel_ref(words[0]))
        words = words[1:]
    elif words and words[0].startswith(("#", "<#")):
        at = ChannelAt(unreadable=words[0])
        words = words[1:]
    action = words[0].lower() if words else "show"
    if action == "list":  # every channel's settings, a page at a time
        return ChannelList(at, _page_of(" ".join(words[1:]))[1])
    if action == "show":
        return ChannelShow(at)
    if action == "set":
        if len(words) < 3:
            return ChannelSet(at)
        return ChannelSet(at, key=words[1], value=" ".join(words[2:]))
    if action == "clear":
        return ChannelClear(at, key=words[1] if len(words) > 1 else None)
    return ChannelHelp(at)


def _is_report_command(rest: str) -> bool:
    words = rest.split()
    if len(words) > 2:
        return False
    return all(
        w.lower() in REPORT_SCOPES or mention(w) is not None or _DAYS.match(w) for w in words
    )


def _report(rest: str) -> Report | Unclear:
    days, scope = REPORT_DAYS, None
    for word in rest.split():
        days_match = _DAYS.match(word)
        if days_match:
            days = int(days_match.group(1))
        else:
            scope = word
    if not 1 <= days <= MAX_REPORT_DAYS:
        return Unclear(Problem.REPORT_DAYS)
    if scope is None:
        return Report(days)
    if scope.lower() in {"everyone", "all"}:
        return Report(days, ReportScope.EVERYONE)
    if scope.lower() == "team":
        return Report(days, ReportScope.TEAM)
    return Report(days, ReportScope.PERSON, owner=mention(scope))


def _away(rest: str) -> Away | Unclear:
    words = rest.split()
    user_id = mention(words[0]) if words else None
    if user_id is not None:
        words = words[1:]
    cover = mention(words[-1]) if words else None
    if cover is not None:
        words = words[:-1]
    until_text = " ".join(words)
    if not until_text:
        return Unclear(Problem.AWAY_UNTIL)
    return Away(until_text, user_id=user_id, cover_id=cover)


def parse_command(text: str) -> Command:
    """What `/promise <text>` asks for. The first word (up to the first space, any case)
    picks the sub-command; a sub-command word followed by something that sub-command can't
    take (`help me with X`, `back to Jane by Friday`) is a new promise, as typed."""
    text = text.strip()
    if len(text) > MAX_COMMAND_TEXT:
        return TooLong(text)
    if not text:
        return OpenForm()
    word, _, rest = text.partition(" ")
    sub = word.lower()
    rest = rest.strip()
    first = rest.split()[0] if rest else ""
    if sub == "help" and not rest:
        return Help()
    if sub == "list":
        return _list(rest)
    if sub in CLOSING:
        return _close(CLOSING[sub], rest)
    if sub == "extend":
        return _extend(rest)
    if sub in {"handoff", "hand-off"}:
        return _hand_off(rest)
    if sub == "supervisor":
        return _supervisor(rest)
    if sub == "channel" and _is_channel_command(rest):
        return _channel(rest)
    if sub == "report" and _is_report_command(rest):
        return _report(rest)
    if sub == "updated" and parse_promise_id(first) is not None:
        word, _, note = rest.partition(" ")
        promise_id = _id_or_unclear(word, UPDATED_USAGE)
        return promise_id if isinstance(promise_id, Unclear) else Updated(promise_id, note)
    if sub == "away" and rest:
        return _away(rest)
    if sub == "watch":
        return WatchElsewhere()
    if sub == "back" and (not rest or mention(first) is not None):
        return Back(mention(first) if rest else None)
    return NewPromise(text)
