"""A promise's history: the one way to add an event to it (every domain writes it here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from bot.store.db import core
from bot.store.models import Promise, PromiseEvent

_EVENTS = PromiseEvent.__table__
_ADD = insert(_EVENTS).returning(_EVENTS.c.id)


def record_event(
    session: Session, promise: Promise, actor_id: str, kind: str, now: datetime, **detail: Any
) -> int:
    """Add an event to the promise's history (one INSERT, no ORM object); returns its id."""
    return int(
        core(session)
        .execute(
            _ADD,
            {
                "promise_id": promise.id,
                "team_id": promise.team_id,
                "actor_id": actor_id,
                "kind": kind,
                "detail": detail,
                "at": now,
            },
        )
        .scalar_one()
    )
