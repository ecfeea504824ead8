"""The buttons on nudges and escalations (SPEC §3), pressed like Slack does: signed
interactivity payloads over real HTTP, answered through the fake Slack. SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.language.deadlines import format_deadline
from bot.people.profiles import set_supervisor
from bot.slack import messages as blocks
from bot.store.models import Delivery, Promise, PromiseEvent
from scheduler.passes import run_pass
from tests.conftest import DEFAULT_NOW, INDIA, LEAD, OTHER, OWNER, TEAM, BotServer, Clock
from tests.conftest import message_text as text_of
from tests.slackreq import block_action_payload, view_submission_payload
from tests.test_scheduler import action_ids, key, make_promise, the_message

DEADLINE = DEFAULT_NOW + timedelta(hours=2)


def nudged(bot: BotServer, clock: Clock, *, escalate: bool = False) -> tuple[Promise, dict]:
    """A promise whose nudge (and, with `escalate`, escalation to LEAD) has gone out."""
    with bot.runtime.sessions.begin() as session:
        set_supervisor(session, TEAM, OWNER, LEAD)
    promise = make_promise(bot.runtime, deadline=DEADLINE)
    clock.set(DEADLINE + timedelta(minutes=10))
    run_pass(bot.runtime)
    if escalate:
        clock.set(DEADLINE + timedelta(hours=24, minutes=10))
        run_pass(bot.runtime)
    return promise, the_message(bot.fake, key(promise, "escalation" if escalate else "nudge"))


def press(
    bot: BotServer, action_id: str, promise: Promise, user: str, message: dict[str, Any]
) -> str:
    """Press a button on `message`; returns the response URL key."""
    response_key = uuid.uuid4().hex
    payload = block_action_payload(
        action_id=action_id,
        value=str(promise.id),
        user_id=user,
        team_id=TEAM,
        channel_id=message["channel"],
        message_ts=message["ts"],
        message=message,
        response_url=bot.fake.response_url(response_key),
        block_id=f"promise_{promise.id}",
    )
    reply = bot.interact(payload)
    assert reply.status == 200, (reply.status, reply.text)
    return response_key


def response(bot: BotServer, response_key: str) -> dict[str, Any]:
    calls = bot.fake.wait_for(
        "response_url", timeout=5, where=lambda c: c.params.get("_key") == response_key
    )
    return calls[-1].params


def submit(
    bot: BotServer, callback_id: str, promise: Promise, user: str, values: dict[str, Any]
) -> Any:
    payload = view_submission_payload(
        callback_id=callback_id,
        values=values,
        user_id=user,
        team_id=TEAM,
        private_metadata=json.dumps({"promise_id": promise.id}),
    )
    reply = bot.interact(payload)
    assert reply.status == 200, (reply.status, reply.text)
    return reply.json() if reply.body else None


def current(bot: BotServer, promise: Promise) -> Promise:
    with bot.runtime.sessions() as session:
        found = session.get(Promise, promise.id)
    assert found is not None
    return found


def wait_updated(bot: BotServer, message: dict[str, Any]) -> dict[str, Any]:
    bot.fake.wait_for(
        "chat.update", timeout=5, where=lambda c: c.ok and c.params.get("ts") == message["ts"]
    )
    after = bot.fake.message(message["channel"], message["ts"])
    assert after is not None
    return after


# ---------------------------------------------------------------------------- Kept


def test_kept_by_the_owner_closes_it_and_updates_the_reminder(bot: BotServer, clock: Clock) -> None:
    promise, nudge = nudged(bot, clock)
    assert blocks.KEPT in action_ids(nudge)
    press(bot, blocks.KEPT, promise, OWNER, nudge)
    after = wait_updated(bot, nudge)
    assert action_ids(after) == []  # no more buttons to press
    assert "Kept" in text_of(after) and f"<@{OWNER}>" in text_of(after)
    stored = current(bot, promise)
    assert stored.status == "kept" and stored.closed_by == OWNER
    # and nothing more is sent for it
    clock.advance(days=2)
    run_pass(bot.runtime)
    with bot.runtime.sessions() as session:
        escalation = session.scalar(
            select(Delivery).where(Delivery.key == key(promise, "escalation"))
        )
    assert escalation is not None and escalation.status == "skipped"
    assert bot.fake.messages_to(LEAD) == []


def test_kept_pressed_by_someone_else_is_politely_refused_and_changes_nothing(
    bot: BotServer, clock: Clock
) -> None:
    promise, nudge = nudged(bot, clock)
    answer = response(bot, press(bot, blocks.KEPT, promise, OTHER, nudge))
    words = text_of(answer)
    assert "Only" in words and f"<@{OWNER}>" in words, words
    assert not answer.get("replace_original")  # the owner's reminder stays as it was
    assert current(bot, promise).status == "open"
    assert not [c for c in bot.fake.calls("chat.update") if c.params.get("ts") == nudge["ts"]]
    assert action_ids(bot.fake.message(nudge["channel"], nudge["ts"]) or {}) == action_ids(nudge)


def test_the_supervisor_can_mark_it_kept_from_the_escalation(bot: BotServer, clock: Clock) -> None:
    promise, escalation = nudged(bot, clock, escalate=True)
    nudge = the_message(bot.fake, key(promise, "nudge"))
    press(bot, blocks.KEPT, promise, LEAD, escalation)
    wait_updated(bot, escalation)
    after_nudge = wait_updated(bot, nudge)  # the owner's nudge is updated too
    assert action_ids(after_nudge) == []
    assert current(bot, promise).closed_by == LEAD


# ---------------------------------------------------------------------------- New date


def test_new_date_opens_the_form_and_saving_it_extends_and_drafts_an_update(
    bot: BotServer, clock: Clock
) -> None:
    promise, nudge = nudged(bot, clock)
    press(bot, blocks.NEW_DATE, promise, OWNER, nudge)
    opened = bot.fake.wait_for("views.open", timeout=5)[-1].params["view"]
    assert opened["callback_id"] == blocks.NEW_DATE_VIEW
    assert json.loads(opened["private_metadata"])["promise_id"] == promise.id
    inputs = {b["block_id"]: b["element"]["type"] for b in opened["blocks"] if b["type"] == "input"}
    assert inputs["deadline"] == "datetimepicker" and "note" in inputs

    new_deadline = DEADLINE + timedelta(days=3)
    answer = submit(
        bot,
        blocks.NEW_DATE_VIEW,
        promise,
        OWNER,
        {
            "deadline": {
                "value": {
                    "type": "datetimepicker",
                    "selected_date_time": int(new_deadline.timestamp()),
                }
            },
            "note": {"value": {"type": "plain_text_input", "value": "waiting for legal"}},
        },
    )
    assert answer["response_action"] == "update", answer
    shown = text_of({"blocks": answer["view"]["blocks"]})
    assert "Hi Jane" in shown  # a ready-to-send update for the counterpart
    assert "waiting for legal" in shown
    assert format_deadline(new_deadline, "America/Los_Angeles", now=clock()) in shown
    stored = current(bot, promise)
    assert stored.deadline == new_deadline and stored.deadline_version == 2
    assert action_ids(wait_updated(bot, nudge)) == []  # the old nudge is out of date now
    # re-armed: the new nudge comes at the new deadline, once
    clock.set(new_deadline)
    run_pass(bot.runtime)
    run_pass(bot.runtime)
    assert the_message(bot.fake, key(promise, "nudge", 2))["channel"] == nudge["channel"]


def test_new_date_in_the_past_is_refused_inline(bot: BotServer, clock: Clock) -> None:
    promise, _nudge = nudged(bot, clock)
    answer = submit(
        bot,
        blocks.NEW_DATE_VIEW,
        promise,
        OWNER,
        {
            "deadline": {
                "value": {
                    "type": "datetimepicker",
                    "selected_date_time": int(DEFAULT_NOW.timestamp()),
                }
            },
        },
    )
    assert answer["response_action"] == "errors" and "deadline" in answer["errors"], answer
    assert current(bot, promise).deadline_version == 1


# ---------------------------------------------------------------------------- Hand off


def test_hand_off_gives_it_to_someone_else_who_is_told(bot: BotServer, clock: Clock) -> None:
    promise, nudge = nudged(bot, clock)
    press(bot, blocks.HAND_OFF, promise, OWNER, nudge)
    opened = bot.fake.wait_for("views.open", timeout=5)[-1].params["view"]
    assert opened["callback_id"] == blocks.HAND_OFF_VIEW

    answer = submit(
        bot,
        blocks.HAND_OFF_VIEW,
        promise,
        OWNER,
        {
            "owner": {"value": {"type": "users_select", "selected_user": INDIA}},
        },
    )
    assert not answer or answer.get("response_action") != "errors", answer
    told = bot.fake.wait_for(
        "chat.postMessage", timeout=5, where=lambda c: c.ok and c.params.get("channel") == INDIA
    )
    assert "call Jane Doe back" in text_of(told[-1].params)
    assert f"<@{OWNER}>" in text_of(told[-1].params)  # who handed it over
    assert current(bot, promise).owner_id == INDIA
    assert action_ids(wait_updated(bot, nudge)) == []  # the old owner's nudge is settled
    with bot.runtime.sessions() as session:
        kinds = list(
            session.scalars(select(PromiseEvent.kind).where(PromiseEvent.promise_id == promise.id))
        )
    assert "handed_off" in kinds


def test_hand_off_without_anyone_picked_is_an_inline_error(bot: BotServer, clock: Clock) -> None:
    promise, _nudge = nudged(bot, clock)
    answer = submit(
        bot,
        blocks.HAND_OFF_VIEW,
        promise,
        OWNER,
        {
            "owner": {"value": {"type": "users_select", "selected_user": None}},
        },
    )
    assert answer["response_action"] == "errors" and "owner" in answer["errors"], answer
    assert current(bot, promise).owner_id == OWNER


# ---------------------------------------------------------------------------- Couldn't keep


def test_couldnt_keep_needs_a_reason_and_then_closes_as_broken(
    bot: BotServer, clock: Clock
) -> None:
    promise, nudge = nudged(bot, clock)
    press(bot, blocks.COULDNT_KEEP, promise, OWNER, nudge)
    opened = bot.fake.wait_for("views.open", timeout=5)[-1].params["view"]
    assert opened["callback_id"] == blocks.COULDNT_KEEP_VIEW

    empty = submit(
        bot,
        blocks.COULDNT_KEEP_VIEW,
        promise,
        OWNER,
        {
            "reason": {"value": {"type": "plain_text_input", "value": "   "}},
        },
    )
    assert empty["response_action"] == "errors" and empty["errors"].get("reason"), empty
    assert current(bot, promise).status == "open"

    answer = submit(
        bot,
        blocks.COULDNT_KEEP_VIEW,
        promise,
        OWNER,
        {
            "reason": {
                "value": {"type": "plain_text_input", "value": "the role was filled internally"}
            },
        },
    )
    assert not answer or answer.get("response_action") != "errors", answer
    stored = current(bot, promise)
    assert stored.status == "broken"
    assert stored.closure_note == "the role was filled internally"
    after = wait_updated(bot, nudge)
    assert action_ids(after) == [] and "filled internally" in text_of(after)


def test_couldnt_keep_form_is_not_opened_for_someone_not_allowed(
    bot: BotServer, clock: Clock
) -> None:
    promise, nudge = nudged(bot, clock)
    answer = response(bot, press(bot, blocks.COULDNT_KEEP, promise, OTHER, nudge))
    assert "Only" in text_of(answer)
    assert bot.fake.calls("views.open") == []


# ---------------------------------------------------------------------------- Remind them


def test_remind_them_from_the_escalation_dms_the_owner(bot: BotServer, clock: Clock) -> None:
    promise, escalation = nudged(bot, clock, escalate=True)
    assert escalation["channel"] == bot.fake.im_id(LEAD)
    before = len(bot.fake.messages_to(OWNER))
    answer = response(bot, press(bot, blocks.REMIND_OWNER, promise, LEAD, escalation))
    assert f"<@{OWNER}>" in text_of(answer)  # "Done — I reminded ..."
    bot.fake.wait_for(
        "chat.postMessage",
        timeout=5,
        where=lambda c: (
            c.ok and c.params.get("channel") == OWNER and f"<@{LEAD}>" in text_of(c.params)
        ),
    )
    to_owner = bot.fake.messages_to(OWNER)
    assert len(to_owner) == before + 1
    reminder = to_owner[-1]
    assert "call Jane Doe back" in text_of(reminder)
    assert blocks.KEPT in action_ids(reminder)  # the owner can act on it right there
    assert current(bot, promise).status == "open"


def test_remind_them_pressed_by_someone_else_is_refused(bot: BotServer, clock: Clock) -> None:
    promise, escalation = nudged(bot, clock, escalate=True)
    before = len(bot.fake.messages_to(OWNER))
    answer = response(bot, press(bot, blocks.REMIND_OWNER, promise, OTHER, escalation))
    assert "Only" in text_of(answer)
    assert len(bot.fake.messages_to(OWNER)) == before
