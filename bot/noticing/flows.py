"""One function per thing a person does with noticing (SPEC §2.5): watch a channel or stop,
turn suggestions off or on for themselves, record what became of a suggestion. Each change
and the channel's one-line announcement are written in one transaction (the outbox)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot import outbox
from bot.noticing.service import SharedWith, set_opted_out, set_watching, settle_suggestion
from bot.promises.flows import Acting
from bot.reply import Reply
from bot.slack.messages import noticing as blocks
from bot.store.models import Step, SuggestionOutcome


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


def suggestions_for_me(session: Session, who: Acting, *, on: bool) -> Reply:
    """`/promise watch me off` / `on`: suggestions for this person alone."""
    set_opted_out(session, who.team_id, who.user_id, off=not on, now=who.now)
    return Reply(blocks.me_changed(on))


def dismissed(session: Session, who: Acting, *, key: str) -> Reply:
    """Not a promise: counted, nothing kept."""
    settle_suggestion(session, who.team_id, key, SuggestionOutcome.DISMISSED)
    return Reply(blocks.suggestion_dismissed())


def muted(session: Session, who: Acting, *, key: str) -> Reply:
    """Stop suggesting to me (from the suggestion itself)."""
    settle_suggestion(session, who.team_id, key, SuggestionOutcome.DISMISSED)
    set_opted_out(session, who.team_id, who.user_id, off=True, now=who.now)
    return Reply(blocks.suggestions_muted())
