"""One scheduler pass: claim what is due, prepare it, send it, record it.

Each batch: claim (one transaction); read from Slack what preparing needs, with no
transaction open (owners' statuses, stale profiles of everyone the wave may reach); prepare
(one transaction, from Kept's cache only; should a row fail, again with each row in its own
savepoint); send in parallel (no transaction open); record what Slack accepted (one
transaction). Nudges go before escalations, so a due escalation finds its nudge sent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.people.away import sync_status
from bot.reports.digest import plan_digests, supervisors_without_zone
from bot.runtime import Runtime
from bot.slack.client import fetch_profile
from bot.slack.pacing import POST, method_of, postpone_until
from bot.store.models import AwayPeriod, Delivery, Person, Promise, Step
from scheduler import queue
from scheduler.dispatch import Dispatcher
from scheduler.send import send
from scheduler.steps import REGISTRY, Outgoing, prepare

log = logging.getLogger("kept.scheduler")


@dataclass
class PassResult:
    claimed: int = 0
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    skipped: int = 0
    recovered: int = 0
    degraded: int = 0  # Slack refused the full message; sent once more in a compact form
    errors: list[str] = field(default_factory=list)
    # (step, outcome) -> how many, for bot.ops.metrics
    by_step: dict[tuple[str, str], int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, outcome: str, step: str | None = None) -> None:
        with self._lock:  # called from the sender threads
            setattr(self, outcome, getattr(self, outcome) + 1)
            if step is not None:
                self.by_step[(step, outcome)] = self.by_step.get((step, outcome), 0) + 1

    def note_error(self, error: str) -> None:
        with self._lock:
            self.errors.append(error)

    def merge(self, other: PassResult) -> None:
        with self._lock:
            for name in ("claimed", "sent", "deferred", "failed", "skipped", "recovered"):
                setattr(self, name, getattr(self, name) + getattr(other, name))
            self.errors += other.errors
            for key, count in other.by_step.items():
                self.by_step[key] = self.by_step.get(key, 0) + count


@dataclass
class Wave:
    """The claimed rows of one wave, with their promises and owners loaded at once. The
    session's identity map holds objects weakly: keeping them here is what lets the per-row
    work find them without another query."""

    deliveries: dict[int, Delivery]
    promises: dict[int, Promise]
    people: list[Person]


def _load(session: Session, ids: list[int]) -> Wave:
    deliveries = {d.id: d for d in session.scalars(select(Delivery).where(Delivery.id.in_(ids)))}
    promise_ids = {d.promise_id for d in deliveries.values() if d.promise_id}
    promises = {
        p.id: p for p in session.scalars(select(Promise).where(Promise.id.in_(promise_ids)))
    }
    people: list[Person] = []
    for team_id in {p.team_id for p in promises.values()}:
        owners = {p.owner_id for p in promises.values() if p.team_id == team_id}
        people += session.scalars(
            select(Person).where(Person.team_id == team_id, Person.user_id.in_(owners))
        )
    return Wave(deliveries, promises, people)


def _coalesce_homes(deliveries: dict[int, Delivery], now: datetime, result: PassResult) -> None:
    """Several refreshes of one person's Home tab in a wave: one publish serves them all."""
    latest: dict[tuple[str, str | None], Delivery] = {}
    for delivery in sorted(deliveries.values(), key=lambda d: d.id):
        if delivery.step != Step.HOME:
            continue
        earlier = latest.get((delivery.team_id, delivery.recipient_id))
        if earlier is not None:
            queue.mark_sent(earlier, now, "coalesced")
            del deliveries[earlier.id]
            result.add("sent", Step.HOME)
        latest[(delivery.team_id, delivery.recipient_id)] = delivery


def prepare_wave(
    runtime: Runtime,
    ids: list[int],
    worker: str,
    result: PassResult,
    put_back: Callable[[int], None] | None = None,
) -> list[Outgoing]:
    """Prepare claimed rows in one transaction. Should a row fail, the wave is prepared again
    with each row in its own savepoint, so one bad row leaves the others alone (it stays
    claimed and is retried when its lease runs out)."""
    # first: a status may make someone's cover the recipient
    unread, owners = _sync_away_statuses(runtime, ids)
    if unread:  # their owner's status could not be read yet (rate limit): wait for it
        waiting = queue.wait_for_reads(runtime.sessions, worker, unread, owners)
        for _ in range(waiting):
            result.add("deferred")
        if put_back is not None:
            for delivery_id in unread:
                put_back(delivery_id)
        ids = [i for i in ids if i not in unread]
    _warm_recipients(runtime, ids)
    try:
        return _prepare(runtime, ids, worker, result, guarded=False)
    except _RowFailed:
        return _prepare(runtime, ids, worker, result, guarded=True)


class _RowFailed(Exception):
    pass


def _prepare(
    runtime: Runtime, ids: list[int], worker: str, result: PassResult, *, guarded: bool
) -> list[Outgoing]:
    ready: list[Outgoing] = []
    outcome = PassResult()  # counted into `result` only once the transaction commits
    with runtime.sessions.begin() as session:
        now = runtime.now()
        ours = queue.renew_many(session, ids, worker, now, runtime.settings.claim_lease)
        wave = _load(session, ours)
        _coalesce_homes(wave.deliveries, now, outcome)
        for delivery_id in ids:
            delivery = wave.deliveries.get(delivery_id)
            if delivery is None:
                continue  # the claim ran out while queued, or another worker holds it
            promise = wave.promises.get(delivery.promise_id) if delivery.promise_id else None
            if not guarded:
                try:
                    prepared = prepare(session, runtime, delivery, promise, outcome, now)
                except Exception as error:
                    raise _RowFailed from error
            else:
                try:
                    with session.begin_nested():
                        prepared = prepare(session, runtime, delivery, promise, outcome, now)
                except Exception as error:  # noqa: BLE001 - one bad row must not stop the rest
                    log.exception("preparing delivery %s failed", delivery_id)
                    result.note_error(f"{delivery_id}: {type(error).__name__}")
                    continue
            if prepared is not None:
                ready.append(prepared)
    result.merge(outcome)
    return ready


def _warm_recipients(runtime: Runtime, ids: list[int]) -> None:
    """Fetch stale profiles of everyone this wave may send to (owners, their supervisors and
    covers, and the rows' own recipients: admins, new owners) before the transaction, so no
    database lock is held while Slack answers users.info; inside it, routing reads only
    Kept's cache. One person's failure is logged and leaves the others alone."""
    now = runtime.now()
    with runtime.readers() as session:
        rows = session.execute(
            select(Delivery.team_id, Delivery.recipient_id, Promise.owner_id, Person.supervisor_id)
            .outerjoin(Promise, Delivery.promise_id == Promise.id)
            .outerjoin(
                Person, (Person.team_id == Promise.team_id) & (Person.user_id == Promise.owner_id)
            )
            .where(Delivery.id.in_(ids))
        ).all()
        owners = {(team, owner) for team, _r, owner, _s in rows if owner}
        covers: set[tuple[str, str]] = set()
        for team_id in {team for team, _owner in owners}:
            covers |= {
                (team_id, cover)
                for cover in session.scalars(
                    select(AwayPeriod.cover_id).where(
                        AwayPeriod.team_id == team_id,
                        AwayPeriod.user_id.in_([o for t, o in owners if t == team_id]),
                        AwayPeriod.ended_at.is_(None),
                        or_(AwayPeriod.ends_at.is_(None), AwayPeriod.ends_at > now),
                        AwayPeriod.cover_id.is_not(None),
                    )
                )
                if cover
            }
    people = owners | covers
    for team, recipient, _owner, lead in rows:
        people |= {(team, user) for user in (recipient, lead) if user and user[:1] in "UW"}
    stale = [pair for pair in sorted(people) if not runtime.knows_fresh(*pair)]

    def warm(pair: tuple[str, str]) -> None:
        try:
            runtime.warm_person(*pair)
        except Exception:  # noqa: BLE001 - one person's trouble must not hold the others
            log.exception("could not refresh %s's profile", pair[1])

    if len(stale) <= 1:
        for pair in stale:
            warm(pair)
        return
    # at once: a person Slack is slow about delays the wave by one answer, not one per person
    with ThreadPoolExecutor(min(WARM_AT_ONCE, len(stale)), thread_name_prefix="kept-warm") as pool:
        list(pool.map(warm, stale))


STATUS_FRESH_FOR = timedelta(minutes=5)
WARM_AT_ONCE = 8  # profiles refreshed in parallel before a wave
# a row is claimed when its workspace's turn is this close (seconds), else it stays due:
# a wave then never waits long for its sends, and other workspaces' rows come up meanwhile
CLAIM_AHEAD = 0.5
MAX_PASS_SECONDS = 10.0  # a pass draining a long paced backlog hands over to the next
PREPARE_LEAD = 0.3  # seconds from the claim to the send (preparing the wave): turns start then
STATUS_READS_WAIT = 0.25  # seconds a wave may wait for its owners' status reads


def _sync_away_statuses(
    runtime: Runtime, ids: list[int]
) -> tuple[dict[int, datetime], dict[tuple[str, str], datetime]]:
    """Read the Slack status of the owners about to get a heads-up or nudge (users.profile.get,
    no transaction open meanwhile): an out-of-office status makes them away until it expires,
    so the reminder goes to whoever covers. Read at most every few minutes per person; one
    person's odd status is logged and never holds anyone else's reminders.
    Returns the rows whose owner's status could not be read now (Slack's Tier 4 for
    users.profile.get is spent) with when to try them again, and those owners with the
    turn of their read: they wait, rather than go out unchecked or hold the wave."""
    with runtime.readers() as session:
        rows = session.execute(
            select(Delivery.id, Promise.team_id, Promise.owner_id)
            .join(Delivery, Delivery.promise_id == Promise.id)
            .where(Delivery.id.in_(ids), Delivery.step.in_([Step.HEADS_UP, Step.NUDGE]))
        ).all()
    owners = {(team_id, owner_id) for _, team_id, owner_id in rows}
    unread: dict[tuple[str, str], datetime] = {}
    now = runtime.now()
    reads_until = time.monotonic() + STATUS_READS_WAIT
    for team_id, owner_id in sorted(owners):
        checked = runtime.status_checked.get((team_id, owner_id))
        if checked is not None and abs(now - checked) < STATUS_FRESH_FOR:
            continue
        try:
            client = runtime.client_for(team_id)
        except Exception:  # noqa: BLE001 - not installed there (any more): nothing to read
            continue
        booked = runtime.pacer.read_turns.get((team_id, owner_id))
        if booked is not None and booked > now:  # already waiting for its turn
            unread[(team_id, owner_id)] = booked
            continue
        # the wave waits for status reads a moment at most
        slot = runtime.pacer.take(
            team_id, "users.profile.get", max_wait=max(0.0, reads_until - time.monotonic())
        )
        if not slot.taken:  # Slack's Tier 4 is spent: read it when its turn comes
            until = postpone_until(now, slot)
            if len(runtime.pacer.read_turns) > 50_000:
                runtime.pacer.read_turns.clear()
            runtime.pacer.read_turns[(team_id, owner_id)] = until
            unread[(team_id, owner_id)] = until
            continue
        runtime.pacer.sleep_until(slot.start)
        profile = fetch_profile(client, owner_id)
        if len(runtime.status_checked) > 50_000:
            runtime.status_checked.clear()
        runtime.status_checked[(team_id, owner_id)] = now
        if profile is None:
            continue
        try:
            with runtime.sessions.begin() as session:
                sync_status(session, team_id, owner_id, profile, now)
        except Exception:  # noqa: BLE001 - one person's status must not hold the others
            log.exception("could not follow %s's Slack status", owner_id)
    waiting = {
        delivery_id: unread[(team_id, owner_id)]
        for delivery_id, team_id, owner_id in rows
        if (team_id, owner_id) in unread
    }
    return waiting, unread


def run_pass(
    runtime: Runtime,
    *,
    worker: str | None = None,
    batch: int = 100,
    threads: int = 8,
    max_batches: int = 1000,
    stop: threading.Event | None = None,
) -> PassResult:
    """Claim and deliver everything due now, in batches, until nothing is due (or `stop` is
    set: the process is stopping; what is not claimed yet waits for the next process)."""
    worker = worker or queue.worker_name()
    result = PassResult()
    started = time.perf_counter()

    # A due row is claimed only when its workspace's turn (bot.slack.pacing) is near; else it
    # stays due as it is, and a workspace with no turn near is not even looked at: its backlog
    # holds no sender thread, and other workspaces' rows are claimed beside it (fairness).
    starts: dict[int, tuple[str, str, float]] = {}  # delivery id -> (team, method, its turn)
    left = [0]  # rows left due for their workspace's turn

    def pace(delivery_id: int, team_id: str, step: Step) -> bool:
        kind = REGISTRY.get(step)
        if kind is None or kind.work is not None:
            return True  # a silent step sends nothing: no turn needed
        method = method_of(kind.transport.value)
        slot = runtime.pacer.take(
            team_id, method, max_wait=PREPARE_LEAD + CLAIM_AHEAD, lead=PREPARE_LEAD, book=False
        )
        if slot.taken:
            starts[delivery_id] = (team_id, method, slot.start)
            return True
        left[0] += 1
        return False

    def refund(delivery_id: int) -> None:
        """A claimed row put back before its send (its owner's status is still to be read)."""
        taken = starts.pop(delivery_id, None)
        if taken is not None:
            runtime.pacer.refund(*taken)

    def deliver(outgoing: Outgoing) -> tuple[Outgoing, str | None, tuple | None]:
        try:
            taken = starts.pop(outgoing.delivery_id, None)
            start = taken[2] if taken is not None else None
            return (outgoing, *send(runtime, outgoing, worker, start, dispatched=True))
        except Exception as error:  # noqa: BLE001 - one bad row must not stop the rest
            log.exception("delivery %s failed", outgoing.key)
            result.note_error(f"{outgoing.delivery_id}: {type(error).__name__}")
            return outgoing, None, None

    def record(flying: list[Future[tuple[Outgoing, str | None, tuple | None]]]) -> None:
        """Wait for a wave's sends and record what Slack accepted (one transaction)."""
        done: list[tuple[int, str | None, str | None]] = []
        notes: dict[int, str] = {}
        for future in flying:
            outgoing, outcome, where = future.result()
            if outcome is not None:
                result.add(outcome, outgoing.step)
            if where is not None:
                done.append((outgoing.delivery_id, *where))
                if outgoing.note:
                    notes[outgoing.delivery_id] = outgoing.note
        queue.record_sent(runtime.sessions, worker, runtime.now(), done, notes)

    # Sends of one batch's nudges fly while the next batch is claimed and prepared (the
    # database round trips overlap Slack's); escalations wait until every nudge before them
    # is recorded, so each finds its nudge sent.
    flying: list[Future[tuple[Outgoing, str | None, tuple | None]]] = []

    def turn(outgoing: Outgoing) -> float:
        """Seconds until the send's turn (taken at the claim) comes."""
        taken = starts.get(outgoing.delivery_id)
        return 0.0 if taken is None else taken[2] - runtime.pacer.clock()

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="kept-send") as pool:
        dispatcher = Dispatcher(pool, deliver)  # hands each send to a thread at its turn
        for _ in range(max_batches):
            if stop is not None and stop.is_set():
                break
            if time.perf_counter() - started > MAX_PASS_SECONDS:
                break  # the loop starts the next pass at once (and /healthz sees this one end)
            full, wait = runtime.pacer.full(POST, PREPARE_LEAD + CLAIM_AHEAD)
            before = left[0]
            with runtime.sessions.begin() as session:
                claimed = queue.claim(
                    session,
                    now=runtime.now(),
                    worker=worker,
                    limit=batch,
                    lease=runtime.settings.claim_lease,
                    pace=pace,
                    skip_teams=full,
                )
            if not claimed:
                if left[0] == before:
                    with runtime.readers() as session:
                        if not queue.any_due(session, runtime.now(), full):
                            break  # nothing due, or only in paused workspaces
                # what is due waits for its workspace's next turn
                before_sleep = runtime.pacer.clock()
                time.sleep(min(max(wait, 0.02), 0.5))
                if runtime.pacer.clock() == before_sleep:
                    break  # a clock that does not move (a test's): turns come when it moves
                continue
            result.claimed += len(claimed)
            first = [i for i, step in claimed if step != Step.ESCALATION]
            later = [i for i, step in claimed if step == Step.ESCALATION]
            ready = prepare_wave(runtime, first, worker, result, refund) if first else []
            sending = [dispatcher.submit(turn(outgoing), outgoing) for outgoing in ready]
            record(flying)
            flying = sending
            if later:
                record(flying)
                flying = []
                escalations = prepare_wave(runtime, later, worker, result, refund)
                record([dispatcher.submit(turn(o), o) for o in escalations])
        record(flying)
        dispatcher.close()
    runtime.metrics.observe_pass(result.by_step, time.perf_counter() - started)
    return result


def plan_weekly_digests(runtime: Runtime) -> int:
    """Plan this week's digest for every supervisor, unless KEPT_DIGEST=off."""
    schedule = runtime.settings.digest
    if schedule is None:
        return 0
    with runtime.readers() as session:
        unknown = supervisors_without_zone(session)
    for team_id, supervisor_id in unknown:  # the digest is due in *their* morning
        runtime.warm_person(team_id, supervisor_id)
    with runtime.sessions.begin() as session:
        return plan_digests(session, runtime.now(), schedule)
