"""DMs to Kept are answered through the outbox (SPEC §2.1, §4): the answer's delivery row is
committed before Slack's event is acknowledged, and the scheduler posts it once, through 429s
and a send that timed out after reaching Slack, in the DM's thread when the DM was written in
one. Replies under Kept's own messages that are not commands, and Slackbot's messages, are
not read as new promises. Signed events, the fake Slack, SQLite and PostgreSQL."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.store.models import Delivery, DeliveryStatus, Promise, Step
from scheduler.loop import SchedulerLoop
from tests.conftest import OWNER, SECRET, TEAM, BotServer, message_text
from tests.fakeslack import FakeSlack
from tests.procs import KeptProcesses
from tests.slackreq import event_body, post
from tests.test_processes import kept_env


def send_event(bot: BotServer, event: dict[str, Any]) -> None:
    reply = bot.post(event_body(event, team_id=TEAM), content_type="application/json")
    assert reply.status == 200 and reply.elapsed < 3.0


def answers(bot: BotServer) -> list[dict[str, Any]]:
    """Kept's messages in the owner's DM, threads included."""
    return [m for m in bot.fake.messages_to(OWNER) if m.get("bot_id")]


def promises(bot: BotServer) -> list[Promise]:
    with bot.runtime.readers() as session:
        return list(session.scalars(select(Promise).order_by(Promise.id)))


def dm_answer_rows(bot: BotServer) -> list[Delivery]:
    with bot.runtime.readers() as session:
        return list(session.scalars(select(Delivery).where(Delivery.step == Step.DM_ANSWER)))


def run_passes(bot: BotServer, until: int, *, step_seconds: float = 2.0, tries: int = 8) -> None:
    """Scheduler passes, the clock moving past each Retry-After, until `until` answers."""
    for _ in range(tries):
        SchedulerLoop(bot.runtime).tick()
        if len(answers(bot)) >= until:
            return
        bot.runtime.clock.advance(seconds=step_seconds)  # type: ignore[attr-defined]


def test_a_dm_answer_is_stored_before_the_ack_and_survives_429s(bot: BotServer) -> None:
    bot.fake.fail_next("chat.postMessage", status=429, retry_after=1, times=4)
    send_event(bot, bot.fake.user_writes_dm(OWNER, "send Acme the revised quote by tomorrow"))
    # acknowledged means stored: the promise and the answer owed are both in the database
    [promise] = promises(bot)
    [row] = dm_answer_rows(bot)
    assert row.recipient_id == OWNER and row.status in (
        DeliveryStatus.PENDING,
        DeliveryStatus.SENDING,
    )
    bot.settle()
    run_passes(bot, until=1)
    bot.settle()
    [answer] = answers(bot)
    assert f"#{promise.id}" in message_text(answer) and "thread_ts" not in answer
    assert len([c for c in bot.fake.calls("chat.postMessage") if c.status == 429]) == 4
    run_passes(bot, until=2, tries=2)
    assert len(answers(bot)) == 1  # once


def test_an_answer_that_timed_out_after_reaching_slack_is_not_posted_twice(
    bot: BotServer,
) -> None:
    first = bot.fake.user_writes_dm(OWNER, "list")
    send_event(bot, first)
    bot.settle()
    assert len(answers(bot)) == 1
    # a reply in the thread of their own message; Slack is slow: the post lands after Kept
    # gave up waiting (3 s), so the next try first looks for it in the thread
    bot.fake.fail_next("chat.postMessage", status=200, delay=4.0)
    send_event(
        bot,
        bot.fake.user_writes_dm(
            OWNER, "send the deck to Acme by tomorrow", thread_ts=str(first["ts"])
        ),
    )
    time.sleep(4.5)
    bot.settle()
    for _ in range(8):  # the next try, after its back-off, finds the answer already there
        if all(r.status == DeliveryStatus.SENT for r in dm_answer_rows(bot)):
            break
        bot.runtime.clock.advance(seconds=30)  # type: ignore[attr-defined]
        SchedulerLoop(bot.runtime).tick()
    in_thread = [a for a in answers(bot) if a.get("thread_ts") == first["ts"]]
    assert len(in_thread) == 1, answers(bot)
    assert "send the deck to Acme" in message_text(in_thread[0])
    assert len(promises(bot)) == 1
    [row] = [r for r in dm_answer_rows(bot) if r.key.count(":") == 3]
    assert row.status == DeliveryStatus.SENT and row.message_ts == in_thread[0]["ts"]


def test_chat_under_kepts_messages_and_slackbot_are_not_read_as_promises(
    bot: BotServer,
) -> None:
    send_event(bot, bot.fake.user_writes_dm(OWNER, "send Acme the revised quote by tomorrow"))
    bot.settle()
    [answer] = answers(bot)
    under_kept = str(answer["ts"])
    send_event(bot, bot.fake.user_writes_dm(OWNER, "thanks, will do!", thread_ts=under_kept))
    slackbot = bot.fake.user_writes_dm(OWNER, "call Jane Doe back by Friday 5pm")
    slackbot["user"] = "USLACKBOT"
    send_event(bot, slackbot)
    time.sleep(0.5)
    bot.settle()
    assert len(promises(bot)) == 1 and len(answers(bot)) == 1
    # a command under Kept's message is still a command, answered in that thread
    send_event(bot, bot.fake.user_writes_dm(OWNER, "list", thread_ts=under_kept))
    bot.settle()
    run_passes(bot, until=2, tries=2)
    [listed] = [a for a in answers(bot) if a.get("thread_ts") == under_kept]
    assert "send Acme the revised quote" in message_text(listed)


@pytest.mark.slow
def test_dms_acknowledged_before_a_kill_9_are_answered_once_after_the_restart(
    fake_slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    env = kept_env(fake_slack, database_url)
    # Slack rate-limits every answer for a while: they wait in the outbox
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=5, times=1000)
    with KeptProcesses(tmp_path) as procs:
        first = procs.start(env)
        first.wait_healthy()
        sent = []
        for n in range(6):
            event = fake_slack.user_writes_dm(OWNER, f"send Acme quote {n} by tomorrow")
            reply = post(
                f"{first.url}/slack/events",
                event_body(event, team_id=TEAM),
                secret=SECRET,
                content_type="application/json",
            )
            assert reply.status == 200
            sent.append(event["ts"])
        first.kill()  # SIGKILL, like a crash: no answer went out
        assert [m for m in fake_slack.messages_to(OWNER) if m.get("bot_id")] == []
        fake_slack.clear()  # Slack takes messages again
        second = procs.start(env)
        second.wait_healthy()
        until = time.monotonic() + 30
        while time.monotonic() < until and len(answers_in(fake_slack)) < len(sent):
            time.sleep(0.2)
        time.sleep(1.0)
        found = answers_in(fake_slack)
    assert len(found) == len(sent), found
    assert sorted(found) == sorted(f"send Acme quote {n}" for n in range(6))


def answers_in(fake: FakeSlack) -> list[str]:
    texts = [str(m.get("text")) for m in fake.messages_to(OWNER) if m.get("bot_id")]
    return [re.search(r"send Acme quote \d", t).group(0) for t in texts if "send Acme quote" in t]  # type: ignore[union-attr]
