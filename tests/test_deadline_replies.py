"""What /promise answers about deadlines, over signed HTTP with the fake Slack: both zones,
the owner's locale, questions and refusals instead of guesses, the confirm button past a
year, holidays (KEPT_HOLIDAYS). The clock stands at Wed 25 Nov 2026, 10:00 in Los Angeles."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient
from sqlalchemy import func, select

from bot.settings import Settings
from bot.store.models import Person, Promise
from tests.conftest import OWNER, BotServer, message_text
from tests.fakeslack import FakeSlack
from tests.slackreq import block_action_payload, message_shortcut_payload

BRIT = "U0BRIT"
CANUCK = "U0CANUCK"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, holidays=("US",))


def promises(bot: BotServer) -> list[Promise]:
    with bot.runtime.sessions() as session:
        return list(session.scalars(select(Promise).order_by(Promise.id)))


def buttons(reply: dict) -> list[dict]:
    return [e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_a_named_zone_is_used_and_shown_next_to_the_owners(bot: BotServer) -> None:
    reply = bot.command("call Raj back about the supervisor role by 2pm ET")
    assert "Wed 25 Nov, 11:00 PST — 14:00 ET as you wrote" in message_text(reply)
    (promise,) = promises(bot)
    assert promise.deadline == datetime(2026, 11, 25, 19, 0, tzinfo=UTC)
    assert promise.description == "call Raj back about the supervisor role"


def test_fake_slack_gives_the_locale_only_when_asked(fake_slack: FakeSlack) -> None:
    client = WebClient(token="xoxb-test", base_url=fake_slack.api_url)
    plain = client.users_info(user=OWNER)["user"]
    asked = client.users_info(user=OWNER, include_locale=True)["user"]
    assert "locale" not in plain
    assert asked["locale"] == "en-US"


def test_numeric_dates_follow_the_owners_slack_locale(
    bot: BotServer, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user(BRIT, name="Bea Brit", tz="Europe/London", locale="en-GB")
    us = bot.command("send Acme the quote by 4/12")
    assert "Mon 12 Apr 2027, 17:00 PDT" in message_text(us)
    gb = bot.command("send Acme the quote by 4/12", user=BRIT)
    assert "Fri 4 Dec, 17:00 GMT" in message_text(gb)
    with bot.runtime.sessions() as session:
        assert session.get(Person, ("T0001", BRIT)).locale == "en-GB"  # type: ignore[union-attr]
    assert len(promises(bot)) == 2


def test_a_numeric_date_the_locale_does_not_settle_is_a_question(
    bot: BotServer, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user(CANUCK, name="Cam Canuck", tz="America/Toronto", locale="en-CA")
    reply = bot.command("send Acme the quote by 4/12", user=CANUCK)
    text = message_text(reply)
    assert "Quick question" in text and "4 Dec" in text and "Apr 12" in text
    assert "send Acme the quote by 4/12" in text  # the words are kept
    assert [e["action_id"] for e in buttons(reply)] == ["promise_open_form"]
    assert promises(bot) == []


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("call the candidate back by April 31 at 2pm", "there's no 31 April"),
        ("send the offer by 13/13", "there's no month 13"),
        ("refund Mrs. Lee last Monday", "in the past"),
        ("reply to the customer by 3pm IST", "India, Irish or Israel"),
        ("renew the contract by Dec 3 2035", "more than 5 years away"),
        ("send the quote by Saturday 12/4", "is a Friday, not a Saturday"),
    ],
)
def test_never_silently_wrong(bot: BotServer, text: str, says: str) -> None:
    reply = bot.command(text)
    assert says in message_text(reply), message_text(reply)
    assert "hold you to this" not in message_text(reply)
    assert promises(bot) == []


def test_fragments_not_used_are_mentioned(bot: BotServer) -> None:
    reply = bot.command("send the notes to Acme by Friday, then the call at 3pm")
    text = message_text(reply)
    assert "Fri 27 Nov, 17:00 PST" in text
    assert "I ignored ‘at 3pm’ — Edit if that was the deadline." in text


def test_more_than_a_year_out_asks_and_the_button_records_it_once(bot: BotServer) -> None:
    reply = bot.command("renew the Globex contract by Dec 3 2028")
    text = message_text(reply)
    assert "Sun 3 Dec 2028, 17:00 PST" in text and "more than a year" in text
    assert promises(bot) == []
    (yes,) = [e for e in buttons(reply) if e["action_id"] == "promise_confirm_deadline"]
    assert json.loads(yes["value"])["text"] == "renew the Globex contract by Dec 3 2028"
    for attempt in range(2):  # a double click records one promise
        key = f"confirm-{attempt}"
        bot.interact(
            block_action_payload(
                action_id="promise_confirm_deadline",
                value=yes["value"],
                user_id=OWNER,
                response_url=bot.fake.response_url(key),
            )
        )
        answer = bot.fake.wait_for("response_url", where=lambda c, k=key: c.params["_key"] == k)
        assert "Sun 3 Dec 2028, 17:00 PST" in message_text(answer[0].params)
    (promise,) = promises(bot)
    assert promise.description == "renew the Globex contract"
    assert promise.deadline == datetime(2028, 12, 4, 1, 0, tzinfo=UTC)


def test_a_forged_confirmation_past_five_years_is_refused(bot: BotServer) -> None:
    value = json.dumps({"text": "x by 2040", "deadline": "2040-01-01T00:00:00+00:00"})
    bot.interact(
        block_action_payload(
            action_id="promise_confirm_deadline",
            value=value,
            user_id=OWNER,
            response_url=bot.fake.response_url("forged"),
        )
    )
    answer = bot.fake.wait_for("response_url", where=lambda c: c.params["_key"] == "forged")
    assert "more than 5 years away" in message_text(answer[0].params)
    assert promises(bot) == []


def test_business_days_skip_the_workspace_holidays(bot: BotServer) -> None:
    # KEPT_HOLIDAYS=US: Thursday 26 Nov 2026 is Thanksgiving
    reply = bot.command("send the candidate the paperwork in 2 business days")
    assert "Mon 30 Nov, 17:00 PST" in message_text(reply)


@pytest.mark.parametrize(
    ("user", "text", "shown"),
    [
        # KEPT_HOLIDAYS=US: Thursday 26 Nov 2026 (Thanksgiving) is no business day
        (OWNER, "send the candidate the paperwork in 2 business days", "Mon 30 Nov, 17:00 PST"),
        # the owner's Slack locale: 4/12 is 4 December in Britain (a question without it)
        (BRIT, "send Acme the quote by 4/12", "Fri 4 Dec, 17:00 GMT"),
    ],
)
def test_the_message_shortcut_prefills_the_deadline_promise_records(
    bot: BotServer, fake_slack: FakeSlack, user: str, text: str, shown: str
) -> None:
    """Track as a promise reads the message's deadline as `/promise` reads the same words:
    the workspace's holidays, the person's zone and locale."""
    fake_slack.add_user(BRIT, name="Bea Brit", tz="Europe/London", locale="en-GB")
    reply = bot.interact(
        message_shortcut_payload(
            callback_id="track_promise", user_id=user, message_text=text, message_user=CANUCK
        )
    )
    assert reply.status == 200
    view = fake_slack.wait_for("views.open")[0].params["view"]
    deadline = {b.get("block_id"): b for b in view["blocks"]}["deadline"]["element"]
    assert shown in message_text(bot.command(text, user=user))
    (promise,) = promises(bot)
    assert deadline.get("initial_date_time") == int(promise.deadline.timestamp())


def test_extend_with_an_impossible_date_says_why(bot: BotServer) -> None:
    bot.command("call Jane back by Friday")
    (promise,) = promises(bot)
    reply = bot.command(f"extend {promise.id} Feb 30")
    assert "there's no 30 February" in message_text(reply)
    with bot.runtime.sessions() as session:
        count = session.scalar(select(func.count()).select_from(Promise))
        assert count == 1
        assert session.get(Promise, promise.id).deadline == promise.deadline  # type: ignore[union-attr]
