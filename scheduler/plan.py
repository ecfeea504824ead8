"""Deciding, for one claimed delivery, who gets what. Pure: plain values in, a Decision out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.models import Delivery, Promise, Step
from bot.workdays import DEFAULT_WORKING_DAY, is_working_time, next_working_start

_WAIT_FOR_NUDGE = timedelta(seconds=30)


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
    nudge_sent: bool,
    respect_working_hours: bool,
) -> Decision:
    """Skip what is no longer needed, wait for quiet hours and for the nudge, else send."""
    if promise is None or not promise.is_open:
        return Decision("skip", why="promise closed")
    if delivery.deadline_version != promise.deadline_version:
        return Decision("skip", why="deadline changed")
    if delivery.step == Step.ESCALATION.value and not nudge_sent:
        return Decision("defer", until=now.replace(microsecond=0) + _WAIT_FOR_NUDGE,
                        why="waiting for the nudge to go out first")
    if target is None:
        return Decision("skip", why="nobody to send to")
    if (respect_working_hours and target.is_person and target.tz is not None
            and not is_working_time(now, target.tz, DEFAULT_WORKING_DAY)):
        return Decision("defer", until=next_working_start(now, target.tz, DEFAULT_WORKING_DAY),
                        why="outside the recipient's working hours")
    return Decision("send", target=target)

