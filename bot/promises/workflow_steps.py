"""Workflow Builder steps (SPEC §2.6): "Record a promise" and "Close a promise" as flows.

A step runs once per execution: its answer (the outputs, or the reason Kept can't carry it
out) is stored with the execution's key in the step's own transaction (bot.once), so Slack
sending the same execution again gets the same answer and changes nothing. Nothing here
talks to Slack: the owner's Slack profile is looked up by the caller before the transaction
and handed in; the owner's DM goes through the outbox.

The reasons are written for the workflow's author, who reads them in Workflow Builder's
activity: plain text, no Slack mentions, what to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot import outbox
from bot.channels.service import kind_in_channel, setting_row
from bot.language.counterparts import find_counterpart
from bot.language.deadlines import (
    DeadlineProblem,
    format_deadline,
    parse_deadline,
)
from bot.language.workdays import DEFAULT_WORKING_DAY, WorkingDay
from bot.people.profiles import find_person, get_person, recipient_problem
from bot.promises import flows
from bot.promises.service import (
    MAX_DESCRIPTION,
    KeptError,
    NewPromise,
    create_promise,
    needs_confirmation,
    parse_promise_id,
)
from bot.promises.steps import Timing, timing_of
from bot.reply import Reply
from bot.slack.text import from_slack
from bot.store.models import Status, Step

RECORD_STEP = "record_promise"
CLOSE_STEP = "close_promise"

# a deadline given as a Unix timestamp (seconds, maybe with a fraction): what a workflow's
# date-time variable becomes when it is mapped into a text input
_EPOCH = re.compile(r"^\s*(\d{9,11})(?:\.\d+)?\s*$")
EXAMPLES = "“Friday 5pm”, “tomorrow”, “in 3 days”, “Dec 3 at 2pm” or “2026-12-03 14:00”"
OUTCOMES = {
    "kept": Status.KEPT,
    "done": Status.KEPT,
    "broken": Status.BROKEN,
    "cancelled": Status.CANCELLED,
    "canceled": Status.CANCELLED,
    "cancel": Status.CANCELLED,
}


def execution_key(function_execution_id: str) -> str:
    """The request key of one execution of a step (bot.once)."""
    return f"function:{function_execution_id}"


@dataclass(frozen=True)
class StepResult:
    """How a step ends: its outputs (completed), or why Kept couldn't carry it out."""

    outputs: dict[str, Any] | None = None
    error: str | None = None

    def reply(self) -> Reply:
        """As stored with the execution's key (bot.once keeps Replies)."""
        text = self.error or "Done."
        return Reply(message={"text": text, "step": {"outputs": self.outputs, "error": self.error}})

    @classmethod
    def of(cls, reply: Reply) -> StepResult:
        step = (reply.message or {}).get("step") or {}
        return cls(outputs=step.get("outputs"), error=step.get("error"))


class StepRefused(KeptError):
    """The step can't be carried out; the message is for the workflow's author."""


@dataclass(frozen=True)
class RecordInputs:
    """The `record_promise` step's inputs, as the workflow mapped them."""

    owner_id: str
    promise: str
    deadline: str
    counterpart: str | None = None
    channel_id: str | None = None

    @classmethod
    def from_event(cls, inputs: dict[str, Any]) -> RecordInputs:
        return cls(
            owner_id=_text(inputs.get("owner")),
            promise=_text(inputs.get("promise")),
            deadline=_text(inputs.get("deadline")),
            counterpart=_text(inputs.get("counterpart")) or None,
            channel_id=_text(inputs.get("channel")) or None,
        )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value))
    return str(value).strip()


def _readable(session: Session, team_id: str, text: str | None) -> str:
    """Text a workflow put together, as people read it: a variable like "Person who
    submitted" arrives as `<@U123>`, a link as `<https://…|label>` (decoded as for /promise:
    bot.slack.text), with names from Kept's profile cache."""

    def name_of(user_id: str) -> str | None:
        person = find_person(session, team_id, user_id)
        return person.name if person is not None else None

    return from_slack(text, name_of=name_of).strip()


@dataclass(frozen=True)
class OwnerLookup:
    """The owner as Slack described them just now (users.info), looked up before the
    transaction. `reached` is False when Slack could not be asked (then Kept's cached
    profile decides)."""

    user: dict[str, Any] | None
    reached: bool


def owner_problem(session: Session, team_id: str, owner_id: str, lookup: OwnerLookup) -> str | None:
    """Why the owner can't be given a promise, in words for a workflow's author."""
    if not owner_id:
        return "The Owner input is empty. Map the person who made the promise into it."
    if lookup.reached:
        problem = recipient_problem(owner_id, lookup.user)
    else:
        person = find_person(session, team_id, owner_id)
        if person is None or person.fetched_at is None:
            return (
                "Kept couldn't check the owner with Slack just now, so it recorded nothing. "
                "Run the workflow again in a moment."
            )
        problem = recipient_problem(owner_id, {"deleted": person.is_deleted})
    if problem is None:
        return None
    if lookup.user is None and lookup.reached:
        return f"Kept can't find the owner ({owner_id}) as an active person in this workspace."
    if "bot" in problem:
        return (
            f"The owner ({owner_id}) is a bot or an app: they can't receive reminders. "
            "Map a person into the Owner input."
        )
    return (
        f"The owner ({owner_id}) is deactivated in Slack: they can't receive reminders. "
        "Map someone active into the Owner input."
    )


def read_deadline(
    text: str,
    *,
    now: datetime,
    tz: str,
    locale: str | None,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> datetime:
    """The deadline input as a moment: a phrase as `/promise` reads it (SPEC §2.3), ISO 8601,
    or a Unix timestamp. Anything Kept is unsure of is refused with the reason, never
    guessed (a workflow has nobody to ask)."""
    if not text:
        raise StepRefused(f"The Deadline input is empty. Give a moment like {EXAMPLES}.")
    epoch = _EPOCH.match(text)
    if epoch:
        deadline = datetime.fromtimestamp(int(epoch.group(1)), UTC)
    else:
        parsed = parse_deadline(text, now=now, tz=tz, working_day=working_day, locale=locale)
        shown = f"“{text[:100]}”"
        if parsed.problem is DeadlineProblem.MISSING or (
            parsed.problem is None and parsed.deadline is None
        ):
            raise StepRefused(f"Kept couldn't read a deadline in {shown}. Use {EXAMPLES}.")
        if parsed.problem is not None:
            detail = f" ({parsed.detail})" if parsed.detail else ""
            reason = {
                DeadlineProblem.PAST: "is in the past",
                DeadlineProblem.IMPOSSIBLE: "isn't a real date",
                DeadlineProblem.UNCLEAR: "is ambiguous",
                DeadlineProblem.TOO_FAR: "is more than 5 years away",
            }[parsed.problem]
            raise StepRefused(f"The deadline {shown} {reason}{detail}. Use {EXAMPLES}.")
        if parsed.ignored:
            unused = ", ".join(f"“{part}”" for part in parsed.ignored)
            raise StepRefused(
                f"The deadline {shown} also says {unused}, which Kept couldn't use. "
                "Give one moment only."
            )
        assert parsed.deadline is not None
        deadline = parsed.deadline
    when = format_deadline(deadline, tz, now=now)
    if deadline <= now:
        raise StepRefused(f"The deadline ({when}) has already passed. Give a moment ahead.")
    if needs_confirmation(deadline, now):
        raise StepRefused(
            f"The deadline ({when}) is more than a year away. Kept records such a date only "
            "after the owner confirms it: use /promise for this one, or check the date."
        )
    return deadline


def record(
    session: Session,
    *,
    team_id: str,
    inputs: RecordInputs,
    owner: OwnerLookup,
    now: datetime,
    default_timing: Timing,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
    request_key: str | None,
) -> StepResult:
    """`record_promise`: the promise recorded as `/promise` would for its owner (their zone
    and locale read the deadline, the channel's settings give its timing), the owner told by
    DM. A step Kept can't carry out ends with the reason and changes nothing."""
    try:
        problem = owner_problem(session, team_id, inputs.owner_id, owner)
        if problem is not None:
            raise StepRefused(problem)
        # the profile Slack just gave, stored (no call to Slack from inside the transaction)
        fetched = owner.user
        person = get_person(
            session,
            team_id,
            inputs.owner_id,
            fetch=(lambda _user_id: fetched) if fetched is not None else None,
            now=now,
            refresh=fetched is not None,
        )
        tz = (person.tz if person is not None else None) or "UTC"
        locale = person.locale if person is not None else None
        description = _readable(session, team_id, inputs.promise)
        if not description:
            raise StepRefused("The Promise input is empty: say what was promised, to whom.")
        if len(description) > MAX_DESCRIPTION:
            raise StepRefused(
                f"The Promise input is {len(description):,} characters long; a promise holds "
                f"up to {MAX_DESCRIPTION:,}."
            )
        deadline = read_deadline(
            inputs.deadline, now=now, tz=tz, locale=locale, working_day=working_day
        )
        guessed = find_counterpart(description)
        setting = setting_row(session, team_id, inputs.channel_id) if inputs.channel_id else None
        new = NewPromise(
            team_id=team_id,
            owner_id=inputs.owner_id,
            created_by=inputs.owner_id,
            description=description,
            now=now,
            timing=timing_of(setting, default_timing),
            counterpart=_readable(session, team_id, inputs.counterpart) or guessed.name,
            counterpart_kind=kind_in_channel(setting, guessed.kind.value if guessed.kind else None),
            source_channel_id=inputs.channel_id,
            request_key=request_key,
        )
        promise = create_promise(session, new, deadline=deadline)
    except StepRefused as refused:
        return StepResult(error=str(refused))
    except KeptError as refused:  # the service's own checks (already written for people)
        return StepResult(error=str(refused))
    rows = [
        outbox.follow_up(
            team_id, Step.RECORDED, now, promise_id=promise.id, recipient_id=promise.owner_id
        ),
        *outbox.home_refreshes(session, team_id, [promise.owner_id], now),
    ]
    outbox.write(session, rows)
    return StepResult(
        outputs={"promise_id": str(promise.id), "deadline": int(promise.deadline.timestamp())}
    )


@dataclass(frozen=True)
class CloseInputs:
    """The `close_promise` step's inputs."""

    promise_id: str
    outcome: str
    closed_by: str
    note: str | None = None

    @classmethod
    def from_event(cls, inputs: dict[str, Any]) -> CloseInputs:
        return cls(
            promise_id=_text(inputs.get("promise_id")),
            outcome=_text(inputs.get("outcome")).lower(),
            closed_by=_text(inputs.get("closed_by")),
            note=_text(inputs.get("note")) or None,
        )


def close_inputs_problem(inputs: CloseInputs) -> tuple[int, Status] | str:
    """(promise id, outcome) from the inputs, or why they can't be used."""
    promise_id = parse_promise_id(inputs.promise_id)
    if promise_id is None:
        return (
            f"“{inputs.promise_id[:40]}” isn't a promise id. Map the Promise id output of a "
            "Record a promise step (or a number like 42) into it."
        )
    outcome = OUTCOMES.get(inputs.outcome)
    if outcome is None:
        return f"The Outcome must be kept, broken or cancelled (it was “{inputs.outcome[:40]}”)."
    if outcome is Status.BROKEN and not inputs.note:
        return "A broken promise needs a Note saying what happened."
    return promise_id, outcome


def close(
    session: Session,
    *,
    team_id: str,
    inputs: CloseInputs,
    admins: frozenset[str],
    now: datetime,
) -> StepResult:
    """`close_promise`: closed as `/promise done|broken|cancel` would, by the person mapped
    into Closed by (who must be allowed to: the owner, their supervisor or an admin)."""
    checked = close_inputs_problem(inputs)
    if isinstance(checked, str):
        return StepResult(error=checked)
    promise_id, outcome = checked
    if not inputs.closed_by:
        return StepResult(error="The Closed by input is empty. Map the person closing it.")
    try:
        with session.begin_nested():  # a refusal part-way leaves nothing behind
            who = flows.acting(
                session, team_id, inputs.closed_by, fetch=None, admins=admins, now=now
            )
            flows.close(session, who, promise_id=promise_id, outcome=outcome, note=inputs.note)
    except KeptError as refused:
        return StepResult(error=str(refused))
    return StepResult(outputs={"promise_id": str(promise_id), "outcome": outcome.value})
