"""True at any size: big data seeded through the domain functions, acted on through signed
HTTP and the scheduler, every payload checked by the validating fake Slack (tests/blockkit.py)."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from bot.channels.service import set_value
from bot.people.acting import Actor
from bot.people.directory import sync_people
from bot.people.profiles import set_supervisor
from bot.promises.service import NewPromise, close_promise, create_promise
from bot.promises.steps import Timing
from bot.runtime import Runtime
from bot.store.models import Delivery, Promise, Status
from scheduler.passes import plan_weekly_digests, run_pass
from tests.conftest import ADMIN, LEAD, OTHER, OWNER, TEAM, BotServer, Clock, message_text
from tests.fakeslack import FakeSlack
from tests.slackreq import app_home_opened_event, block_action_payload, event_body
from tests.test_capture import open_home
from tests.test_digest import MONDAY_0900_BERLIN, digests
from tests.test_directory import BOSS, SAM, add_people


def seed(runtime: Runtime, clock: Clock, owners: list[str], count: int, *, apart: int = 60) -> None:
    """`count` open promises spread over `owners`, deadlines `apart` minutes apart from an
    hour on."""
    with runtime.sessions.begin() as session:
        for n in range(count):
            create_promise(
                session,
                NewPromise(
                    team_id=TEAM,
                    owner_id=owners[n % len(owners)],
                    created_by=owners[n % len(owners)],
                    description=f"promise {n} & <!channel> for Acme <https://evil.example|x>",
                    now=clock(),
                    timing=Timing(),
                ),
                deadline=clock() + timedelta(hours=1, minutes=apart * n),
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
    # Next under page 7 shows page 8 in place
    page7 = bot.command("list page 7")
    [next_button] = [
        e
        for b in page7["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Next"
    ]
    pressed = bot.interact(
        block_action_payload(
            action_id=next_button["action_id"],
            value=next_button["value"],
            user_id=OWNER,
            response_url=bot.fake.response_url("next"),
        )
    )
    assert pressed.status == 200
    [answer] = bot.fake.wait_for("response_url", where=lambda c: c.params.get("_key") == "next")
    assert answer.ok and answer.params["replace_original"] is True
    assert "showing 141–150" in message_text(answer.params)
    # the Home tab states the total too, and the fake accepted it (it validates every view)
    bot.settle()
    bot.fake.clear()
    reply = bot.post(event_body(app_home_opened_event(OWNER)), content_type="application/json")
    assert reply.status == 200
    [call] = bot.fake.wait_for("views.publish", where=lambda c: c.params.get("user_id") == OWNER)
    assert call.ok, call.response
    home = call.params["view"]
    assert "150 open" in message_text(home)
    # Show all: every open promise in a modal, paged in place
    bot.fake.clear()
    pressed = bot.interact(
        block_action_payload(action_id="promise_show_all", value="", user_id=OWNER, view=home)
    )
    assert pressed.status == 200
    [opened] = bot.fake.wait_for("views.open")
    assert opened.ok, opened.response
    modal = opened.response["view"]
    assert "150 open" in message_text(modal) and "showing 1–20" in message_text(modal)
    [next_page] = [
        e
        for b in modal["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Next"
    ]
    pressed = bot.interact(
        block_action_payload(
            action_id=next_page["action_id"], value=next_page["value"], user_id=OWNER, view=modal
        )
    )
    assert pressed.status == 200
    [updated] = bot.fake.wait_for("views.update")
    assert updated.ok and updated.params["view_id"] == modal["id"]
    assert "showing 21–40" in message_text(updated.params["view"])


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
    scraped = runtime.metrics.render().decode()
    assert 'kept_deliveries_total{kind="digest",outcome="degraded"} 1.0' in scraped


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


def test_a_supervisor_of_40_people_with_300_promises_lists_and_reports_them_all(
    bot: BotServer, clock: Clock, fake_slack: FakeSlack
) -> None:
    people = [f"U0REP{n:03d}" for n in range(40)]
    for person in people:
        fake_slack.add_user(person, name=f"Rep {person}", tz="Europe/Berlin")
    with bot.runtime.sessions.begin() as session:
        for person in people:
            set_supervisor(session, TEAM, person, LEAD)
    seed(bot.runtime, clock, people, 300, apart=10)
    first = message_text(bot.command("list team", user=LEAD))
    assert "300 open" in first and "showing 1–20" in first and "Page 1 of 15" in first
    last = message_text(bot.command("list team page 15", user=LEAD))
    assert "showing 281–300" in last and "promise 299 " in last
    clock.advance(minutes=5)
    report = message_text(bot.command("report team", user=LEAD))
    assert "40 people" in report and "300 open" in report
    assert all(f"<@{person}>" in report for person in people)  # all 40 fit, none cut


def test_an_admin_with_50_channel_settings_who_is_away_sees_all_of_them_at_home(
    bot: BotServer, clock: Clock
) -> None:
    with bot.runtime.sessions.begin() as session:
        for n in range(50):
            for key, value in (("escalation", "C0ESCALATE"), ("kind", "customer")):
                set_value(session, TEAM, f"C0CH{n:04d}", key, value, actor_id=ADMIN, now=clock())
            set_value(
                session, TEAM, f"C0CH{n:04d}", "remind_before", 1800, actor_id=ADMIN, now=clock()
            )
    seed(bot.runtime, clock, [ADMIN], 30)
    assert "away" in message_text(bot.command(f"away Dec 11 <@{OTHER}>", user=ADMIN))
    view = open_home(bot, ADMIN)
    assert bot.fake.calls("views.publish")[-1].ok
    shown = message_text(view)
    assert "Channel settings (50)" in shown and "You're away" in shown and "30 open" in shown
    assert all(f"<#C0CH{n:04d}>" in shown for n in range(50))
    assert len(view["blocks"]) <= 100
    # and as a list, paged
    first = message_text(bot.command("channel list", user=ADMIN))
    assert "Channel settings: 50* — showing 1–40" in first and "Page 1 of 2" in first
    second = message_text(bot.command("channel list page 2", user=ADMIN))
    assert "showing 41–50" in second and "<#C0CH0049>" in second and "<#C0CH0000>" not in second


def test_a_return_summary_of_80_events_says_so_and_relays_text_as_text(
    bot: BotServer, clock: Clock
) -> None:
    with bot.runtime.sessions.begin() as session:
        set_supervisor(session, TEAM, OWNER, LEAD)
    seed(bot.runtime, clock, [OWNER], 80, apart=1)
    bot.command(f"away Dec 11 <@{OTHER}>")
    clock.advance(minutes=30)
    with bot.runtime.sessions.begin() as session:
        for promise in session.scalars(select(Promise).where(Promise.owner_id == OWNER)):
            close_promise(
                session,
                team_id=TEAM,
                promise_id=promise.id,
                actor=Actor(LEAD),
                outcome=Status.BROKEN,
                note="<!here> see <https://evil.example|the notes> & more",
                now=clock(),
            )
    clock.advance(minutes=30)
    assert "Welcome back" in message_text(bot.command("back"))
    run_pass(bot.runtime)
    bot.settle(quiet=0.1)
    [summary] = [m for m in bot.fake.messages_to(OWNER) if "While you were away" in m["text"]]
    shown = message_text(summary)
    assert "80 things happened" in shown and "more since then (the" in shown
    assert "closed as couldn't keep." in shown  # what did not fit, counted by kind
    assert "<!here>" not in shown and "<https://evil" not in shown and "&lt;!here&gt;" in shown
    assert all(c.ok for c in bot.fake.calls("chat.postMessage"))


def test_a_hand_over_of_120_promises_counts_them_all_and_is_accepted(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    add_people(fake_slack)
    seed(runtime, clock, [SAM], 120)
    with runtime.sessions.begin() as session:
        set_supervisor(session, TEAM, SAM, BOSS)
    fake_slack.add_user(SAM, name="sam", email="sam@example.com", deleted=True)
    assert sync_people(runtime, team_id=TEAM, out=io.StringIO(), err=io.StringIO()) == 0
    run_pass(runtime)  # the hand-over DM goes through the outbox
    [dm] = fake_slack.messages_to(BOSS)
    shown = message_text(dm)
    assert "120 open promises are now yours" in shown
    assert "105 more (all 120 are yours now)" in shown
    assert all(c.ok for c in fake_slack.calls("chat.postMessage"))


def test_text_typed_into_the_form_reaches_the_owner_as_text(bot: BotServer) -> None:
    """LEAD saves a promise for OWNER with hostile words: the DM OWNER gets (blocks and the
    notification text) shows them, never as a live mention or a disguised link."""
    from tests.test_capture import form_values, future, submit

    hostile = "<!channel> call <@U0EVIL> & check <https://evil.example|the quote> 約束 :tada:"
    values = form_values(description=hostile, counterpart="<!here> Acme & Co", deadline=future(bot))
    submit(bot, values, user=LEAD, metadata={"channel_id": "C0SUPPORT"})
    [dm] = bot.fake.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == OWNER)
    assert dm.ok, dm.response
    shown = message_text(dm.params)
    for live in ("<!channel>", "<!here>", "<@U0EVIL>", "<https://evil"):
        assert live not in shown
    assert "&lt;!channel&gt; call &lt;@U0EVIL&gt; &amp; check" in dm.params["text"]
    assert "To: &lt;!here&gt; Acme &amp; Co" in shown and "By: " in shown


def test_an_answer_slack_refuses_on_the_response_url_is_given_once_more_compact(
    bot: BotServer, clock: Clock
) -> None:
    seed(bot.runtime, clock, [OWNER], 30)
    bot.fake.fail_next("response_url", status=200, error="invalid_blocks")
    pressed = bot.interact(
        block_action_payload(
            action_id="promise_list_page",
            value="page 2",
            user_id=OWNER,
            response_url=bot.fake.response_url("refused"),
        )
    )
    assert pressed.status == 200
    bot.fake.wait_for("response_url", count=2, where=lambda c: c.params.get("_key") == "refused")
    bot.settle()
    calls = [c for c in bot.fake.calls("response_url") if c.params.get("_key") == "refused"]
    assert [c.response.get("error") if c.response else None for c in calls] == [
        "invalid_blocks",
        None,
    ]
    assert "30 open" in calls[1].params["text"] and "Home tab" in message_text(calls[1].params)


def test_a_digest_refused_in_its_compact_form_too_is_marked_failed_at_once(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    with runtime.sessions.begin() as session:
        set_supervisor(session, TEAM, OWNER, LEAD)
    with runtime.sessions.begin() as session:  # a digest needs a week of Kept in use behind it
        create_promise(
            session,
            NewPromise(
                team_id=TEAM,
                owner_id=OWNER,
                created_by=OWNER,
                description="send Acme the quote",
                now=MONDAY_0900_BERLIN - timedelta(days=14),
                timing=Timing(),
            ),
            deadline=MONDAY_0900_BERLIN + timedelta(days=60),
        )
    clock.set(MONDAY_0900_BERLIN)
    plan_weekly_digests(runtime)
    fake_slack.fail_next("chat.postMessage", status=200, error="invalid_blocks", times=2)
    run_pass(runtime)
    for _ in range(3):
        clock.advance(hours=2)
        run_pass(runtime)
    assert len(fake_slack.calls("chat.postMessage")) == 2  # the full form, the compact one
    with runtime.sessions() as session:
        [row] = session.scalars(select(Delivery).where(Delivery.step == "digest"))
    assert row.status == "failed" and "invalid_blocks" in (row.last_error or "")


def test_2500_words_without_a_deadline_open_the_form_with_all_of_them(bot: BotServer) -> None:
    words = ("send Acme the revised quote & the <signed> NDA, 見積もり :memo: " * 50)[:2500]
    shown = message_text(bot.command(words))
    assert "couldn't find a deadline" in shown and "&lt;signed&gt;" in shown
    [opened] = bot.fake.wait_for("views.open")
    [field] = [b for b in opened.params["view"]["blocks"] if b.get("block_id") == "description"]
    assert field["element"]["initial_value"] == words  # the button could carry only 2,000
