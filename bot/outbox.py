"""The outbox: every Slack message a change causes is a delivery row written in the change's
own transaction, and the scheduler delivers it exactly once (retried, 429-aware, recovered
after a crash). Flows call these; nothing here talks to Slack.

The rows are plain INSERTs (Core, no ORM flush), so a flow stays one short transaction.
`row` + `write` (or `write_new`) is the one way any part of Kept adds a delivery row.
After the commit the sender in this process is woken (bot.store.db.Sessions.on_outbox), so a
follow-up reaches Slack within a few milliseconds at rest.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.store.db import OUTBOX_WRITTEN, core
from bot.store.models import Delivery, DeliveryStatus, Person, Step


def row(
    team_id: str,
    step: Step,
    key: str,
    now: datetime,
    *,
    promise_id: int | None = None,
    recipient_id: str | None = None,
    actor_id: str | None = None,
    about_id: str | None = None,
    deadline_version: int = 0,
    due_at: datetime | None = None,
    away_id: int | None = None,
) -> dict[str, object]:
    """One delivery row, due at `due_at` (default: `now`), ready for write()."""
    return {
        "team_id": team_id,
        "key": key[:255],
        "promise_id": promise_id,
        "step": step,
        "deadline_version": deadline_version,
        "recipient_id": recipient_id,
        "actor_id": actor_id,
        "about_id": about_id,
        "away_id": away_id,
        "due_at": due_at or now,
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "uncertain": False,
        "created_at": now,
    }


def write(session: Session, rows: list[dict[str, object]], *, wake: bool = True) -> None:
    """INSERT delivery rows (one executemany) and, with `wake`, mark the transaction so its
    commit wakes the sender (the scheduler's own rows need not: its pass goes on claiming)."""
    if not rows:
        return
    core(session).execute(insert(Delivery.__table__), rows)
    if wake:
        session.info[OUTBOX_WRITTEN] = True


def wake(session: Session) -> None:
    """Wake the sender once this transaction commits (a pending row was moved, say)."""
    session.info[OUTBOX_WRITTEN] = True


def write_new(session: Session, rows: list[dict[str, object]], *, wake: bool = True) -> int:
    """write() for rows whose key may be there already (another process planned it too): an
    existing key is left alone. Returns how many rows were added."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert_new = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert_new(Delivery.__table__)
        .on_conflict_do_nothing(index_elements=["team_id", "key"])
        .returning(Delivery.__table__.c.id)
    )
    added = sum(len(session.execute(statement, one).all()) for one in rows)
    if added and wake:
        session.info[OUTBOX_WRITTEN] = True
    return added


def follow_up(
    team_id: str,
    step: Step,
    now: datetime,
    *,
    promise_id: int | None = None,
    recipient_id: str | None = None,
    actor_id: str | None = None,
    about_id: str | None = None,
) -> dict[str, object]:
    """One follow-up message row, due now. Its key is unique: a repeated request never gets
    this far (bot.once), so two rows always mean two changes."""
    key = f"{step.value}:{promise_id or '-'}:{recipient_id or '-'}:{uuid.uuid4().hex}"
    return row(
        team_id,
        step,
        key,
        now,
        promise_id=promise_id,
        recipient_id=recipient_id,
        actor_id=actor_id,
        about_id=about_id,
    )


def home_refreshes(
    session: Session, team_id: str, user_ids: Iterable[str], now: datetime
) -> list[dict[str, object]]:
    """App Home refreshes for those of these people who have opened Kept's tab (a tab never
    opened is built fresh when it opens). Several refreshes waiting for one person are
    published once (scheduler.steps coalesces them)."""
    wanted = sorted({u for u in user_ids if u})
    if not wanted:
        return []
    people = session.scalars(
        select(Person.user_id).where(
            Person.team_id == team_id,
            Person.user_id.in_(wanted),
            Person.home_seen_at.is_not(None),
        )
    )
    return [follow_up(team_id, Step.HOME, now, recipient_id=user) for user in people]
