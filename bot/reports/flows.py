"""`/promise report [@user|team|everyone] [days]` (SPEC §6): supervisors for their reports,
admins for anyone. Takes a session, who is acting and plain values; returns the reply (the
chart, when one is drawn, follows through the outbox)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from bot.language.commands import ReportScope
from bot.people.acting import Acting
from bot.people.profiles import FetchUser, get_person
from bot.promises.service import InvalidInput, NotAllowed, reports_of
from bot.reply import Reply
from bot.reports.chart import EVERYONE, TEAM, send_chart
from bot.reports.service import build_report
from bot.slack import messages
from bot.slack.messages.charts import with_chart_note


def report(
    session: Session,
    who: Acting,
    *,
    days: int,
    scope: ReportScope | None,
    owner: str | None,
    fetch: FetchUser | None,
) -> Reply:
    """The report over the last `days` days: by default a supervisor's team, or everyone for
    an admin. `owner`: whose record (scope PERSON); `fetch` answers for them (asked before
    the transaction)."""
    actor, team_id, now = who.actor, who.team_id, who.now
    team = reports_of(session, team_id, actor.user_id)
    if scope is None:
        if actor.is_admin:
            scope = ReportScope.EVERYONE
        elif team:
            scope = ReportScope.TEAM
        else:
            raise NotAllowed(
                "Reports are for supervisors and admins, and nobody reports to you in Kept "
                "yet. `/promise report @you` shows your own record."
            )
    owners: list[str] | None
    match scope:
        case ReportScope.EVERYONE:
            if not actor.is_admin:
                raise NotAllowed(
                    "Only admins can see everyone's report. `/promise report team` shows yours."
                )
            owners, title, about = None, "Everyone", EVERYONE
        case ReportScope.TEAM:
            if not team:
                raise InvalidInput(
                    "Nobody reports to you in Kept yet, so there's no team to report on. An "
                    "admin can set it with `/promise supervisor @rep @you`."
                )
            owners, title, about = sorted(team), "Your team", TEAM
        case ReportScope.PERSON:
            if owner is None:
                raise InvalidInput(
                    "Usage: `/promise report [@user|team|everyone] [days]`, e.g. "
                    "`/promise report team 30`."
                )
            if not (actor.is_admin or owner == actor.user_id or owner in team):
                raise NotAllowed(f"Only <@{owner}>'s supervisor or an admin can see their report.")
            person = get_person(session, team_id, owner, fetch=fetch, now=now)
            owners, about = [owner], owner
            title = (
                "Your record"
                if owner == actor.user_id
                else (person.name if person is not None and person.name else owner)
            )
    built = build_report(
        session, team_id, since=now - timedelta(days=days), until=now, owners=owners
    )
    coming = send_chart(session, team_id, actor.user_id, about, now)
    return Reply(with_chart_note(messages.report_message(built, title, who.tz, now=now), coming))
