"""What App Home shows each person: their promises, their team's, and the admin overview."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.channels.service import team_settings
from bot.channels.views import ChannelView, channel_views
from bot.noticing.service import watched_channels
from bot.people.away import active_away, away_people, cover_of
from bot.people.directory import supervisor_pairs
from bot.promises.service import count_open, open_promises, reports_of
from bot.promises.views import PromiseView, views_of
from bot.store.models import Promise, Status

# own promises the Home tab lists with buttons (two blocks each; a tab holds 100)
HOME_SHOWN = 15


@dataclass(frozen=True)
class Record:
    """The last-30-days record of one owner."""

    made: int = 0
    kept_on_time: int = 0
    kept_late: int = 0
    broken: int = 0


@dataclass(frozen=True)
class ReportLine:
    user_id: str
    open: int
    overdue: int


@dataclass
class HomeData:
    user_id: str
    tz: str
    now: datetime
    mine: list[PromiseView] = field(default_factory=list)  # the most urgent first
    mine_total: int = 0  # open in all (a count query), and of those overdue
    mine_overdue: int = 0
    record: Record = Record()
    team: list[ReportLine] = field(default_factory=list)
    is_admin: bool = False
    supervisors: list[tuple[str, str]] = field(default_factory=list)
    channels: list[ChannelView] = field(default_factory=list)
    # admins: the watched channels (SPEC §2.5): how many in all, and (id, other org) of the
    # most recent
    watched: tuple[int, list[tuple[str, str | None]]] = (0, [])
    # (until, cover) while this person is away; the away people of their team (with covers)
    away: tuple[datetime | None, str | None] | None = None
    team_away: list[tuple[str, datetime | None, str | None]] = field(default_factory=list)


def record_of(
    session: Session, team_id: str, user_id: str, now: datetime, days: int = 30
) -> Record:
    since = now - timedelta(days=days)
    made = session.scalar(
        select(func.count())
        .select_from(Promise)
        .where(Promise.team_id == team_id, Promise.owner_id == user_id, Promise.created_at >= since)
    )
    closed = list(
        session.execute(
            select(Promise.status, Promise.closed_at, Promise.deadline).where(
                Promise.team_id == team_id, Promise.owner_id == user_id, Promise.closed_at >= since
            )
        )
    )
    kept = [(c, d) for s, c, d in closed if s == Status.KEPT and c is not None]
    return Record(
        made=int(made or 0),
        kept_on_time=sum(1 for c, d in kept if c <= d),
        kept_late=sum(1 for c, d in kept if c > d),
        broken=sum(1 for s, _c, _d in closed if s == Status.BROKEN),
    )


def team_lines(
    session: Session, team_id: str, supervisor_id: str, now: datetime
) -> list[ReportLine]:
    lines = []
    for report in sorted(reports_of(session, team_id, supervisor_id)):
        base = (
            select(func.count())
            .select_from(Promise)
            .where(
                Promise.team_id == team_id,
                Promise.owner_id == report,
                Promise.status == Status.OPEN,
            )
        )
        lines.append(
            ReportLine(
                user_id=report,
                open=int(session.scalar(base) or 0),
                overdue=int(session.scalar(base.where(Promise.deadline <= now)) or 0),
            )
        )
    return lines


def home_data(
    session: Session, team_id: str, user_id: str, *, tz: str, is_admin: bool, now: datetime
) -> HomeData:
    data = HomeData(user_id=user_id, tz=tz, now=now, is_admin=is_admin)
    data.mine = views_of(open_promises(session, team_id, [user_id], now, limit=HOME_SHOWN))
    data.mine_total, data.mine_overdue = count_open(session, team_id, [user_id], now)
    data.record = record_of(session, team_id, user_id, now)
    data.team = team_lines(session, team_id, user_id, now)
    mine = active_away(session, team_id, user_id, now)
    if mine is not None:
        data.away = (mine.ends_at, cover_of(session, team_id, user_id, now))
    data.team_away = [
        (a.user_id, a.ends_at, a.cover_id or user_id)
        for a in away_people(session, team_id, [line.user_id for line in data.team], now)
    ]
    if is_admin:
        data.supervisors = [
            (p.user_id, p.supervisor_id or "") for p in supervisor_pairs(session, team_id)
        ]
        data.channels = channel_views(team_settings(session, team_id))
        total, watches = watched_channels(session, team_id)
        data.watched = (total, [(w.channel_id, w.other_org) for w in watches])
    return data
