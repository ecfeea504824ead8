"""Reports (bot/reports.py and `/promise report`) against a hand-built history, both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.people.acting import Actor
from bot.people.profiles import set_supervisor
from bot.promises.service import (
    NewPromise,
    close_promise,
    create_promise,
    extend_promise,
    hand_off,
)
from bot.promises.steps import Timing
from bot.reports.service import build_report, csv_rows, text_table
from bot.runtime import Runtime
from bot.store.models import Status
from tests.conftest import ADMIN, LEAD, OTHER, OWNER, TEAM, BotServer, Clock, message_text

SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = datetime(2026, 11, 8, tzinfo=UTC)


def at(day: int, hour: int = 12, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def build_history(runtime: Runtime) -> dict[str, int]:
    """OWNER and LEAD's promises, each closed (or not) at a chosen moment. Returns their ids."""
    ids: dict[str, int] = {}
    owner, lead = Actor(OWNER), Actor(LEAD)
    with runtime.sessions.begin() as session:

        def make(name: str, created: datetime, deadline: datetime, who: str = OWNER) -> int:
            promise = create_promise(
                session,
                NewPromise(
                    team_id=TEAM,
                    owner_id=who,
                    created_by=who,
                    description=name,
                    now=created,
                    timing=Timing(),
                ),
                deadline=deadline,
            )
            session.flush()
            ids[name] = promise.id
            return promise.id

        def close(name: str, outcome: Status, when: datetime, actor: Actor = owner) -> None:
            close_promise(
                session,
                team_id=TEAM,
                promise_id=ids[name],
                actor=actor,
                outcome=outcome,
                note="reason" if outcome is Status.BROKEN else None,
                now=when,
            )

        make("on time", at(2, 10), at(3, 17))
        close("on time", Status.KEPT, at(3, 12))
        make("2 h late", at(2, 10), at(3, 17))
        close("2 h late", Status.KEPT, at(3, 19))
        make("1 day late", at(2, 10), at(4, 17))
        close("1 day late", Status.KEPT, at(5, 17))
        make("broken", at(2, 10), at(4, 17))
        close("broken", Status.BROKEN, at(4, 18))
        make("cancelled", at(2, 10), at(4, 17))
        close("cancelled", Status.CANCELLED, at(3, 9))
        make("open overdue", at(3, 10), at(6, 17))
        make("open", at(3, 10), at(10, 17))
        make("extended", at(2, 10), at(3, 17))
        extend_promise(
            session,
            team_id=TEAM,
            promise_id=ids["extended"],
            actor=owner,
            new_deadline=at(6, 17),
            note=None,
            now=at(3, 16),
            timing=Timing(),
        )
        close("extended", Status.KEPT, at(5, 12))  # late for the first deadline, not the final
        make("made before, 3 days late", at(25, 10, month=10), at(30, 17, month=10))
        close("made before, 3 days late", Status.KEPT, at(2, 17))
        make("made after the window", at(9, 10), at(12, 17))
        make("closed before the window", at(20, 10, month=10), at(22, 17, month=10))
        close("closed before the window", Status.KEPT, at(22, 10, month=10))
        # handed off to LEAD, who keeps it: it counts for LEAD, including being made
        make("handed off", at(2, 10), at(5, 17))
        hand_off(
            session,
            team_id=TEAM,
            promise_id=ids["handed off"],
            actor=owner,
            new_owner_id=LEAD,
            now=at(3, 10),
        )
        close("handed off", Status.KEPT, at(4, 10), actor=lead)
        # LEAD's own: open and overdue at the end of the window, kept only after it
        make("kept after the window", at(6, 10), at(7, 12), who=LEAD)
        close("kept after the window", Status.KEPT, at(9, 10), actor=lead)
        set_supervisor(session, TEAM, OWNER, LEAD)
    return ids


def test_figures_per_owner_and_in_total(runtime: Runtime) -> None:
    build_history(runtime)
    with runtime.sessions() as session:
        report = build_report(session, TEAM, since=SINCE, until=UNTIL)
    by_owner = {line.user_id: line.figures for line in report.lines}
    assert set(by_owner) == {OWNER, LEAD}
    mine = by_owner[OWNER]
    assert (
        mine.made,
        mine.kept_on_time,
        mine.kept_late,
        mine.broken,
        mine.cancelled,
        mine.open,
        mine.overdue,
    ) == (8, 2, 3, 1, 1, 2, 1)
    assert sorted(mine.lateness) == [timedelta(hours=2), timedelta(days=1), timedelta(days=3)]
    assert mine.median_late == timedelta(days=1)
    assert mine.worst_late == timedelta(days=3)
    assert mine.on_time_rate == 2 / 6
    lead = by_owner[LEAD]
    assert (
        lead.made,
        lead.kept_on_time,
        lead.kept_late,
        lead.broken,
        lead.cancelled,
        lead.open,
        lead.overdue,
    ) == (2, 1, 0, 0, 0, 1, 1)
    assert lead.median_late is None and lead.on_time_rate == 1.0
    total = report.total
    assert (
        total.made,
        total.kept_on_time,
        total.kept_late,
        total.broken,
        total.cancelled,
        total.open,
        total.overdue,
    ) == (10, 3, 3, 1, 1, 3, 2)
    assert total.median_late == timedelta(days=1) and total.worst_late == timedelta(days=3)
    assert total.on_time_rate == 3 / 7


def test_asking_for_named_owners_lists_them_even_with_nothing(runtime: Runtime) -> None:
    build_history(runtime)
    with runtime.sessions() as session:
        report = build_report(session, TEAM, since=SINCE, until=UNTIL, owners=[LEAD, OTHER])
        other_team = build_report(session, "T0OTHERTEAM", since=SINCE, until=UNTIL)
    assert [line.user_id for line in report.lines] == [LEAD, OTHER]
    assert report.lines[1].figures.empty and report.lines[1].figures.on_time_rate is None
    assert report.total.made == 2
    assert other_team.lines == [] and other_team.total.made == 0


def test_text_table_and_csv(runtime: Runtime) -> None:
    build_history(runtime)
    with runtime.sessions() as session:
        report = build_report(session, TEAM, since=SINCE, until=UNTIL)
    table = text_table(report)
    assert "2026-11-01 00:00 to 2026-11-08 00:00 UTC" in table
    total = [line for line in table.splitlines() if line.startswith("TOTAL")][0]
    assert total.split() == ["TOTAL", "10", "3", "3", "1d00h", "3d00h", "1", "1", "3", "2", "43%"]
    rows = csv_rows(report)
    assert rows[0][:3] == ["owner_id", "name", "made"]
    assert rows[-1] == [
        "TOTAL",
        "",
        "10",
        "3",
        "3",
        "86400",
        "259200",
        "1",
        "1",
        "3",
        "2",
        "0.4286",
    ]


def test_report_command_for_a_supervisor(bot: BotServer, clock: Clock) -> None:
    build_history(bot.runtime)
    clock.set(UNTIL)
    reply = bot.command("report", user=LEAD)
    text = message_text(reply)
    assert reply["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Your team — last 7 days"},
    }
    # LEAD's team is OWNER alone
    assert f"<@{OWNER}>" in text and f"*<@{LEAD}>*" not in text
    assert (
        "8 made · 2 kept on time · 3 late (median 1 day, worst 3 days) · 1 broken · "
        "1 cancelled · 2 open, 1 overdue · *33% on time*"
    ) in text
    fields = [b for b in reply["blocks"] if b.get("fields")][0]["fields"]
    assert {"type": "mrkdwn", "text": "*On time*\n33%"} in fields
    same = message_text(bot.command("report team 7", user=LEAD))
    assert "8 made" in same


def test_report_command_for_an_admin_shows_everyone(bot: BotServer, clock: Clock) -> None:
    build_history(bot.runtime)
    clock.set(UNTIL)
    reply = bot.command("report", user=ADMIN)
    text = message_text(reply)
    assert "Everyone — last 7 days" in text
    fields = [b for b in reply["blocks"] if b.get("fields")][0]["fields"]
    assert [f["text"] for f in fields] == [
        "*Made*\n10",
        "*Kept on time*\n3",
        "*Kept late*\n3 (median 1 day, worst 3 days)",
        "*Broken*\n1",
        "*Cancelled*\n1",
        "*Open*\n3 (2 overdue)",
        "*On time*\n43%",
    ]
    lead_line = (
        f"*<@{LEAD}>* — 2 made · 1 kept on time · 0 late · 0 broken · 0 cancelled · "
        "1 open, 1 overdue · *100% on time*"
    )
    assert lead_line in text
    one_day = message_text(bot.command(f"report <@{LEAD}|lena> 1", user=ADMIN))
    # the last day (7 Nov) holds nothing of LEAD's but the open, overdue promise
    assert "Lena Lead — last 1 day" in one_day
    assert (
        "0 made · 0 kept on time · 0 late · 0 broken · 0 cancelled · 1 open, 1 overdue" in one_day
    )


def test_who_may_see_which_report(bot: BotServer, clock: Clock) -> None:
    build_history(bot.runtime)
    clock.set(UNTIL)
    nobody = message_text(bot.command("report", user=OTHER))
    assert "Reports are for supervisors and admins" in nobody
    assert "Only" in message_text(bot.command(f"report <@{OWNER}>", user=OTHER))
    assert "Only admins" in message_text(bot.command("report everyone", user=LEAD))
    own = message_text(bot.command(f"report <@{OWNER}> 7", user=OWNER))
    assert "Your record — last 7 days" in own and "8 made" in own
    assert "from 1 to 366" in message_text(bot.command("report 0", user=ADMIN))
    assert "8 made" in message_text(bot.command(f"report <@{OWNER}>", user=LEAD))


def test_a_promise_that_starts_with_report_is_still_a_promise(bot: BotServer) -> None:
    reply = bot.command("report the outage to Acme by tomorrow")
    assert "hold you to this" in message_text(reply)
