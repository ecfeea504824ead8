"""Who receives what (SPEC §3): the owner, the supervisor, the escalation channel, the admins.

No supervisor and no escalation channel: the escalation goes to the admins (Slack admins
known to Kept, and `KEPT_ADMINS` by user id or e-mail) and the owner is told that nobody
above them could be reached. An owner deactivated in Slack hands their open promises to their
supervisor, who is told once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot import outbox
from bot.people.away import recipient_for
from bot.people.directory import hand_off_row, reassign_deactivated
from bot.people.profiles import get_person
from bot.runtime import Runtime
from bot.store.models import ChannelSetting, Delivery, Person, Promise, Step
from scheduler.plan import Target


def admins(session: Session, runtime: Runtime, team_id: str) -> list[str]:
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


def escalation_channel(session: Session, promise: Promise) -> str | None:
    if not promise.source_channel_id:
        return None
    setting = session.get(ChannelSetting, (promise.team_id, promise.source_channel_id))
    return setting.escalation_channel_id if setting is not None else None


def person(
    session: Session, runtime: Runtime, team_id: str, user_id: str, now: datetime
) -> Target | None:
    """A DM to this person, in their time zone; None if they are gone from Slack. Read from
    Kept's cache only: the pass refreshed stale profiles before its transaction."""
    found = get_person(session, team_id, user_id, fetch=None, now=now)
    if found is not None and found.is_deleted:
        return None
    return Target(channel=user_id, tz=(found.tz if found is not None else None) or "UTC")


def add_sibling(
    session: Session,
    parent: Delivery,
    step: Step,
    recipient: str | None,
    now: datetime,
    suffix: str,
) -> None:
    """One more recipient for a delivery (an escalation fanned out): its own row, its own key."""
    key = f"{parent.key}:{suffix}"
    exists = session.scalar(
        select(Delivery.id).where(Delivery.team_id == parent.team_id, Delivery.key == key)
    )
    if exists is None:
        outbox.write(
            session,
            [
                outbox.row(
                    parent.team_id,
                    step,
                    key,
                    now,
                    promise_id=parent.promise_id,
                    recipient_id=recipient,
                    deadline_version=parent.deadline_version,
                )
            ],
            wake=False,  # this pass goes on to claim it
        )


def hand_off_if_gone(session: Session, promise: Promise, now: datetime) -> bool:
    """The owner was deactivated in Slack: their open promises go to their supervisor (the
    first active one up the chain), who is told once by DM. True if this promise moved."""
    gone = promise.owner_id
    found = session.get(Person, (promise.team_id, gone))
    if found is None or not found.is_deleted:
        return False
    moved = reassign_deactivated(session, promise.team_id, gone, now)
    if not moved:
        return False
    outbox.write(
        session,
        [hand_off_row(promise.team_id, gone, moved[0].owner_id, now)],
        wake=False,  # this pass goes on to claim it
    )
    session.refresh(promise)
    return True


def owner(session: Session, runtime: Runtime, promise: Promise, now: datetime) -> Target | None:
    """The owner; if they left Slack, their promises move up first and the new owner gets it."""
    target = person(session, runtime, promise.team_id, promise.owner_id, now)
    if target is None and hand_off_if_gone(session, promise, now):
        target = person(session, runtime, promise.team_id, promise.owner_id, now)
    return target


def reminder(session: Session, runtime: Runtime, promise: Promise, now: datetime) -> Target | None:
    """Who gets a heads-up or nudge: the owner; while they are away, whoever covers for them
    (their cover, else their supervisor), the target marked as covering for the owner. A cover
    Kept can't reach (gone from Slack) leaves it with the owner."""
    recipient = recipient_for(session, promise.team_id, promise.owner_id, now)
    if recipient.covering_for is not None:
        cover = person(session, runtime, promise.team_id, recipient.user_id, now)
        if cover is not None:
            return replace(cover, covering_for=recipient.covering_for)
    return owner(session, runtime, promise, now)


def escalation(
    session: Session, runtime: Runtime, delivery: Delivery, promise: Promise, now: datetime
) -> Target | None:
    """Who gets an escalation: the supervisor (and the escalation channel, as a sibling row);
    else the channel; else the admins and the owner told, as sibling rows (returns None)."""
    supervisor = session.scalar(
        select(Person.supervisor_id).where(
            Person.team_id == promise.team_id, Person.user_id == promise.owner_id
        )
    )
    channel = escalation_channel(session, promise)
    target = person(session, runtime, promise.team_id, supervisor, now) if supervisor else None
    if target is not None:
        if channel:
            add_sibling(session, delivery, Step.ESCALATION_CHANNEL, channel, now, "channel")
        return target
    if channel:
        return Target(channel=channel, tz=None, is_person=False)
    for admin in admins(session, runtime, promise.team_id):
        add_sibling(session, delivery, Step.ESCALATION_ADMIN, admin, now, f"admin:{admin}")
    # SPEC §3: neither supervisor nor channel -> the admins, and the owner is told
    add_sibling(session, delivery, Step.NOBODY_REACHED, promise.owner_id, now, "owner")
    return None


def channel(delivery: Delivery) -> Target:
    return Target(channel=delivery.recipient_id or "", tz=None, is_person=False)


# ---------------------------------------------------------------- recipients who can't receive
# SPEC §3: a recipient who can't receive (a bot, a deactivated or unknown user, a deleted
# channel) is refused when set; if one fails at delivery time anyway, the message falls back
# along escalation channel -> admins, and the owner is told.

# Slack's answers that say who the recipient is (a bot, deactivated): fall back at once
CANT_RECEIVE = frozenset({"cannot_dm_bot", "user_disabled", "account_inactive"})
# Slack's answers that mean this recipient can't receive it: fall back once retries ran out
# (a "not found" may be a passing glitch)
RECIPIENT_ERRORS = CANT_RECEIVE | {
    "user_not_found",
    "channel_not_found",
    "is_archived",
    "not_in_channel",
}
# steps that fall back, and what the owner is told was undeliverable (a heads-up that can't
# be delivered is dropped: its nudge falls back)
FALLS_BACK = {
    Step.NUDGE: "reminder",
    Step.ESCALATION: "escalation",
    Step.ESCALATION_CHANNEL: "escalation",
}
FALLBACK = "fallback"


def fall_back(session: Session, runtime: Runtime, failed: Delivery, now: datetime) -> list[str]:
    """Send what `failed` carried elsewhere: to the escalation channel (unless that is what
    failed; nothing new if it already has it), else to the admins; and tell the owner, unless
    the owner is who could not be reached. Returns where it went. Idempotent (derived keys)."""
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
    channel_id = escalation_channel(session, promise)
    went_to: list[str] = []
    if channel_id is not None and channel_id != failed.recipient_id:
        already = session.scalar(
            select(Delivery.id).where(
                Delivery.team_id == failed.team_id,
                Delivery.key.in_([f"{root}:channel", f"{root}:{FALLBACK}:channel"]),
            )
        )
        if already is None:
            add_sibling(
                session, failed, Step.ESCALATION_CHANNEL, channel_id, now, f"{FALLBACK}:channel"
            )
        went_to.append(channel_id)
    else:
        for admin in admins(session, runtime, promise.team_id):
            if admin in {failed.recipient_id, promise.owner_id}:
                continue
            add_sibling(
                session, failed, Step.ESCALATION_ADMIN, admin, now, f"{FALLBACK}:admin:{admin}"
            )
            went_to.append(admin)
    if failed.recipient_id != promise.owner_id:
        add_sibling(session, failed, Step.UNDELIVERABLE, promise.owner_id, now, f"{FALLBACK}:owner")
    return went_to


def undeliverable(session: Session, delivery: Delivery) -> tuple[Step, str, str, list[str]]:
    """For the owner's note (an UNDELIVERABLE row): the step that failed, its recipient,
    Slack's error, and where the message went instead."""
    failed_key = delivery.key.removesuffix(f":{FALLBACK}:owner")
    failed = session.scalar(
        select(Delivery).where(Delivery.team_id == delivery.team_id, Delivery.key == failed_key)
    )
    root = failed_key.split(f":{FALLBACK}:")[0]
    went_to = session.scalars(
        select(Delivery.recipient_id).where(
            Delivery.team_id == delivery.team_id,
            or_(
                Delivery.key.startswith(f"{failed_key}:{FALLBACK}:"),
                Delivery.key == f"{root}:channel",
            ),
            Delivery.key != failed_key,
            Delivery.step.in_([Step.ESCALATION_CHANNEL, Step.ESCALATION_ADMIN]),
        )
    )
    if failed is None:
        return Step.ESCALATION, "?", "", [r for r in went_to if r]
    error = (failed.last_error or "").removeprefix("slack: ")
    return Step(failed.step), failed.recipient_id or "?", error, [r for r in went_to if r]
