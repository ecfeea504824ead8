"""What Kept keeps only for a while (README, data life cycle): handled requests are forgotten
once Slack can no longer repeat them, expired OAuth install states are deleted; both by the
scheduler, whatever KEPT_RETENTION_DAYS says. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from bot.ops.retention import REQUEST_MEMORY
from bot.store.models import SLACK_OAUTH_STATES, HandledRequest, Promise
from scheduler.loop import SchedulerLoop
from tests.conftest import BotServer, message_text
from tests.slackreq import slash_command_body
from tests.test_oauth import OAuthBot, oauth_bot  # noqa: F401 - the fixture

__all__ = ["oauth_bot"]


def count(bot: BotServer | OAuthBot, what: object) -> int:
    with bot.runtime.readers() as session:
        return int(session.scalar(select(func.count()).select_from(what)) or 0)  # type: ignore[arg-type]


def test_handled_requests_are_forgotten_once_slack_can_no_longer_repeat_them(
    bot: BotServer,
) -> None:
    body = slash_command_body(
        text="call Jane Doe back about the supervisor role by Friday 5pm",
        user_id="U0OWNER",
        team_id="T0001",
        channel_id="C0SALES",
        response_url=bot.fake.response_url("k"),
        trigger_id="trigger-1",
    )
    first = bot.post(body)
    assert "Jane Doe" in message_text(first.json())
    again = bot.post(body)  # Slack's retry minutes later: the same answer, nothing new
    assert again.json() == first.json() and count(bot, Promise) == 1
    assert count(bot, HandledRequest) == 1

    loop = SchedulerLoop(bot.runtime)
    bot.runtime.clock.advance(seconds=REQUEST_MEMORY.total_seconds() - 60)  # type: ignore[attr-defined]
    loop.tick()
    assert count(bot, HandledRequest) == 1  # still within Slack's reach: kept
    bot.runtime.clock.advance(minutes=2)  # type: ignore[attr-defined]
    SchedulerLoop(bot.runtime).tick()  # a scheduler that starts now purges at once
    assert count(bot, HandledRequest) == 0
    with bot.runtime.readers() as session:
        assert session.scalar(select(Promise.description)) is not None  # the promise stays


def test_expired_oauth_states_are_deleted(oauth_bot: OAuthBot) -> None:  # noqa: F811
    for _ in range(5):
        assert oauth_bot.get("/slack/install").status == 302
    assert count(oauth_bot, SLACK_OAUTH_STATES) == 5
    # slack_sdk stamps each state with the real clock; let four of them expire
    with oauth_bot.runtime.sessions.begin() as session:
        ids = list(session.scalars(select(SLACK_OAUTH_STATES.c.id).order_by("id")))
        session.execute(
            update(SLACK_OAUTH_STATES)
            .where(SLACK_OAUTH_STATES.c.id.in_(ids[:4]))
            .values(expire_at=SLACK_OAUTH_STATES.c.expire_at - timedelta(hours=1))
        )
    SchedulerLoop(oauth_bot.runtime).tick()
    with oauth_bot.runtime.readers() as session:
        assert list(session.scalars(select(SLACK_OAUTH_STATES.c.id))) == ids[4:]
