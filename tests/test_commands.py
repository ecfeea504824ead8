"""/promise over real signed HTTP, answered through the fake Slack, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.store.models import Delivery, Promise, PromiseEvent, Status, Step
from tests.conftest import ADMIN, LEAD, OTHER, OTHER_TEAM, OWNER, TEAM, BotServer, message_text


def promise_count(bot: BotServer) -> int:
    with bot.runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Promise)) or 0)


def only_promise(bot: BotServer) -> Promise:
    with bot.runtime.sessions() as session:
        promises = list(session.scalars(select(Promise)))
    assert len(promises) == 1, promises
    return promises[0]


def record(
    bot: BotServer,
    text: str = "call Jane Doe back about the supervisor role by Friday 5pm",
    **kwargs: object,
) -> Promise:
    reply = bot.command(text, **kwargs)  # type: ignore[arg-type]
    assert "hold you to this" in message_text(reply), message_text(reply)
    with bot.runtime.sessions() as session:
        return session.scalars(select(Promise).order_by(Promise.id.desc())).first()  # type: ignore[return-value]


def set_supervisor(bot: BotServer, rep: str = OWNER, lead: str = LEAD) -> None:
    reply = bot.command(f"supervisor <@{rep}|rep> <@{lead}|lead>", user=ADMIN)
    assert "now reports to" in message_text(reply), message_text(reply)


def test_records_a_promise_and_shows_it_in_the_owners_time_zone(bot: BotServer) -> None:
    reply = bot.command("call Jane Doe back about the supervisor role by Friday 5pm")
    text = message_text(reply)
    assert reply["response_type"] == "ephemeral"
    assert "call Jane Doe back about the supervisor role" in text
    assert "Fri 27 Nov, 17:00 PST" in text
    assert "Jane Doe" in text
    promise = only_promise(bot)
    assert f"#{promise.id}" in text
    assert promise.owner_id == OWNER and promise.team_id == TEAM
    assert promise.counterpart == "Jane Doe"
    # Friday 27 Nov 17:00 in Los Angeles is 01:00 UTC on Saturday
    assert promise.deadline.isoformat() == "2026-11-28T01:00:00+00:00"
    assert promise.source_channel_id == "C0SALES"
    actions = [
        e["action_id"] for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert actions == ["promise_edit", "promise_undo"]
    with bot.runtime.sessions() as session:
        events = list(session.scalars(select(PromiseEvent)))
        steps = sorted(session.scalars(select(Delivery.step)))
    assert [e.kind for e in events] == ["created"] and events[0].actor_id == OWNER
    assert steps == ["escalation", "heads_up", "nudge"]


def test_spec_examples_are_all_understood(bot: BotServer) -> None:
    examples = {
        "send Acme the revised quote by tomorrow": "Thu 26 Nov, 17:00 PST",
        "stay in touch with Sam (candidate) over the next two weeks": "Wed 9 Dec, 10:00 PST",
        "refund order 1182 for Mrs. Lee by EOD": "Wed 25 Nov, 17:00 PST",
    }
    for text, shown in examples.items():
        reply = bot.command(text)
        assert shown in message_text(reply), (text, message_text(reply))
    assert promise_count(bot) == 3


def test_deadline_in_the_viewers_own_time_zone(bot: BotServer) -> None:
    from tests.conftest import INDIA

    reply = bot.command("send the offer letter to Priya by tomorrow 10am", user=INDIA)
    assert "Thu 26 Nov, 10:00 IST" in message_text(reply)


def test_a_slack_retry_never_creates_a_second_promise(bot: BotServer) -> None:
    bot.command("send Acme the revised quote by tomorrow", trigger_id="trig.1")
    bot.command(
        "send Acme the revised quote by tomorrow",
        trigger_id="trig.1",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert promise_count(bot) == 1


def test_missing_deadline_keeps_the_words_and_offers_the_form(bot: BotServer) -> None:
    reply = bot.command("call Jane Doe back about the role")
    text = message_text(reply)
    assert "couldn't find a deadline" in text
    assert "call Jane Doe back about the role" in text
    button = [e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]][0]
    assert button["action_id"] == "promise_open_form"
    assert button["value"] == "call Jane Doe back about the role"
    assert promise_count(bot) == 0


def test_past_deadline_is_refused_with_examples(bot: BotServer) -> None:
    reply = bot.command("send the contract by 2020-01-01 10:00")
    text = message_text(reply)
    assert "already in the past" in text and "/promise" in text
    assert promise_count(bot) == 0


def test_empty_command_opens_the_form(bot: BotServer) -> None:
    bot.command("", wait=False)
    call = bot.fake.wait_for("views.open")[0]
    view = call.params["view"]
    assert view["callback_id"] == "new_promise"
    owner = [b for b in view["blocks"] if b["block_id"] == "owner"][0]
    assert owner["element"]["initial_user"] == OWNER


def test_help(bot: BotServer) -> None:
    text = message_text(bot.command("help"))
    for word in (
        "/promise list",
        "/promise done",
        "/promise extend",
        "/promise handoff",
        "/promise report",
        "/promise channel",
    ):
        assert word in text


def test_bad_input_gets_a_friendly_answer_and_stores_nothing(bot: BotServer) -> None:
    original = record(bot)
    cases = {
        "x" * 10_000 + " by Friday": "10,010 characters; a promise holds up to 3,000",
        "y" * 20_000: "20,000 characters",
        "done": "Which promise?",
        "done abc": "isn't a promise id",
        "done 999999": "can't find promise #999999",
        "broken 1": "why it couldn't be kept",
        "extend 1": "Until when?",
        "extend 1 sometime maybe": "couldn't find a new deadline",
        "handoff 1 bob": "To whom?",
        "list nobody": "Usage",
        "supervisor": "Usage",
        "done <!channel>": "`&lt;!channel&gt;` isn't a promise id",
        "handoff soon <@U0OTHER>": "isn't a promise id",
        "away <@U0OTHER>": "Until when?",
        "report 400": "Pick a number of days from 1 to 366",
        "list page ²": "Usage",  # a superscript is no page number (it crashed before)
    }
    for text, expected in cases.items():
        reply = message_text(bot.command(text))
        assert expected in reply, (text, reply)
        assert "Traceback" not in reply
    assert promise_count(bot) == 1
    assert only_promise(bot).status == Status.OPEN.value
    assert only_promise(bot).description == original.description


def test_odd_unicode_is_stored_as_typed(bot: BotServer) -> None:
    text = "رد على زبون 🤝 Zoë Ñandú\u200d about the\x00 quote by tomorrow"
    reply = bot.command(text)
    assert "hold you to this" in message_text(reply)
    promise = only_promise(bot)
    assert "🤝 Zoë Ñandú" in promise.description and "\x00" not in promise.description


REMINDERS = [Step.HEADS_UP, Step.NUDGE, Step.ESCALATION]


def test_owner_closes_as_kept_broken_and_cancelled(bot: BotServer) -> None:
    kept = record(bot, "send Acme the quote by tomorrow")
    broken = record(bot, "call Sam by Friday")
    cancelled = record(bot, "email Lee by Friday")
    assert "Kept" in message_text(bot.command(f"done {kept.id} sent it"))
    assert "Couldn't keep" in message_text(bot.command(f"broken #{broken.id} the role was filled"))
    assert "Cancelled" in message_text(bot.command(f"cancel P{cancelled.id}"))
    with bot.runtime.sessions() as session:
        by_id = {p.id: p for p in session.scalars(select(Promise))}
        pending = session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.status == "pending", Delivery.step.in_(REMINDERS))
        )
    assert by_id[kept.id].status == "kept" and by_id[kept.id].closure_note == "sent it"
    assert by_id[broken.id].status == "broken"
    assert by_id[broken.id].closure_note == "the role was filled"
    assert by_id[cancelled.id].status == "cancelled"
    assert pending == 0  # nothing left to remind anyone about
    again = message_text(bot.command(f"done {kept.id}"))
    assert "already closed" in again


def test_someone_else_cannot_change_a_promise(bot: BotServer) -> None:
    promise = record(bot)
    for text in (
        f"done {promise.id}",
        f"broken {promise.id} nope",
        f"cancel {promise.id}",
        f"extend {promise.id} next week",
        f"handoff {promise.id} <@{OTHER}|o>",
    ):
        reply = message_text(bot.command(text, user=OTHER))
        # answered as if there were no such promise: a stranger learns nothing (issue 9)
        assert f"I can't find promise #{promise.id}" in reply, (text, reply)
        assert OWNER not in reply
    fresh = only_promise(bot)
    assert fresh.status == "open" and fresh.owner_id == OWNER
    assert fresh.deadline == promise.deadline and fresh.deadline_version == 1


def test_supervisor_and_admin_can_change_a_promise(bot: BotServer) -> None:
    set_supervisor(bot)
    first = record(bot, "call Sam by Friday")
    second = record(bot, "email Lee by Friday")
    assert "is closed" in message_text(bot.command(f"done {first.id}", user=LEAD))
    assert "is closed" in message_text(bot.command(f"cancel {second.id} dup", user=ADMIN))


def test_extend_moves_the_deadline_and_rearms_reminders(bot: BotServer) -> None:
    promise = record(bot, "send Acme the quote by tomorrow")
    reply = message_text(bot.command(f"extend {promise.id} Friday 3pm waiting on legal"))
    assert "Fri 27 Nov, 15:00 PST" in reply
    with bot.runtime.sessions() as session:
        fresh = session.get(Promise, promise.id)
        rows = list(session.scalars(select(Delivery).order_by(Delivery.id)))
        events = [e.kind for e in session.scalars(select(PromiseEvent))]
    assert fresh is not None and fresh.deadline_version == 2
    assert {r.status for r in rows if r.deadline_version == 1} == {"skipped"}
    assert {r.step for r in rows if r.deadline_version == 2} == {"heads_up", "nudge", "escalation"}
    assert events == ["created", "extended"]
    past = message_text(bot.command(f"extend {promise.id} 2020-01-01 10:00"))
    assert "past" in past


def test_hand_off_tells_the_new_owner(bot: BotServer) -> None:
    promise = record(bot)
    reply = message_text(bot.command(f"handoff {promise.id} <@{OTHER}|otto>"))
    assert "moved from <@U0OWNER> to <@U0OTHER>" in reply
    dm = bot.fake.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == OTHER)[0]
    assert "handed you a promise" in message_text(dm.params)
    assert only_promise(bot).owner_id == OTHER
    # the previous owner no longer may change it
    refused = message_text(bot.command(f"done {promise.id}", user=OWNER))
    assert f"I can't find promise #{promise.id}" in refused
    assert only_promise(bot).status == "open"


def test_hand_off_to_an_unknown_user_is_refused(bot: BotServer) -> None:
    promise = record(bot)
    reply = message_text(bot.command(f"handoff {promise.id} <@U0NOBODY|ghost>"))
    assert "can't find an active Slack user" in reply
    assert only_promise(bot).owner_id == OWNER


def test_list_shows_overdue_first_and_respects_who_may_see(bot: BotServer) -> None:
    later = record(bot, "send Acme the quote by next week")
    sooner = record(bot, "call Sam by tomorrow")
    bot.runtime.clock.advance(days=2)  # type: ignore[attr-defined]
    text = message_text(bot.command("list"))
    assert text.index(f"#{sooner.id}") < text.index(f"#{later.id}")
    assert "overdue" in text
    refused = message_text(bot.command(f"list <@{OWNER}|o>", user=OTHER))
    assert "Only <@U0OWNER>, their supervisor or an admin can see" in refused
    assert f"#{later.id}" in message_text(bot.command(f"list <@{OWNER}|o>", user=ADMIN))
    no_team = message_text(bot.command("list team", user=LEAD))
    assert "Nobody reports to you" in no_team
    set_supervisor(bot)
    team = message_text(bot.command("list team", user=LEAD))
    assert f"#{sooner.id}" in team and f"#{later.id}" in team


def test_supervisor_is_for_admins_and_refuses_loops(bot: BotServer) -> None:
    refused = message_text(bot.command(f"supervisor <@{OWNER}|o> <@{LEAD}|l>", user=OTHER))
    assert "Only workspace admins" in refused
    assert "No supervisor is set" in message_text(bot.command(f"supervisor <@{OWNER}|o>"))
    set_supervisor(bot)
    assert "reports to <@U0LEAD>" in message_text(bot.command(f"supervisor <@{OWNER}|o>"))
    loop = message_text(bot.command(f"supervisor <@{LEAD}|l> <@{OWNER}|o>", user=ADMIN))
    assert "loop" in loop
    self_loop = message_text(bot.command(f"supervisor <@{LEAD}|l> <@{LEAD}|l>", user=ADMIN))
    assert "own supervisor" in self_loop


def test_kept_admins_setting_makes_an_admin(bot: BotServer) -> None:
    from tests.conftest import make_runtime

    bot.runtime.settings = make_runtime(bot.runtime, admins=frozenset({OTHER})).settings
    reply = message_text(bot.command(f"supervisor <@{OWNER}|o> <@{LEAD}|l>", user=OTHER))
    assert "now reports to" in reply


def test_one_workspace_never_sees_anothers_promises(bot: BotServer) -> None:
    promise = record(bot)
    bot.fake.add_user("U0STRANGER", tz="UTC", team_id=OTHER_TEAM, is_admin=True)
    for text in (f"done {promise.id}", f"extend {promise.id} Friday"):
        reply = message_text(bot.command(text, user="U0STRANGER", team=OTHER_TEAM))
        assert "can't find promise" in reply, reply
    listed = message_text(bot.command(f"list <@{OWNER}|o>", user="U0STRANGER", team=OTHER_TEAM))
    assert f"#{promise.id}" not in listed
    assert only_promise(bot).status == "open"


def test_deadline_shown_moves_with_the_clock(bot: BotServer) -> None:
    bot.runtime.clock.set(bot.runtime.clock() + timedelta(hours=3))  # type: ignore[attr-defined]
    reply = message_text(bot.command("call Sam by EOD"))
    # 21:00 UTC = 13:00 in Los Angeles: EOD is still today 17:00
    assert "Wed 25 Nov, 17:00 PST" in reply


def test_extend_rearms_with_the_promises_own_channel_settings(bot: BotServer) -> None:
    from bot.store.models import ChannelSetting

    with bot.runtime.sessions.begin() as session:
        session.add(
            ChannelSetting(
                team_id=TEAM,
                channel_id="C0SALES",
                escalate_after_seconds=3600,
                remind_before_seconds=600,
            )
        )
    promise = record(bot, "send Acme the quote by tomorrow", channel="C0SALES")
    bot.command(f"extend {promise.id} Friday 3pm", channel="D0DIRECT")
    with bot.runtime.sessions() as session:
        fresh = session.get(Promise, promise.id)
        due = {
            d.step: d.due_at
            for d in session.scalars(select(Delivery).where(Delivery.deadline_version == 2))
        }
    assert fresh is not None
    assert due["escalation"] - fresh.deadline == timedelta(hours=1)
    assert fresh.deadline - due["heads_up"] == timedelta(minutes=10)


def test_a_long_paste_keeps_the_words_and_offers_the_form(bot: BotServer) -> None:
    text = "Call Jane Doe back. " + "Context from the thread. " * 400 + "by Friday 5pm"
    reply = bot.command(text)
    assert "a promise holds up to 3,000" in message_text(reply)
    button = [e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]][0]
    assert button["action_id"] == "promise_open_form"
    assert button["value"] == text[:2000]  # Slack's limit for a button value
    assert promise_count(bot) == 0


def test_admins_can_list_everyone_and_others_cannot(bot: BotServer) -> None:
    first = record(bot, "call Sam by tomorrow")
    second = record(bot, "email Lee by Friday", user=OTHER)
    text = message_text(bot.command("list everyone", user=ADMIN))
    assert f"#{first.id}" in text and f"#{second.id}" in text
    refused = message_text(bot.command("list everyone", user=OTHER))
    assert "Only admins can list everyone's promises" in refused


def test_a_strangers_command_learns_nothing_about_a_promise(bot: BotServer) -> None:
    """Finding 6 of issue 9: `/promise done N` from someone who may not change it gets the
    same answer as an id that does not exist (no owner named, nothing changed)."""
    promise = record(bot, "send Acme the quote by tomorrow")
    for sub in ("done", "cancel", "extend", "handoff"):
        tail = {"extend": " Friday 5pm", "handoff": f" <@{OTHER}>"}.get(sub, "")
        theirs = message_text(bot.command(f"{sub} {promise.id}{tail}", user=OTHER))
        missing = message_text(bot.command(f"{sub} 999999{tail}", user=OTHER))
        assert theirs.replace(str(promise.id), "N") == missing.replace("999999", "N")
        assert OWNER not in theirs and "Only" not in theirs
    with bot.runtime.sessions() as session:
        assert session.get(Promise, promise.id).status == Status.OPEN  # type: ignore[union-attr]
