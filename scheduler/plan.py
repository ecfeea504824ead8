"""Deciding, for one claimed delivery, who gets what. Pure: plain values in, a Decision out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.language.workdays import (
    DEFAULT_WORKING_DAY,
    WorkingDay,
    is_working_time,
    next_working_start,
)
from bot.store.models import PERSONAL_STEPS, Delivery, Promise, Step

# how long an escalation waits before looking again for a nudge that is due but not out yet
WAIT_FOR_NUDGE = timedelta(seconds=30)


@dataclass(frozen=True)
class Target:
    """Who a message goes to: a user (DM, quiet hours apply) or a channel (post)."""

    channel: str
    tz: str | None  # the person's time zone; None for channels
    is_person: bool = True


@dataclass(frozen=True)
class Decision:
    action: str  # "send", "skip", "defer"
    target: Target | None = None
    until: datetime | None = None
    why: str = ""


def decide(
    delivery: Delivery,
    promise: Promise | None,
    target: Target | None,
    *,
    now: datetime,
    nudge_pending_until: datetime | None = None,
    respect_working_hours: bool,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> Decision:
    """Skip what is no longer needed, wait for quiet hours and for the nudge, else send.

    `nudge_pending_until` is set for an escalation whose nudge (same deadline) has not gone
    out yet: the moment that nudge is due. The escalation waits for it; a nudge that was
    skipped or failed for good does not hold the escalation back.
    `working_day` is the workspace's (KEPT_HOLIDAYS): DMs wait over weekends and holidays.
    """
    if delivery.step not in PERSONAL_STEPS:  # a digest or hand-over belongs to no promise
        if promise is None or not promise.is_open:
            return Decision("skip", why="promise closed")
        if delivery.deadline_version != promise.deadline_version:
            return Decision("skip", why="deadline changed")
        if delivery.step == Step.HEADS_UP.value and now >= promise.deadline:
            # the bot was down or the owner outside working hours: the nudge says it all
            return Decision("skip", why="deadline passed: the nudge replaces the heads-up")
    if delivery.step == Step.ESCALATION.value and nudge_pending_until is not None:
        until = max(now.replace(microsecond=0) + WAIT_FOR_NUDGE, nudge_pending_until)
        return Decision("defer", until=until, why="waiting for the nudge to go out first")
    if target is None:
        return Decision("skip", why="nobody to send to")
    if (
        respect_working_hours
        and target.is_person
        and target.tz is not None
        and not is_working_time(now, target.tz, working_day)
    ):
        return Decision(
            "defer",
            until=next_working_start(now, target.tz, working_day),
            why="outside the recipient's working hours",
        )
    return Decision("send", target=target)
