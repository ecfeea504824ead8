"""The rules for promises: create, close, extend, hand off, list, and who may do what.

Plain functions of a database session and plain values: no Slack in here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.orm import Session

from bot import outbox
from bot.errors import InvalidInput as InvalidInput
from bot.errors import KeptError as KeptError
from bot.errors import NotAllowed as NotAllowed
from bot.errors import NotFound as NotFound
from bot.language.commands import parse_promise_id as parse_promise_id
from bot.language.deadlines import FAR_AHEAD, MAX_AHEAD
from bot.people.acting import Actor
from bot.people.away import is_covering
from bot.promises.states import MAX_DESCRIPTION as MAX_DESCRIPTION
from bot.promises.states import short_id as short_id
from bot.promises.steps import Timing, delivery_key, plan_steps
from bot.store.db import core
from bot.store.history import record_event
from bot.store.models import Delivery, DeliveryStatus, Person, Promise, Status, Step

MAX_NOTE = 2000
MAX_COUNTERPART = 255


def clean_text(text: str | None) -> str:
    """Drop control characters (but keep newlines and tabs) and surrounding space."""
    if not text:
        return ""
    cleaned = "".join(
        ch for ch in text if ch in "\n\t" or not (ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0)
    )
    # lone surrogates cannot be stored in PostgreSQL text or encoded as UTF-8
    cleaned = cleaned.encode("utf-8", "replace").decode("utf-8")
    return cleaned.strip()


def _plan(session: Session, promise: Promise, timing: Timing, now: datetime) -> None:
    """Plan the reminder steps for the promise's current deadline."""
    write_steps(session, promise, plan_steps(promise.deadline, timing, now), now)


def write_steps(
    session: Session, promise: Promise, steps: Iterable[tuple[Step, datetime]], now: datetime
) -> None:
    """The promise's delivery rows for its current deadline version, each due at its moment
    (one executemany)."""
    outbox.write(
        session,
        [
            outbox.row(
                promise.team_id,
                step,
                delivery_key(promise.id, promise.deadline_version, step),
                now,
                promise_id=promise.id,
                deadline_version=promise.deadline_version,
                due_at=due_at,
            )
            for step, due_at in steps
        ],
        wake=False,  # due later: the scheduler finds them when they are
    )


def skip_pending(session: Session, promise: Promise) -> None:
    """Skip the promise's deliveries still pending (its reminders, once it is closed or its
    deadline or check-in changes)."""
    session.execute(
        update(Delivery)
        .where(Delivery.promise_id == promise.id, Delivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.SKIPPED)
    )


def _check_description(description: str) -> str:
    description = clean_text(description)
    if not description:
        raise InvalidInput("A promise needs a description: what did you promise, and to whom?")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"That description is {len(description):,} characters long; a promise holds up to "
            f"{MAX_DESCRIPTION:,}. Keep the gist here and link to the details."
        )
    return description


def check_note(note: str | None) -> str | None:
    """A note on a change (closing, a check-in), cleaned; None when empty; InvalidInput when
    longer than MAX_NOTE."""
    note = clean_text(note)
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"That note is {len(note):,} characters long; up to {MAX_NOTE:,} fit.")
    return note or None


def _check_future(deadline: datetime, now: datetime) -> None:
    if deadline.tzinfo is None:
        raise ValueError("deadline must be timezone-aware")
    if deadline <= now:
        raise InvalidInput("That deadline is already in the past. Pick a moment still ahead.")
    if deadline - now > MAX_AHEAD:
        raise InvalidInput(
            "That deadline is more than 5 years away; I only track promises up to 5 years "
            "ahead. Pick a nearer date."
        )


def needs_confirmation(deadline: datetime, now: datetime) -> bool:
    """More than a year out: ask the owner before recording (it may be a typo'd year)."""
    return deadline - now > FAR_AHEAD


@dataclass(frozen=True)
class NewPromise:
    """What a new promise is made of, besides its deadline (a one-off promise's is given
    beside it; a cadence promise's is its first check-in). Built by the flow that records it:
    from the words typed (bot.promises.flows.typed), a form, a Workflow Builder step. (Not
    bot.language.commands.NewPromise: that is the words of `/promise <text>`, unread.)"""

    team_id: str
    owner_id: str
    created_by: str
    description: str
    now: datetime
    timing: Timing
    counterpart: str | None = None
    counterpart_kind: str | None = None
    source_channel_id: str | None = None
    source_message_ts: str | None = None
    permalink: str | None = None
    request_key: str | None = None


def create_promise(session: Session, new: NewPromise, *, deadline: datetime) -> Promise:
    """Store a new promise and plan its reminders: three INSERTs (promise, history,
    reminder steps), no ORM flush. Returns the promise as stored (not attached to the
    session).

    `new.request_key` (unique per workspace) is the request that made it; repeats of a
    request are caught before this by bot.once, and the constraint is the last line of defence.
    """
    now = new.now
    description = _check_description(new.description)
    _check_future(deadline, now)
    values: dict[str, Any] = {
        "team_id": new.team_id,
        "owner_id": new.owner_id,
        "created_by": new.created_by,
        "description": description,
        "counterpart": (clean_text(new.counterpart)[:MAX_COUNTERPART] or None),
        "counterpart_kind": new.counterpart_kind,
        "deadline": deadline,
        "deadline_version": 1,
        "status": Status.OPEN,
        "closure_note": None,
        "closed_at": None,
        "closed_by": None,
        "source_channel_id": new.source_channel_id,
        "source_message_ts": new.source_message_ts,
        "permalink": new.permalink,
        "request_key": new.request_key,
        "created_at": now,
        "updated_at": now,
    }
    promise_id = (
        core(session)
        .execute(insert(Promise.__table__).returning(Promise.__table__.c.id), values)
        .scalar_one()
    )
    promise = Promise(id=promise_id, **values)
    record_event(
        session,
        promise,
        new.created_by,
        "created",
        now,
        owner=new.owner_id,
        deadline=deadline.isoformat(),
        description=description,
    )
    _plan(session, promise, new.timing, now)
    return promise


def get_promise(session: Session, team_id: str, promise_id: int, *, lock: bool = False) -> Promise:
    query = select(Promise).where(Promise.team_id == team_id, Promise.id == promise_id)
    if lock:
        query = query.with_for_update()
    promise = session.scalar(query)
    if promise is None:
        raise not_found(promise_id)
    return promise


def not_found(promise_id: int) -> NotFound:
    """The answer for a promise that does not exist, and for one a stranger may not see: the
    same words, so nobody learns whether promise N exists or who owns it."""
    return NotFound(
        f"I can't find promise {short_id(promise_id)} in this workspace. "
        "`/promise list` shows yours."
    )


def supervisor_of(session: Session, team_id: str, user_id: str) -> str | None:
    return session.scalar(
        select(Person.supervisor_id).where(Person.team_id == team_id, Person.user_id == user_id)
    )


def reports_of(session: Session, team_id: str, supervisor_id: str) -> list[str]:
    return list(
        session.scalars(
            select(Person.user_id).where(
                Person.team_id == team_id, Person.supervisor_id == supervisor_id
            )
        )
    )


def can_change(
    session: Session, promise: Promise, actor: Actor, now: datetime | None = None
) -> bool:
    """The owner, the owner's supervisor and admins may change a promise (SPEC §2.1); while
    the owner is away, so may whoever covers for them (given `now`)."""
    if actor.is_admin or actor.user_id == promise.owner_id:
        return True
    if supervisor_of(session, promise.team_id, promise.owner_id) == actor.user_id:
        return True
    if now is None:
        return False

    return is_covering(session, promise.team_id, promise.owner_id, actor.user_id, now)


def _owner_side(session: Session, promise: Promise, actor: Actor) -> bool:
    """The owner, their supervisor or an admin: may change the promise whether or not the
    owner is away (a cover may only while covering)."""
    if actor.is_admin or actor.user_id == promise.owner_id:
        return True
    return supervisor_of(session, promise.team_id, promise.owner_id) == actor.user_id


def can_view_owner(session: Session, team_id: str, owner_id: str, actor: Actor) -> bool:
    if actor.is_admin or actor.user_id == owner_id:
        return True
    return supervisor_of(session, team_id, owner_id) == actor.user_id


def changeable(
    session: Session, team_id: str, promise_id: int, actor: Actor, now: datetime | None = None
) -> Promise:
    """The open promise `actor` may change; a KeptError with a kind message otherwise."""
    promise = get_promise(session, team_id, promise_id, lock=True)
    if not can_change(session, promise, actor, now):
        raise NotAllowed(
            f"Only <@{promise.owner_id}>, their supervisor or an admin can change "
            f"promise {short_id(promise.id)}."
        )
    if not promise.is_open:
        raise InvalidInput(
            f"Promise {short_id(promise.id)} is already closed as "
            f"*{promise.status}*; nothing changed."
        )
    return promise


def close_promise(
    session: Session,
    *,
    team_id: str,
    promise_id: int,
    actor: Actor,
    outcome: Status,
    note: str | None,
    now: datetime,
) -> Promise:
    """Close as kept, broken (a reason is required) or cancelled."""
    if outcome is Status.OPEN:
        raise ValueError("closing needs an outcome")
    note = check_note(note)
    if outcome is Status.BROKEN and not note:
        raise InvalidInput(
            "Tell me briefly why it couldn't be kept, e.g. "
            "`/promise broken 42 the role was filled internally`."
        )
    promise = changeable(session, team_id, promise_id, actor, now)
    promise.status = outcome
    promise.closure_note = note
    promise.closed_at = now
    promise.closed_by = actor.user_id
    promise.updated_at = now
    skip_pending(session, promise)
    record_event(
        session, promise, actor.user_id, outcome.value, now, note=note, late=now > promise.deadline
    )
    return promise


def extend_promise(
    session: Session,
    *,
    team_id: str,
    promise_id: int,
    actor: Actor,
    new_deadline: datetime,
    note: str | None,
    now: datetime,
    timing: Timing,
) -> Promise:
    """Move the deadline and re-arm the reminders for it."""
    note = check_note(note)
    _check_future(new_deadline, now)
    promise = changeable(session, team_id, promise_id, actor, now)
    old = promise.deadline
    skip_pending(session, promise)
    promise.deadline = new_deadline
    promise.deadline_version += 1
    promise.updated_at = now
    record_event(
        session,
        promise,
        actor.user_id,
        "extended",
        now,
        old_deadline=old.isoformat(),
        new_deadline=new_deadline.isoformat(),
        note=note,
    )
    _plan(session, promise, timing, now)
    return promise


def hand_off(
    session: Session,
    *,
    team_id: str,
    promise_id: int,
    actor: Actor,
    new_owner_id: str,
    now: datetime,
) -> tuple[Promise, str]:
    """Give the promise to someone else. Returns (promise, previous owner)."""
    promise = changeable(session, team_id, promise_id, actor, now)
    previous = promise.owner_id
    if new_owner_id == previous:
        raise InvalidInput(f"<@{new_owner_id}> already owns promise {short_id(promise.id)}.")
    if new_owner_id == actor.user_id and not _owner_side(session, promise, actor):
        # a cover acts for the owner while they are away; taking the promise for good is
        # the owner's (or their supervisor's, or an admin's) decision
        raise InvalidInput(
            f"You're covering for <@{previous}> while they're away: reminders for promise "
            f"{short_id(promise.id)} already come to you, and it goes back to them when they "
            f"return. To take it over for good, ask <@{previous}>, their supervisor or an "
            "admin to hand it to you."
        )
    promise.owner_id = new_owner_id
    promise.updated_at = now
    record_event(
        session,
        promise,
        actor.user_id,
        "handed_off",
        now,
        old_owner=previous,
        new_owner=new_owner_id,
    )
    return promise, previous


def edit_promise(
    session: Session,
    *,
    team_id: str,
    promise_id: int,
    actor: Actor,
    description: str,
    counterpart: str | None,
    now: datetime,
) -> Promise:
    description = _check_description(description)
    promise = changeable(session, team_id, promise_id, actor, now)
    changes: dict[str, Any] = {}
    if description != promise.description:
        changes["description"] = [promise.description, description]
        promise.description = description
    counterpart = clean_text(counterpart)[:MAX_COUNTERPART] or None
    if counterpart != promise.counterpart:
        changes["counterpart"] = [promise.counterpart, counterpart]
        promise.counterpart = counterpart
    if changes:
        promise.updated_at = now
        record_event(session, promise, actor.user_id, "edited", now, **changes)
    return promise


def open_promises(
    session: Session,
    team_id: str,
    owner_ids: list[str] | None,
    now: datetime,
    limit: int = 50,
    *,
    offset: int = 0,
    overdue_only: bool = False,
) -> list[Promise]:
    """Open promises of these owners (None: everyone in the workspace), overdue first, then
    by deadline; `offset` skips that many (paging)."""
    if owner_ids is not None and not owner_ids:
        return []
    overdue_first = case((Promise.deadline <= now, 0), else_=1)
    query = select(Promise).where(Promise.team_id == team_id, Promise.status == Status.OPEN)
    if owner_ids is not None:
        query = query.where(Promise.owner_id.in_(owner_ids))
    if overdue_only:
        query = query.where(Promise.deadline <= now)
    ordered = query.order_by(overdue_first, Promise.deadline, Promise.id)
    return list(session.scalars(ordered.offset(max(offset, 0)).limit(limit)))


def count_open(
    session: Session, team_id: str, owner_ids: list[str] | None, now: datetime
) -> tuple[int, int]:
    """(open, of which overdue) for these owners (None: everyone): the true totals a list
    states, whatever part of it is shown."""
    if owner_ids is not None and not owner_ids:
        return 0, 0
    overdue = case((Promise.deadline <= now, 1), else_=0)
    query = select(func.count(), func.coalesce(func.sum(overdue), 0)).where(
        Promise.team_id == team_id, Promise.status == Status.OPEN
    )
    if owner_ids is not None:
        query = query.where(Promise.owner_id.in_(owner_ids))
    total, late = session.execute(query).one()
    return int(total or 0), int(late or 0)
