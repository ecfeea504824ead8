"""From a message to a suggestion (SPEC §2.5): who may get one, and what it says. Pure: the
handler reads the event and the stored watch, this decides, nothing here stores anything.

A suggestion carries what Track it needs (the text `/promise` would get, the counterpart, the
message's place) in its buttons, so nothing of the message is kept by Kept until its author
chooses to track it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.language.cadence import describe_rhythm
from bot.language.deadlines import parse_deadline
from bot.language.detector import Detection, detect_promise
from bot.language.workdays import DEFAULT_WORKING_DAY, WorkingDay
from bot.slack.text import NameOf, from_slack

# "no date said": the promise is due after the channel's default answer time, read as
# /promise reads "within N working days"
DEFAULT_ANSWER_DAYS = 2


def answer_label(days: int) -> str:
    return f"{days} working day{'s' if days != 1 else ''}"


MAX_TEXT = 1200  # characters of the promise text carried in a button (Slack: 2000 a value)
SLACKBOT = "USLACKBOT"
# subtypes that are still a person's new message: a thread reply also sent to the channel, a
# file shared with a comment
_PEOPLES_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})


@dataclass(frozen=True)
class Authored:
    """A message event reduced to what decides whether it may be read at all."""

    user_id: str
    text: str
    ts: str
    channel_id: str
    thread_ts: str | None
    previous_text: str | None  # an edit: the text before it


def authored(event: dict[str, Any], *, team_id: str, bot_user_id: str | None) -> Authored | None:
    """The new or edited message a person of this workspace wrote in a channel; None for
    everything Kept never reads: DMs, bots (Kept included), Slackbot, deletions and other
    subtypes, and members of another organisation in a shared channel."""
    if event.get("type") != "message" or event.get("channel_type") not in {"channel", "group"}:
        return None
    subtype = event.get("subtype")
    previous: str | None = None
    message = event
    if subtype == "message_changed":
        message = event.get("message") or {}
        if message.get("subtype"):  # e.g. an edit of a bot message, a tombstone
            return None
        previous = str((event.get("previous_message") or {}).get("text") or "")
    elif subtype not in _PEOPLES_SUBTYPES:  # message_deleted, bot_message, channel_join, ...
        return None
    if message.get("bot_id") or message.get("bot_profile") or message.get("app_id"):
        return None
    user = str(message.get("user") or "")
    if not user or user in {SLACKBOT, bot_user_id}:
        return None
    for key in ("user_team", "source_team"):
        if message.get(key) and message.get(key) != team_id:
            return None  # someone of the other organisation: their promise is not ours
    text = str(message.get("text") or "")
    ts = str(message.get("ts") or "")
    if not text.strip() or not ts:
        return None
    thread_ts = message.get("thread_ts")
    return Authored(
        user_id=user,
        text=text,
        ts=ts,
        channel_id=str(event.get("channel") or ""),
        thread_ts=str(thread_ts) if thread_ts else None,
        previous_text=previous,
    )


@dataclass(frozen=True)
class SuggestionView:
    """What the author is shown, and what the buttons carry."""

    key: str  # the message's fingerprint
    channel_id: str
    message_ts: str
    thread_ts: str | None
    what: str  # "" when the message names no deliverable ("Sure, will do by Friday")
    counterpart: str | None
    counterpart_kind: str | None
    deadline: datetime
    date_said: bool  # False: the channel's default answer time
    answer_days: int  # that default, in working days
    rhythm: str | None  # a cadence promise: its rhythm, as said
    promise_text: str  # what Track it records, as `/promise <promise_text>` would
    confidence: float

    def button_value(self) -> str:
        return json.dumps(
            {
                "k": self.key,
                "c": self.channel_id,
                "ts": self.message_ts,
                "t": self.promise_text[:MAX_TEXT],
                "w": self.what[: MAX_TEXT // 2],
                "cp": self.counterpart,
                "ck": self.counterpart_kind,
                "d": int(self.deadline.timestamp()),
            },
            separators=(",", ":"),
        )[:2000]


@dataclass(frozen=True)
class Pressed:
    """A suggestion's button value read back."""

    key: str
    channel_id: str
    message_ts: str
    promise_text: str
    what: str
    counterpart: str | None
    counterpart_kind: str | None
    deadline: datetime


def pressed(value: str) -> Pressed | None:
    try:
        data = json.loads(value)
        return Pressed(
            key=str(data["k"]),
            channel_id=str(data["c"]),
            message_ts=str(data["ts"]),
            promise_text=str(data["t"]),
            what=str(data.get("w") or ""),
            counterpart=data.get("cp") or None,
            counterpart_kind=data.get("ck") or None,
            deadline=datetime.fromtimestamp(int(data["d"]), UTC),
        )
    except (ValueError, KeyError, TypeError):
        return None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def suggestion(
    message: Authored,
    *,
    key: str,
    now: datetime,
    tz: str | ZoneInfo,
    locale: str | None = None,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
    other_org: str | None = None,
    answer_days: int = DEFAULT_ANSWER_DAYS,
    name_of: NameOf | None = None,
) -> SuggestionView | None:
    """The suggestion for a message, or None when it is not a promise (or an edit that adds
    none: the text before the edit already read as one)."""
    text = from_slack(message.text, name_of=name_of)
    found = _promise_in(text, now, tz, locale, working_day)
    if found is None:
        return None
    if message.previous_text is not None:
        before = _promise_in(from_slack(message.previous_text), now, tz, locale, working_day)
        if before is not None:
            return None  # the edit added no promise: the original was already one (or shown)
    deadline_said = found.has_date
    parsed = found.deadline
    if deadline_said and parsed is not None and parsed.deadline is not None:
        deadline = parsed.deadline
    else:
        default = parse_deadline(
            f"within {answer_days} working days",
            now=now,
            tz=tz,
            working_day=working_day,
            locale=locale,
        )
        if default.deadline is None:
            return None
        deadline = default.deadline
    counterpart = found.counterpart.name if found.counterpart else None
    kind = found.counterpart.kind.value if found.counterpart and found.counterpart.kind else None
    if counterpart is None and other_org:
        counterpart, kind = other_org, kind or "customer"
    what = _to_them(found.what, counterpart) if counterpart else found.what
    rhythm = None
    if found.cadence is not None:
        promise_text = found.commitment
        rhythm = describe_rhythm(found.cadence.rhythm)
    elif what:
        promise_text = f"{what} by {_iso(deadline)}"
    else:
        promise_text = ""
    return SuggestionView(
        key=key,
        channel_id=message.channel_id,
        message_ts=message.ts,
        thread_ts=message.thread_ts,
        what=what,
        counterpart=counterpart,
        counterpart_kind=kind,
        deadline=deadline,
        date_said=deadline_said,
        answer_days=answer_days,
        rhythm=rhythm,
        promise_text=promise_text,
        confidence=found.confidence,
    )


def _to_them(what: str, name: str) -> str:
    """ "send you the quote" -> "send Acme the quote": the promise as its owner tracks it."""
    what = re.sub(r"(?<![\w'’])your(?![\w'’])", f"{name}'s", what, flags=re.I)
    return re.sub(r"(?<![\w'’])you(?![\w'’])", name, what, flags=re.I)


def _promise_in(
    text: str, now: datetime, tz: str | ZoneInfo, locale: str | None, wd: WorkingDay
) -> Detection | None:
    found = detect_promise(text, now=now, tz=tz, locale=locale, working_day=wd)
    return found if found.is_promise else None
