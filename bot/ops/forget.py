"""`kept forget`: erase a person or a counterpart's name from Kept's database (SPEC §6).

- A Slack user id (`U…`/`W…`): their cached profile (name, e-mail, time zone) is deleted;
  everywhere else the id is replaced by one pseudonym (`gone-xxxxxxxx`, random, the same
  within one run), so history still reads "the same person did this" without saying who.
  Someone who still owns open promises is refused: hand those off first.
- A counterpart's name: replaced by `[forgotten]` in promises (counterpart, description,
  closure note) and their history, case-insensitively.

`dry_run` lists what would change and changes nothing. Messages already posted in Slack are
not edited; delete them in Slack if they must go too.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.promises.service import KeptError
from bot.store.models import (
    AwayPeriod,
    ChannelSetting,
    Delivery,
    Person,
    Promise,
    PromiseEvent,
    Status,
    Suggestion,
    SuggestionOptOut,
    WatchChange,
    WatchedChannel,
)

FORGOTTEN = "[forgotten]"
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
MIN_NAME = 2


@dataclass(frozen=True)
class Change:
    what: str  # "promise 12", "history 40 (promise 12)", "delivery 7", "person U123"
    fields: tuple[str, ...]

    def line(self) -> str:
        return f"{self.what}: {', '.join(self.fields)}"


@dataclass
class ForgetResult:
    target: str
    replacement: str
    changes: list[Change] = field(default_factory=list)


def is_user_id(target: str) -> bool:
    return bool(USER_ID.match(target.strip()))


def forget(
    session: Session, target: str, *, team_id: str | None = None, dry_run: bool = False
) -> ForgetResult:
    """Erase `target` (a user id or a counterpart's name). Raises KeptError when refused.
    With dry_run the caller rolls back; nothing is written either way until it commits."""
    target = target.strip()
    if is_user_id(target):
        return _forget_user(session, target, team_id=team_id, dry_run=dry_run)
    if len(target) < MIN_NAME:
        raise KeptError(f"{target!r} is too short to forget safely: give the full name")
    return _forget_name(session, target, team_id=team_id, dry_run=dry_run)


def _scrub(value: Any, pattern: re.Pattern[str], replacement: str) -> Any:
    """`value` with every match of `pattern` in its strings replaced (JSON-like values)."""
    if isinstance(value, str):
        return pattern.sub(replacement, value)
    if isinstance(value, list):
        return [_scrub(v, pattern, replacement) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, pattern, replacement) for k, v in value.items()}
    return value


def _teams(query: Any, column: Any, team_id: str | None) -> Any:
    return query.where(column == team_id) if team_id else query


def _forget_user(
    session: Session, user_id: str, *, team_id: str | None, dry_run: bool
) -> ForgetResult:
    still_open = list(
        session.scalars(
            _teams(
                select(Promise.id).where(
                    Promise.owner_id == user_id, Promise.status == Status.OPEN
                ),
                Promise.team_id,
                team_id,
            )
        )
    )
    if still_open:
        ids = ", ".join(str(i) for i in still_open[:10])
        raise KeptError(
            f"{user_id} still owns {len(still_open)} open promise(s) ({ids}): hand them off "
            "first (`/promise handoff <id> @someone`), then forget them"
        )
    pseudonym = f"gone-{uuid.uuid4().hex[:8]}"
    result = ForgetResult(user_id, pseudonym)
    pattern = re.compile(re.escape(user_id))
    for promise in session.scalars(
        _teams(
            select(Promise).where(
                or_(
                    Promise.owner_id == user_id,
                    Promise.created_by == user_id,
                    Promise.closed_by == user_id,
                    Promise.description.contains(user_id),
                    Promise.closure_note.contains(user_id),
                )
            ),
            Promise.team_id,
            team_id,
        )
    ):
        changed = [
            name
            for name in ("owner_id", "created_by", "closed_by", "description", "closure_note")
            if user_id in (getattr(promise, name) or "")
        ]
        result.changes.append(Change(f"promise {promise.id}", tuple(changed)))
        if not dry_run:
            for name in changed:
                setattr(promise, name, pattern.sub(pseudonym, getattr(promise, name)))
    for event in session.scalars(
        _teams(
            select(PromiseEvent).where(
                or_(
                    PromiseEvent.actor_id == user_id,
                    cast(PromiseEvent.detail, String).contains(user_id),
                )
            ),
            PromiseEvent.team_id,
            team_id,
        )
    ):
        changed = [n for n, v in (("actor_id", event.actor_id),) if v == user_id]
        detail = _scrub(event.detail or {}, pattern, pseudonym)
        if detail != (event.detail or {}):
            changed.append("detail")
        result.changes.append(
            Change(f"history {event.id} (promise {event.promise_id})", tuple(changed))
        )
        if not dry_run:
            if event.actor_id == user_id:
                event.actor_id = pseudonym
            event.detail = detail
    for delivery in session.scalars(
        _teams(
            select(Delivery).where(
                or_(Delivery.recipient_id.contains(user_id), Delivery.key.contains(user_id))
            ),
            Delivery.team_id,
            team_id,
        )
    ):
        changed = [n for n in ("recipient_id", "key") if user_id in (getattr(delivery, n) or "")]
        result.changes.append(Change(f"delivery {delivery.id}", tuple(changed)))
        if not dry_run:
            for name in changed:
                setattr(delivery, name, pattern.sub(pseudonym, getattr(delivery, name)))
    mine = _teams(select(Person).where(Person.user_id == user_id), Person.team_id, team_id)
    people = list(session.scalars(mine))
    for person in people:
        result.changes.append(Change(f"person {user_id} in {person.team_id}", ("deleted",)))
    reports = list(
        session.scalars(
            _teams(select(Person).where(Person.supervisor_id == user_id), Person.team_id, team_id)
        )
    )
    for person in reports:
        result.changes.append(Change(f"person {person.user_id}", ("supervisor_id",)))
    settings = list(
        session.scalars(
            _teams(
                select(ChannelSetting).where(ChannelSetting.updated_by == user_id),
                ChannelSetting.team_id,
                team_id,
            )
        )
    )
    for setting in settings:
        result.changes.append(Change(f"channel setting {setting.channel_id}", ("updated_by",)))
    # their own aways go; in others' they are no longer named as cover or as who set it
    aways = list(
        session.scalars(
            _teams(
                select(AwayPeriod).where(
                    or_(
                        AwayPeriod.user_id == user_id,
                        AwayPeriod.cover_id == user_id,
                        AwayPeriod.set_by == user_id,
                    )
                ),
                AwayPeriod.team_id,
                team_id,
            )
        )
    )
    for away in aways:
        if away.user_id == user_id:
            result.changes.append(Change(f"away {away.id}", ("deleted",)))
            if not dry_run:
                session.delete(away)
            continue
        changed = [n for n in ("cover_id", "set_by") if getattr(away, n) == user_id]
        result.changes.append(Change(f"away {away.id}", tuple(changed)))
        if not dry_run:
            if away.cover_id == user_id:
                away.cover_id = None  # their supervisor covers instead
            if away.set_by == user_id:
                away.set_by = pseudonym
    _forget_in_noticing(session, user_id, pseudonym, result, team_id=team_id, dry_run=dry_run)
    if not dry_run:
        session.execute(
            _teams(
                update(Person).where(Person.supervisor_id == user_id),
                Person.team_id,
                team_id,
            ).values(supervisor_id=None)
        )
        session.execute(
            _teams(delete(Person).where(Person.user_id == user_id), Person.team_id, team_id)
        )
        for setting in settings:
            setting.updated_by = pseudonym
    return result


def _forget_in_noticing(
    session: Session,
    user_id: str,
    pseudonym: str,
    result: ForgetResult,
    *,
    team_id: str | None,
    dry_run: bool,
) -> None:
    """Noticing (SPEC §2.5): their suggestions and opt-out go; as who turned watching on or
    off they are the pseudonym."""
    for model in (Suggestion, SuggestionOptOut):
        rows = list(
            session.scalars(
                _teams(select(model).where(model.user_id == user_id), model.team_id, team_id)
            )
        )
        for row in rows:
            result.changes.append(Change(f"{model.__tablename__} of {user_id}", ("deleted",)))
            if not dry_run:
                session.delete(row)
    for model in (WatchedChannel, WatchChange):
        named = list(
            session.scalars(
                _teams(select(model).where(model.changed_by == user_id), model.team_id, team_id)
            )
        )
        for row in named:
            result.changes.append(
                Change(f"{model.__tablename__} {row.channel_id}", ("changed_by",))
            )
            if not dry_run:
                row.changed_by = pseudonym


def _forget_name(
    session: Session, name: str, *, team_id: str | None, dry_run: bool
) -> ForgetResult:
    result = ForgetResult(name, FORGOTTEN)
    pattern = re.compile(re.escape(name), re.IGNORECASE)
    like = f"%{name.lower()}%"
    promises = list(
        session.scalars(
            _teams(
                select(Promise).where(
                    or_(
                        func.lower(Promise.counterpart).like(like),
                        func.lower(Promise.description).like(like),
                        func.lower(Promise.closure_note).like(like),
                    )
                ),
                Promise.team_id,
                team_id,
            ).order_by(Promise.id)
        )
    )
    for promise in promises:
        changed = [
            n
            for n in ("counterpart", "description", "closure_note")
            if pattern.search(getattr(promise, n) or "")
        ]
        if not changed:
            continue
        result.changes.append(Change(f"promise {promise.id}", tuple(changed)))
        if not dry_run:
            for n in changed:
                setattr(promise, n, pattern.sub(FORGOTTEN, getattr(promise, n)))
    touched = {p.id for p in promises}
    events = session.scalars(
        _teams(
            select(PromiseEvent).where(
                or_(
                    PromiseEvent.promise_id.in_(touched),
                    func.lower(cast(PromiseEvent.detail, String)).like(like),
                )
            ),
            PromiseEvent.team_id,
            team_id,
        ).order_by(PromiseEvent.id)
    )
    for event in events:
        detail = _scrub(event.detail or {}, pattern, FORGOTTEN)
        if detail == (event.detail or {}):
            continue
        result.changes.append(
            Change(f"history {event.id} (promise {event.promise_id})", ("detail",))
        )
        if not dry_run:
            event.detail = detail
    for delivery in session.scalars(
        _teams(
            select(Delivery).where(func.lower(Delivery.last_error).like(like)),
            Delivery.team_id,
            team_id,
        )
    ):
        result.changes.append(Change(f"delivery {delivery.id}", ("last_error",)))
        if not dry_run:
            delivery.last_error = pattern.sub(FORGOTTEN, delivery.last_error or "")
    return result
