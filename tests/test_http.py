"""The HTTP surface: Slack signatures, health, unknown paths."""

from __future__ import annotations

import json
import time
import urllib.request

from sqlalchemy import func, select

from bot.store.models import Promise
from handlers.answer import PROFILE_BUDGET
from tests.conftest import SECRET, BotServer, message_text
from tests.slackreq import post, slash_command_body


def count(bot: BotServer) -> int:
    with bot.runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Promise)) or 0)


def body(bot: BotServer) -> bytes:
    return slash_command_body(
        text="send Acme the quote by tomorrow",
        user_id="U0OWNER",
        response_url=bot.fake.response_url("x"),
    )


def test_unsigned_forged_and_stale_requests_get_401(bot: BotServer) -> None:
    payload = body(bot)
    assert post(bot.url, payload, secret=None).status == 401
    assert post(bot.url, payload, secret="not-the-secret").status == 401
    stale = int(time.time()) - 6 * 60
    assert post(bot.url, payload, secret=SECRET, timestamp=stale).status == 401
    tampered = post(
        bot.url, payload, secret=SECRET, extra_headers={"X-Slack-Signature": "v0=" + "0" * 64}
    )
    assert tampered.status == 401
    time.sleep(0.3)
    assert count(bot) == 0
    assert bot.fake.calls("response_url") == []
    # a request signed 4 minutes ago is still fine
    fresh = post(bot.url, payload, secret=SECRET, timestamp=int(time.time()) - 4 * 60)
    assert fresh.status == 200
    assert "hold you to this" in message_text(fresh.json())  # answered in the ack
    assert count(bot) == 1


def test_healthz_reports_the_database(bot: BotServer) -> None:
    url = bot.url.replace("/slack/events", "/healthz")
    with urllib.request.urlopen(url, timeout=5) as response:
        data = json.loads(response.read())
        assert response.status == 200
    assert data["ok"] is True and data["database"] == "reachable"
    assert data["scheduler"]["enabled"] is False


def test_unknown_path_is_404(bot: BotServer) -> None:
    reply = post(bot.url.replace("/slack/events", "/nope"), b"x", secret=SECRET)
    assert reply.status == 404


def test_ack_is_fast_even_when_slack_is_slow(bot: BotServer) -> None:
    """A first users.info that takes 2.5 s: Kept answers "working on it" within its budget
    and finishes on the response URL; the promise is stored once."""
    bot.fake.set_delay("users.info", 2.5)
    started = time.monotonic()
    reply = post(bot.url, body(bot), secret=SECRET)
    assert reply.status == 200
    assert time.monotonic() - started < PROFILE_BUDGET + 0.5
    assert "Working on it" in message_text(reply.json())
    answer = bot.fake.wait_for("response_url", timeout=10)[0].params
    assert "hold you to this" in message_text(answer)
    assert count(bot) == 1


def test_answer_is_in_the_ack_when_slack_answers_in_time(bot: BotServer) -> None:
    reply = post(bot.url, body(bot), secret=SECRET)
    assert reply.status == 200
    assert reply.json()["response_type"] == "ephemeral"
    assert "hold you to this" in message_text(reply.json())
    bot.settle()
    assert bot.fake.calls("response_url") == []  # no second round trip
    assert count(bot) == 1


def test_the_work_queue_is_bounded() -> None:
    """Past its bound, handing over more work waits instead of queueing without limit."""
    import threading

    from bot.app import BoundedExecutor

    pool = BoundedExecutor(1, max_pending=2)
    release = threading.Event()
    pool.submit(release.wait)
    pool.submit(release.wait)
    third = threading.Thread(target=pool.submit, args=(release.wait,))
    third.start()
    third.join(timeout=0.3)
    assert third.is_alive()  # the third job waits for room
    release.set()
    third.join(timeout=5)
    assert not third.is_alive()
    pool.shutdown(wait=True)
