"""One function per thing a person does with noticing (SPEC §2.5): watch a channel or stop,
turn suggestions off or on for themselves, record what became of a suggestion. Each change
and the channel's one-line announcement are written in one transaction (the outbox)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import outbox
from bot.language.deadlines import format_deadline, parse_deadline
from bot.language.workdays import DEFAULT_WORKING_DAY, WorkingDay
from bot.noticing.service import (
    MAX_ANSWER_DAYS,
    SharedWith,
    Watch,
    hold_author,
    may_suggest,
    remember_suggestion,
    set_answer_days,
    set_opted_out,
    set_watching,
    settle_suggestion,
    suggestion_outcome,
    tracked_from,
    watch_of,
)
from bot.people.acting import Acting
from bot.promises import cadence_flows
from bot.promises.service import InvalidInput, NotAllowed, changeable, clean_text
from bot.promises.steps import Timing
from bot.reply import Reply
from bot.slack.messages import noticing as blocks
from bot.store.db import Sessions
from bot.store.history import record_event
from bot.store.models import HandledRequest, Step, SuggestionOutcome

MAX_UPDATE = 2000


def watch(
    session: Session,
    who: Acting,
    *,
    channel_id: str,
    on: bool,
    shared: SharedWith | None = None,
) -> Reply:
    """`/promise watch` / `/promise watch off`: anyone in the channel. The channel is told."""
    change = set_watching(
        session, who.team_id, channel_id, watching=on, by=who.user_id, now=who.now, shared=shared
    )
    if change is None:
        return Reply(blocks.watch_unchanged(channel_id, on))
    notice = outbox.follow_up(who.team_id, Step.WATCH_NOTICE, who.now, recipient_id=channel_id)
    notice["watch_change_id"] = change
    notice["actor_id"] = who.user_id
    outbox.write(session, [notice])
    if on:
        return Reply(blocks.watch_started(channel_id, shared.other_org if shared else None))
    return Reply(blocks.watch_stopped(channel_id))


def answer_time(session: Session, who: Acting, *, channel_id: str, words: str) -> Reply:
    """`/promise watch answer <working days>` (admins): the channel's default answer time."""
    if not who.actor.is_admin:
        raise NotAllowed("Only workspace admins can change this channel's default answer time.")
    text = words.strip().lower().removesuffix("d").strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_ANSWER_DAYS:
        raise InvalidInput(
            f"Give the default answer time in working days, 1 to {MAX_ANSWER_DAYS}: "
            "`/promise watch answer 3`."
        )
    if not set_answer_days(session, who.team_id, channel_id, int(text)):
        raise InvalidInput("Kept isn't watching this channel. `/promise watch` starts it.")
    return Reply(blocks.answer_days_set(channel_id, int(text)))


def suggestions_for_me(session: Session, who: Acting, *, on: bool) -> Reply:
    """`/promise watch me off` / `on`: suggestions for this person alone."""
    set_opted_out(session, who.team_id, who.user_id, off=not on, now=who.now)
    return Reply(blocks.me_changed(on))


def dismissed(session: Session, who: Acting, *, key: str) -> Reply:
    """Not a promise: counted, nothing kept (one already tracked stays tracked)."""
    settled = settle_suggestion(session, who.team_id, key, SuggestionOutcome.DISMISSED)
    if not settled and suggestion_outcome(session, who.team_id, key) is SuggestionOutcome.TRACKED:
        return Reply(blocks.already_tracked())
    return Reply(blocks.suggestion_dismissed())


def muted(session: Session, who: Acting, *, key: str) -> Reply:
    """Stop suggesting to me (from the suggestion itself)."""
    settle_suggestion(session, who.team_id, key, SuggestionOutcome.DISMISSED)
    set_opted_out(session, who.team_id, who.user_id, off=True, now=who.now)
    return Reply(blocks.suggestions_muted())


def _thread_of(session: Session, who: Acting, promise_id: int) -> tuple[Any, str, str]:
    """The open promise (that `who` may change) and the shared channel and thread it was made
    in; refused kindly when it was not made in a watched shared channel."""
    promise = changeable(session, who.team_id, promise_id, who.actor, who.now)
    channel, thread = promise.source_channel_id, promise.source_message_ts
    watch = watch_of(session, who.team_id, channel) if channel else None
    if not channel or not thread or watch is None or not watch.shared:
        raise InvalidInput(
            "This promise wasn't made in a shared channel Kept watches, so there's no thread "
            "to post in. Tell them directly, then press New date."
        )
    return promise, channel, thread


def update_form(session: Session, who: Acting, *, promise_id: int) -> Reply:
    """Post an update there: the form with the update drafted (admit it, say sorry, give the
    new timeline), editable."""
    promise, channel, _thread = _thread_of(session, who, promise_id)
    was = format_deadline(promise.deadline, who.tz, now=who.now)
    soon = parse_deadline("within 2 working days", now=who.now, tz=who.tz)
    next_date = soon.deadline or (who.now + timedelta(days=2))
    draft = blocks.draft_update(
        promise.description, f"by {was}", format_deadline(next_date, who.tz, now=who.now)
    )
    return Reply(open_view=blocks.post_update_form(promise.id, promise.description, draft, channel))


def post_update(
    session: Session,
    who: Acting,
    *,
    promise_id: int,
    text: str | None,
    default_timing: Timing,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> Reply:
    """The update is posted by Kept in the thread the promise was made in, signed with the
    owner's name (through the outbox), and kept in the promise's history. For a cadence
    promise it is the update of its check-in (it counts in reports)."""
    promise, channel, thread = _thread_of(session, who, promise_id)
    words = clean_text(text)
    if not words:
        raise InvalidInput("Write the update first: what happened and the new timeline.")
    if len(words) > MAX_UPDATE:
        raise InvalidInput(f"That's over {MAX_UPDATE} characters; keep the update short.")
    event_id = record_event(
        session,
        promise,
        who.user_id,
        "update_posted",
        who.now,
        text=words,
        channel=channel,
        thread_ts=thread,
    )
    # not tied to the promise's deliveries: closing or extending it right after (which skips
    # its pending reminders) must not drop the update the customer is owed
    row = outbox.follow_up(who.team_id, Step.CHANNEL_UPDATE, who.now, recipient_id=channel)
    row["promise_event_id"] = int(event_id)
    row["actor_id"] = who.user_id
    outbox.write(session, [row])
    if promise.is_cadence:
        cadence_flows.updated(
            session,
            who,
            promise_id=promise.id,
            note="update posted in the channel",
            default_timing=default_timing,
            working_day=working_day,
        )
    return Reply(blocks.update_posted(channel))


# ------------------------------------------------- a watched channel's messages, read after the ack


def watch_to_suggest(
    readers: sessionmaker[Session],
    team_id: str,
    channel_id: str,
    user_id: str,
    key: str,
    now: datetime,
) -> Watch | None:
    """The channel's watch, when this message (by its fingerprint `key`) may be suggested to
    its author now: the channel is watched, the message was never suggested, the author has
    not opted out and is under the hourly cap."""
    with readers() as session:
        watch = watch_of(session, team_id, channel_id)
        if watch is None or not may_suggest(session, team_id, user_id, key, now):
            return None
        return watch


def suggest_once(sessions: Sessions, team_id: str, user_id: str, key: str, now: datetime) -> bool:
    """Write down that this message is suggested to its author, if it still may be (checked
    again under the author's lock); False: not to be shown (another copy of the event, the
    cap reached meanwhile)."""
    try:
        with sessions.begin() as session:
            hold_author(session, team_id, user_id)
            if not may_suggest(session, team_id, user_id, key, now):
                return False
            remember_suggestion(session, team_id, user_id, key, now)
    except IntegrityError:
        return False  # another copy of this event got there first
    return True


def is_tracked(
    readers: sessionmaker[Session], team_id: str, channel_id: str, message_ts: str
) -> bool:
    """A promise was tracked from this message already (Track it, or Edit… saved)."""
    with readers() as session:
        return tracked_from(session, team_id, channel_id, message_ts) is not None


def track_request_key(key: str) -> str:
    """Track it's request key: the message's fingerprint (once per message)."""
    return f"track:{key}"


def tracked_otherwise(
    readers: sessionmaker[Session], team_id: str, channel_id: str, message_ts: str, key: str
) -> bool:
    """A promise was tracked from this message, and not by Track it (whose repeat gets its
    stored answer again): through Edit… and the form."""
    with readers() as session:
        if tracked_from(session, team_id, channel_id, message_ts) is None:
            return False
        handled = session.get(HandledRequest, (team_id, track_request_key(key)))
        return handled is None


def tracked(sessions: Sessions, team_id: str, key: str) -> bool:
    """Track it recorded the promise: the suggestion is settled; False if it was already."""
    with sessions.begin() as session:
        return settle_suggestion(session, team_id, key, SuggestionOutcome.TRACKED)


def still_shown(readers: sessionmaker[Session], team_id: str, key: str) -> bool:
    """Nothing was done with this suggestion yet (its first press)."""
    with readers() as session:
        return suggestion_outcome(session, team_id, key) is SuggestionOutcome.SHOWN
