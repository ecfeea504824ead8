"""One scheduler pass: claim what is due, send it, record it. The database is the truth.

Exactly once, step by step:
1. *Claim* — in one short transaction, due rows (`pending`, or `sending` whose lease ran out)
   are marked `sending` by this worker with a lease (`due_at` = now + lease). On PostgreSQL
   the rows are selected `FOR UPDATE SKIP LOCKED`, so several bot processes never claim the
   same row.
2. *Decide* — a closed or extended promise skips the row; quiet hours defer it to the next
   working start; an escalation waits for its nudge.
3. *Send* — one `chat.postMessage` carrying message metadata with the delivery key.
4. *Record* — `sent` with the channel and ts, only if this worker still holds the claim.
   A failure goes back to `pending` with back-off (HTTP 429: after its Retry-After).

A row reclaimed after a crash or a timeout (`uncertain`) is first looked up in the channel
by its metadata key; if Slack already has it, it is recorded as sent instead of sent again.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from bot import blocks
from bot.models import ChannelSetting, Delivery, DeliveryStatus, Person, Promise, Step
from bot.people import get_person
from bot.runtime import Runtime
from scheduler.plan import Decision, Target, decide

log = logging.getLogger("kept.scheduler")

MAX_BACKOFF = timedelta(minutes=15)
METADATA_EVENT = "kept_delivery"
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "user_not_found", "not_in_channel", "is_archived",
    "account_inactive", "user_disabled", "cannot_dm_bot", "restricted_action",
    "msg_too_long", "invalid_blocks", "no_text",
})
MAX_PERMANENT_ATTEMPTS = 5

DUE = (Delivery.status.in_([DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value]))


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

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class Outgoing:
    """A claimed delivery, ready to send outside any transaction."""

    delivery_id: int
    key: str
    target: Target
    message: dict[str, Any]
    uncertain: bool
    since: datetime


def claim(session: Session, *, now: datetime, worker: str, limit: int,
          lease: timedelta) -> list[int]:
    query = (select(Delivery.id).where(DUE, Delivery.due_at <= now)
             .order_by(Delivery.due_at).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query))
    if ids:
        session.execute(
            update(Delivery).where(Delivery.id.in_(ids)).values(
                uncertain=case((Delivery.status == DeliveryStatus.SENDING.value, True),
                               else_=Delivery.uncertain),
                status=DeliveryStatus.SENDING.value, claimed_by=worker,
                claim_expires_at=now + lease, due_at=now + lease,
                attempts=Delivery.attempts + 1,
            ).execution_options(synchronize_session=False)
        )
    return ids


def _admins(session: Session, runtime: Runtime, team_id: str) -> list[str]:
    from_settings = {a for a in runtime.settings.admins if a[:1] in {"U", "W"}}
    flagged = set(session.scalars(select(Person.user_id).where(
        Person.team_id == team_id, Person.is_admin.is_(True), Person.is_deleted.is_(False))))
    return sorted(from_settings | flagged)


def _escalation_channel(session: Session, promise: Promise) -> str | None:
    if not promise.source_channel_id:
        return None
    setting = session.get(ChannelSetting, (promise.team_id, promise.source_channel_id))
    return setting.escalation_channel_id if setting is not None else None


def _person_target(session: Session, runtime: Runtime, team_id: str, user_id: str,
                   now: datetime) -> Target | None:
    person = get_person(session, team_id, user_id, fetch=runtime.fetch_user, now=now)
    if person is not None and person.is_deleted:
        return None
    return Target(channel=user_id, tz=(person.tz if person is not None else None) or "UTC")


def _add_sibling(session: Session, parent: Delivery, step: Step, recipient: str | None,
                 now: datetime, suffix: str) -> None:
    key = f"{parent.key}:{suffix}"
    exists = session.scalar(select(Delivery.id).where(Delivery.team_id == parent.team_id,
                                                      Delivery.key == key))
    if exists is None:
        session.add(Delivery(team_id=parent.team_id, key=key, promise_id=parent.promise_id,
                             step=step.value, deadline_version=parent.deadline_version,
                             recipient_id=recipient, due_at=now,
                             status=DeliveryStatus.PENDING.value, attempts=0, uncertain=False,
                             created_at=now))


def _nudged_at(session: Session, delivery: Delivery) -> datetime | None:
    return session.scalar(select(Delivery.sent_at).where(
        Delivery.promise_id == delivery.promise_id,
        Delivery.deadline_version == delivery.deadline_version,
        Delivery.step == Step.NUDGE.value, Delivery.status == DeliveryStatus.SENT.value))


def _fan_out(session: Session, runtime: Runtime, delivery: Delivery, promise: Promise,
             now: datetime) -> Target | None:
    """Who gets an escalation. Creates sibling deliveries for the extra recipients."""
    supervisor = promise and session.scalar(select(Person.supervisor_id).where(
        Person.team_id == promise.team_id, Person.user_id == promise.owner_id))
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
    admins = _admins(session, runtime, promise.team_id)
    for admin in admins:
        _add_sibling(session, delivery, Step.ESCALATION_ADMIN, admin, now, f"admin:{admin}")
    if not admins:
        _add_sibling(session, delivery, Step.NOBODY_REACHED, promise.owner_id, now, "owner")
    return None


def _target(session: Session, runtime: Runtime, delivery: Delivery, promise: Promise,
            now: datetime) -> Target | None:
    step = Step(delivery.step)
    if step in (Step.HEADS_UP, Step.NUDGE, Step.NOBODY_REACHED):
        return _person_target(session, runtime, promise.team_id, promise.owner_id, now)
    if step is Step.ESCALATION_CHANNEL:
        return Target(channel=delivery.recipient_id or "", tz=None, is_person=False)
    if step is Step.ESCALATION_ADMIN:
        return _person_target(session, runtime, promise.team_id, delivery.recipient_id or "", now)
    return _fan_out(session, runtime, delivery, promise, now)


def _message(session: Session, delivery: Delivery, promise: Promise, target: Target,
             now: datetime) -> dict[str, Any]:
    tz = target.tz or "UTC"
    step = Step(delivery.step)
    if step is Step.HEADS_UP:
        return blocks.heads_up(promise, tz, now)
    if step is Step.NUDGE:
        return blocks.nudge(promise, tz, now)
    if step is Step.NOBODY_REACHED:
        return blocks.nobody_to_escalate_to(promise)
    return blocks.escalation(promise, tz, now, nudged_at=_nudged_at(session, delivery),
                             to_channel=not target.is_person)


def prepare(runtime: Runtime, delivery_id: int, worker: str, now: datetime,
            result: PassResult) -> Outgoing | None:
    """Decide what to do with one claimed row; returns what to send, if anything."""
    with runtime.sessions.begin() as session:
        delivery = session.get(Delivery, delivery_id)
        if (delivery is None or delivery.status != DeliveryStatus.SENDING.value
                or delivery.claimed_by != worker):
            return None
        promise = session.get(Promise, delivery.promise_id) if delivery.promise_id else None
        nudge_sent = (delivery.step != Step.ESCALATION.value
                      or _nudged_at(session, delivery) is not None)
        decision: Decision
        if promise is None or not promise.is_open or (
                delivery.deadline_version != promise.deadline_version):
            decision = decide(delivery, promise, None, now=now, nudge_sent=nudge_sent,
                              respect_working_hours=False)
        elif not nudge_sent:
            decision = decide(delivery, promise, None, now=now, nudge_sent=False,
                              respect_working_hours=False)
        else:
            target = _target(session, runtime, delivery, promise, now)
            decision = decide(delivery, promise, target, now=now, nudge_sent=True,
                              respect_working_hours=runtime.settings.respect_working_hours)
            if target is None and delivery.step == Step.ESCALATION.value:
                # fanned out to siblings (admins, or the owner told nobody was reached)
                delivery.status = DeliveryStatus.SENT.value
                delivery.sent_at = now
                delivery.last_error = "fanned out: no supervisor or escalation channel"
                result.add("sent")
                return None
        if decision.action == "skip":
            delivery.status = DeliveryStatus.SKIPPED.value
            delivery.last_error = decision.why
            result.add("skipped")
            return None
        if decision.action == "defer":
            delivery.status = DeliveryStatus.PENDING.value
            delivery.due_at = decision.until or now
            delivery.attempts = max(0, delivery.attempts - 1)
            result.add("deferred")
            return None
        assert decision.target is not None and promise is not None
        delivery.recipient_id = decision.target.channel
        return Outgoing(delivery_id=delivery.id, key=delivery.key, target=decision.target,
                        message=_message(session, delivery, promise, decision.target, now),
                        uncertain=delivery.uncertain, since=delivery.created_at)


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
            channel=channel, oldest=f"{since.timestamp() - 60:.6f}", include_all_metadata=True,
            limit=200, cursor=cursor)
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            if (metadata.get("event_type") == METADATA_EVENT
                    and (metadata.get("event_payload") or {}).get("key") == key):
                return channel, message["ts"]
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return None


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=5 * 2 ** max(0, attempts - 1)), MAX_BACKOFF)


def _finish(runtime: Runtime, outgoing: Outgoing, worker: str, now: datetime,
            channel: str, ts: str) -> bool:
    with runtime.sessions.begin() as session:
        done = session.execute(
            update(Delivery)
            .where(Delivery.id == outgoing.delivery_id, Delivery.claimed_by == worker,
                   Delivery.status == DeliveryStatus.SENDING.value)
            .values(status=DeliveryStatus.SENT.value, sent_at=now, channel_id=channel,
                    message_ts=ts, last_error=None, uncertain=False, claim_expires_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not done:
            log.warning("delivery %s was reclaimed by another worker while sending",
                        outgoing.key)
    return bool(done)


def _fail(runtime: Runtime, outgoing: Outgoing, worker: str, now: datetime, error: str,
          *, retry_after: float | None, uncertain: bool, permanent: bool) -> None:
    with runtime.sessions.begin() as session:
        delivery = session.get(Delivery, outgoing.delivery_id)
        if delivery is None or delivery.claimed_by != worker:
            return
        delivery.last_error = error[:500]
        delivery.uncertain = delivery.uncertain or uncertain
        if permanent and delivery.attempts >= MAX_PERMANENT_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED.value
            log.error("giving up on %s after %s attempts: %s", delivery.key, delivery.attempts,
                      error)
            return
        wait = timedelta(seconds=retry_after) if retry_after else _backoff(delivery.attempts)
        delivery.status = DeliveryStatus.PENDING.value
        delivery.due_at = now + wait
        delivery.claim_expires_at = None


def send(runtime: Runtime, outgoing: Outgoing, worker: str) -> str:
    """Send one message; returns the outcome name for PassResult."""
    client = runtime.sender
    if outgoing.uncertain:
        try:
            found = find_posted(client, outgoing.target.channel, outgoing.key, outgoing.since)
        except Exception as error:  # noqa: BLE001 - can't check: sending again is the lesser evil
            log.warning("could not check whether %s was already sent (%s); sending",
                        outgoing.key, error)
            found = None
        if found is not None:
            _finish(runtime, outgoing, worker, runtime.now(), *found)
            return "recovered"
    try:
        response = client.chat_postMessage(
            channel=outgoing.target.channel, text=outgoing.message.get("text", ""),
            blocks=outgoing.message.get("blocks"), unfurl_links=False,
            metadata={"event_type": METADATA_EVENT, "event_payload": {"key": outgoing.key}},
        )
    except SlackApiError as error:
        code = str(error.response.get("error") or error.response.status_code)
        retry_after = None
        if error.response.status_code == 429:
            retry_after = float(error.response.headers.get("Retry-After", "1") or 1)
        _fail(runtime, outgoing, worker, runtime.now(), f"slack: {code}",
              retry_after=retry_after, uncertain=error.response.status_code >= 500,
              permanent=code in PERMANENT_ERRORS)
        return "failed"
    except Exception as error:  # noqa: BLE001 - timeouts, connection resets: maybe delivered
        _fail(runtime, outgoing, worker, runtime.now(), f"{type(error).__name__}: {error}",
              retry_after=None, uncertain=True, permanent=False)
        return "failed"
    _finish(runtime, outgoing, worker, runtime.now(), str(response.get("channel")),
            str(response.get("ts")))
    return "sent"


def run_pass(runtime: Runtime, *, worker: str | None = None, batch: int = 200,
             threads: int = 8, max_batches: int = 1000) -> PassResult:
    """Claim and deliver everything due now, in batches, until nothing is due."""
    worker = worker or worker_name()
    result = PassResult()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="kept-send") as pool:
        for _ in range(max_batches):
            now = runtime.now()
            with runtime.sessions.begin() as session:
                ids = claim(session, now=now, worker=worker, limit=batch,
                            lease=runtime.settings.claim_lease)
            if not ids:
                break
            result.claimed += len(ids)

            def handle(delivery_id: int, now: datetime = now) -> str | None:
                try:
                    outgoing = prepare(runtime, delivery_id, worker, now, result)
                    return send(runtime, outgoing, worker) if outgoing is not None else None
                except Exception as error:  # noqa: BLE001 - one bad row must not stop the rest
                    log.exception("delivery %s failed", delivery_id)
                    result.errors.append(f"{delivery_id}: {type(error).__name__}")
                    return None

            for outcome in pool.map(handle, ids):
                if outcome is not None:
                    result.add(outcome)
            if len(ids) < batch:
                break
    return result


def refresh_reminders(runtime: Runtime, team_id: str, promise_ids: Iterable[int]) -> int:
    """Rewrite the reminders already sent for these promises so nobody acts on a stale one."""
    updated = 0
    with runtime.sessions() as session:
        rows = list(session.execute(
            select(Delivery, Promise).join(Promise, Promise.id == Delivery.promise_id).where(
                Delivery.team_id == team_id, Delivery.promise_id.in_(list(promise_ids)),
                Delivery.status == DeliveryStatus.SENT.value,
                Delivery.message_ts.is_not(None))).all())
        tz_of = {p.user_id: p.tz for p in session.scalars(select(Person).where(
            Person.team_id == team_id,
            Person.user_id.in_({d.recipient_id for d, _ in rows if d.recipient_id})))}
    for delivery, promise in rows:
        message = blocks.settled(promise, tz_of.get(delivery.recipient_id or "") or "UTC", "")
        try:
            runtime.client.chat_update(channel=delivery.channel_id or "", ts=delivery.message_ts,
                                       text=message["text"], blocks=message["blocks"])
            updated += 1
        except Exception as error:  # noqa: BLE001 - best effort: the outcome is in the DB
            log.warning("could not update reminder %s: %s", delivery.key, error)
    return updated
