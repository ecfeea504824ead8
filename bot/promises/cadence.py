"""The rules for cadence promises (SPEC §2.4): a series of check-ins, each a small deadline.

A cadence promise's `deadline` is its current check-in and `deadline_version` that check-in's
number, so each check-in has its own nudge and escalation rows (own keys, exactly once) and a
stale one is skipped like any changed deadline. One more row, NEXT_CHECK_IN, due at the
following check-in, counts the current one missed if nothing was logged and plans the next.

Logging an update (or skipping one) counts for the current check-in and plans the next from
that moment, so an update logged early moves the next check-in earlier. The series ends with
the last check-in before its end date (the promise is then kept), or when it is closed.

Plain functions of a session and plain values: no Slack in here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.language.cadence import Rhythm, RhythmKind, describe_rhythm, next_check_in
from bot.language.workdays import DEFAULT_WORKING_DAY, WorkingDay
from bot.people.acting import Actor
from bot.promises.service import (
    InvalidInput,
    NewPromise,
    changeable,
    check_note,
    close_promise,
    create_promise,
    get_promise,
    short_id,
    skip_pending,
    write_steps,
)
from bot.promises.steps import Timing
from bot.reports.service import CHECK_IN_EVENT
from bot.store.history import record_event
from bot.store.models import (
    CheckInOutcome,
    Delivery,
    DeliveryStatus,
    Person,
    Promise,
    Status,
    Step,
)


@dataclass(frozen=True)
class Series:
    """How a cadence promise is kept: its rhythm and how it ends."""

    rhythm: Rhythm
    ends_at: datetime | None = None
    end_event: str | None = None


def rhythm_of(promise: Promise) -> Rhythm | None:
    if promise.rhythm_kind is None or promise.rhythm_every is None:
        return None
    return Rhythm(RhythmKind(promise.rhythm_kind), promise.rhythm_every)


def owner_tz(session: Session, promise: Promise) -> str:
    tz = session.scalar(
        select(Person.tz).where(
            Person.team_id == promise.team_id, Person.user_id == promise.owner_id
        )
    )
    return tz or "UTC"


def following(
    session: Session,
    promise: Promise,
    after: datetime,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> datetime | None:
    """The check-in after `after`, or None when the series ends before it."""
    rhythm = rhythm_of(promise)
    if rhythm is None:
        return None
    moment = next_check_in(rhythm, after, owner_tz(session, promise), working_day)
    if promise.series_ends_at is not None and moment > promise.series_ends_at:
        return None
    return moment


def plan_check_in(
    session: Session,
    promise: Promise,
    timing: Timing,
    now: datetime,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> None:
    """The rows for the current check-in: the nudge when it passes, the escalation if it is
    still missed after `escalate_after` (or halfway to the next check-in, if that is sooner),
    and the roll-over to the next check-in. The last check-in has no roll-over: it stays
    open like any overdue promise until someone logs it."""
    due = promise.deadline
    after = following(session, promise, due, working_day)
    escalate = timing.escalate_after
    if after is not None and due + escalate >= after:
        escalate = (after - due) / 2
    write_steps(session, promise, [(Step.NUDGE, due), (Step.ESCALATION, due + escalate)], now)
    if after is not None:
        write_steps(session, promise, [(Step.NEXT_CHECK_IN, after)], now)


def create_cadence_promise(
    session: Session,
    new: NewPromise,
    *,
    series: Series,
    tz: str,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> Promise:
    """Store a cadence promise and plan its first check-in."""
    team_id, now, timing = new.team_id, new.now, new.timing
    if series.ends_at is not None and series.ends_at <= now:
        raise InvalidInput("That series would already be over. Pick an end still ahead.")
    first = next_check_in(series.rhythm, now, tz, working_day)
    if series.ends_at is not None and first > series.ends_at:
        first = series.ends_at  # a span shorter than the rhythm: one check-in, at its end
    stored = create_promise(session, new, deadline=first)
    end_event = (series.end_event or "")[:255] or None
    session.execute(
        update(Promise)
        .where(Promise.id == stored.id)
        .values(
            rhythm_kind=series.rhythm.kind,
            rhythm_every=series.rhythm.every,
            series_ends_at=series.ends_at,
            series_end_event=end_event,
        )
        .execution_options(synchronize_session=False)
    )
    # replace the single-deadline plan with the check-in's own
    session.execute(
        delete(Delivery)
        .where(Delivery.promise_id == stored.id, Delivery.status == DeliveryStatus.PENDING)
        .execution_options(synchronize_session=False)
    )
    promise = get_promise(session, team_id, stored.id)
    plan_check_in(session, promise, timing, now, working_day)
    record_event(
        session,
        promise,
        new.created_by,
        "rhythm_set",
        now,
        rhythm=describe_rhythm(series.rhythm),
        ends_at=series.ends_at.isoformat() if series.ends_at else None,
        end_event=end_event,
    )
    return promise


def _cadence(
    session: Session, team_id: str, promise_id: int, actor: Actor, now: datetime
) -> Promise:
    promise = changeable(session, team_id, promise_id, actor, now=now)
    if not promise.is_cadence:
        raise InvalidInput(
            f"Promise {short_id(promise.id)} has one deadline, not a rhythm of check-ins. "
            f"Close it with `/promise done {promise.id}` or move it with `/promise extend`."
        )
    return promise


def _advance(
    session: Session,
    promise: Promise,
    after: datetime,
    actor_id: str,
    timing: Timing,
    now: datetime,
    working_day: WorkingDay,
) -> Promise:
    """Move to the check-in after `after`; with none left, the series is complete (kept)."""
    skip_pending(session, promise)
    nxt = following(session, promise, after, working_day)
    if nxt is None:
        promise.status = Status.KEPT
        promise.closure_note = "Series complete: every check-in is done."
        promise.closed_at = now
        promise.closed_by = actor_id
        promise.updated_at = now
        record_event(session, promise, actor_id, Status.KEPT.value, now, note=promise.closure_note)
        return promise
    promise.deadline = nxt
    promise.deadline_version += 1
    promise.updated_at = now
    session.flush()
    plan_check_in(session, promise, timing, now, working_day)
    return promise


def _outcome_event(
    session: Session,
    promise: Promise,
    actor_id: str,
    outcome: CheckInOutcome,
    now: datetime,
    note: str | None = None,
) -> None:
    record_event(
        session,
        promise,
        actor_id,
        CHECK_IN_EVENT,
        now,
        number=promise.deadline_version,
        due=promise.deadline.isoformat(),
        outcome=outcome.value,
        note=note,
    )


def log_update(
    session: Session,
    *,
    team_id: str,
    promise_id: int,
    actor: Actor,
    note: str | None,
    now: datetime,
    timing: Timing,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> tuple[Promise, CheckInOutcome]:
    """ "Updated them": counts for the current check-in (on time, or late once it was due)
    and plans the next one from now."""
    note = check_note(note)
    promise = _cadence(session, team_id, promise_id, actor, now)
    outcome = CheckInOutcome.ON_TIME if now <= promise.deadline else CheckInOutcome.LATE
    _outcome_event(session, promise, actor.user_id, outcome, now, note)
    rhythm = rhythm_of(promise)
    # "every Friday": an update on Thursday is Friday's, so the next is the Friday after
    after = max(now, promise.deadline) if rhythm and rhythm.kind is RhythmKind.WEEKDAY else now
    return _advance(session, promise, after, actor.user_id, timing, now, working_day), outcome


def skip_check_in(
    session: Session,
    *,
    team_id: str,
    promise_id: int,
    actor: Actor,
    now: datetime,
    timing: Timing,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> Promise:
    """ "Skip this one": nothing to tell them this time; the next check-in stays on rhythm."""
    promise = _cadence(session, team_id, promise_id, actor, now)
    _outcome_event(session, promise, actor.user_id, CheckInOutcome.SKIPPED, now)
    after = max(now, promise.deadline)
    return _advance(session, promise, after, actor.user_id, timing, now, working_day)


def change_rhythm(
    session: Session,
    *,
    team_id: str,
    promise_id: int,
    actor: Actor,
    rhythm: Rhythm,
    now: datetime,
    timing: Timing,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> Promise:
    """ "New rhythm": the current check-in is re-planned on the new rhythm from now."""
    promise = _cadence(session, team_id, promise_id, actor, now)
    old = rhythm_of(promise)
    promise.rhythm_kind = rhythm.kind
    promise.rhythm_every = rhythm.every
    skip_pending(session, promise)
    nxt = following(session, promise, now, working_day)
    if nxt is None:
        raise InvalidInput(
            "On that rhythm the next check-in would fall after the series ends. Log an update "
            "or close it instead."
        )
    promise.deadline = nxt
    promise.deadline_version += 1
    promise.updated_at = now
    record_event(
        session,
        promise,
        actor.user_id,
        "rhythm_changed",
        now,
        old=describe_rhythm(old) if old else None,
        new=describe_rhythm(rhythm),
    )
    session.flush()
    plan_check_in(session, promise, timing, now, working_day)
    return promise


def done_for_good(
    session: Session, *, team_id: str, promise_id: int, actor: Actor, now: datetime
) -> Promise:
    """ "Done for good": the series ends here, kept."""
    return close_promise(
        session,
        team_id=team_id,
        promise_id=promise_id,
        actor=actor,
        outcome=Status.KEPT,
        note="Series ended.",
        now=now,
    )


def roll_over(
    session: Session,
    delivery: Delivery,
    now: datetime,
    timing: Timing,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> bool:
    """The NEXT_CHECK_IN step: if the check-in it follows is still the current one, nothing
    was logged for it: count it missed and plan the next. True if the series moved on."""
    promise = session.get(Promise, delivery.promise_id, with_for_update=True)
    if (
        promise is None
        or not promise.is_open
        or not promise.is_cadence
        or promise.deadline_version != delivery.deadline_version
    ):
        return False
    _outcome_event(session, promise, promise.owner_id, CheckInOutcome.MISSED, now)
    # from the missed check-in itself, so the rhythm is kept even if this runs late
    _advance(session, promise, promise.deadline, promise.owner_id, timing, now, working_day)
    return True
