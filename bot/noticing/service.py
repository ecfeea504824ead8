"""Watched channels, suggestions shown and per-person opt-outs: rules over a session, plain
values, no Slack. Nothing of a message's text is ever passed in here."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from bot.slack.messages.noticing import watching_block
from bot.store.models import (
    Person,
    Promise,
    Suggestion,
    SuggestionOptOut,
    SuggestionOutcome,
    WatchChange,
    WatchedChannel,
)

# At most this many suggestions per person per hour ("a few").
MAX_PER_HOUR = 4
# "no date said": the channel's default answer time, in working days (and its bounds)
DEFAULT_ANSWER_DAYS = 2
MAX_ANSWER_DAYS = 20
# How long Kept remembers that a message was suggested (once per message; the hourly cap).
SUGGESTION_MEMORY = timedelta(days=1)


@dataclass(frozen=True)
class Watch:
    """A watched channel as a plain value."""

    channel_id: str
    changed_by: str
    changed_at: datetime
    shared: bool
    other_org: str | None
    answer_days: int = DEFAULT_ANSWER_DAYS


@dataclass(frozen=True)
class SharedWith:
    """What Slack says about a channel's sharing when watching starts."""

    shared: bool = False
    other_team_id: str | None = None
    other_org: str | None = None


def fingerprint(team_id: str, channel_id: str, message_ts: str) -> str:
    """A one-way name for a message: the same message gives the same fingerprint, and the
    fingerprint gives nothing of the message back."""
    return hashlib.sha256(f"{team_id}\x1f{channel_id}\x1f{message_ts}".encode()).hexdigest()


def watch_of(session: Session, team_id: str, channel_id: str) -> Watch | None:
    """The channel's watch, when it is watched now."""
    row = session.execute(
        select(
            WatchedChannel.channel_id,
            WatchedChannel.changed_by,
            WatchedChannel.changed_at,
            WatchedChannel.shared,
            WatchedChannel.other_org,
            func.coalesce(WatchedChannel.answer_days, DEFAULT_ANSWER_DAYS),
        ).where(
            WatchedChannel.team_id == team_id,
            WatchedChannel.channel_id == channel_id,
            WatchedChannel.watching.is_(True),
        )
    ).first()
    return Watch(*row) if row is not None else None


def watched_channels(session: Session, team_id: str) -> tuple[int, list[Watch]]:
    """How many channels are watched in all, and the 25 most recently changed."""
    where = (WatchedChannel.team_id == team_id, WatchedChannel.watching.is_(True))
    total = session.execute(select(func.count()).select_from(WatchedChannel).where(*where))
    rows = session.execute(
        select(
            WatchedChannel.channel_id,
            WatchedChannel.changed_by,
            WatchedChannel.changed_at,
            WatchedChannel.shared,
            WatchedChannel.other_org,
            func.coalesce(WatchedChannel.answer_days, DEFAULT_ANSWER_DAYS),
        )
        .where(*where)
        .order_by(WatchedChannel.changed_at.desc(), WatchedChannel.channel_id)
        .limit(25)
    ).all()
    return int(total.scalar_one()), [Watch(*row) for row in rows]


def set_watching(
    session: Session,
    team_id: str,
    channel_id: str,
    *,
    watching: bool,
    by: str,
    now: datetime,
    shared: SharedWith | None = None,
) -> int | None:
    """Turn watching on or off. Returns the id of the change to announce, or None when the
    channel already was in that state (nothing to announce)."""
    row = session.get(WatchedChannel, (team_id, channel_id))
    if row is None and not watching:
        return None
    if row is not None and row.watching == watching:
        if watching and shared is not None and shared.other_org and not row.other_org:
            row.shared, row.other_team_id, row.other_org = (
                True,
                shared.other_team_id,
                shared.other_org,
            )
        return None
    if row is None:
        row = WatchedChannel(team_id=team_id, channel_id=channel_id, shared=False)
        session.add(row)
    row.watching, row.changed_by, row.changed_at = watching, by, now
    if watching and shared is not None:
        row.shared = shared.shared
        row.other_team_id = shared.other_team_id
        row.other_org = shared.other_org
    change = session.execute(
        insert(WatchChange)
        .values(team_id=team_id, channel_id=channel_id, watching=watching, changed_by=by, at=now)
        .returning(WatchChange.id)
    ).scalar_one()
    return int(change)


def set_answer_days(session: Session, team_id: str, channel_id: str, days: int) -> bool:
    """The watched channel's default answer time; False when the channel is not watched."""
    done = session.execute(
        update(WatchedChannel)
        .where(
            WatchedChannel.team_id == team_id,
            WatchedChannel.channel_id == channel_id,
            WatchedChannel.watching.is_(True),
        )
        .values(answer_days=days)
    )
    return bool(done.rowcount)


def watch_change(session: Session, change_id: int) -> WatchChange | None:
    return session.get(WatchChange, change_id)


def opted_out(session: Session, team_id: str, user_id: str) -> bool:
    return session.get(SuggestionOptOut, (team_id, user_id)) is not None


def set_opted_out(
    session: Session, team_id: str, user_id: str, *, off: bool, now: datetime
) -> bool:
    """Turn suggestions off (or back on) for one person. Returns whether anything changed."""
    row = session.get(SuggestionOptOut, (team_id, user_id))
    if off and row is None:
        session.add(SuggestionOptOut(team_id=team_id, user_id=user_id, at=now))
        return True
    if not off and row is not None:
        session.delete(row)
        return True
    return False


def may_suggest(session: Session, team_id: str, user_id: str, key: str, now: datetime) -> bool:
    """Whether this message may be suggested to its author: never suggested before, the
    author has not opted out, and is under the hourly cap."""
    if session.get(Suggestion, (team_id, key)) is not None:
        return False
    if opted_out(session, team_id, user_id):
        return False
    recent = session.execute(
        select(func.count())
        .select_from(Suggestion)
        .where(
            Suggestion.team_id == team_id,
            Suggestion.user_id == user_id,
            Suggestion.shown_at > now - timedelta(hours=1),
        )
    ).scalar_one()
    return int(recent) < MAX_PER_HOUR


def hold_author(session: Session, team_id: str, user_id: str) -> None:
    """Take the author's row lock (their cached profile) for this transaction, so two of
    their messages read at once cannot both slip under the hourly cap (PostgreSQL; SQLite
    has one writer at a time anyway)."""
    session.execute(
        select(Person.user_id)
        .where(Person.team_id == team_id, Person.user_id == user_id)
        .with_for_update()
    )


def was_suggested(session: Session, team_id: str, key: str) -> bool:
    return session.get(Suggestion, (team_id, key)) is not None


def remember_suggestion(
    session: Session, team_id: str, user_id: str, key: str, now: datetime
) -> None:
    """Write down that this message was suggested (and forget the ones older than a day)."""
    session.execute(
        delete(Suggestion).where(
            Suggestion.team_id == team_id, Suggestion.shown_at < now - SUGGESTION_MEMORY
        )
    )
    session.execute(
        insert(Suggestion).values(
            team_id=team_id,
            fingerprint=key,
            user_id=user_id,
            shown_at=now,
            outcome=SuggestionOutcome.SHOWN,
        )
    )


def suggestion_outcome(session: Session, team_id: str, key: str) -> SuggestionOutcome | None:
    row = session.get(Suggestion, (team_id, key))
    return row.outcome if row is not None else None


def settle_suggestion(session: Session, team_id: str, key: str, outcome: SuggestionOutcome) -> bool:
    """Record what the author did with a suggestion. Returns False when it was already
    settled (a second press)."""
    done = session.execute(
        update(Suggestion)
        .where(
            Suggestion.team_id == team_id,
            Suggestion.fingerprint == key,
            Suggestion.outcome == SuggestionOutcome.SHOWN,
        )
        .values(outcome=outcome)
    )
    return bool(done.rowcount)


def with_watching(
    session: Session, team_id: str, channel_id: str, message: dict[str, Any]
) -> dict[str, Any]:
    """`/promise channel show`: the settings, and whether Kept notices promises there (and
    which channels it watches in all)."""
    here = watch_of(session, team_id, channel_id)
    total, shown = watched_channels(session, team_id)
    block = watching_block(channel_id, here, total, [(w.channel_id, w.other_org) for w in shown])
    blocks = list(message.get("blocks") or [])
    return {**message, "blocks": [*blocks[:1], block, *blocks[1:]]}


def tracked_from(session: Session, team_id: str, channel_id: str, message_ts: str) -> int | None:
    """The promise already tracked from this message (Track it, or Edit… saved), if any."""
    return session.scalar(
        select(Promise.id)
        .where(
            Promise.team_id == team_id,
            Promise.source_channel_id == channel_id,
            Promise.source_message_ts == message_ts,
        )
        .limit(1)
    )
