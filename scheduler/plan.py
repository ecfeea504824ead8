"""Deciding, for one claimed delivery, whether to send it now. Pure: plain values in, a
Decision out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.language.workdays import (
    DEFAULT_WORKING_DAY,
    WorkingDay,
    is_working_time,
    next_working_start,
)
from bot.store.models import Delivery, Promise, Step

# how long an escalation waits before looking again for a nudge that is due but not out yet
WAIT_FOR_NUDGE = timedelta(seconds=30)


@dataclass(frozen=True)
class Target:
    """Who a message goes to: a user (DM, quiet hours apply) or a channel (post)."""

    channel: str
    tz: str | None  # the person's time zone; None for channels
    is_person: bool = True
    covering_for: str | None = None  # the away owner this reminder is meant for


class Action(StrEnum):
    SEND = "send"
    SKIP = "skip"
    DEFER = "defer"


@dataclass(frozen=True)
class Decision:
    action: Action
    target: Target | None = None
    until: datetime | None = None
    why: str = ""


def still_needed(delivery: Delivery, promise: Promise | None, now: datetime) -> str | None:
    """Why a reminder for a deadline is no longer needed (None: it still is)."""
    if promise is None or not promise.is_open:
        return "promise closed"
    if delivery.deadline_version != promise.deadline_version:
        return "deadline changed"
    if delivery.step == Step.HEADS_UP and now >= promise.deadline:
        # the bot was down or the owner outside working hours: the nudge says it all
        return "deadline passed: the nudge replaces the heads-up"
    return None


def decide(
    target: Target | None,
    *,
    now: datetime,
    nudge_pending_until: datetime | None = None,
    respect_working_hours: bool,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> Decision:
    """Wait for the nudge and for quiet hours, else send.

    `nudge_pending_until` is set for an escalation whose nudge (same deadline) has not gone
    out yet: the moment that nudge is due. The escalation waits for it; a nudge that was
    skipped or failed for good does not hold the escalation back.
    `working_day` is the workspace's (KEPT_HOLIDAYS): DMs wait over weekends and holidays.
    """
    if nudge_pending_until is not None:
        until = max(now.replace(microsecond=0) + WAIT_FOR_NUDGE, nudge_pending_until)
        return Decision(Action.DEFER, until=until, why="waiting for the nudge to go out first")
    if target is None:
        return Decision(Action.SKIP, why="nobody to send to")
    if (
        respect_working_hours
        and target.is_person
        and target.tz is not None
        and not is_working_time(now, target.tz, working_day)
    ):
        return Decision(
            Action.DEFER,
            until=next_working_start(now, target.tz, working_day),
            why="outside the recipient's working hours",
        )
    return Decision(Action.SEND, target=target)
