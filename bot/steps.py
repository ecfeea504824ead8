"""When each reminder step of a promise falls due (SPEC §3). Pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.models import Step


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
