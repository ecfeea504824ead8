"""Cadence wording is read right or refused with examples, never guessed (SPEC §2.3, §2.4):
through signed /promise requests, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.store.models import Promise
from tests.conftest import BotServer, message_text

REFUSED = [
    ("keep Acme posted every 0 weeks", "couldn't tell how often"),
    ("update the customer every 30 seconds", "more often than every hour"),
    ("keep Sam posted every 1.5 days", "couldn't tell how often"),
    ("keep Sam posted every second Tuesday", "couldn't tell how often"),
    ("keep Sam posted every Friday until 2031", "couldn't read when it ends"),
    ("keep Sam posted every Friday until next year", "couldn't read when it ends"),
    ("stay in touch with Sam for the next 5 years", "more than a year ahead"),
    ("keep Sam posted every 999 working days", "more than a year ahead"),
    ("update the customer every 2 hours until next month", "7 days at most"),
]


def count(bot: BotServer) -> int:
    with bot.runtime.readers() as session:
        return int(session.scalar(select(func.count()).select_from(Promise)) or 0)


@pytest.mark.parametrize(("text", "why"), REFUSED, ids=[t for t, _ in REFUSED])
def test_wording_kept_cannot_read_is_refused_with_examples(
    bot: BotServer, text: str, why: str
) -> None:
    answer = message_text(bot.command(text))
    assert why in answer and "I didn't record it" in answer, answer
    assert "`/promise keep Acme posted every Friday until Dec 18`" in answer
    assert count(bot) == 0


def test_an_hourly_series_ends_within_a_week_at_the_latest(bot: BotServer) -> None:
    answer = message_text(
        bot.command("update the customer every 2 hours until the outage is fixed")
    )
    assert "until the outage is fixed (at the latest Wed 2 Dec" in answer, answer
    with bot.runtime.readers() as session:
        promise = session.scalars(select(Promise)).one()
    assert promise.series_end_event == "the outage is fixed"
    assert promise.series_ends_at == bot.runtime.now() + timedelta(days=7)
