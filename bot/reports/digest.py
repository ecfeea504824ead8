"""The weekly digest for supervisors: when it is due, and what it says.

Each supervisor gets one digest a week (KEPT_DIGEST, default Monday 09:00 in their own time
zone), planned as a Delivery row keyed by supervisor and ISO week, so it rides the same
exactly-once delivery machinery as nudges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import outbox
from bot.language.workdays import zone
from bot.promises.service import count_open, open_promises, reports_of
from bot.promises.views import PromiseView, views_of
from bot.reports.chart import TEAM
from bot.reports.service import Report, build_report
from bot.settings import DigestSchedule
from bot.store.models import Person, Promise, Step

# the overdue promises a digest lists with buttons (the rest are counted and pointed to)
DIGEST_OVERDUE = 10


@dataclass
class Digest:
    supervisor_id: str
    tz: str
    now: datetime
    last_week: Report
    week_before: Report
    overdue: list[PromiseView]  # the most overdue first, as many as the message shows
    overdue_total: int = 0  # how many are overdue in all (a count query)


def digest_slot(now: datetime, tz: str, schedule: DigestSchedule) -> tuple[str, datetime]:
    """(ISO week label, the UTC moment of this week's digest in the zone `tz`)."""
    local = now.astimezone(zone(tz))
    monday = local.date() - timedelta(days=local.weekday())
    day = monday + timedelta(days=schedule.weekday)
    due = datetime.combine(day, schedule.at, tzinfo=zone(tz)).astimezone(UTC)
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}", due


def _week_start(now: datetime, tz: str) -> datetime:
    """Monday 00:00 of this week in the zone `tz`, in UTC."""
    local = now.astimezone(zone(tz))
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, datetime.min.time(), tzinfo=zone(tz)).astimezone(UTC)


def digest_key(supervisor_id: str, week: str) -> str:
    return f"digest:{supervisor_id}:{week}"


def plan_digests(session: Session, now: datetime, schedule: DigestSchedule) -> int:
    """Make sure every supervisor has this week's digest planned (and its chart beside it);
    returns how many digests were added.

    Safe to call from several processes at once: the key is unique and a second insert of the
    same key does nothing.
    """
    supervisors = session.execute(
        select(Person.team_id, Person.supervisor_id)
        .where(Person.supervisor_id.is_not(None))
        .distinct()
    ).all()
    if not supervisors:
        return 0
    zones = {
        (p.team_id, p.user_id): p.tz
        for p in session.scalars(
            select(Person).where(Person.user_id.in_({s for _t, s in supervisors}))
        )
    }
    # a digest tells about last week: none until Kept was in use last week (a fresh install
    # would send an all-zero "last week"): the workspace's first promise came before this
    # week began in the supervisor's zone
    first_promise = dict(
        session.execute(
            select(Promise.team_id, func.min(Promise.created_at)).group_by(Promise.team_id)
        ).all()
    )
    digests: list[dict[str, object]] = []
    charts: list[dict[str, object]] = []
    for team_id, supervisor_id in supervisors:
        if supervisor_id is None:
            continue
        tz = zones.get((team_id, supervisor_id)) or "UTC"
        week, due = digest_slot(now, tz, schedule)
        first = first_promise.get(team_id)
        if first is not None and first.tzinfo is None:
            first = first.replace(tzinfo=UTC)
        if first is None or first >= _week_start(now, tz):
            continue
        key = digest_key(supervisor_id, week)
        digests.append(
            outbox.row(team_id, Step.DIGEST, key, now, recipient_id=supervisor_id, due_at=due)
        )
        # the team's kept-rate chart rides with the digest (bot.reports.chart)
        charts.append(
            outbox.row(
                team_id,
                Step.CHART,
                f"chart:{key}",
                now,
                recipient_id=supervisor_id,
                about_id=TEAM,
                due_at=due,
            )
        )
    added = outbox.write_new(session, digests, wake=False)
    outbox.write_new(session, charts, wake=False)
    return added


def supervisors_without_zone(session: Session) -> list[tuple[str, str]]:
    """(team, supervisor) pairs whose time zone Kept has not fetched yet."""
    known = select(Person.team_id, Person.user_id).where(Person.tz.is_not(None))
    pairs = session.execute(
        select(Person.team_id, Person.supervisor_id)
        .where(Person.supervisor_id.is_not(None))
        .distinct()
    ).all()
    have = {(t, u) for t, u in session.execute(known).all()}
    return [(t, s) for t, s in pairs if s is not None and (t, s) not in have]


def build_digest(
    session: Session, team_id: str, supervisor_id: str, *, tz: str, now: datetime
) -> Digest:
    """Last week (Monday to Monday in the supervisor's zone), the week before, and what is
    still overdue."""
    local = now.astimezone(zone(tz))
    this_monday = datetime.combine(
        local.date() - timedelta(days=local.weekday()), datetime.min.time(), tzinfo=zone(tz)
    )
    last_monday = (this_monday - timedelta(days=7)).replace(tzinfo=zone(tz))
    before_monday = (this_monday - timedelta(days=14)).replace(tzinfo=zone(tz))
    reports = reports_of(session, team_id, supervisor_id)
    last_week = build_report(
        session,
        team_id,
        since=last_monday.astimezone(UTC),
        until=this_monday.astimezone(UTC),
        owners=reports,
    )
    week_before = build_report(
        session,
        team_id,
        since=before_monday.astimezone(UTC),
        until=last_monday.astimezone(UTC),
        owners=reports,
    )
    overdue = open_promises(session, team_id, reports, now, limit=DIGEST_OVERDUE, overdue_only=True)
    _open, overdue_total = count_open(session, team_id, reports, now)
    return Digest(
        supervisor_id=supervisor_id,
        tz=tz,
        now=now,
        last_week=last_week,
        week_before=week_before,
        overdue=views_of(overdue),
        overdue_total=overdue_total,
    )
