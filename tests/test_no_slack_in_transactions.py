"""No call to Slack while a write transaction is open (SPEC §4): a person Slack is slow to
answer about (users.info taking 4 s) never holds up anyone else's request or reminder.

Through signed HTTP and the fake Slack, on SQLite (one writer at a time: a transaction held
while Slack answers would stall everyone) and PostgreSQL. The `runtime` fixture runs in
strict mode: any Slack call made inside a write transaction is refused and fails the test.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.promises.service import supervisor_of
from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack import messages as blocks
from bot.slack.client import NetworkInTransaction
from bot.store.models import AwayPeriod, Person, Promise
from scheduler.passes import run_pass
from tests.conftest import ADMIN, OTHER, OWNER, TEAM, BotServer, Clock
from tests.slackreq import view_submission_payload

SLOW = "U0SLOW"  # the person Slack is slow to answer about
SLOW_FOR = 4.0  # seconds users.info takes
FAST = 1.0  # another user's /promise is answered within this


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Slack may take 4 s over users.info without Kept giving up on it."""
    return replace(settings, slack_timeout=8.0, claim_lease=timedelta(seconds=20))


def test_strict_mode_refuses_a_slack_call_inside_a_write_transaction(runtime: Runtime) -> None:
    assert runtime.client.auth_test()["ok"]  # outside a transaction: fine
    with pytest.raises(NetworkInTransaction), runtime.sessions.begin():
        runtime.client.auth_test()
    assert runtime.guard.refused and runtime.guard.refused[0].startswith("auth.test")
    with runtime.readers():  # reading is no write transaction
        assert runtime.client.auth_test()["ok"]
    runtime.guard.refused.clear()  # seen: the fixture would fail the test otherwise


def _promise_of(bot: BotServer, user: str, text: str) -> Promise:
    reply = bot.command(text, user=user)
    assert "Couldn't" not in str(reply), reply
    with bot.runtime.readers() as session:
        return session.scalars(
            select(Promise).where(Promise.owner_id == user).order_by(Promise.id.desc())
        ).first()  # type: ignore[return-value]


def _slow_slack(bot: BotServer) -> Promise:
    """Everyone but SLOW is known to Kept; OTHER has a promise due in 2 hours; then Slack
    becomes slow to answer users.info."""
    bot.fake.add_user(SLOW, name="Sam Slow", tz="Europe/London")
    for user in (OWNER, ADMIN, OTHER):
        bot.command("list", user=user)
    due = _promise_of(bot, OTHER, "call Bob Brown back in 2 hours")
    bot.fake.set_delay("users.info", SLOW_FOR)
    return due


def _meanwhile(bot: BotServer, clock: Clock, slow: Callable[[], Any], due: Promise) -> Any:
    """Start `slow` (a request naming SLOW); while Slack takes its time, OTHER's /promise is
    answered fast and the scheduler delivers OTHER's nudge. Returns what `slow` returned."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = slow()
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=run)
    began = time.monotonic()
    thread.start()
    time.sleep(1.2)  # the slow request is past its acknowledgement, Slack still thinking

    clock.set(due.deadline + timedelta(minutes=1))
    started = time.monotonic()
    run_pass(bot.runtime)  # (or the bot's own sender, if something woke it, delivers it)
    bot.fake.wait_for(
        "chat.postMessage",
        timeout=FAST,
        where=lambda c: c.ok and c.params.get("channel") == OTHER and "Bob Brown" in str(c.params),
    )
    delivered = time.monotonic() - started
    assert delivered < FAST, f"OTHER's nudge took {delivered:.2f}s"

    started = time.monotonic()
    reply = bot.command("send Acme the revised quote by Friday", user=OTHER)
    answered = time.monotonic() - started
    assert "revised quote" in str(reply), reply
    assert answered < FAST, f"another user's /promise took {answered:.2f}s"
    assert time.monotonic() - began < SLOW_FOR, "Slack answered too soon for this to mean much"
    thread.join(timeout=20)
    assert not thread.is_alive()
    time.sleep(max(0.0, began + SLOW_FOR + 0.5 - time.monotonic()))  # Slack has answered now
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def test_a_hand_off_to_someone_slack_is_slow_about_holds_nobody_up(
    bot: BotServer, clock: Clock
) -> None:
    promise = _promise_of(bot, OWNER, "call Jane Doe back by Friday")
    due = _slow_slack(bot)
    answer = _meanwhile(
        bot, clock, lambda: bot.command(f"handoff {promise.id} <@{SLOW}>", user=OWNER), due
    )
    assert "Sam Slow" in str(answer) or SLOW in str(answer), answer
    with bot.runtime.readers() as session:
        assert session.get(Promise, promise.id).owner_id == SLOW  # type: ignore[union-attr]


def test_setting_a_supervisor_slack_is_slow_about_holds_nobody_up(
    bot: BotServer, clock: Clock
) -> None:
    due = _slow_slack(bot)
    answer = _meanwhile(
        bot, clock, lambda: bot.command(f"supervisor <@{OWNER}> <@{SLOW}>", user=ADMIN), due
    )
    assert SLOW in str(answer), answer
    with bot.runtime.readers() as session:
        assert supervisor_of(session, TEAM, OWNER) == SLOW


def test_an_away_with_a_cover_slack_is_slow_about_holds_nobody_up(
    bot: BotServer, clock: Clock
) -> None:
    due = _slow_slack(bot)
    _meanwhile(bot, clock, lambda: bot.command(f"away Dec 18 <@{SLOW}>", user=OWNER), due)
    with bot.runtime.readers() as session:
        away = session.scalars(select(AwayPeriod).where(AwayPeriod.user_id == OWNER)).one()
    assert away.cover_id == SLOW


def _submit(bot: BotServer, callback_id: str, values: dict[str, Any], **meta: Any) -> Any:
    payload = view_submission_payload(
        callback_id=callback_id,
        values=values,
        user_id=OWNER,
        team_id=TEAM,
        view_id="V0SLOW",
        private_metadata=json.dumps(meta),
    )
    reply = bot.interact(payload)
    assert reply.status == 200, (reply.status, reply.text)
    return reply.json() if reply.body else None


def test_a_new_promise_form_naming_someone_slack_is_slow_about_holds_nobody_up(
    bot: BotServer, clock: Clock
) -> None:
    due = _slow_slack(bot)
    deadline = int((clock() + timedelta(days=2)).timestamp())
    values = {
        "description": {"value": {"type": "plain_text_input", "value": "send the offer letter"}},
        "counterpart": {"value": {"type": "plain_text_input", "value": "Jane Doe"}},
        "deadline": {"value": {"type": "datetimepicker", "selected_date_time": deadline}},
        "owner": {"value": {"type": "users_select", "selected_user": SLOW}},
    }
    first = _meanwhile(bot, clock, lambda: _submit(bot, blocks.NEW_PROMISE_VIEW, values), due)
    # Slack gives a form 3 s: Kept asked to save again, and kept Slack's late answer for it
    assert first and first.get("response_action") == "errors", first
    second = _submit(bot, blocks.NEW_PROMISE_VIEW, values)
    assert not second or second.get("response_action") != "errors", second
    with bot.runtime.readers() as session:
        owners = list(session.scalars(select(Promise.owner_id).where(Promise.owner_id == SLOW)))
    assert owners == [SLOW]


def test_the_hand_off_form_naming_someone_slack_is_slow_about_holds_nobody_up(
    bot: BotServer, clock: Clock
) -> None:
    promise = _promise_of(bot, OWNER, "call Jane Doe back by Friday")
    due = _slow_slack(bot)
    values = {"owner": {"value": {"type": "users_select", "selected_user": SLOW}}}
    first = _meanwhile(
        bot,
        clock,
        lambda: _submit(bot, blocks.HAND_OFF_VIEW, values, promise_id=promise.id),
        due,
    )
    assert first and first.get("response_action") == "errors", first
    second = _submit(bot, blocks.HAND_OFF_VIEW, values, promise_id=promise.id)
    assert not second or second.get("response_action") != "errors", second
    with bot.runtime.readers() as session:
        assert session.get(Promise, promise.id).owner_id == SLOW  # type: ignore[union-attr]


def test_the_scheduler_refreshes_a_slow_cover_with_no_transaction_open(
    bot: BotServer, clock: Clock
) -> None:
    """A pass that must refresh the profile of a cover Slack is slow about (4 s) holds no
    lock meanwhile: another user's /promise is answered at once, and the nudge reaches the
    cover once Slack answers."""
    bot.fake.add_user(SLOW, name="Sam Slow", tz="Europe/London")
    for user in (OWNER, OTHER):
        bot.command("list", user=user)
    promise = _promise_of(bot, OWNER, "call Jane Doe back in 2 hours")
    bot.command(f"away Dec 18 <@{SLOW}>", user=OWNER)
    with bot.runtime.sessions.begin() as session:  # the cover's profile has gone stale
        session.execute(
            update(Person)
            .where(Person.team_id == TEAM, Person.user_id == SLOW)
            .values(fetched_at=clock() - timedelta(days=2))
        )
    bot.runtime._fresh.clear()
    clock.set(promise.deadline + timedelta(minutes=1))
    bot.command("list", user=OTHER)  # OTHER stays known to this process at the new time
    bot.fake.set_delay("users.info", SLOW_FOR)
    thread = threading.Thread(target=run_pass, args=(bot.runtime,))
    began = time.monotonic()
    thread.start()  # (or the bot's own sender, woken earlier, is the pass that waits on Slack)
    time.sleep(1.5)
    started = time.monotonic()
    reply = bot.command("send Acme the revised quote by Friday", user=OTHER)
    answered = time.monotonic() - started
    assert "revised quote" in str(reply)
    assert answered < FAST, f"another user's /promise took {answered:.2f}s"
    assert time.monotonic() - began < SLOW_FOR, "Slack answered too soon for this to mean much"
    thread.join(timeout=20)
    covered = bot.fake.wait_for(
        "chat.postMessage",
        timeout=10,
        where=lambda c: c.ok and c.params.get("channel") == SLOW and "Jane Doe" in str(c.params),
    )
    assert covered, "the cover never got the nudge"
