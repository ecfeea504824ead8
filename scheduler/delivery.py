"""One scheduler pass: claim what is due, send it, record it. The database is the truth.

Exactly once, step by step:
1. *Claim* — in one short transaction, due rows (`pending`, or `sending` whose lease ran out)
   are marked `sending` by this worker with a lease (`due_at` = now + lease). On PostgreSQL
   the rows are selected `FOR UPDATE SKIP LOCKED`, so several bot processes never claim the
   same row. Batches are small, so rows do not sit claimed in a queue for long.
2. *Decide* — first the claim is renewed (a fresh lease from now, only if this worker still
   holds an unexpired claim), so the lease covers the send that follows. A closed or extended
   promise skips the row; a heads-up whose deadline has passed is skipped (the nudge says it);
   quiet hours defer it to the next working start; an escalation waits while its nudge is
   still due (a nudge skipped or failed for good does not hold it back). Within a batch,
   nudges go out before escalations.
3. *Send* — one `chat.postMessage` carrying message metadata with the delivery key.
4. *Record* — `sent` with the channel and ts, only if this worker still holds the claim.
   A failure goes back to `pending` with back-off (HTTP 429: after its Retry-After); an
   answer that may have reached Slack (timeout, 5xx) waits at least one lease, so a slow
   request can land before the channel is checked. Refusals that cannot succeed
   (`channel_not_found`, ...) are marked `failed` after a few attempts.

A row reclaimed after a crash or a timeout (`uncertain`) is first looked up in the channel
by its metadata key; if Slack already has it, it is recorded as sent instead of sent again.
The claim is renewed once more after that look-up, right before posting.

No supervisor and no escalation channel: the escalation goes to the admins (Slack admins
known to Kept, and `KEPT_ADMINS` by user id or e-mail) and the owner is told that nobody
above them could be reached.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import bindparam, case, or_, select, text, update
from sqlalchemy.orm import Session

from bot.people.profiles import get_person
from bot.runtime import Runtime
from bot.slack import messages as blocks
from bot.store.models import (
    ChannelSetting,
    Delivery,
    DeliveryStatus,
    Person,
    Promise,
    PromiseEvent,
    Status,
    Step,
)
from bot.workspaces.service import paused_teams
from scheduler.plan import Decision, Target, decide

log = logging.getLogger("kept.scheduler")

MAX_BACKOFF = timedelta(minutes=15)
METADATA_EVENT = "kept_delivery"
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "user_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "user_disabled",
        "cannot_dm_bot",
        "restricted_action",
        "msg_too_long",
        "invalid_blocks",
        "no_text",
    }
)
MAX_PERMANENT_ATTEMPTS = 5

# Written out as the partial index's own predicate (ix_deliveries_due), not with bound
# parameters: SQLite uses a partial index only when the query repeats its condition literally.
DUE = text("status IN ('pending', 'sending')")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class PassResult:
    claimed: int = 0
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    skipped: int = 0
    recovered: int = 0
    errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, outcome: str) -> None:
        with self._lock:  # called from the sender threads
            setattr(self, outcome, getattr(self, outcome) + 1)

    def note_error(self, error: str) -> None:
        with self._lock:
            self.errors.append(error)


@dataclass
class Outgoing:
    """A claimed delivery, ready to send outside any transaction."""

    delivery_id: int
    key: str
    target: Target
    message: dict[str, Any]
    uncertain: bool
    since: datetime
    expires_at: datetime  # the claim's lease: renewed before sending if it runs short

    @classmethod
    def of(
        cls, delivery: Delivery, target: Target, message: dict[str, Any], *, expires_at: datetime
    ) -> Outgoing:
        return cls(
            delivery_id=delivery.id,
            key=delivery.key,
            target=target,
            message=message,
            uncertain=delivery.uncertain,
            since=delivery.created_at,
            expires_at=expires_at,
        )


def claim(
    session: Session, *, now: datetime, worker: str, limit: int, lease: timedelta
) -> list[tuple[int, str]]:
    """Claim up to `limit` due rows for `worker`; returns their (id, step), oldest first."""
    query = (
        select(Delivery.id, Delivery.step)
        .where(DUE, Delivery.due_at <= now)
        # a workspace that uninstalled Kept keeps its rows pending until it is back
        .where(Delivery.team_id.not_in(paused_teams()))
        .order_by(Delivery.due_at, Delivery.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = [(row[0], row[1]) for row in session.execute(query)]
    ids = [row[0] for row in rows]
    if ids:
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids))
            .values(
                uncertain=case(
                    (Delivery.status == DeliveryStatus.SENDING.value, True),
                    else_=Delivery.uncertain,
                ),
                status=DeliveryStatus.SENDING.value,
                claimed_by=worker,
                claim_expires_at=now + lease,
                due_at=now + lease,
                attempts=Delivery.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
    return rows


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
                Delivery.status == DeliveryStatus.SENDING.value,
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


def _admins(session: Session, runtime: Runtime, team_id: str) -> list[str]:
    """Slack admins Kept knows of, and KEPT_ADMINS (user ids, or e-mails of known people)."""
    listed = runtime.settings.admins
    from_settings = {a for a in listed if a[:1] in {"U", "W"} and "@" not in a}
    emails = [a for a in listed if "@" in a]
    flagged = set(
        session.scalars(
            select(Person.user_id).where(
                Person.team_id == team_id,
                Person.is_deleted.is_(False),
                or_(Person.is_admin.is_(True), Person.email.in_(emails))
                if emails
                else Person.is_admin.is_(True),
            )
        )
    )
    return sorted(from_settings | flagged)


def _escalation_channel(session: Session, promise: Promise) -> str | None:
    if not promise.source_channel_id:
        return None
    setting = session.get(ChannelSetting, (promise.team_id, promise.source_channel_id))
    return setting.escalation_channel_id if setting is not None else None


def _person_target(
    session: Session, runtime: Runtime, team_id: str, user_id: str, now: datetime
) -> Target | None:
    person = get_person(session, team_id, user_id, fetch=runtime.fetch_user, now=now)
    if person is not None and person.is_deleted:
        return None
    return Target(channel=user_id, tz=(person.tz if person is not None else None) or "UTC")


def _add_sibling(
    session: Session,
    parent: Delivery,
    step: Step,
    recipient: str | None,
    now: datetime,
    suffix: str,
) -> None:
    key = f"{parent.key}:{suffix}"
    exists = session.scalar(
        select(Delivery.id).where(Delivery.team_id == parent.team_id, Delivery.key == key)
    )
    if exists is None:
        session.add(
            Delivery(
                team_id=parent.team_id,
                key=key,
                promise_id=parent.promise_id,
                step=step.value,
                deadline_version=parent.deadline_version,
                recipient_id=recipient,
                due_at=now,
                status=DeliveryStatus.PENDING.value,
                attempts=0,
                uncertain=False,
                created_at=now,
            )
        )


def _pending_nudge_due(session: Session, delivery: Delivery) -> datetime | None:
    """When the nudge for this delivery's deadline is due, if it has not gone out yet."""
    return session.scalar(
        select(Delivery.due_at).where(
            Delivery.promise_id == delivery.promise_id,
            Delivery.deadline_version == delivery.deadline_version,
            Delivery.step == Step.NUDGE.value,
            Delivery.status.in_([DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value]),
        )
    )


def _nudged_at(session: Session, delivery: Delivery) -> datetime | None:
    return session.scalar(
        select(Delivery.sent_at).where(
            Delivery.promise_id == delivery.promise_id,
            Delivery.deadline_version == delivery.deadline_version,
            Delivery.step == Step.NUDGE.value,
            Delivery.status == DeliveryStatus.SENT.value,
        )
    )


def _prepare_digest(
    session: Session, runtime: Runtime, delivery: Delivery, now: datetime, result: PassResult
) -> Outgoing | None:
    from bot.reports.digest import build_digest

    target = _person_target(session, runtime, delivery.team_id, delivery.recipient_id or "", now)
    decision = decide(
        delivery,
        None,
        target,
        now=now,
        respect_working_hours=runtime.settings.respect_working_hours,
    )
    if decision.action != "send" or decision.target is None:
        _settle(delivery, decision, now, result)
        return None
    digest = build_digest(
        session,
        delivery.team_id,
        delivery.recipient_id or "",
        tz=decision.target.tz or "UTC",
        now=now,
    )
    return Outgoing.of(
        delivery,
        decision.target,
        blocks.digest_message(digest),
        expires_at=now + runtime.settings.claim_lease,
    )


def _hand_over_if_gone(session: Session, promise: Promise, now: datetime) -> bool:
    """The owner was deactivated in Slack: their open promises go to their supervisor (the
    first active one up the chain), who is told once by DM. True if this promise moved."""
    from bot.people.directory import reassign_deactivated

    gone = promise.owner_id
    person = session.get(Person, (promise.team_id, gone))
    if person is None or not person.is_deleted:
        return False
    moved = reassign_deactivated(session, promise.team_id, gone, now)
    if not moved:
        return False
    new_owner = moved[0].owner_id
    session.add(
        Delivery(
            team_id=promise.team_id,
            key=f"handover:{gone}:{new_owner}:{now:%Y%m%dT%H%M%S}",
            promise_id=None,
            step=Step.HANDOVER.value,
            deadline_version=0,
            recipient_id=f"{new_owner}|{gone}",
            due_at=now,
            status=DeliveryStatus.PENDING.value,
            attempts=0,
            uncertain=False,
            created_at=now,
        )
    )
    session.refresh(promise)
    return True


def _prepare_handover(
    session: Session, runtime: Runtime, delivery: Delivery, now: datetime, result: PassResult
) -> Outgoing | None:
    """The DM to the supervisor who took over a deactivated person's promises."""
    from bot.people.directory import SYSTEM_ACTOR

    new_owner, _, gone = (delivery.recipient_id or "").partition("|")
    target = _person_target(session, runtime, delivery.team_id, new_owner, now)
    decision = decide(
        delivery,
        None,
        target,
        now=now,
        respect_working_hours=runtime.settings.respect_working_hours,
    )
    if decision.action != "send" or decision.target is None:
        _settle(delivery, decision, now, result)
        return None
    moved = [
        p
        for p, e in session.execute(
            select(Promise, PromiseEvent)
            .join(PromiseEvent, PromiseEvent.promise_id == Promise.id)
            .where(
                Promise.team_id == delivery.team_id,
                Promise.owner_id == new_owner,
                Promise.status == Status.OPEN.value,
                PromiseEvent.kind == "handed_off",
                PromiseEvent.actor_id == SYSTEM_ACTOR,
            )
        ).all()
        if (e.detail or {}).get("old_owner") == gone
    ]
    if not moved:
        _settle(delivery, Decision("skip", why="nothing left to hand over"), now, result)
        return None
    message = blocks.deactivated_handover(
        gone, list(dict.fromkeys(moved)), decision.target.tz or "UTC", now
    )
    return Outgoing.of(
        delivery, decision.target, message, expires_at=now + runtime.settings.claim_lease
    )


def _fan_out(
    session: Session, runtime: Runtime, delivery: Delivery, promise: Promise, now: datetime
) -> Target | None:
    """Who gets an escalation. Creates sibling deliveries for the extra recipients."""
    supervisor = promise and session.scalar(
        select(Person.supervisor_id).where(
            Person.team_id == promise.team_id, Person.user_id == promise.owner_id
        )
    )
    channel = _escalation_channel(session, promise)
    target = None
    if supervisor:
        target = _person_target(session, runtime, promise.team_id, supervisor, now)
    if target is not None:
        if channel:
            _add_sibling(session, delivery, Step.ESCALATION_CHANNEL, channel, now, "channel")
        return target
    if channel:
        return Target(channel=channel, tz=None, is_person=False)
    for admin in _admins(session, runtime, promise.team_id):
        _add_sibling(session, delivery, Step.ESCALATION_ADMIN, admin, now, f"admin:{admin}")
    # SPEC §3: neither supervisor nor channel -> the admins, and the owner is told
    _add_sibling(session, delivery, Step.NOBODY_REACHED, promise.owner_id, now, "owner")
    return None


def _target(
    session: Session, runtime: Runtime, delivery: Delivery, promise: Promise, now: datetime
) -> Target | None:
    step = Step(delivery.step)
    if step is Step.UNDELIVERABLE:
        return _person_target(session, runtime, promise.team_id, promise.owner_id, now)
    if step in (Step.HEADS_UP, Step.NUDGE, Step.NOBODY_REACHED):
        target = _person_target(session, runtime, promise.team_id, promise.owner_id, now)
        if target is None and _hand_over_if_gone(session, promise, now):
            target = _person_target(session, runtime, promise.team_id, promise.owner_id, now)
        return target
    if step is Step.ESCALATION_CHANNEL:
        return Target(channel=delivery.recipient_id or "", tz=None, is_person=False)
    if step is Step.ESCALATION_ADMIN:
        return _person_target(session, runtime, promise.team_id, delivery.recipient_id or "", now)
    return _fan_out(session, runtime, delivery, promise, now)


def _message(
    session: Session, delivery: Delivery, promise: Promise, target: Target, now: datetime
) -> dict[str, Any]:
    tz = target.tz or "UTC"
    step = Step(delivery.step)
    if step is Step.HEADS_UP:
        return blocks.heads_up(promise, tz, now)
    if step is Step.NUDGE:
        return blocks.nudge(promise, tz, now)
    if step is Step.UNDELIVERABLE:
        return _undeliverable_message(session, delivery, promise)
    if step is Step.NOBODY_REACHED:
        escalation_key = delivery.key.rsplit(":", 1)[0]
        admins_told = (
            session.scalar(
                select(Delivery.id)
                .where(
                    Delivery.team_id == delivery.team_id,
                    Delivery.key.startswith(f"{escalation_key}:admin:"),
                )
                .limit(1)
            )
            is not None
        )
        return blocks.nobody_to_escalate_to(promise, admins_told=admins_told)
    return blocks.escalation(
        promise, tz, now, nudged_at=_nudged_at(session, delivery), to_channel=not target.is_person
    )


def _settle(delivery: Delivery, decision: Decision, now: datetime, result: PassResult) -> None:
    """Record a skip or a deferral of a claimed row."""
    delivery.claim_expires_at = None
    if decision.action == "skip":
        delivery.status = DeliveryStatus.SKIPPED.value
        delivery.last_error = decision.why
        result.add("skipped")
    else:
        delivery.status = DeliveryStatus.PENDING.value
        delivery.due_at = max(decision.until or now, now + timedelta(seconds=1))
        delivery.attempts = max(0, delivery.attempts - 1)
        result.add("deferred")


def prepare(
    session: Session, runtime: Runtime, delivery: Delivery, result: PassResult, now: datetime
) -> Outgoing | None:
    """Decide what to do with one claimed (and just renewed) row; returns what to send."""
    lease = runtime.settings.claim_lease
    promise = session.get(Promise, delivery.promise_id) if delivery.promise_id else None
    decision: Decision
    if delivery.step == Step.DIGEST.value:
        return _prepare_digest(session, runtime, delivery, now, result)
    if delivery.step == Step.HANDOVER.value:
        return _prepare_handover(session, runtime, delivery, now, result)
    if (
        promise is None
        or not promise.is_open
        or delivery.deadline_version != promise.deadline_version
        or (delivery.step == Step.HEADS_UP.value and now >= promise.deadline)
    ):
        # no longer needed: decide says why without looking anyone up
        decision = decide(delivery, promise, None, now=now, respect_working_hours=False)
    else:
        pending = (
            _pending_nudge_due(session, delivery)
            if delivery.step == Step.ESCALATION.value
            else None
        )
        target = _target(session, runtime, delivery, promise, now) if pending is None else None
        if pending is None and target is None and delivery.step == Step.ESCALATION.value:
            # fanned out to siblings (admins, and the owner told nobody was reached)
            delivery.status = DeliveryStatus.SENT.value
            delivery.sent_at = now
            delivery.claim_expires_at = None
            delivery.last_error = "fanned out: no supervisor or escalation channel"
            result.add("sent")
            return None
        decision = decide(
            delivery,
            promise,
            target,
            now=now,
            nudge_pending_until=pending,
            respect_working_hours=runtime.settings.respect_working_hours,
        )
    if decision.action != "send":
        _settle(delivery, decision, now, result)
        return None
    assert decision.target is not None and promise is not None
    delivery.recipient_id = decision.target.channel
    return Outgoing.of(
        delivery,
        decision.target,
        _message(session, delivery, promise, decision.target, now),
        expires_at=now + lease,
    )


def prepare_wave(
    runtime: Runtime, ids: list[int], worker: str, result: PassResult
) -> list[Outgoing]:
    """Prepare claimed rows in one transaction (each row in its own savepoint, so one bad
    row leaves the others alone; it stays claimed and is retried when its lease runs out)."""
    _warm_recipients(runtime, ids)
    ready: list[Outgoing] = []
    with runtime.sessions.begin() as session:
        now = runtime.now()
        ours = renew_many(session, ids, worker, now, runtime.settings.claim_lease)
        # load the rows, their promises and the owners at once: later gets hit the session
        deliveries = {
            d.id: d for d in session.scalars(select(Delivery).where(Delivery.id.in_(ours)))
        }
        promises = list(
            session.scalars(
                select(Promise).where(
                    Promise.id.in_({d.promise_id for d in deliveries.values() if d.promise_id})
                )
            )
        )
        for team_id in {p.team_id for p in promises}:
            list(
                session.scalars(
                    select(Person).where(
                        Person.team_id == team_id,
                        Person.user_id.in_({p.owner_id for p in promises if p.team_id == team_id}),
                    )
                )
            )
        for delivery_id in ids:
            delivery = deliveries.get(delivery_id)
            if delivery is None:
                continue  # the claim ran out while queued, or another worker holds it
            try:
                with session.begin_nested():
                    outgoing = prepare(session, runtime, delivery, result, now)
            except Exception as error:  # noqa: BLE001 - one bad row must not stop the rest
                log.exception("preparing delivery %s failed", delivery_id)
                result.note_error(f"{delivery_id}: {type(error).__name__}")
                continue
            if outgoing is not None:
                ready.append(outgoing)
    return ready


def _warm_recipients(runtime: Runtime, ids: list[int]) -> None:
    """Fetch stale profiles of the owners and supervisors involved before the transaction,
    so no database lock is held while Slack answers users.info."""
    with runtime.readers() as session:
        pairs = session.execute(
            select(Promise.team_id, Promise.owner_id, Person.supervisor_id)
            .join(Delivery, Delivery.promise_id == Promise.id)
            .outerjoin(
                Person, (Person.team_id == Promise.team_id) & (Person.user_id == Promise.owner_id)
            )
            .where(Delivery.id.in_(ids))
        ).all()
    people = {(team, user) for team, owner, lead in pairs for user in (owner, lead) if user}
    for team_id, user_id in sorted(people):
        runtime.warm_person(team_id, user_id)


def find_posted(
    client: WebClient, channel: str, key: str, since: datetime
) -> tuple[str, str] | None:
    """Look for a message Kept already posted for `key` (by its metadata)."""
    if channel[:1] in {"U", "W"}:
        opened = client.conversations_open(users=channel)
        channel = opened["channel"]["id"]
    cursor = None
    for _page in range(5):
        response = client.conversations_history(
            channel=channel,
            oldest=f"{since.timestamp() - 60:.6f}",
            include_all_metadata=True,
            limit=200,
            cursor=cursor,
        )
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and (metadata.get("event_payload") or {}).get("key") == key
            ):
                return channel, message["ts"]
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return None


# ---------------------------------------------------------------- recipients who can't receive
# SPEC §3: a recipient who can't receive (a bot, a deactivated or unknown user, a deleted
# channel) is refused when set; if one fails at delivery time anyway, the message falls back
# along escalation channel -> admins, and the owner is told.

# Slack's answers that say who the recipient is (a bot, deactivated): fall back at once
CANT_RECEIVE = frozenset({"cannot_dm_bot", "user_disabled", "account_inactive"})
# Slack's answers that mean this recipient can't receive it: fall back once retries ran out
RECIPIENT_ERRORS = frozenset(
    {
        "cannot_dm_bot",
        "user_disabled",
        "account_inactive",
        "user_not_found",
        "channel_not_found",
        "is_archived",
        "not_in_channel",
    }
)
# steps that fall back, and how the owner hears of it
FALLS_BACK = {  # (a heads-up that can't be delivered is dropped: its nudge falls back)
    Step.NUDGE: "reminder",
    Step.ESCALATION: "escalation",
    Step.ESCALATION_CHANNEL: "escalation",
}
FALLBACK = "fallback"


def fall_back(session: Session, runtime: Runtime, failed: Delivery, now: datetime) -> list[str]:
    """Send what `failed` carried elsewhere: to the escalation channel (unless that is what
    failed, or it already has it), else to the admins; and tell the owner, unless the owner is
    who could not be reached. Returns the new recipients. Idempotent (keys are derived)."""
    step = Step(failed.step)
    if step not in FALLS_BACK or failed.promise_id is None:
        return []
    promise = session.get(Promise, failed.promise_id)
    if (
        promise is None
        or not promise.is_open
        or failed.deadline_version != promise.deadline_version
    ):
        return []
    root = failed.key.split(f":{FALLBACK}:")[0]
    channel = _escalation_channel(session, promise)
    went_to: list[str] = []
    if channel is not None and channel != failed.recipient_id:
        already = session.scalar(
            select(Delivery.id).where(
                Delivery.team_id == failed.team_id,
                Delivery.key.in_([f"{root}:channel", f"{root}:{FALLBACK}:channel"]),
            )
        )
        if already is None:
            _add_sibling(
                session, failed, Step.ESCALATION_CHANNEL, channel, now, f"{FALLBACK}:channel"
            )
        went_to.append(channel)
    else:
        for admin in _admins(session, runtime, promise.team_id):
            if admin in {failed.recipient_id, promise.owner_id}:
                continue
            _add_sibling(
                session, failed, Step.ESCALATION_ADMIN, admin, now, f"{FALLBACK}:admin:{admin}"
            )
            went_to.append(admin)
    if failed.recipient_id != promise.owner_id:
        _add_sibling(
            session, failed, Step.UNDELIVERABLE, promise.owner_id, now, f"{FALLBACK}:owner"
        )
    return went_to


def _undeliverable_message(
    session: Session, delivery: Delivery, promise: Promise
) -> dict[str, Any]:
    """The owner's note: which step could not reach whom, and where it went instead."""
    failed_key = delivery.key.removesuffix(f":{FALLBACK}:owner")
    failed = session.scalar(
        select(Delivery).where(Delivery.team_id == delivery.team_id, Delivery.key == failed_key)
    )
    root = failed_key.split(f":{FALLBACK}:")[0]
    went_to = list(
        session.scalars(
            select(Delivery.recipient_id).where(
                Delivery.team_id == delivery.team_id,
                or_(
                    Delivery.key.startswith(f"{failed_key}:{FALLBACK}:"),
                    Delivery.key == f"{root}:channel",
                ),
                Delivery.key != failed_key,
                Delivery.step.in_([Step.ESCALATION_CHANNEL.value, Step.ESCALATION_ADMIN.value]),
            )
        )
    )
    step = Step(failed.step) if failed is not None else Step.ESCALATION
    error = ((failed.last_error if failed is not None else "") or "").removeprefix("slack: ")
    recipient = (failed.recipient_id if failed is not None else None) or "?"
    return blocks.undeliverable(
        promise, FALLS_BACK.get(step, "reminder"), recipient, error, [r for r in went_to if r]
    )


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=5 * 2 ** max(0, attempts - 1)), MAX_BACKOFF)


def finish_wave(runtime: Runtime, worker: str, sent: list[tuple[Outgoing, str, str]]) -> int:
    """Record sent messages in one transaction; only rows this worker still holds change."""
    if not sent:
        return 0
    table = Delivery.__table__
    statement = (  # Core executemany: one UPDATE statement for all of them
        update(table)
        .where(
            table.c.id == bindparam("b_id"),
            table.c.claimed_by == worker,
            table.c.status == DeliveryStatus.SENDING.value,
        )
        .values(
            status=DeliveryStatus.SENT.value,
            sent_at=bindparam("b_at"),
            channel_id=bindparam("b_channel"),
            message_ts=bindparam("b_ts"),
            last_error=None,
            uncertain=False,
            claim_expires_at=None,
        )
    )
    now = runtime.now()
    with runtime.sessions.begin() as session:
        done = (
            session.connection()
            .execute(
                statement,
                [
                    {"b_id": o.delivery_id, "b_at": now, "b_channel": channel, "b_ts": ts}
                    for o, channel, ts in sent
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


def _fail(
    runtime: Runtime,
    outgoing: Outgoing,
    worker: str,
    now: datetime,
    error: str,
    *,
    retry_after: float | None,
    uncertain: bool,
    permanent: bool,
) -> None:
    with runtime.sessions.begin() as session:
        delivery = session.get(Delivery, outgoing.delivery_id)
        if (
            delivery is None
            or delivery.claimed_by != worker
            or delivery.status != DeliveryStatus.SENDING.value
        ):
            return
        delivery.last_error = error[:500]
        delivery.uncertain = delivery.uncertain or uncertain
        code = error.removeprefix("slack: ")
        if code in CANT_RECEIVE or (
            code in RECIPIENT_ERRORS and delivery.attempts >= MAX_PERMANENT_ATTEMPTS
        ):
            # this recipient can't receive it: fall back (SPEC §3)
            delivery.status = DeliveryStatus.FAILED.value
            delivery.claim_expires_at = None
            log.warning("%s can't reach %s (%s)", delivery.key, delivery.recipient_id, code)
            fall_back(session, runtime, delivery, now)
            return
        if permanent and delivery.attempts >= MAX_PERMANENT_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED.value
            log.error(
                "giving up on %s after %s attempts: %s", delivery.key, delivery.attempts, error
            )
            return
        wait = timedelta(seconds=retry_after) if retry_after else _backoff(delivery.attempts)
        if uncertain:
            # the message may still land in Slack: look for it only once that had time
            wait = max(wait, runtime.settings.claim_lease)
        delivery.status = DeliveryStatus.PENDING.value
        delivery.due_at = now + wait
        delivery.claim_expires_at = None


def _still_ours(runtime: Runtime, outgoing: Outgoing, worker: str) -> bool:
    """Renew the claim if less than a Slack timeout (with margin) of it is left."""
    now = runtime.now()
    if outgoing.expires_at - now > timedelta(seconds=2 * runtime.settings.slack_timeout):
        return True
    with runtime.sessions.begin() as session:
        if not renew(session, outgoing.delivery_id, worker, now, runtime.settings.claim_lease):
            return False
    outgoing.expires_at = now + runtime.settings.claim_lease
    return True


def send(
    runtime: Runtime, outgoing: Outgoing, worker: str
) -> tuple[str | None, tuple[str, str] | None]:
    """Send one message. Returns (outcome for PassResult, (channel, ts) to record as sent);
    outcome None: the row is not ours any more."""
    client = runtime.sender
    if outgoing.uncertain:
        try:
            found = find_posted(client, outgoing.target.channel, outgoing.key, outgoing.since)
        except Exception as error:  # noqa: BLE001 - can't check: sending again is the lesser evil
            log.warning(
                "could not check whether %s was already sent (%s); sending", outgoing.key, error
            )
            found = None
        if found is not None:
            return "recovered", found
    if not _still_ours(runtime, outgoing, worker):
        return None, None  # the claim ran out: whoever holds it now sends
    try:
        response = client.chat_postMessage(
            channel=outgoing.target.channel,
            text=outgoing.message.get("text", ""),
            blocks=outgoing.message.get("blocks"),
            unfurl_links=False,
            metadata={"event_type": METADATA_EVENT, "event_payload": {"key": outgoing.key}},
        )
    except SlackApiError as error:
        code = str(error.response.get("error") or error.response.status_code)
        retry_after = None
        if error.response.status_code == 429:
            retry_after = float(error.response.headers.get("Retry-After", "1") or 1)
        _fail(
            runtime,
            outgoing,
            worker,
            runtime.now(),
            f"slack: {code}",
            retry_after=retry_after,
            uncertain=error.response.status_code >= 500,
            permanent=code in PERMANENT_ERRORS,
        )
        return "failed", None
    except Exception as error:  # noqa: BLE001 - timeouts, connection resets: maybe delivered
        _fail(
            runtime,
            outgoing,
            worker,
            runtime.now(),
            f"{type(error).__name__}: {error}",
            retry_after=None,
            uncertain=True,
            permanent=False,
        )
        return "failed", None
    return "sent", (str(response.get("channel")), str(response.get("ts")))


def run_pass(
    runtime: Runtime,
    *,
    worker: str | None = None,
    batch: int = 32,
    threads: int = 8,
    max_batches: int = 1000,
) -> PassResult:
    """Claim and deliver everything due now, in batches, until nothing is due.

    Each batch: claim (one transaction), prepare (one transaction), send in parallel (no
    transaction open), record what Slack accepted (one transaction). Nudges go before
    escalations, so a due escalation finds its nudge sent.
    """
    worker = worker or worker_name()
    result = PassResult()

    def deliver(outgoing: Outgoing) -> tuple[Outgoing, str | None, tuple[str, str] | None]:
        try:
            return (outgoing, *send(runtime, outgoing, worker))
        except Exception as error:  # noqa: BLE001 - one bad row must not stop the rest
            log.exception("delivery %s failed", outgoing.key)
            result.note_error(f"{outgoing.delivery_id}: {type(error).__name__}")
            return outgoing, None, None

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="kept-send") as pool:
        for _ in range(max_batches):
            with runtime.sessions.begin() as session:
                claimed = claim(
                    session,
                    now=runtime.now(),
                    worker=worker,
                    limit=batch,
                    lease=runtime.settings.claim_lease,
                )
            if not claimed:
                break
            result.claimed += len(claimed)
            first = [i for i, step in claimed if step != Step.ESCALATION.value]
            later = [i for i, step in claimed if step == Step.ESCALATION.value]
            for wave in (first, later):
                if not wave:
                    continue
                ready = prepare_wave(runtime, wave, worker, result)
                posted: list[tuple[Outgoing, str, str]] = []
                for outgoing, outcome, where in pool.map(deliver, ready):
                    if outcome is not None:
                        result.add(outcome)
                    if where is not None:
                        posted.append((outgoing, *where))
                finish_wave(runtime, worker, posted)
    return result


def plan_weekly_digests(runtime: Runtime) -> int:
    """Plan this week's digest for every supervisor, unless KEPT_DIGEST=off."""
    schedule = runtime.settings.digest
    if schedule is None:
        return 0
    from bot.reports.digest import plan_digests, supervisors_without_zone

    with runtime.readers() as session:
        unknown = supervisors_without_zone(session)
    for team_id, supervisor_id in unknown:  # the digest is due in *their* morning
        runtime.warm_person(team_id, supervisor_id)
    with runtime.sessions.begin() as session:
        return plan_digests(session, runtime.now(), schedule)


def refresh_reminders(runtime: Runtime, team_id: str, promise_ids: Iterable[int]) -> int:
    """Rewrite the reminders already sent for these promises so nobody acts on a stale one."""
    updated = 0
    with runtime.readers() as session:
        rows = list(
            session.execute(
                select(Delivery, Promise)
                .join(Promise, Promise.id == Delivery.promise_id)
                .where(
                    Delivery.team_id == team_id,
                    Delivery.promise_id.in_(list(promise_ids)),
                    Delivery.status == DeliveryStatus.SENT.value,
                    Delivery.message_ts.is_not(None),
                )
            ).all()
        )
        tz_of = {
            p.user_id: p.tz
            for p in session.scalars(
                select(Person).where(
                    Person.team_id == team_id,
                    Person.user_id.in_({d.recipient_id for d, _ in rows if d.recipient_id}),
                )
            )
        }
    for delivery, promise in rows:
        message = blocks.settled(promise, tz_of.get(delivery.recipient_id or "") or "UTC", "")
        try:
            runtime.client.chat_update(
                channel=delivery.channel_id or "",
                ts=delivery.message_ts or "",
                text=message["text"],
                blocks=message["blocks"],
            )
            updated += 1
        except Exception as error:  # noqa: BLE001 - best effort: the outcome is in the DB
            log.warning("could not update reminder %s: %s", delivery.key, error)
    return updated
