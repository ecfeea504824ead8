"""What Kept deletes on its own, by the scheduler.

KEPT_RETENTION_DAYS: closed promises (kept, broken, cancelled) closed longer ago than
that are deleted with their history and deliveries, by the scheduler, in small batches (one
short transaction each, so nobody waits behind a big delete). Open promises are never
deleted, however old. Whatever the retention, handled requests are forgotten after
REQUEST_MEMORY and expired OAuth install states are deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, tuple_

from bot.store.db import Sessions
from bot.store.models import (
    SLACK_OAUTH_STATES,
    Delivery,
    DeliveryStatus,
    HandledRequest,
    Promise,
    PromiseEvent,
    Status,
)

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


# A request Kept carried out is remembered (bot.once) only as long as Slack can repeat it:
# Slack retries an event 3 times within about 5 minutes, and a request signed more than 5
# minutes ago is refused anyway (401). An hour leaves room for clocks and queues; after that
# the key and the reply it got (which may quote the person's words) are deleted.
REQUEST_MEMORY = timedelta(hours=1)


# a DM's answer still owed reads its text from the handled request (bot.promises.dm)
_answer_owed = (
    select(Delivery.id)
    .where(
        Delivery.team_id == HandledRequest.team_id,
        Delivery.key == HandledRequest.key,
        Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
    )
    .exists()
)


def purge_handled_requests(sessions: Sessions, *, now: datetime) -> int:
    """Forget requests handled more than REQUEST_MEMORY ago (but not while a DM's answer
    that reads them is still owed); returns how many."""
    deleted = 0
    before = now - REQUEST_MEMORY
    for _ in range(MAX_BATCHES):
        with sessions.begin() as session:
            keys = session.execute(
                select(HandledRequest.team_id, HandledRequest.key)
                .where(HandledRequest.created_at < before, ~_answer_owed)
                .order_by(HandledRequest.created_at)
                .limit(BATCH * 5)
            ).all()
            if not keys:
                break
            session.execute(
                delete(HandledRequest).where(
                    tuple_(HandledRequest.team_id, HandledRequest.key).in_([tuple(k) for k in keys])
                )
            )
        deleted += len(keys)
        if len(keys) < BATCH * 5:
            break
    return deleted


def purge_oauth_states(sessions: Sessions) -> int:
    """Delete OAuth install states past their expiry (slack_sdk stores them with the real
    clock, naive UTC, and never deletes one that was not used)."""
    states = SLACK_OAUTH_STATES
    expired = datetime.now(UTC).replace(tzinfo=None)
    with sessions.begin() as session:
        result = session.execute(delete(states).where(states.c.expire_at < expired))
    return int(result.rowcount or 0)
