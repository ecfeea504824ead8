"""When each reminder step of a promise falls due (SPEC §3): the plan and the delivery keys
are pure functions; `timing_for_channel` reads a channel's overrides from the session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.store.models import ChannelSetting, Step


@dataclass(frozen=True)
class Timing:
    remind_before: timedelta = timedelta(hours=1)
    escalate_after: timedelta = timedelta(hours=24)


def delivery_key(promise_id: int, deadline_version: int, step: Step) -> str:
    return f"promise:{promise_id}:v{deadline_version}:{step.value}"


def plan_steps(deadline: datetime, timing: Timing, now: datetime) -> list[tuple[Step, datetime]]:
    """The steps a promise still owes for this deadline, each with the moment it falls due.

    A heads-up whose moment has already passed when the promise is made is left out: it
    would arrive after the user has just typed the deadline. The nudge and escalation are
    always planned; the scheduler sends them as soon as they are due.
    """
    steps: list[tuple[Step, datetime]] = []
    if timing.remind_before > timedelta(0):
        heads_up_at = deadline - timing.remind_before
        if heads_up_at > now:
            steps.append((Step.HEADS_UP, heads_up_at))
    steps.append((Step.NUDGE, deadline))
    steps.append((Step.ESCALATION, deadline + timing.escalate_after))
    return steps


def timing_for_channel(
    session: Session, team_id: str, channel_id: str | None, default: Timing
) -> Timing:
    """The timing for a promise made in `channel_id`: its channel's overrides, else `default`."""
    if not channel_id:
        return default
    return timing_of(session.get(ChannelSetting, (team_id, channel_id)), default)


def timing_of(setting: Any, default: Timing) -> Timing:
    """A channel's overrides (None: no settings for it) over the workspace default."""
    if setting is None:
        return default
    return Timing(
        remind_before=(
            default.remind_before
            if setting.remind_before_seconds is None
            else timedelta(seconds=setting.remind_before_seconds)
        ),
        escalate_after=(
            default.escalate_after
            if setting.escalate_after_seconds is None
            else timedelta(seconds=setting.escalate_after_seconds)
        ),
    )
