"""Workflow Builder steps (SPEC §2.6): the fake Slack runs `record_promise` / `close_promise`
like a workflow does and the bot answers over real signed HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select

from bot.store.models import Delivery, Promise, Status, Step
from tests.conftest import LEAD, OTHER, OWNER, TEAM, BotServer, message_text
from tests.fakeslack import FakeSlack
from tests.slackreq import event_body

# the test clock: Wednesday 25 Nov 2026, 18:00 UTC (10:00 in Los Angeles)


def run(
    bot: BotServer,
    callback_id: str,
    inputs: dict[str, Any],
    *,
    event: dict[str, Any] | None = None,
    retry: int | None = None,
) -> dict[str, Any]:
    """Slack runs the step: `function_executed` to the bot. Returns the event sent."""
    event = event or bot.fake.run_step(callback_id, inputs)
    headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    reply = bot.post(
        event_body(event, team_id=TEAM, event_id="Ev" + event["function_execution_id"]),
        content_type="application/json",
        extra_headers=headers if retry else None,
    )
    assert reply.status == 200, (reply.status, reply.body[:300])
    assert reply.elapsed < 3.0, f"ack took {reply.elapsed:.2f}s"
    return event


def ended(bot: BotServer, event: dict[str, Any]) -> dict[str, Any]:
    return bot.fake.execution(event["function_execution_id"])


def promises(bot: BotServer) -> list[Promise]:
    with bot.runtime.sessions() as session:
        return list(session.scalars(select(Promise).order_by(Promise.id)))


def record_inputs(**changes: Any) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        "owner": OWNER,
        "promise": "call Jane Doe back about the supervisor role",
        "deadline": "Friday 5pm",
    }
    inputs.update(changes)
    return {k: v for k, v in inputs.items() if v is not None}


def test_records_the_promise_once_and_completes_with_its_id(bot: BotServer) -> None:
    event = run(bot, "record_promise", record_inputs(counterpart="Jane Doe (candidate)"))
    execution = ended(bot, event)
    assert execution["state"] == "completed", execution
    [promise] = promises(bot)
    # the owner's zone reads the deadline: Friday 27 Nov 17:00 in Los Angeles = 01:00 UTC
    assert promise.deadline.isoformat() == "2026-11-28T01:00:00+00:00"
    assert promise.owner_id == OWNER and promise.team_id == TEAM
    assert promise.counterpart == "Jane Doe (candidate)"
    assert execution["outputs"] == {
        "promise_id": str(promise.id),
        "deadline": int(datetime(2026, 11, 28, 1, tzinfo=UTC).timestamp()),
    }
    # completed with the execution's own token (what Bolt attaches), which then ends
    [completion] = bot.fake.calls("functions.completeSuccess")
    assert completion.token == event["bot_access_token"]
    # the owner is told by DM, through the outbox
    dm = bot.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == OWNER)
    assert "call Jane Doe back" in message_text(dm[0].params)

    # Slack sends the same execution again (a retry): nothing new is recorded, and the second
    # completion is refused by Slack (the execution has ended) without harm
    run(bot, "record_promise", {}, event=event, retry=1)
    assert len(promises(bot)) == 1
    attempts = bot.fake.calls("functions.completeSuccess")
    assert len(attempts) == 2 and attempts[0].ok and not attempts[1].ok
    assert ended(bot, event)["outputs"]["promise_id"] == str(promise.id)
    bot.settle()
    dms = [c for c in bot.fake.calls("chat.postMessage") if c.params["channel"] == OWNER]
    assert len(dms) == 1


def test_mentions_and_links_a_workflow_puts_in_the_text_are_read_as_people_read_them(
    bot: BotServer,
) -> None:
    bot.command("help", user=LEAD)  # Kept has met Lena: it knows her name
    text = f"call <@{LEAD}> back about <https://example.com/q|the quote> &amp; the contract"
    event = run(bot, "record_promise", record_inputs(promise=text, counterpart="Acme &amp; Co"))
    assert ended(bot, event)["state"] == "completed"
    [promise] = promises(bot)
    assert promise.description == (
        "call @Lena Lead back about the quote (https://example.com/q) & the contract"
    )
    assert promise.counterpart == "Acme & Co"


def test_each_execution_records_its_own_promise(bot: BotServer) -> None:
    first = run(bot, "record_promise", record_inputs())
    second = run(bot, "record_promise", record_inputs(promise="send Acme the quote"))
    ids = [ended(bot, e)["outputs"]["promise_id"] for e in (first, second)]
    assert len(set(ids)) == 2
    assert [p.description for p in promises(bot)] == [
        "call Jane Doe back about the supervisor role",
        "send Acme the quote",
    ]


def test_the_deadline_is_read_in_the_owners_zone_and_a_timestamp_is_taken_as_it_is(
    bot: BotServer,
) -> None:
    berlin = run(bot, "record_promise", record_inputs(owner=LEAD, deadline="tomorrow morning"))
    assert ended(bot, berlin)["state"] == "completed"
    moment = datetime(2026, 12, 3, 14, 30, tzinfo=UTC)
    exact = run(bot, "record_promise", record_inputs(deadline=str(int(moment.timestamp()))))
    assert ended(bot, exact)["outputs"]["deadline"] == int(moment.timestamp())
    first, second = promises(bot)
    # 09:00 tomorrow in Berlin (CET) is 08:00 UTC
    assert first.deadline.isoformat() == "2026-11-26T08:00:00+00:00"
    assert second.deadline == moment


@pytest.mark.parametrize(
    ("deadline", "reason"),
    [
        ("whenever it suits", "couldn't read a deadline"),
        ("yesterday", "in the past"),
        ("April 31", "isn't a real date"),
        (str(int(datetime(2026, 11, 20, tzinfo=UTC).timestamp())), "already passed"),
        ("Dec 3 2028", "more than a year away"),
    ],
)
def test_a_deadline_kept_cannot_use_fails_the_step_with_the_reason(
    bot: BotServer, deadline: str, reason: str
) -> None:
    event = run(bot, "record_promise", record_inputs(deadline=deadline))
    execution = ended(bot, event)
    assert execution["state"] == "failed", execution
    assert reason in execution["error"], execution["error"]
    assert promises(bot) == []
    with bot.runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0


def test_an_owner_who_cannot_receive_fails_the_step(bot: BotServer) -> None:
    bot.fake.add_user("U0ROBOT", name="robot", is_bot=True)
    bot.fake.add_user("U0GONE", name="gone", deleted=True)
    reasons = {}
    for owner in ("U0ROBOT", "U0GONE", "U0NOBODY"):
        event = run(bot, "record_promise", record_inputs(owner=owner))
        execution = ended(bot, event)
        assert execution["state"] == "failed"
        reasons[owner] = execution["error"]
    assert "is a bot" in reasons["U0ROBOT"]
    assert "deactivated" in reasons["U0GONE"]
    assert "can't find the owner" in reasons["U0NOBODY"]
    assert all("<@" not in r for r in reasons.values())  # plain text for Workflow Builder
    assert promises(bot) == []


def test_a_channel_given_to_the_step_is_kept_with_the_promise(bot: BotServer) -> None:
    event = run(bot, "record_promise", record_inputs(channel="C0SALES"))
    assert ended(bot, event)["state"] == "completed"
    assert promises(bot)[0].source_channel_id == "C0SALES"


def test_close_a_promise_step(bot: BotServer) -> None:
    made = run(bot, "record_promise", record_inputs())
    promise_id = ended(bot, made)["outputs"]["promise_id"]
    refused = run(
        bot,
        "close_promise",
        {"promise_id": promise_id, "outcome": "kept", "closed_by": OTHER},
    )
    assert ended(bot, refused)["state"] == "failed"
    assert promises(bot)[0].status == Status.OPEN
    no_reason = run(
        bot, "close_promise", {"promise_id": promise_id, "outcome": "broken", "closed_by": OWNER}
    )
    assert "needs a Note" in ended(bot, no_reason)["error"]
    closed = run(
        bot,
        "close_promise",
        {"promise_id": promise_id, "outcome": "kept", "closed_by": OWNER, "note": "called"},
    )
    execution = ended(bot, closed)
    assert execution["state"] == "completed", execution
    assert execution["outputs"] == {"promise_id": promise_id, "outcome": "kept"}
    assert promises(bot)[0].status == Status.KEPT
    with bot.runtime.sessions() as session:
        steps = set(session.scalars(select(Delivery.step)))
    assert Step.REWRITE in steps


def test_numeric_dates_follow_the_owners_locale(bot: BotServer) -> None:
    bot.fake.add_user("U0BRIT", name="Bea Brit", tz="Europe/London", locale="en-GB")
    british = run(bot, "record_promise", record_inputs(owner="U0BRIT", deadline="4/12 3pm"))
    american = run(bot, "record_promise", record_inputs(deadline="12/4 3pm"))
    assert ended(bot, british)["state"] == ended(bot, american)["state"] == "completed"
    brit, us = promises(bot)
    assert brit.deadline.isoformat() == "2026-12-04T15:00:00+00:00"  # 4 December, London
    assert us.deadline.isoformat() == "2026-12-04T23:00:00+00:00"  # 4 December, Los Angeles


def test_slack_unreachable_uses_what_kept_knows_or_refuses(bot: BotServer) -> None:
    # Kept has never seen this owner and Slack can't be asked: nothing is guessed
    bot.fake.add_user("U0NEW", name="Nina New")
    bot.fake.fail_next("users.info", status=503, times=20)
    event = run(bot, "record_promise", record_inputs(owner="U0NEW"))
    assert ended(bot, event)["state"] == "failed"
    assert "couldn't check the owner" in ended(bot, event)["error"]
    bot.fake.clear()
    # once Kept knows them, a Slack outage no longer stops a workflow
    assert ended(bot, run(bot, "record_promise", record_inputs(owner="U0NEW")))["outputs"]
    bot.fake.fail_next("users.info", status=503, times=20)
    later = run(bot, "record_promise", record_inputs(owner="U0NEW", promise="send the offer"))
    assert ended(bot, later)["state"] == "completed"
    assert [p.owner_id for p in promises(bot)] == ["U0NEW", "U0NEW"]


def test_two_deliveries_of_one_execution_at_once_record_one_promise(bot: BotServer) -> None:
    import threading

    event = bot.fake.run_step("record_promise", record_inputs())
    threads = [
        threading.Thread(target=run, args=(bot, "record_promise", {}), kwargs={"event": event})
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert len(promises(bot)) == 1
    assert ended(bot, event)["outputs"]["promise_id"] == str(promises(bot)[0].id)
    assert len([c for c in bot.fake.calls("functions.completeSuccess") if c.ok]) == 1


# ---------------------------------------------------------------------- the fake's strictness


def test_the_fake_ends_an_execution_once_and_checks_outputs(fake_slack: FakeSlack) -> None:
    event = fake_slack.run_step("record_promise", record_inputs())
    execution_id = event["function_execution_id"]
    client = WebClient(token=event["bot_access_token"], base_url=fake_slack.api_url)

    def error_of(method: str, **params: Any) -> str:
        with pytest.raises(SlackApiError) as raised:
            client.api_call(method, json=params)
        return str(raised.value.response["error"])

    assert error_of("functions.completeSuccess", outputs={}) == "invalid_arguments"
    assert (
        error_of("functions.completeSuccess", function_execution_id="Fx0", outputs={})
        == "function_execution_not_found"
    )
    assert (
        error_of("functions.completeSuccess", function_execution_id=execution_id, outputs={})
        == "parameter_validation_failed"
    )
    assert (
        error_of(
            "functions.completeSuccess",
            function_execution_id=execution_id,
            outputs={"promise_id": "1", "deadline": "Friday"},
        )
        == "parameter_validation_failed"
    )
    assert (
        error_of("functions.completeError", function_execution_id=execution_id)
        == "invalid_arguments"
    )
    client.functions_completeError(function_execution_id=execution_id, error="no")
    assert fake_slack.execution(execution_id)["state"] == "failed"
    # the execution's token ended with it; the bot token is told the execution has ended
    assert (
        error_of("functions.completeError", function_execution_id=execution_id, error="x")
        == "token_revoked"
    )
    bot_client = WebClient(token=fake_slack.bot_token, base_url=fake_slack.api_url)
    with pytest.raises(SlackApiError) as again:
        bot_client.functions_completeSuccess(
            function_execution_id=execution_id, outputs={"promise_id": "1", "deadline": 1}
        )
    assert again.value.response["error"] == "execution_not_in_running_state"


def test_the_fake_runs_only_steps_the_manifest_defines_with_valid_inputs(
    fake_slack: FakeSlack,
) -> None:
    with pytest.raises(KeyError):
        fake_slack.run_step("no_such_step", {})
    with pytest.raises(ValueError, match="required input 'deadline'"):
        fake_slack.run_step("record_promise", {"owner": OWNER, "promise": "x"})
    with pytest.raises(ValueError, match="not a user id"):
        fake_slack.run_step("record_promise", record_inputs(owner="jane"))
    with pytest.raises(ValueError, match="not in the step's definition"):
        fake_slack.run_step("record_promise", record_inputs(colour="blue"))


def test_a_completion_slack_refuses_is_tried_again_on_slacks_retry(bot: BotServer) -> None:
    bot.fake.fail_next("functions.completeSuccess", status=200, error="internal_error")
    event = bot.fake.run_step("record_promise", record_inputs())
    reply = bot.post(
        event_body(event, team_id=TEAM, event_id="Ev" + event["function_execution_id"]),
        content_type="application/json",
    )
    assert reply.status != 200  # not acknowledged: Slack will deliver it again
    assert ended(bot, event)["state"] == "running"
    assert len(promises(bot)) == 1  # the promise itself is stored
    run(bot, "record_promise", {}, event=event, retry=1)
    assert ended(bot, event)["state"] == "completed"
    assert len(promises(bot)) == 1
