"""The kept rate as a picture (SPEC §3): per week, for the last 8 weeks, promises kept on time,
kept late, broken and check-ins missed, for a team (or the whole workspace, for admins).

This module gathers the figures (bot.reports.service counts them, week by week in the
reader's zone) and writes the alt text; bot.reports.chart_png draws the PNG. A team whose
first promise is recent gets only the weeks it has (the current week, still running, always
included); a team with no promise at all gets no chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import outbox
from bot.language.workdays import zone
from bot.people.profiles import find_person
from bot.promises.service import reports_of
from bot.reports.service import build_report
from bot.store.models import Promise, Step

WEEKS = 8
# who a chart is about (the delivery's about_id): a person's id, or one of these
TEAM = "team"  # the reader's reports
EVERYONE = "everyone"  # the whole workspace (admins)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Week:
    monday: date  # the week's first day, in the reader's zone
    kept_on_time: int
    kept_late: int
    broken: int
    check_ins_missed: int
    open: int  # still open at the end of the week (for the current week: now)
    current: bool = False

    @property
    def label(self) -> str:
        return f"{self.monday.day} {_MONTHS[self.monday.month - 1]}"

    def numbers(self) -> tuple[int, int, int, int, int]:
        return (self.kept_on_time, self.kept_late, self.broken, self.check_ins_missed, self.open)


@dataclass(frozen=True)
class Chart:
    """What one chart shows: its title and its weeks, oldest first."""

    title: str
    weeks: tuple[Week, ...]

    def key(self) -> tuple[object, ...]:
        """Everything the picture depends on (the rendering cache's key)."""
        return (self.title, tuple((w.monday, w.current, w.numbers()) for w in self.weeks))


def owners_for(
    session: Session, team_id: str, reader_id: str, about: str | None
) -> list[str] | None:
    """Whose promises a chart counts: the reader's reports (TEAM), everyone (None), or one
    person."""
    if about in (None, TEAM):
        return sorted(reports_of(session, team_id, reader_id))
    if about == EVERYONE:
        return None
    return [about]


def first_promise_at(session: Session, team_id: str, owners: list[str] | None) -> datetime | None:
    """When the first promise of these owners was made (None: they have none)."""
    query = select(func.min(Promise.created_at)).where(Promise.team_id == team_id)
    if owners is not None:
        if not owners:
            return None
        query = query.where(Promise.owner_id.in_(owners))
    found = session.scalar(query)
    if found is not None and found.tzinfo is None:
        found = found.replace(tzinfo=UTC)
    return found


def build_chart(
    session: Session,
    team_id: str,
    owners: list[str] | None,
    *,
    title: str,
    tz: str,
    now: datetime,
    weeks: int = WEEKS,
) -> Chart | None:
    """The last `weeks` weeks (Monday to Monday in `tz`, the current one up to now), from the
    week of the owners' first promise at the earliest; None when they have no promise."""
    first = first_promise_at(session, team_id, owners)
    if first is None:
        return None
    local_zone = zone(tz)
    today = now.astimezone(local_zone).date()
    this_monday = today - timedelta(days=today.weekday())
    first_day = first.astimezone(local_zone).date()
    first_monday = first_day - timedelta(days=first_day.weekday())
    start = max(this_monday - timedelta(weeks=weeks - 1), first_monday)
    shown: list[Week] = []
    monday = start
    while monday <= this_monday:
        since = datetime.combine(monday, datetime.min.time(), tzinfo=local_zone)
        until = datetime.combine(monday + timedelta(days=7), datetime.min.time(), local_zone)
        current = monday == this_monday
        report = build_report(
            session,
            team_id,
            since=since.astimezone(UTC),
            until=now if current else until.astimezone(UTC),
            owners=owners,
        )
        total = report.total
        shown.append(
            Week(
                monday=monday,
                kept_on_time=total.kept_on_time,
                kept_late=total.kept_late,
                broken=total.broken,
                check_ins_missed=total.check_ins_missed,
                open=total.open,
                current=current,
            )
        )
        monday += timedelta(days=7)
    return Chart(title=title, weeks=tuple(shown))


def alt_text(chart: Chart) -> str:
    """The chart in words, every number in it (screen readers; Slack's limit is 1000)."""
    parts = []
    for week in chart.weeks:
        when = f"week of {week.label}" + (" (so far)" if week.current else "")
        counts = (
            f"{week.kept_on_time} kept on time, {week.kept_late} kept late, "
            f"{week.broken} broken, {week.check_ins_missed} check-ins missed"
        )
        if week.current:
            counts += f", {week.open} still open"
        parts.append(f"{when}: {counts}")
    text = f"{chart.title}, per week: " + "; ".join(parts) + "."
    if len(text) > 1000:  # compact form: numbers only, in a stated order
        parts = [
            f"{w.label}: {w.kept_on_time}/{w.kept_late}/{w.broken}/{w.check_ins_missed}"
            for w in chart.weeks
        ]
        text = (
            f"{chart.title}, per week (kept on time/kept late/broken/check-ins missed): "
            + "; ".join(parts)
        )[:1000]
    return text


def chart_for(
    session: Session,
    team_id: str,
    reader_id: str,
    about: str | None,
    *,
    tz: str,
    now: datetime,
) -> Chart | None:
    """The chart a reader gets: about their team (TEAM), the workspace (EVERYONE) or one
    person; None when those people have no promise at all."""
    owners = owners_for(session, team_id, reader_id, about)
    if about in (None, TEAM):
        title = "Your team"
    elif about == EVERYONE:
        title = "Everyone"
    elif about == reader_id:
        title = "Your record"
    else:
        person = find_person(session, team_id, about)
        title = person.name if person is not None and person.name else about
    return build_chart(session, team_id, owners, title=title, tz=tz, now=now)


def send_chart(
    session: Session, team_id: str, reader_id: str, about: str | None, now: datetime
) -> bool:
    """Queue the chart for the reader's DM (an outbox row, delivered by the scheduler) when
    the people it is about have made a promise; returns whether one is on its way."""
    if first_promise_at(session, team_id, owners_for(session, team_id, reader_id, about)) is None:
        return False
    outbox.write(
        session,
        [
            outbox.follow_up(
                team_id, Step.CHART, now, recipient_id=reader_id, about_id=about or TEAM
            )
        ],
    )
    return True
