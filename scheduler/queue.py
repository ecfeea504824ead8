"""The delivery queue in the database: claim due rows, renew claims, record them as sent,
failed, skipped or deferred. The database is the truth; nothing here talks to Slack.

Exactly once, step by step:
1. *Claim* — in one short transaction, due rows (`pending`, or `sending` whose lease ran out)
   are marked `sending` by this worker with a lease (`due_at` = now + lease). On PostgreSQL
   the rows are selected `FOR UPDATE SKIP LOCKED`, so several bot processes never claim the
   same row.
2. *Renew* — before a row is prepared and again right before a slow send, the claim is
   renewed, only if this worker still holds an unexpired claim.
3. *Record* — `sent` with the channel and ts, only if this worker still holds the claim. A
   failure goes back to `pending` with back-off (HTTP 429: after its Retry-After); an answer
   that may have reached Slack (timeout, 5xx) is marked `uncertain` and waits at least one
   lease, so the next attempt first looks for the message in Slack.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, func, or_, select, text, update
from sqlalchemy.orm import Session

from bot.store.db import Sessions
from bot.store.models import Delivery, DeliveryStatus, Promise, Step
from bot.workspaces.service import paused_teams

log = logging.getLogger("kept.scheduler")

MAX_BACKOFF = timedelta(minutes=15)
MAX_PERMANENT_ATTEMPTS = 5

# Written out as the partial index's own predicate (ix_deliveries_due), not with bound
# parameters: SQLite uses a partial index only when the query repeats its condition literally.
DUE = text("status IN ('pending', 'sending')")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


CLAIM_READS = 4  # reads per claim at most, each past the workspaces found at their rate
# given (delivery id, team, step) of a due row: claim it now? (False: it stays due, untouched)
Pace = Callable[[int, str, Step], bool]


def claim(
    session: Session,
    *,
    now: datetime,
    worker: str,
    limit: int,
    lease: timedelta,
    pace: Pace | None = None,
    skip_teams: Collection[str] = (),
) -> list[tuple[int, Step]]:
    """Claim up to `limit` due rows for `worker`; returns their (id, step), oldest first.
    Rows of `skip_teams` are not looked at, and `pace` may leave a row due as it is (its
    workspace is at Slack's rate limit): other workspaces' rows are claimed meanwhile."""
    rows: list[tuple[int, Step]] = []
    skip = set(skip_teams)
    for _ in range(CLAIM_READS):
        query = (
            select(Delivery.id, Delivery.step, Delivery.team_id)
            .where(DUE, Delivery.due_at <= now)
            # a workspace that uninstalled Kept keeps its rows pending until it is back
            .where(Delivery.team_id.not_in(paused_teams()))
            .order_by(Delivery.due_at, Delivery.id)
            .limit(limit - len(rows))
        )
        if skip:
            query = query.where(Delivery.team_id.not_in(sorted(skip)))
        if rows:  # taken by an earlier read of this claim (not marked yet): not again
            query = query.where(Delivery.id.not_in([row[0] for row in rows]))
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        full: set[str] = set()  # workspaces at their rate: the next read looks past them
        taken = {row[0] for row in rows}
        for delivery_id, step, team_id in session.execute(query):
            if team_id in full or delivery_id in taken:
                continue
            if pace is None or pace(delivery_id, team_id, step):
                rows.append((delivery_id, step))
            else:
                full.add(team_id)
        if not full or len(rows) >= limit:
            break
        skip |= full
    ids = [row[0] for row in rows]
    if ids:
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids))
            .values(
                uncertain=case(
                    (Delivery.status == DeliveryStatus.SENDING, True),
                    else_=Delivery.uncertain,
                ),
                status=DeliveryStatus.SENDING,
                claimed_by=worker,
                claim_expires_at=now + lease,
                due_at=now + lease,
                attempts=Delivery.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
    return rows


def any_due(session: Session, now: datetime, teams: Collection[str]) -> bool:
    """Whether any of these workspaces has a row due now."""
    if not teams:
        return False
    return (
        session.scalar(
            select(Delivery.id)
            .where(DUE, Delivery.due_at <= now, Delivery.team_id.in_(list(teams)))
            .limit(1)
        )
        is not None
    )


def next_due(session: Session) -> datetime | None:
    """When the next row falls due (read through the partial index: one probe)."""
    return session.scalar(select(func.min(Delivery.due_at)).where(DUE))


def renew_many(
    session: Session, ids: list[int], worker: str, now: datetime, lease: timedelta
) -> list[int]:
    """Extend this worker's claims on `ids`; returns those still held."""
    if not ids:
        return []
    return list(
        session.scalars(
            update(Delivery)
            .where(
                Delivery.id.in_(ids),
                Delivery.claimed_by == worker,
                Delivery.status == DeliveryStatus.SENDING,
                Delivery.claim_expires_at > now,
            )
            .values(claim_expires_at=now + lease, due_at=now + lease)
            .returning(Delivery.id)
            .execution_options(synchronize_session=False)
        )
    )


def renew(session: Session, delivery_id: int, worker: str, now: datetime, lease: timedelta) -> bool:
    """Extend this worker's claim to now + lease; False if the claim expired or was taken."""
    return bool(renew_many(session, [delivery_id], worker, now, lease))


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=5 * 2 ** max(0, attempts - 1)), MAX_BACKOFF)


def record_sent(
    sessions: Sessions,
    worker: str,
    now: datetime,
    sent: list[tuple[int, str | None, str | None]],
    notes: dict[int, str] | None = None,
) -> int:
    """Record (delivery id, channel, ts) as sent in one transaction (one executemany); only
    rows this worker still holds change. `notes` (by delivery id) are kept in `last_error`
    (e.g. "sent in a compact form")."""
    if not sent:
        return 0
    table = Delivery.__table__
    statement = (
        update(table)
        .where(
            table.c.id == bindparam("b_id"),
            table.c.claimed_by == worker,
            table.c.status == DeliveryStatus.SENDING,
        )
        .values(
            status=DeliveryStatus.SENT,
            sent_at=bindparam("b_at"),
            channel_id=bindparam("b_channel"),
            message_ts=bindparam("b_ts"),
            last_error=bindparam("b_note"),
            uncertain=False,
            claim_expires_at=None,
        )
    )
    with sessions.begin() as session:
        done = (
            session.connection()
            .execute(
                statement,
                [
                    {
                        "b_id": delivery_id,
                        "b_at": now,
                        "b_channel": channel,
                        "b_ts": ts,
                        "b_note": (notes or {}).get(delivery_id),
                    }
                    for delivery_id, channel, ts in sent
                ],
            )
            .rowcount
        )
    if done != len(sent):
        log.warning(
            "%s of %s deliveries were reclaimed by another worker while sending",
            len(sent) - done,
            len(sent),
        )
    return done


def record_failure(
    sessions: Sessions,
    delivery_id: int,
    worker: str,
    now: datetime,
    error: str,
    *,
    retry_after: float | None,
    uncertain: bool,
    permanent: bool,
    lease: timedelta,
    final: bool = False,
    on_failed: Callable[[Session, Delivery], None] | None = None,
) -> DeliveryStatus | None:
    """Put a failed send back in the queue with back-off, or mark it `failed` once a refusal
    that cannot succeed has been seen often enough (at once when `final`); `on_failed` then
    runs in the same transaction (e.g. to route the message elsewhere). Returns the row's new
    status (None: the row is not ours any more)."""
    with sessions.begin() as session:
        delivery = session.get(Delivery, delivery_id)
        if (
            delivery is None
            or delivery.claimed_by != worker
            or delivery.status != DeliveryStatus.SENDING
        ):
            return None
        delivery.last_error = error[:500]
        delivery.uncertain = delivery.uncertain or uncertain
        if final or (permanent and delivery.attempts >= MAX_PERMANENT_ATTEMPTS):
            delivery.status = DeliveryStatus.FAILED
            delivery.claim_expires_at = None
            log.error(
                "giving up on %s after %s attempts: %s", delivery.key, delivery.attempts, error
            )
            if on_failed is not None:
                on_failed(session, delivery)
            return DeliveryStatus.FAILED
        wait = timedelta(seconds=retry_after) if retry_after else backoff(delivery.attempts)
        if uncertain:
            # the message may still land in Slack: look for it only once that had time
            wait = max(wait, lease)
        delivery.status = DeliveryStatus.PENDING
        delivery.due_at = now + wait
        delivery.claim_expires_at = None
        return DeliveryStatus.PENDING


def skip(delivery: Delivery, why: str) -> None:
    """A claimed row that is no longer needed."""
    delivery.claim_expires_at = None
    delivery.status = DeliveryStatus.SKIPPED
    delivery.last_error = why


def defer(delivery: Delivery, until: datetime, now: datetime) -> None:
    """A claimed row that must wait (quiet hours, its nudge first): back to pending."""
    delivery.claim_expires_at = None
    delivery.status = DeliveryStatus.PENDING
    delivery.due_at = max(until, now + timedelta(seconds=1))
    delivery.attempts = max(0, delivery.attempts - 1)


def mark_sent(delivery: Delivery, now: datetime, why: str | None = None) -> None:
    """A claimed row settled without a message of its own (fanned out, coalesced)."""
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = now
    delivery.claim_expires_at = None
    delivery.last_error = why


def _put_back(session: Session, delivery_id: int, worker: str, until: datetime) -> int:
    """A row this worker claimed back to pending, due `until`, the attempt not counted."""
    return session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.claimed_by == worker,
            Delivery.status == DeliveryStatus.SENDING,
        )
        .values(
            status=DeliveryStatus.PENDING,
            due_at=until,
            claim_expires_at=None,
            attempts=case((Delivery.attempts > 0, Delivery.attempts - 1), else_=0),
        )
        .execution_options(synchronize_session=False)
    ).rowcount


def postpone(sessions: Sessions, delivery_id: int, worker: str, until: datetime) -> bool:
    """A claimed row whose Slack call must wait for its turn (rate limits): back to pending,
    due then, the attempt not counted. False if the row is not ours any more."""
    with sessions.begin() as session:
        return bool(_put_back(session, delivery_id, worker, until))


def wait_for_reads(
    sessions: Sessions,
    worker: str,
    claimed: dict[int, datetime],
    owners: dict[tuple[str, str], datetime],
) -> int:
    """Rows that must wait until their owner's Slack status can be read (rate limits), in one
    transaction: the claimed ones back to pending, due then (the attempt not counted), and
    the owners' other heads-ups and nudges due before then wait with them, so the claim does
    not pick them up one by one meanwhile. Returns how many claimed rows were put back."""
    put_back = 0
    with sessions.begin() as session:
        for delivery_id, until in claimed.items():
            put_back += _put_back(session, delivery_id, worker, until)
        if owners:  # one statement, executed for each owner (executemany)
            table = Delivery.__table__
            session.connection().execute(
                update(table)
                .where(
                    table.c.team_id == bindparam("b_team"),
                    table.c.status == DeliveryStatus.PENDING,
                    # (no IN list: expanding parameters can't be used with executemany)
                    or_(table.c.step == Step.HEADS_UP, table.c.step == Step.NUDGE),
                    table.c.due_at < bindparam("b_until"),
                    table.c.promise_id.in_(
                        select(Promise.id).where(
                            Promise.team_id == bindparam("b_team"),
                            Promise.owner_id == bindparam("b_owner"),
                        )
                    ),
                )
                .values(due_at=bindparam("b_until")),
                [
                    {"b_team": team_id, "b_owner": owner_id, "b_until": until}
                    for (team_id, owner_id), until in owners.items()
                ],
            )
    return put_back
