"""One registry of step kinds: for each kind of delivery, who receives it, what it says, how
it reaches Slack, and whether it belongs to a deadline (skipped once the promise is closed or
moved) or answers something a person just did (sent at once, whatever the hour).

`prepare` turns one claimed row into what to send, inside the wave's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.noticing.service import watch_change, watch_of
from bot.people.away import away_window
from bot.people.directory import SYSTEM_ACTOR
from bot.promises.cadence import roll_over
from bot.promises.dm import answer_message, thread_of
from bot.promises.flows import home_tab
from bot.promises.views import PromiseView, view_of, views_of
from bot.reports.away import return_summary_lines
from bot.reports.chart import chart_for
from bot.reports.digest import build_digest
from bot.runtime import Runtime
from bot.slack import messages
from bot.slack.messages import noticing as notice_blocks
from bot.slack.messages.charts import chart_upload as chart_message
from bot.store.models import (
    AwayPeriod,
    Delivery,
    DeliveryStatus,
    HandledRequest,
    Person,
    Promise,
    PromiseEvent,
    Status,
    Step,
)
from scheduler import queue, routing
from scheduler.plan import Action, Decision, Target, decide, still_needed


class Transport(StrEnum):
    POST = "post"  # chat.postMessage, with the delivery key in the message metadata
    UPDATE = "update"  # chat.update of earlier messages (idempotent)
    PUBLISH = "publish"  # views.publish of a Home tab (idempotent)
    UPLOAD = "upload"  # a PNG uploaded to a DM (scheduler.upload)


@dataclass
class Outgoing:
    """A claimed delivery, ready to send outside any transaction."""

    delivery_id: int
    team_id: str
    key: str
    step: Step
    transport: Transport
    target: Target
    message: dict[str, Any]  # POST: the message; PUBLISH: {"view": ...}; UPDATE: {"updates"}
    uncertain: bool
    since: datetime
    expires_at: datetime  # the claim's lease: renewed before sending if it runs short
    # what is recorded with the row once sent (e.g. that Slack refused the full form)
    note: str | None = None


@dataclass
class Prep:
    """What a step kind sees while preparing one row."""

    session: Session
    runtime: Runtime
    delivery: Delivery
    promise: Promise | None
    now: datetime

    def tz(self, target: Target) -> str:
        return target.tz or "UTC"

    @property
    def the_promise(self) -> Promise:
        """The promise of a step kind that needs one (prepare() has checked it is there)."""
        assert self.promise is not None
        return self.promise

    @property
    def view(self) -> PromiseView:
        """The promise as the messages read it: a plain value of the loaded row."""
        return view_of(self.the_promise)


Route = Callable[[Prep], Target | None]
Render = Callable[[Prep, Target], dict[str, Any] | None]  # None: nothing left to say


Work = Callable[[Prep], str | None]  # a silent step's change; None: done, else why skipped


@dataclass(frozen=True)
class StepKind:
    route: Route
    render: Render
    transport: Transport = Transport.POST
    reminder: bool = False  # belongs to one deadline of the promise
    quiet_hours: bool = True  # waits for the recipient's working hours
    needs_promise: bool = True
    work: Work | None = None  # a silent step: changes state, sends nothing


# ---------------------------------------------------------------------------- routes


def _to_owner(prep: Prep) -> Target | None:
    return routing.owner(prep.session, prep.runtime, prep.the_promise, prep.now)


def _to_owner_or_cover(prep: Prep) -> Target | None:
    return routing.reminder(prep.session, prep.runtime, prep.the_promise, prep.now)


def _to_recipient(prep: Prep) -> Target | None:
    return routing.person(
        prep.session,
        prep.runtime,
        prep.delivery.team_id,
        prep.delivery.recipient_id or "",
        prep.now,
    )


def _to_channel(prep: Prep) -> Target | None:
    return routing.channel(prep.delivery)


def _to_escalation(prep: Prep) -> Target | None:
    return routing.escalation(prep.session, prep.runtime, prep.delivery, prep.the_promise, prep.now)


def _nowhere(_prep: Prep) -> Target | None:
    return Target(channel="", tz=None, is_person=False)


# ---------------------------------------------------------------------------- messages


def _nudged_at(session: Session, delivery: Delivery) -> datetime | None:
    return session.scalar(
        select(Delivery.sent_at).where(
            Delivery.promise_id == delivery.promise_id,
            Delivery.deadline_version == delivery.deadline_version,
            Delivery.step == Step.NUDGE,
            Delivery.status == DeliveryStatus.SENT,
        )
    )


def _pending_nudge_due(session: Session, delivery: Delivery) -> datetime | None:
    """When the nudge for this delivery's deadline is due, if it has not gone out yet."""
    return session.scalar(
        select(Delivery.due_at).where(
            Delivery.promise_id == delivery.promise_id,
            Delivery.deadline_version == delivery.deadline_version,
            Delivery.step == Step.NUDGE,
            Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
        )
    )


def _escalation(prep: Prep, target: Target) -> dict[str, Any]:
    assert prep.promise is not None
    return messages.escalation(
        prep.view,
        prep.tz(target),
        prep.now,
        nudged_at=_nudged_at(prep.session, prep.delivery),
        to_channel=not target.is_person,
    )


def _nobody_reached(prep: Prep, _target: Target) -> dict[str, Any]:
    assert prep.promise is not None
    escalation_key = prep.delivery.key.rsplit(":", 1)[0]
    admins_told = (
        prep.session.scalar(
            select(Delivery.id)
            .where(
                Delivery.team_id == prep.delivery.team_id,
                Delivery.key.startswith(f"{escalation_key}:admin:"),
            )
            .limit(1)
        )
        is not None
    )
    return messages.nobody_to_escalate_to(prep.view, admins_told=admins_told)


def _undeliverable(prep: Prep, _target: Target) -> dict[str, Any]:
    """To the owner: a reminder about their promise couldn't reach its recipient."""
    step, recipient, error, went_to = routing.undeliverable(prep.session, prep.delivery)
    label = routing.FALLS_BACK.get(step, "reminder")
    return messages.undeliverable(prep.view, label, recipient, error, went_to)


def _digest(prep: Prep, target: Target) -> dict[str, Any]:
    digest = build_digest(
        prep.session,
        prep.delivery.team_id,
        prep.delivery.recipient_id or "",
        tz=prep.tz(target),
        now=prep.now,
    )
    return messages.digest_message(digest)


def _handover(prep: Prep, target: Target) -> dict[str, Any] | None:
    """The DM to the supervisor who took over a deactivated person's promises."""
    new_owner, gone = prep.delivery.recipient_id or "", prep.delivery.about_id or ""
    moved = [
        p
        for p, e in prep.session.execute(
            select(Promise, PromiseEvent)
            .join(PromiseEvent, PromiseEvent.promise_id == Promise.id)
            .where(
                Promise.team_id == prep.delivery.team_id,
                Promise.owner_id == new_owner,
                Promise.status == Status.OPEN,
                PromiseEvent.kind == "handed_off",
                PromiseEvent.actor_id == SYSTEM_ACTOR,
            )
        ).all()
        if (e.detail or {}).get("old_owner") == gone
    ]
    if not moved:
        return None
    return messages.deactivated_handover(
        gone, views_of(dict.fromkeys(moved)), prep.tz(target), prep.now
    )


def _saved_for(prep: Prep, _target: Target) -> dict[str, Any]:
    owner = prep.delivery.about_id
    return messages.text_message(
        f"Saved promise #{prep.delivery.promise_id} for <@{owner}>; they get a DM from me."
    )


def _owner_reminder(prep: Prep, target: Target) -> dict[str, Any] | None:
    assert prep.promise is not None
    if not prep.promise.is_open:
        return None  # closed since the supervisor pressed the button
    return messages.owner_reminder(
        prep.view, prep.delivery.actor_id or "", prep.tz(target), prep.now
    )


# follow-ups that do not rewrite: the rewrite leaves them (and itself) alone
_NOT_REWRITTEN = (
    Step.REWRITE,
    Step.HOME,
    Step.SAVED_FOR,
    Step.DIGEST,
    Step.HANDOVER,
    Step.CHANNEL_UPDATE,  # the owner's own words, where the customer reads them
)


def _rewrites(prep: Prep, _target: Target) -> dict[str, Any] | None:
    """The earlier messages about this promise, each rewritten to show where it stands now,
    so nobody acts on a stale one."""
    assert prep.promise is not None
    rows = list(
        prep.session.execute(
            select(Delivery.channel_id, Delivery.message_ts, Delivery.recipient_id).where(
                Delivery.team_id == prep.delivery.team_id,
                Delivery.promise_id == prep.promise.id,
                Delivery.status == DeliveryStatus.SENT,
                Delivery.message_ts.is_not(None),
                Delivery.sent_at <= prep.delivery.created_at,
                Delivery.step.not_in(_NOT_REWRITTEN),
            )
        )
    )
    if not rows:
        return None
    tz_of = dict(
        prep.session.execute(
            select(Person.user_id, Person.tz).where(
                Person.team_id == prep.delivery.team_id,
                Person.user_id.in_({r for _c, _t, r in rows if r}),
            )
        ).all()
    )
    return {
        "updates": [
            (
                channel,
                ts,
                messages.settled(prep.view, tz_of.get(recipient or "") or "UTC", "", now=prep.now),
            )
            for channel, ts, recipient in rows
        ]
    }


def _home(prep: Prep, target: Target) -> dict[str, Any]:
    delivery = prep.delivery
    # one publish serves every refresh of this tab waiting now (a burst of changes)
    prep.session.execute(
        update(Delivery)
        .where(
            queue.DUE,
            Delivery.due_at <= prep.now,
            Delivery.team_id == delivery.team_id,
            Delivery.step == Step.HOME,
            Delivery.recipient_id == delivery.recipient_id,
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.id != delivery.id,
        )
        .values(status=DeliveryStatus.SENT, sent_at=prep.now, last_error="coalesced")
        .execution_options(synchronize_session=False)
    )
    view = home_tab(
        prep.session,
        delivery.team_id,
        delivery.recipient_id or "",
        admins=prep.runtime.settings.admins,
        now=prep.now,
    )
    return {"view": view}


def _nothing(_prep: Prep, _target: Target) -> dict[str, Any] | None:
    return None


def _covered(message: dict[str, Any], target: Target) -> dict[str, Any]:
    if target.covering_for is None:
        return message
    return messages.covering(message, target.covering_for)


def _watch_notice(prep: Prep, _target: Target) -> dict[str, Any] | None:
    change = watch_change(prep.session, prep.delivery.watch_change_id or 0)
    if change is None:
        return None
    return notice_blocks.watch_notice(change.watching, change.changed_by)


def _channel_update(prep: Prep, _target: Target) -> dict[str, Any] | None:
    event = prep.session.get(PromiseEvent, prep.delivery.promise_event_id or 0)
    promise = prep.session.get(Promise, event.promise_id) if event is not None else None
    if event is None or promise is None:
        return None
    owner = prep.session.get(Person, (prep.delivery.team_id, promise.owner_id))
    name = (owner.name if owner is not None else None) or "the owner"
    message = notice_blocks.channel_update(str(event.detail.get("text") or ""), name)
    return {**message, "thread_ts": event.detail.get("thread_ts")}


def _heads_up(prep: Prep, target: Target) -> dict[str, Any]:
    return _covered(messages.heads_up(prep.view, prep.tz(target), prep.now), target)


def _nudge(prep: Prep, target: Target) -> dict[str, Any]:
    return _shared(prep, _plain_nudge(prep, target))


def _shared(prep: Prep, message: dict[str, Any]) -> dict[str, Any]:
    """A promise made in a watched shared channel: its nudge can post an update there."""
    promise = prep.the_promise
    if promise.source_channel_id and promise.source_message_ts:
        watch = watch_of(prep.session, promise.team_id, promise.source_channel_id)
        if watch is not None and watch.shared:
            return notice_blocks.with_post_update(message, promise.id)
    return message


def _plain_nudge(prep: Prep, target: Target) -> dict[str, Any]:
    promise = prep.view
    if promise.is_cadence:  # a check-in passed with no update: its own buttons
        return _covered(messages.check_in_nudge(promise, prep.tz(target), prep.now), target)
    return _covered(messages.nudge(promise, prep.tz(target), prep.now), target)


def _next_check_in(prep: Prep) -> str | None:
    """A cadence promise's next check-in came: the current one is counted missed if nothing
    was logged, and the next one planned (sends nothing)."""
    promise = prep.the_promise
    timing = prep.runtime.timing(prep.session, promise.team_id, promise.source_channel_id)
    moved = roll_over(
        prep.session,
        prep.delivery,
        prep.now,
        timing,
        working_day=prep.runtime.settings.working_day,
    )
    return None if moved else "check-in already logged or series closed"


def _return_summary(prep: Prep, target: Target) -> dict[str, Any] | None:
    """The one DM to someone whose away ended: what happened to their promises meanwhile."""
    away_id = prep.delivery.away_id
    away = prep.session.get(AwayPeriod, away_id) if away_id is not None else None
    if away is None:
        return None
    starts, ends = away_window(away)
    tz = prep.tz(target)
    lines = return_summary_lines(
        prep.session, away.team_id, away.user_id, starts, ends, tz, now=prep.now
    )
    return messages.return_summary(away.user_id, starts, ends, lines, tz, now=prep.now)


def _recorded(prep: Prep, target: Target) -> dict[str, Any]:
    return messages.promise_recorded(prep.view, prep.tz(target), prep.now)


def _new_owner(prep: Prep, target: Target) -> dict[str, Any]:
    actor = prep.delivery.actor_id or ""
    return messages.handoff_notice(prep.view, actor, prep.tz(target), prep.now)


def _closed_notice(prep: Prep, target: Target) -> dict[str, Any]:
    return messages.promise_closed(prep.view, prep.tz(target), now=prep.now)


def _chart(prep: Prep, target: Target) -> dict[str, Any] | None:
    """The kept-rate chart for the reader (drawn and uploaded outside the transaction by
    scheduler.upload); None when the people it is about have no promise at all."""
    chart = chart_for(
        prep.session,
        prep.delivery.team_id,
        prep.delivery.recipient_id or "",
        prep.delivery.about_id,
        tz=prep.tz(target),
        now=prep.now,
    )
    return None if chart is None else chart_message(chart)


def _dm_answer(prep: Prep, _target: Target) -> dict[str, Any] | None:
    """Kept's answer to a DM: the reply kept with the request, in the DM's thread if any."""
    handled = prep.session.get(HandledRequest, (prep.delivery.team_id, prep.delivery.key))
    message = answer_message(handled.reply if handled is not None else None)
    if message is None:
        return None
    message.pop("response_type", None)
    thread = thread_of(prep.delivery.key)
    if thread:
        message["thread_ts"] = thread
    return message


REGISTRY: dict[Step, StepKind] = {
    Step.HEADS_UP: StepKind(_to_owner_or_cover, _heads_up, reminder=True),
    Step.NUDGE: StepKind(_to_owner_or_cover, _nudge, reminder=True),
    Step.ESCALATION: StepKind(_to_escalation, _escalation, reminder=True),
    Step.ESCALATION_CHANNEL: StepKind(_to_channel, _escalation, reminder=True),
    Step.ESCALATION_ADMIN: StepKind(_to_recipient, _escalation, reminder=True),
    Step.NOBODY_REACHED: StepKind(_to_owner, _nobody_reached, reminder=True),
    Step.UNDELIVERABLE: StepKind(_to_recipient, _undeliverable, reminder=True),
    Step.DIGEST: StepKind(_to_recipient, _digest, needs_promise=False),
    Step.HANDOVER: StepKind(_to_recipient, _handover, needs_promise=False),
    Step.RECORDED: StepKind(_to_recipient, _recorded, quiet_hours=False),
    Step.SAVED_FOR: StepKind(_to_recipient, _saved_for, quiet_hours=False, needs_promise=False),
    Step.NEW_OWNER: StepKind(_to_recipient, _new_owner, quiet_hours=False),
    Step.CLOSED_NOTICE: StepKind(_to_recipient, _closed_notice, quiet_hours=False),
    Step.OWNER_REMINDER: StepKind(_to_recipient, _owner_reminder, quiet_hours=False),
    Step.REWRITE: StepKind(_nowhere, _rewrites, Transport.UPDATE, quiet_hours=False),
    Step.HOME: StepKind(
        _to_recipient, _home, Transport.PUBLISH, quiet_hours=False, needs_promise=False
    ),
    Step.NEXT_CHECK_IN: StepKind(
        _nowhere, _nothing, reminder=True, quiet_hours=False, work=_next_check_in
    ),
    Step.RETURN_SUMMARY: StepKind(_to_recipient, _return_summary, needs_promise=False),
    Step.CHART: StepKind(
        _to_recipient, _chart, Transport.UPLOAD, quiet_hours=False, needs_promise=False
    ),
    Step.DM_ANSWER: StepKind(_to_recipient, _dm_answer, quiet_hours=False, needs_promise=False),
    Step.CHANNEL_UPDATE: StepKind(
        _to_channel, _channel_update, quiet_hours=False, needs_promise=False
    ),
    Step.WATCH_NOTICE: StepKind(_to_channel, _watch_notice, quiet_hours=False, needs_promise=False),
}


def _settle(delivery: Delivery, decision: Decision, now: datetime, result: Any) -> None:
    if decision.action is Action.SKIP:
        queue.skip(delivery, decision.why)
        result.add("skipped", delivery.step)
    else:
        queue.defer(delivery, decision.until or now, now)
        result.add("deferred", delivery.step)


def prepare(
    session: Session,
    runtime: Runtime,
    delivery: Delivery,
    promise: Promise | None,
    result: Any,
    now: datetime,
) -> Outgoing | None:
    """Decide what to do with one claimed (and just renewed) row; returns what to send."""
    kind = REGISTRY[delivery.step]
    prep = Prep(session, runtime, delivery, promise, now)
    if kind.needs_promise and promise is None:
        _settle(delivery, Decision(Action.SKIP, why="promise gone"), now, result)
        return None
    if kind.reminder:
        why = still_needed(delivery, promise, now)
        if why is not None:
            _settle(delivery, Decision(Action.SKIP, why=why), now, result)
            return None
    if kind.work is not None:
        why = kind.work(prep)
        if why is None:
            queue.mark_sent(delivery, now, None)
            result.add("sent", delivery.step)
        else:
            _settle(delivery, Decision(Action.SKIP, why=why), now, result)
        return None
    pending = _pending_nudge_due(session, delivery) if delivery.step == Step.ESCALATION else None
    target = kind.route(prep) if pending is None else None
    if pending is None and target is None and delivery.step == Step.ESCALATION:
        # fanned out to siblings (admins, and the owner told nobody was reached)
        queue.mark_sent(delivery, now, "fanned out: no supervisor or escalation channel")
        result.add("sent", delivery.step)
        return None
    decision = decide(
        target,
        now=now,
        nudge_pending_until=pending,
        respect_working_hours=runtime.settings.respect_working_hours and kind.quiet_hours,
        working_day=runtime.settings.working_day,
    )
    if decision.action is not Action.SEND or decision.target is None:
        _settle(delivery, decision, now, result)
        return None
    message = kind.render(prep, decision.target)
    if message is None:
        if kind.transport in (Transport.POST, Transport.UPLOAD):
            _settle(delivery, Decision(Action.SKIP, why="nothing left to say"), now, result)
        else:
            queue.mark_sent(delivery, now, "nothing to update")
            result.add("sent", delivery.step)
        return None
    if kind.transport is Transport.POST:
        delivery.recipient_id = decision.target.channel
    return Outgoing(
        delivery_id=delivery.id,
        team_id=delivery.team_id,
        key=delivery.key,
        step=delivery.step,
        transport=kind.transport,
        target=decision.target,
        message=message,
        uncertain=delivery.uncertain,
        since=delivery.created_at,
        expires_at=now + runtime.settings.claim_lease,
    )
