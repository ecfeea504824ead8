"""Away and cover through the real surfaces (SPEC §2.1, §3): signed /promise commands and
buttons, the scheduler against the fake Slack, both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.slack import messages as blocks
from scheduler.passes import run_pass
from tests.conftest import LEAD, OTHER, OWNER, BotServer, Clock, message_text
from tests.slackreq import block_action_payload
from tests.test_capture import open_home
from tests.test_checkins import only_promise
from tests.test_scheduler import key_counts, supervise

LA = ZoneInfo("America/Los_Angeles")


def la(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LA).astimezone(UTC)


def tick(bot: BotServer, clock: Clock, moment: datetime) -> None:
    """Move the clock and deliver what is due (the bot's own sender, woken by a change just
    before, may be the one that claims it: wait for it too)."""
    clock.set(moment)
    run_pass(bot.runtime)
    bot.settle(quiet=0.1)


def texts(bot: BotServer, user: str) -> list[str]:
    return [str(m.get("text")) for m in bot.fake.messages_to(user)]


def test_a_promise_due_while_away_reaches_the_cover_who_can_act_on_it(
    bot: BotServer, clock: Clock
) -> None:
    supervise(bot.runtime)
    bot.command("call Jane Doe back about the supervisor role by Friday 5pm")
    promise = only_promise(bot)
    reply = message_text(bot.command(f"away Dec 4 <@{OTHER}>"))
    assert "away until Fri 4 Dec, 17:00 PST" in reply and f"<@{OTHER}>" in reply

    tick(bot, clock, la(2026, 11, 27, 17, 1))
    assert not any("nudge" in t for t in texts(bot, OWNER))
    covered = [t for t in texts(bot, OTHER) if "Covering for" in t]
    assert len(covered) == 1 and f"<@{OWNER}>" in covered[0] and "nudge" in covered[0]
    # the escalation still goes to the owner's supervisor
    tick(bot, clock, la(2026, 11, 28, 17, 2))
    assert any("overdue" in t for t in texts(bot, LEAD))

    # the cover presses Kept as the owner would
    pressed = bot.interact(
        block_action_payload(action_id=blocks.KEPT, value=str(promise.id), user_id=OTHER)
    )
    assert pressed.status == 200
    bot.settle()
    assert only_promise(bot).status == "kept"


def test_back_early_sends_one_return_summary_and_reminders_go_to_the_owner_again(
    bot: BotServer, clock: Clock
) -> None:
    supervise(bot.runtime)
    bot.command(f"away Dec 11 <@{OTHER}>")
    bot.command("send Acme the revised quote by tomorrow")
    tick(bot, clock, la(2026, 11, 26, 17, 1))
    assert any("Covering for" in t for t in texts(bot, OTHER))

    clock.set(la(2026, 11, 30, 9, 0))
    assert "Welcome back" in message_text(bot.command("back"))
    bot.command("refund order 1182 for Mrs. Lee by EOD")
    for _ in range(2):
        tick(bot, clock, la(2026, 11, 30, 9, 1))
    summaries = [t for t in texts(bot, OWNER) if "While you were away" in t]
    assert len(summaries) == 1
    summary = message_text(bot.fake.messages_to(OWNER)[-1])
    assert "covering" in summary and f"<@{OTHER}>" in summary
    tick(bot, clock, la(2026, 11, 30, 17, 1))
    assert any("nudge" in t and "Covering" not in t for t in texts(bot, OWNER))
    # the return summary's own row, planned for Dec 11, was moved, not doubled
    tick(bot, clock, la(2026, 12, 11, 17, 1))
    assert sum(1 for k in key_counts(bot.fake) if k.endswith("return_summary")) == 1
    for call in bot.fake.calls("chat.postMessage"):  # the cycle as posted, for the report
        if call.ok:
            print(call.params["channel"], "|", message_text(call.params).replace("\n", " / ")[:300])


def test_an_out_of_office_status_makes_the_supervisor_cover_until_it_expires(
    bot: BotServer, clock: Clock
) -> None:
    supervise(bot.runtime)
    bot.command("call Jane Doe back about the supervisor role by Friday 5pm")
    bot.command("send Acme the revised quote by Dec 8")
    expires = la(2026, 12, 1, 9, 0)
    bot.fake.set_status(OWNER, ":palm_tree: Vacation", ":palm_tree:", int(expires.timestamp()))
    tick(bot, clock, la(2026, 11, 27, 17, 1))
    lead_dms = [t for t in texts(bot, LEAD) if "Covering for" in t]
    assert len(lead_dms) == 1  # no cover set: the supervisor covers
    assert not any("nudge" in t for t in texts(bot, OWNER))
    # after the status expires, the owner gets their own reminders again, and one summary
    tick(bot, clock, expires + timedelta(minutes=10))
    tick(bot, clock, la(2026, 12, 8, 17, 1))
    assert any("nudge" in t and "Covering" not in t for t in texts(bot, OWNER))
    assert sum(1 for t in texts(bot, OWNER) if "While you were away" in t) == 1


def test_away_for_someone_else_needs_their_supervisor_and_a_cover_who_can_receive(
    bot: BotServer,
) -> None:
    supervise(bot.runtime)
    refused = message_text(bot.command(f"away <@{OWNER}> Dec 4", user=OTHER))
    assert "supervisor or an admin" in refused
    allowed = message_text(bot.command(f"away <@{OWNER}> Dec 4", user=LEAD))
    assert f"<@{OWNER}> is away" in allowed
    bot.fake.add_user("U0BOT", name="somebot", is_bot=True)
    no_bot = message_text(bot.command("away Dec 4 <@U0BOT>"))
    assert "can't cover" in no_bot
    assert "couldn't tell" in message_text(bot.command("away whenever"))


def test_home_tabs_show_the_rhythm_the_away_and_who_covers_and_im_back_ends_it(
    bot: BotServer, clock: Clock
) -> None:
    supervise(bot.runtime)
    bot.command("keep Acme posted every Friday until Dec 18")
    bot.command(f"away Dec 11 <@{OTHER}>")
    home = open_home(bot, OWNER)
    text = message_text(home)
    assert "every Friday" in text and "next check-in Fri 27 Nov, 17:00 PST" in text
    buttons = {
        e["action_id"] for b in home["blocks"] if b["type"] == "actions" for e in b["elements"]
    }
    assert {blocks.UPDATED, blocks.SKIP_CHECK_IN, blocks.BACK} <= buttons
    assert "You're away until Fri 11 Dec, 17:00 PST" in text and f"<@{OTHER}> covers" in text
    lead_home = message_text(open_home(bot, LEAD))
    team = lead_home[lead_home.index("Your team") :]  # in the lead's own zone
    assert f"<@{OWNER}> is away until Sat 12 Dec, 02:00 CET — <@{OTHER}> covers" in team

    # I'm back, pressed on the Home tab: committed, then the tab is republished without it
    clock.set(la(2026, 11, 30, 10, 0))
    bot.fake.clear()
    pressed = bot.interact(
        block_action_payload(
            action_id=blocks.BACK, value="back", user_id=OWNER, view={"type": "home"}
        )
    )
    assert pressed.status == 200
    call = bot.fake.wait_for("views.publish", where=lambda c: c.params.get("user_id") == OWNER)
    assert "You're away" not in message_text(call[-1].params["view"])
    # the summary is one of the DMs the return causes; wait for it, not for the first of them
    bot.fake.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.ok
            and c.params.get("channel") == OWNER
            and "While you were away" in message_text(c.params)
        ),
    )
    bot.settle()
    assert sum(1 for t in texts(bot, OWNER) if "While you were away" in t) == 1


def test_a_status_expiring_in_two_years_makes_an_away_with_no_end_and_stalls_nobody(
    bot: BotServer, clock: Clock
) -> None:
    """A :palm_tree: status set to expire two years out is more than Kept's year-long cap:
    the owner is away with no end (their status is read again before each reminder), and
    the pass goes on with everyone else's reminders."""
    from sqlalchemy import select

    from bot.store.models import AwayPeriod, AwaySource, Delivery, DeliveryStatus

    supervise(bot.runtime)
    bot.command("call Jane Doe back about the supervisor role by Friday 5pm")
    bot.command("send Acme the revised quote by Friday 5pm", user=OTHER)
    expires = clock() + timedelta(days=730)
    bot.fake.set_status(OWNER, ":palm_tree: Sabbatical", ":palm_tree:", int(expires.timestamp()))
    tick(bot, clock, la(2026, 11, 27, 17, 1))
    assert any("Acme" in t for t in texts(bot, OTHER))  # the other owner's nudge went out
    assert any("Covering for" in t for t in texts(bot, LEAD))  # the supervisor covers
    assert not any("Jane Doe" in t for t in texts(bot, OWNER))
    with bot.runtime.readers() as session:
        away = session.scalars(select(AwayPeriod).where(AwayPeriod.user_id == OWNER)).one()
        stuck = session.scalars(
            select(Delivery.key).where(Delivery.status == DeliveryStatus.SENDING)
        ).all()
    assert away.source == AwaySource.SLACK_STATUS and away.ends_at is None
    assert stuck == []  # nothing sits claimed


def test_a_cover_cannot_hand_the_promise_to_themselves_but_the_supervisor_can(
    bot: BotServer,
) -> None:
    supervise(bot.runtime)
    bot.command("call Jane Doe back about the supervisor role by Friday 5pm")
    promise = only_promise(bot)
    bot.command(f"away Dec 4 <@{OTHER}>")
    refused = message_text(bot.command(f"handoff {promise.id} <@{OTHER}|otto>", user=OTHER))
    assert "You're covering for" in refused and "goes back to them when they return" in refused
    assert only_promise(bot).owner_id == OWNER
    # the cover may still pass it to someone else, as the owner could; the supervisor may
    # give it to the cover for good
    given = message_text(bot.command(f"handoff {promise.id} <@{OTHER}|otto>", user=LEAD))
    assert f"<@{OTHER}>" in given and only_promise(bot).owner_id == OTHER
