"""KEPT_RETENTION_DAYS: closed promises (kept, broken, cancelled) closed longer ago than
that are deleted with their history and deliveries, by the scheduler, in small batches (one
short transaction each, so nobody waits behind a big delete). Open promises are never
deleted, however old."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from bot.store.db import Sessions
from bot.store.models import Delivery, Promise, PromiseEvent, Status

BATCH = 200
MAX_BATCHES = 50  # per run: the rest waits for the next run


def cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def purge_closed(
    sessions: Sessions, *, before: datetime, batch: int = BATCH, max_batches: int = MAX_BATCHES
) -> int:
    """Delete closed promises closed before `before`; returns how many were deleted."""
    deleted = 0
    for _ in range(max_batches):
        with sessions.begin() as session:
            ids = list(
                session.scalars(
                    select(Promise.id)
                    .where(
                        Promise.status != Status.OPEN,
                        Promise.closed_at.is_not(None),
                        Promise.closed_at < before,
                    )
                    .order_by(Promise.id)
                    .limit(batch)
                )
            )
            if not ids:
                break
            session.execute(delete(Delivery).where(Delivery.promise_id.in_(ids)))
            session.execute(delete(PromiseEvent).where(PromiseEvent.promise_id.in_(ids)))
            session.execute(delete(Promise).where(Promise.id.in_(ids)))
        deleted += len(ids)
        if len(ids) < batch:
            break
    return deleted
