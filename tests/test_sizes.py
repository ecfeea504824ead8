"""True at any size: big data seeded through the domain functions, acted on through signed
HTTP and the scheduler, every payload checked by the validating fake Slack (tests/blockkit.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.people.profiles import set_supervisor
from bot.promises.service import create_promise
from bot.promises.steps import Timing
from bot.runtime import Runtime
from bot.store.models import Delivery
from scheduler.passes import plan_weekly_digests, run_pass
from tests.conftest import LEAD, OWNER, TEAM, BotServer, Clock, message_text
from tests.fakeslack import FakeSlack
from tests.slackreq import app_home_opened_event, event_body
from tests.test_digest import MONDAY_0900_BERLIN, digests


def seed(runtime: Runtime, clock: Clock, owners: list[str], count: int, *, apart: int = 60) -> None:
    """`count` open promises spread over `owners`, deadlines `apart` minutes apart from an
    hour on."""
    with runtime.sessions.begin() as session:
        for n in range(count):
            create_promise(
                session,
                team_id=TEAM,
                owner_id=owners[n % len(owners)],
                created_by=owners[n % len(owners)],
                description=f"promise {n} & <!channel> for Acme <https://evil.example|x>",
                deadline=clock() + timedelta(hours=1, minutes=apart * n),
                now=clock(),
                timing=Timing(),
            )


def test_a_rep_with_150_open_promises_sees_the_true_total_and_pages_to_the_last(
    bot: BotServer, clock: Clock
) -> None:
    seed(bot.runtime, clock, [OWNER], 150)
    first = message_text(bot.command("list"))
    assert "150 open" in first and "showing 1–20" in first and "page 2" in first
    assert "<!channel>" not in first and "&lt;!channel&gt;" in first
    last = message_text(bot.command("list page 8"))
    assert "showing 141–150" in last and "promise 149 " in last and "Page 8 of 8" in last
    # the Home tab states the total too, and the fake accepted it (it validates every view)
    bot.settle()
    bot.fake.clear()
    reply = bot.post(event_body(app_home_opened_event(OWNER)), content_type="application/json")
    assert reply.status == 200
    [call] = bot.fake.wait_for("views.publish", where=lambda c: c.params.get("user_id") == OWNER)
    assert call.ok, call.response
    assert "150 open" in message_text(call.params["view"])


def test_a_digest_for_40_people_and_300_promises_counts_them_all(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    people = [f"U0REP{n:03d}" for n in range(40)]
    for person in people:
        fake_slack.add_user(person, name=f"Rep {person}", tz="Europe/Berlin")
    with runtime.sessions.begin() as session:
        for person in people:
            set_supervisor(session, TEAM, person, LEAD)
    assert clock() < MONDAY_0900_BERLIN - timedelta(hours=8)
    seed(runtime, clock, people, 300, apart=1)  # all 300 overdue by Monday
    clock.set(MONDAY_0900_BERLIN)
    plan_weekly_digests(runtime)
    run_pass(runtime)
    [digest] = digests(fake_slack)
    text = message_text(digest)
    assert "Still overdue (300):* the 10 most overdue first." in text
    assert "290 more overdue" in text and "/promise list team" in text


def test_a_digest_slack_refuses_is_sent_once_compact_and_never_retried(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    with runtime.sessions.begin() as session:
        set_supervisor(session, TEAM, OWNER, LEAD)
    seed(runtime, clock, [OWNER], 3, apart=1)
    clock.set(MONDAY_0900_BERLIN)
    run_pass(runtime)  # the nudges first: the refusal below is meant for the digest
    plan_weekly_digests(runtime)
    fake_slack.fail_next("chat.postMessage", status=200, error="msg_blocks_too_long")
    run_pass(runtime)
    for _ in range(6):  # six hours of passes: nothing is sent again
        clock.advance(hours=1)
        run_pass(runtime)
    posts = [
        c
        for c in fake_slack.calls("chat.postMessage")
        if "digest:" in str((c.params.get("metadata") or {}).get("event_payload"))
    ]
    assert [c.response.get("error") if c.response else None for c in posts] == [
        "msg_blocks_too_long",
        None,
    ]
    [sent] = digests(fake_slack)
    assert "Home tab" in message_text(sent) and "Your team's promises" in message_text(sent)
    with runtime.sessions() as session:
        [row] = session.scalars(select(Delivery).where(Delivery.step == "digest"))
    assert row.status == "sent" and "msg_blocks_too_long" in (row.last_error or "")


def test_a_3500_character_paste_opens_the_form_with_its_first_3000_characters(
    bot: BotServer,
) -> None:
    paste = ("Call Jane Doe & Acme <back> about the 約束 :palm_tree: role by Friday. " * 60)[:3500]
    answer = bot.command(paste)
    shown = message_text(answer)
    assert "3,500 characters" in shown and "up to 3,000" in shown
    [opened] = bot.fake.wait_for("views.open")
    assert opened.ok, opened.response
    [field] = [b for b in opened.params["view"]["blocks"] if b.get("block_id") == "description"]
    assert field["element"]["initial_value"] == paste[:3000]
