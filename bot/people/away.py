"""Away and cover (SPEC §2.1, §3): who is out, until when, and who receives their reminders.

While an owner is away, heads-ups, nudges and check-ins for their promises go to the cover
(none set: their supervisor), marked "covering for @owner", and the cover may act on them as
the owner would. Escalations still go to the owner's supervisor. When the away ends the
owner gets one DM saying what happened meanwhile (a RETURN_SUMMARY delivery, exactly once).

An away comes from `/promise away` or from Slack: a status such as ":palm_tree: Vacation" or
"Out of office" with an expiration counts as away until it expires.

Plain functions of a session and plain values: no Slack in here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot import outbox
from bot.errors import InvalidInput
from bot.store.models import AwayPeriod, AwaySource, Delivery, DeliveryStatus, Person, Step

MAX_AWAY = timedelta(days=366)


@dataclass(frozen=True)
class Recipient:
    """Who gets a reminder meant for `owner_id`: them, or someone covering for them."""

    user_id: str
    covering_for: str | None = None


def _active(team_id: str, now: datetime) -> Any:
    return (
        (AwayPeriod.team_id == team_id)
        & (AwayPeriod.starts_at <= now)
        & AwayPeriod.ended_at.is_(None)
        & or_(AwayPeriod.ends_at.is_(None), AwayPeriod.ends_at > now)
    )


def active_away(session: Session, team_id: str, user_id: str, now: datetime) -> AwayPeriod | None:
    return session.scalar(
        select(AwayPeriod)
        .where(_active(team_id, now), AwayPeriod.user_id == user_id)
        .order_by(AwayPeriod.starts_at.desc(), AwayPeriod.id.desc())
        .limit(1)
    )


def away_people(
    session: Session, team_id: str, user_ids: list[str], now: datetime
) -> list[AwayPeriod]:
    """The active away periods of these people (for the supervisor's Home tab)."""
    if not user_ids:
        return []
    return list(
        session.scalars(
            select(AwayPeriod)
            .where(_active(team_id, now), AwayPeriod.user_id.in_(user_ids))
            .order_by(AwayPeriod.user_id)
        )
    )


def _supervisor(session: Session, team_id: str, user_id: str) -> str | None:
    return session.scalar(
        select(Person.supervisor_id).where(Person.team_id == team_id, Person.user_id == user_id)
    )


def cover_of(session: Session, team_id: str, owner_id: str, now: datetime) -> str | None:
    """Who covers for `owner_id` now: their cover, else their supervisor; None if not away."""
    away = active_away(session, team_id, owner_id, now)
    if away is None:
        return None
    return away.cover_id or _supervisor(session, team_id, owner_id)


def recipient_for(session: Session, team_id: str, owner_id: str, now: datetime) -> Recipient:
    """Who gets the owner's heads-ups, nudges and check-ins now."""
    cover = cover_of(session, team_id, owner_id, now)
    if cover is None or cover == owner_id:
        return Recipient(owner_id)
    return Recipient(cover, covering_for=owner_id)


def is_covering(session: Session, team_id: str, owner_id: str, user_id: str, now: datetime) -> bool:
    return cover_of(session, team_id, owner_id, now) == user_id


def summary_key(away: AwayPeriod) -> str:
    return f"away:{away.id}:return_summary"


def _plan_summary(session: Session, away: AwayPeriod, due: datetime, now: datetime) -> None:
    """One DM when the away ends; moved (not doubled) when the end moves."""
    key = summary_key(away)
    existing = session.scalar(
        select(Delivery).where(Delivery.team_id == away.team_id, Delivery.key == key)
    )
    if existing is not None:
        if existing.status == DeliveryStatus.PENDING:
            existing.due_at = due
            outbox.wake(session)  # the sender looks again at what is due
        return
    outbox.write(
        session,
        [
            outbox.row(
                away.team_id,
                Step.RETURN_SUMMARY,
                key,
                now,
                recipient_id=away.user_id,
                away_id=away.id,
                due_at=due,
            )
        ],
    )


def set_away(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    until: datetime | None,
    cover_id: str | None,
    set_by: str,
    now: datetime,
    source: AwaySource = AwaySource.COMMAND,
) -> AwayPeriod:
    """Start (or change) `user_id`'s away until `until`. One active away per person: a new
    one replaces the current one, keeping its start."""
    if until is not None and until <= now:
        raise InvalidInput("That's already in the past. Until when will they be away?")
    if until is not None and until - now > MAX_AWAY:
        raise InvalidInput("That's more than a year away. Pick a return date within a year.")
    if cover_id == user_id:
        raise InvalidInput("Someone can't cover for themselves. Pick a colleague, or no one.")
    current = active_away(session, team_id, user_id, now)
    if current is not None:
        current.ends_at = until
        current.cover_id = cover_id
        current.set_by = set_by
        current.source = source
        away = current
    else:
        away = AwayPeriod(
            team_id=team_id,
            user_id=user_id,
            starts_at=now,
            ends_at=until,
            ended_at=None,
            cover_id=cover_id,
            set_by=set_by,
            source=source,
            created_at=now,
        )
        session.add(away)
        session.flush()
    if until is not None:
        _plan_summary(session, away, until, now)
    return away


def end_away(session: Session, *, team_id: str, user_id: str, now: datetime) -> AwayPeriod | None:
    """Back early: the away ends now, and the return summary goes out now."""
    away = active_away(session, team_id, user_id, now)
    if away is None:
        return None
    away.ended_at = now
    _plan_summary(session, away, now, now)
    return away


def away_window(away: AwayPeriod) -> tuple[datetime, datetime]:
    end = away.ended_at or away.ends_at or away.starts_at
    if away.ended_at is not None and away.ends_at is not None:
        end = min(away.ended_at, away.ends_at)
    return away.starts_at, end


def cancel_pending_summary(session: Session, away: AwayPeriod) -> None:
    session.execute(
        update(Delivery)
        .where(
            Delivery.team_id == away.team_id,
            Delivery.key == summary_key(away),
            Delivery.status == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.SKIPPED)
    )


# ------------------------------------------------------------------- away from a Slack status

_AWAY_EMOJI = frozenset(
    {
        ":palm_tree:",
        ":airplane:",
        ":desert_island:",
        ":beach_with_umbrella:",
        ":face_with_thermometer:",
        ":thermometer:",
        ":baby:",
        ":house_with_garden:",
        ":no_entry:",
    }
)
_AWAY_TEXT = re.compile(
    r"\b(?:out\s+of\s+(?:the\s+)?office|ooo|o\.o\.o\.|on\s+(?:vacation|holiday|leave|pto)|"
    r"vacation(?:ing)?|holidays?|annual\s+leave|parental\s+leave|maternity|paternity|"
    r"sick(?:\s+(?:leave|day))?|off\s+sick|pto|away\s+until|back\s+on)\b",
    re.IGNORECASE,
)


def status_says_away(profile: dict[str, Any], now: datetime) -> tuple[bool, datetime | None]:
    """(away?, until) from a Slack profile's status_text, status_emoji, status_expiration.

    An expiration of 0 means the status does not expire; an expired status is no status."""
    text = str(profile.get("status_text") or "")
    emoji = str(profile.get("status_emoji") or "")
    expiration = int(profile.get("status_expiration") or 0)
    until = datetime.fromtimestamp(expiration, UTC) if expiration > 0 else None
    if until is not None and until <= now:
        return False, None
    away = emoji in _AWAY_EMOJI or bool(_AWAY_TEXT.search(text))
    return away, until if away else None


def sync_status(
    session: Session, team_id: str, user_id: str, profile: dict[str, Any], now: datetime
) -> AwayPeriod | None:
    """Follow an out-of-office Slack status: start or move an away from it, and end the one it
    started once the status is cleared. An away set by command is left alone. A status set
    to expire more than MAX_AWAY ahead (or never) makes an away with no end: the status is
    read again before each reminder, and the away ends when the status goes."""
    away, until = status_says_away(profile, now)
    if until is not None and until - now > MAX_AWAY:
        until = None
    current = active_away(session, team_id, user_id, now)
    if current is not None and current.source == AwaySource.COMMAND:
        return current
    if not away:
        if current is not None:  # the status was cleared before it expired
            return end_away(session, team_id=team_id, user_id=user_id, now=now)
        return None
    if current is not None and current.ends_at == until:
        return current
    return set_away(
        session,
        team_id=team_id,
        user_id=user_id,
        until=until,
        cover_id=current.cover_id if current is not None else None,
        set_by=user_id,
        now=now,
        source=AwaySource.SLACK_STATUS,
    )
