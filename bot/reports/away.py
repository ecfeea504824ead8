"""What happened to someone's promises while they were away: the lines of the return summary."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.language.deadlines import format_deadline
from bot.promises.service import short_id
from bot.slack.text import mrkdwn
from bot.store.models import Delivery, DeliveryStatus, Promise, PromiseEvent, Step

_DONE = {
    "kept": "closed as kept",
    "broken": "closed as couldn't keep",
    "cancelled": "cancelled",
    "extended": "moved to a new date",
    "handed_off": "handed off",
    "edited": "edited",
    "rhythm_changed": "given a new rhythm",
}
_CHECK_IN = {
    "on_time": "update logged on time",
    "late": "update logged late",
    "missed": "check-in missed",
    "skipped": "check-in skipped",
}


def return_summary_lines(
    session: Session,
    team_id: str,
    user_id: str,
    starts: datetime,
    ends: datetime,
    tz: str,
    *,
    now: datetime,
) -> list[tuple[str, str]]:
    """One (what, line) per thing that happened to `user_id`'s promises between `starts` and
    `ends`, oldest first: changes (by whom) and reminders that went to whoever covered. `what`
    is the kind of thing ("closed as kept"), for a summary of what does not fit."""
    lines: list[tuple[datetime, str, str]] = []
    rows = session.execute(
        select(PromiseEvent, Promise)
        .join(Promise, Promise.id == PromiseEvent.promise_id)
        .where(
            PromiseEvent.team_id == team_id,
            PromiseEvent.at >= starts,
            PromiseEvent.at <= ends,
            Promise.owner_id == user_id,
        )
        .order_by(PromiseEvent.at, PromiseEvent.id)
    ).all()
    for event, promise in rows:
        detail = event.detail or {}
        if event.kind == "check_in":
            what = _CHECK_IN.get(str(detail.get("outcome")), "check-in")
        else:
            what = _DONE.get(event.kind)
        if what is None:
            continue
        by = "" if event.actor_id == user_id else f" by <@{event.actor_id}>"
        if event.kind == "check_in" and detail.get("outcome") == "missed":
            by = ""
        note = f": {mrkdwn(str(detail['note']), 120)}" if detail.get("note") else ""
        lines.append(
            (
                event.at,
                what,
                f"*{short_id(promise.id)}* {mrkdwn(promise.description, 80)} — {what}{by} "
                f"({format_deadline(event.at, tz, now=now)}){note}",
            )
        )
    covered = session.execute(
        select(Delivery, Promise)
        .join(Promise, Promise.id == Delivery.promise_id)
        .where(
            Delivery.team_id == team_id,
            Promise.owner_id == user_id,
            Delivery.status == DeliveryStatus.SENT,
            Delivery.step.in_([Step.HEADS_UP, Step.NUDGE]),
            Delivery.sent_at >= starts,
            Delivery.sent_at <= ends,
            Delivery.recipient_id != user_id,
        )
    ).all()
    for delivery, promise in covered:
        at = delivery.sent_at or starts
        lines.append(
            (
                at,
                "reminders sent to your cover",
                f"*{short_id(promise.id)}* {mrkdwn(promise.description, 80)} — reminder went to "
                f"<@{delivery.recipient_id}>, covering ({format_deadline(at, tz, now=now)})",
            )
        )
    lines.sort(key=lambda item: item[0])
    return [(what, line) for _, what, line in lines]
