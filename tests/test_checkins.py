"""Cadence promises through the real surfaces (SPEC §2.4): signed /promise commands, the
scheduler against the fake Slack, both databases."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.language.cadence import find_cadence
from bot.promises import cadence_flows
from bot.promises.flows import acting
from bot.reports.digest import build_digest
from bot.runtime import Runtime
from bot.slack import messages as blocks
from bot.slack.messages import digest_message
from bot.store.models import Delivery, DeliveryStatus, Promise, PromiseEvent, Status, Step
from scheduler.passes import run_pass
from tests.conftest import LEAD, OTHER, OWNER, TEAM, BotServer, Clock, make_runtime, message_text
from tests.slackreq import view_submission_payload
from tests.test_reminder_buttons import current, press, response, wait_updated
from tests.test_scheduler import kept_messages, key_counts, supervise

LA = ZoneInfo("America/Los_Angeles")


def la(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LA).astimezone(UTC)


def only_promise(bot: BotServer) -> Promise:
    with bot.runtime.readers() as session:
        promises = list(session.scalars(select(Promise)))
    assert len(promises) == 1
    return promises[0]


def check_in_dms(bot: BotServer, user: str = OWNER) -> list[str]:
    """The check-in nudges posted to `user`, in order, as their text."""
    return [
        message_text(m) for m in bot.fake.messages_to(user) if "Check-in time" in str(m.get("text"))
    ]


def outcomes(bot: BotServer, promise_id: int) -> list[tuple[int, str]]:
    with bot.runtime.readers() as session:
        events = session.scalars(
            select(PromiseEvent)
            .where(PromiseEvent.promise_id == promise_id, PromiseEvent.kind == "check_in")
            .order_by(PromiseEvent.id)
        )
        return [(e.detail["number"], e.detail["outcome"]) for e in events]


def tick(bot: BotServer, clock: Clock, moment: datetime) -> None:
    """Move the clock and deliver what is due (the bot's own sender, woken by a change just
    before, may be the one that claims it: wait for it too)."""
    clock.set(moment)
    run_pass(bot.runtime)
    bot.settle(quiet=0.1)


def test_two_week_series_with_an_early_update_and_a_missed_check_in(
    bot: BotServer, clock: Clock
) -> None:
    supervise(bot.runtime)
    reply = bot.command("stay in touch with Sam (candidate) over the next two weeks")
    text = message_text(reply)
    assert "every 3 working days" in text
    assert "next check-in Mon 30 Nov, 17:00 PST" in text
    promise = only_promise(bot)

    # Mon 30 Nov, 09:30: an update logged early counts for today's check-in and moves the next
    clock.set(la(2026, 11, 30, 9, 30))
    logged = message_text(bot.command(f"updated {promise.id} told Sam the panel is Thursday"))
    assert "on time" in logged and "Thu 3 Dec, 17:00 PST" in logged
    tick(bot, clock, la(2026, 11, 30, 17, 1))
    assert check_in_dms(bot) == []  # nothing due: the update counted

    # Thu 3 Dec 17:00: nothing logged -> nudged with the check-in buttons
    tick(bot, clock, la(2026, 12, 3, 17, 0))
    dms = check_in_dms(bot)
    assert len(dms) == 1 and "Updated them" in dms[0] and "Skip this one" in dms[0]
    # a day later, still nothing: escalated to the supervisor, once
    tick(bot, clock, la(2026, 12, 4, 17, 0))
    tick(bot, clock, la(2026, 12, 4, 17, 5))
    escalations = [m for m in bot.fake.messages_to(LEAD) if "overdue" in str(m.get("text"))]
    assert len(escalations) == 1
    # Tue 8 Dec 17:00: the next check-in comes; the missed one is counted, a new nudge goes out
    tick(bot, clock, la(2026, 12, 8, 17, 0))
    assert outcomes(bot, promise.id) == [(1, "on_time"), (2, "missed")]
    assert len(check_in_dms(bot)) == 2

    # a restart (a second runtime on the same database) sends nothing twice
    tick(bot, clock, la(2026, 12, 8, 17, 1))
    run_pass(make_runtime(bot.runtime))
    assert all(n == 1 for n in key_counts(bot.fake).values()), key_counts(bot.fake)

    # the last check-in logged: the series is complete and kept
    clock.set(la(2026, 12, 8, 17, 30))
    logged = message_text(bot.command(f"updated {promise.id}"))
    assert "last check-in" in logged
    assert only_promise(bot).status == Status.KEPT.value
    tick(bot, clock, la(2026, 12, 20, 17, 0))
    bot.settle()
    nudges = {k: m for k, m in kept_messages(bot.fake).items() if k.endswith(":nudge")}
    assert len(nudges) == 2  # nothing after the last check-in
    # the check-ins sent are rewritten once the series is complete, so nobody acts on them
    assert all("kept" in message_text(m[0]).lower() for m in nudges.values())
    # reports and the weekly digest count the check-ins beside single promises
    assert outcomes(bot, promise.id) == [(1, "on_time"), (2, "missed"), (3, "late")]
    report = message_text(bot.command(f"report <@{OWNER}> 30", user=LEAD))
    assert "Check-ins: 1 on time, 1 late, 1 missed" in report, report
    with bot.runtime.readers() as session:
        digest = build_digest(session, TEAM, LEAD, tz="America/Los_Angeles", now=clock())
    # last week (Mon 7 - Mon 14 Dec): check-in 2 missed and 3 logged late; 1 was the week before
    digest_text = message_text(digest_message(digest))
    assert "*Check-ins:* 0 on time, 1 late, 1 missed (missed ↑ from 0)" in digest_text
    # the sequence as the fake Slack stored it, for the report
    for call in bot.fake.calls("chat.postMessage"):
        if call.ok:
            print("posted", call.params["channel"], "|", message_text(call.params)[:150])
    for key, messages in sorted(kept_messages(bot.fake).items()):
        print("now", key, "->", messages[0]["channel"], "|", messages[0]["text"][:110])


def test_check_ins_fall_on_working_days_across_dst(bot: BotServer, clock: Clock) -> None:
    clock.set(la(2026, 10, 27, 10))  # Tue 27 Oct; summer time ends Sun 1 Nov
    bot.command("stay in touch with Sam over the next two weeks")
    promise = only_promise(bot)
    seen: list[str] = []
    for moment in (la(2026, 10, 30, 17), la(2026, 11, 4, 17), la(2026, 11, 9, 17)):
        tick(bot, clock, moment)
        with bot.runtime.readers() as session:
            current = session.get(Promise, promise.id)
            assert current is not None
            seen.append(current.deadline.astimezone(LA).strftime("%a %d %b %H:%M %Z"))
    assert seen == ["Fri 30 Oct 17:00 PDT", "Wed 04 Nov 17:00 PST", "Mon 09 Nov 17:00 PST"]
    assert len(check_in_dms(bot)) == 3
    assert outcomes(bot, promise.id) == [(1, "missed"), (2, "missed")]


def test_closing_ends_the_series(bot: BotServer, clock: Clock) -> None:
    bot.command("keep Acme posted every Friday until the outage is fixed")
    promise = only_promise(bot)
    tick(bot, clock, la(2026, 11, 27, 17))
    assert len(check_in_dms(bot)) == 1
    bot.command(f"done {promise.id}")
    bot.settle()
    for day in (4, 11, 18):
        tick(bot, clock, la(2026, 12, day, 17, 1))
    # the one check-in sent, now rewritten with the outcome; nothing after it
    assert [k for k in key_counts(bot.fake) if k.endswith(":nudge")] == [
        f"promise:{promise.id}:v1:nudge"
    ]
    with bot.runtime.readers() as session:
        pending = session.scalars(
            select(Delivery).where(Delivery.promise_id == promise.id, Delivery.status == "pending")
        ).all()
    assert pending == []


def test_a_single_deadline_update_is_refused_kindly(bot: BotServer) -> None:
    bot.command("send Acme the revised quote by tomorrow")
    promise = only_promise(bot)
    reply = message_text(bot.command(f"updated {promise.id}"))
    assert "one deadline" in reply and "Traceback" not in reply
    # a stranger learns no more than from a promise that doesn't exist
    stranger = message_text(bot.command(f"updated {promise.id} told them", user=OTHER))
    missing = message_text(bot.command("updated 999 told them", user=OTHER))
    assert stranger == missing.replace("#999", f"#{promise.id}") and "can't find" in stranger


def test_list_shows_the_next_check_in(bot: BotServer) -> None:
    bot.command("keep Acme posted every Friday until Dec 18")
    listed = message_text(bot.command("list"))
    assert "next check-in Fri 27 Nov, 17:00 PST" in listed


def submit(
    bot: BotServer, callback_id: str, promise: Promise, user: str, values: dict[str, Any]
) -> Any:
    """Save a form as Slack would: each opened modal has its own view id."""
    payload = view_submission_payload(
        callback_id=callback_id,
        values=values,
        user_id=user,
        private_metadata=json.dumps({"promise_id": promise.id}),
        view_id=f"V{uuid.uuid4().hex[:10].upper()}",
    )
    reply = bot.interact(payload)
    assert reply.status == 200, (reply.status, reply.text)
    return reply.json() if reply.body else None


def latest_check_in(bot: BotServer, promise: Promise) -> dict[str, Any]:
    """The newest check-in nudge of `promise` as the fake Slack holds it now."""
    nudges = {k: m for k, m in kept_messages(bot.fake).items() if k.endswith(":nudge")}
    key = max(nudges, key=lambda k: int(k.split(":")[2].removeprefix("v")))
    message = nudges[key][0]
    stored = bot.fake.message(message["channel"], message["ts"])
    assert stored is not None
    return {**stored, "channel": message["channel"]}


def test_the_check_in_buttons_log_skip_change_the_rhythm_and_end_the_series(
    bot: BotServer, clock: Clock
) -> None:
    bot.command("keep Acme posted every Friday until Dec 31")
    promise = only_promise(bot)

    # Fri 27 Nov: Updated them opens a form; the note is logged (late: after the check-in)
    tick(bot, clock, la(2026, 11, 27, 17, 5))
    nudge = latest_check_in(bot, promise)
    press(bot, blocks.UPDATED, promise, OWNER, nudge)
    opened = bot.fake.wait_for("views.open", timeout=5)[-1].params["view"]
    assert opened["callback_id"] == blocks.UPDATED_VIEW
    answer = submit(
        bot,
        blocks.UPDATED_VIEW,
        promise,
        OWNER,
        {"note": {"value": {"type": "plain_text_input", "value": "sent Acme the RCA draft"}}},
    )
    assert answer["response_action"] == "update"
    assert "Fri 4 Dec, 17:00 PST" in str(answer["view"])
    assert "behind us" in message_text(wait_updated(bot, nudge))  # no stale buttons left

    # Fri 4 Dec: Skip this one keeps the rhythm
    tick(bot, clock, la(2026, 12, 4, 17, 5))
    nudge = latest_check_in(bot, promise)
    skipped = response(bot, press(bot, blocks.SKIP_CHECK_IN, promise, OWNER, nudge))
    assert "skipped" in message_text(skipped) and "Fri 11 Dec, 17:00 PST" in message_text(skipped)

    # Fri 11 Dec: New rhythm, every working day from now on
    tick(bot, clock, la(2026, 12, 11, 17, 5))
    nudge = latest_check_in(bot, promise)
    press(bot, blocks.NEW_RHYTHM, promise, OWNER, nudge)
    opened = bot.fake.wait_for(
        "views.open",
        timeout=5,
        where=lambda c: c.params["view"]["callback_id"] == "checkin_new_rhythm",
    )[-1].params["view"]
    answer = submit(
        bot,
        blocks.NEW_RHYTHM_VIEW,
        promise,
        OWNER,
        {
            "rhythm": {
                "value": {
                    "type": "static_select",
                    "selected_option": {
                        "text": {"type": "plain_text", "text": "every working day"},
                        "value": "wd1",
                    },
                }
            }
        },
    )
    assert answer["response_action"] == "update"
    assert "every working day" in str(answer["view"])
    assert current(bot, promise).deadline == la(2026, 12, 14, 17)  # Monday

    # Mon 14 Dec: Done for good ends it, kept; nothing planned after
    tick(bot, clock, la(2026, 12, 14, 17, 5))
    nudge = latest_check_in(bot, promise)
    press(bot, blocks.DONE_FOR_GOOD, promise, OWNER, nudge)
    assert "kept" in message_text(wait_updated(bot, nudge)).lower()
    assert current(bot, promise).status == Status.KEPT
    assert outcomes(bot, promise.id) == [(1, "late"), (2, "skipped")]
    with bot.runtime.readers() as session:
        pending = session.scalars(
            select(Delivery).where(Delivery.promise_id == promise.id, Delivery.status == "pending")
        ).all()
    assert pending == []


def test_two_senders_at_once_deliver_each_check_in_once(bot: BotServer, clock: Clock) -> None:
    """Two processes' senders on the same database (PostgreSQL: really concurrent) at each
    check-in: every nudge is posted once, and each missed check-in is counted once."""
    bot.command("keep Acme posted every working day until Dec 4")
    promise = only_promise(bot)
    others = [make_runtime(bot.runtime) for _ in range(2)]
    for day in (26, 27, 30):
        clock.set(la(2026, 11, day, 17, 0))
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(run_pass, others))
        bot.settle(quiet=0.1)
    assert all(n == 1 for n in key_counts(bot.fake).values()), key_counts(bot.fake)
    assert len([k for k in key_counts(bot.fake) if k.endswith(":nudge")]) == 3
    assert outcomes(bot, promise.id) == [(1, "missed"), (2, "missed")]


def test_the_workspaces_holidays_move_check_ins(runtime: Runtime, clock: Clock) -> None:
    """KEPT_HOLIDAYS=US: no check-in on Christmas Day, when planned and when rolled over."""
    us = make_runtime(runtime, holidays=("US",))
    clock.set(la(2026, 12, 23, 10))  # Wednesday; Fri 25 Dec is a US public holiday
    us.warm_person(TEAM, OWNER)
    with us.sessions.begin() as session:
        who = acting(session, TEAM, OWNER, fetch=None, admins=frozenset(), now=clock())
        text = "keep Acme posted daily"
        cadence = find_cadence(text, now=clock(), tz=who.tz, working_day=us.settings.working_day)
        assert cadence is not None
        cadence_flows.record(
            session,
            who,
            text=text,
            cadence=cadence,
            channel_id=None,
            default_timing=us.default_timing(),
            request_key=None,
            working_day=us.settings.working_day,
        )

    def next_roll_over() -> datetime:
        with us.readers() as session:
            return session.scalars(
                select(Delivery.due_at).where(
                    Delivery.step == Step.NEXT_CHECK_IN, Delivery.status == DeliveryStatus.PENDING
                )
            ).one()

    with us.readers() as session:
        promise = session.scalars(select(Promise)).one()
    assert promise.deadline == la(2026, 12, 24, 17)
    assert next_roll_over() == la(2026, 12, 28, 17)  # Monday: Christmas and the weekend skipped
    clock.set(la(2026, 12, 28, 17, 0))
    run_pass(us)
    with us.readers() as session:
        current = session.get(Promise, promise.id)
        assert current is not None and current.deadline == la(2026, 12, 28, 17)
    assert next_roll_over() == la(2026, 12, 29, 17)
