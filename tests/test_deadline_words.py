"""Issue 19: the words people use, offsets anchored on a day, periods, named days, leftovers.

The corpus (tests/deadline_corpus.py) scores phrases; these tests pin the behaviour around
them: the owner's own words are kept in the phrase and the description, questions quote what
they ask about, the fiscal year moves quarters, a holiday needs the workspace's country.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.language.deadlines import DeadlineProblem, ParsedDeadline, parse_deadline
from bot.language.holidays import Holidays
from bot.language.workdays import WorkingDay

LA = "America/Los_Angeles"


def local(year: int, month: int, day: int, hour: int = 17, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(LA)).astimezone(UTC)


NOW = local(2026, 11, 24, 10)  # Tuesday


def parse(text: str, wd: WorkingDay | None = None, now: datetime = NOW) -> ParsedDeadline:
    return parse_deadline(text, now=now, tz=LA, working_day=wd or WorkingDay(), locale="en-US")


@pytest.mark.parametrize(
    ("text", "phrase", "description"),
    [
        ("send the quote tmrw", "tmrw", "send the quote"),
        ("send Priya the offer EOD Thurs. Thanks", "EOD Thurs", "send Priya the offer. Thanks"),
        ("ship the part by Thrusday, then call", "by Thrusday", "ship the part, then call"),
        ("credit the account in 3 bus. days please", "in 3 bus. days", "credit the account please"),
        ("call back at 17h30 re the offer", "at 17h30", "call back re the offer"),
    ],
)
def test_the_owners_words_are_kept(text: str, phrase: str, description: str) -> None:
    result = parse(text)
    assert result.problem is None, result
    assert result.phrase == phrase
    assert result.description == description


def test_a_word_beside_the_deadline_is_quoted_in_the_question() -> None:
    result = parse("send the draft by Friday plus 2 days")
    assert result.problem is DeadlineProblem.UNCLEAR
    assert result.deadline is None
    assert "“2 days”" in (result.detail or "")
    assert "Fri 27 Nov" in (result.detail or "")  # what Kept would have read, shown


def test_an_ambiguous_misspelling_names_both_readings() -> None:
    result = parse("call the client Thuesday")
    assert result.problem is DeadlineProblem.UNCLEAR
    assert "Tuesday" in (result.detail or "") and "Thursday" in (result.detail or "")
    assert "Thuesday" in (result.detail or "")
    assert result.description == "call the client"


def test_an_offset_from_an_event_asks_for_its_date() -> None:
    result = parse("send feedback 48 hours after the demo")
    assert result.problem is DeadlineProblem.UNCLEAR
    assert "the demo" in (result.detail or "")


def test_working_day_offsets_skip_the_workspace_holidays() -> None:
    plain = parse("chase it 1 business day before Friday")
    us = parse("chase it 1 business day before Friday", WorkingDay(holidays=Holidays(("US",))))
    assert plain.deadline == local(2026, 11, 26)
    assert us.deadline == local(2026, 11, 25)  # Thursday 26 Nov is Thanksgiving


def test_hours_before_a_time_are_exact() -> None:
    assert parse("send it 90 minutes before 5pm Friday").deadline == local(2026, 11, 27, 15, 30)


@pytest.mark.parametrize(
    ("text", "calendar", "fiscal_april"),
    [
        ("close it by end of quarter", local(2026, 12, 31), local(2026, 12, 31)),
        ("close it by the end of Q1", local(2027, 3, 31), local(2027, 6, 30)),
        ("close it by the end of the fourth quarter", local(2026, 12, 31), local(2027, 3, 31)),
        ("close it by end of next quarter", local(2027, 3, 31), local(2027, 3, 31)),
        ("close it by year end", local(2026, 12, 31), local(2026, 12, 31)),
    ],
)
def test_quarters_follow_the_fiscal_year_when_one_is_set(
    text: str, calendar: datetime, fiscal_april: datetime
) -> None:
    assert parse(text).deadline == calendar
    assert parse(text, WorkingDay(fiscal_year_start=4)).deadline == fiscal_april


def test_the_fiscal_year_asks_unless_it_is_set() -> None:
    assert parse("budget by end of the fiscal year").problem is DeadlineProblem.UNCLEAR
    set_ = parse("budget by end of the fiscal year", WorkingDay(fiscal_year_start=4))
    assert set_.deadline == local(2027, 3, 31)


def test_a_holiday_needs_the_workspace_country_unless_its_date_is_fixed() -> None:
    unknown = parse("send the samples by Thanksgiving")
    assert unknown.problem is DeadlineProblem.UNCLEAR
    assert "Thanksgiving" in (unknown.detail or "")
    us = WorkingDay(holidays=Holidays(("US",)))
    assert parse("send the samples by Thanksgiving", us).deadline == local(2026, 11, 26)
    assert parse("send the samples before Thanksgiving", us).deadline == local(2026, 11, 25)
    assert parse("send the cards by Christmas Eve").deadline == local(2026, 12, 24)
    gb = WorkingDay(holidays=Holidays(("GB",)))
    not_there = parse("send the samples by Thanksgiving", gb)
    assert not_there.problem is DeadlineProblem.UNCLEAR and "GB" in (not_there.detail or "")


def test_a_named_day_just_gone_is_next_years() -> None:
    after_christmas = local(2026, 12, 28, 10)
    result = parse("send the cards by Christmas", now=after_christmas)
    assert result.deadline == local(2027, 12, 25)


def test_same_time_keeps_the_owners_minute() -> None:
    now = local(2026, 11, 24, 10, 37)
    assert parse("call back same time Friday", now=now).deadline == local(2026, 11, 27, 10, 37)
    assert parse("call back this time next week", now=now).deadline == local(2026, 12, 1, 10, 37)


@pytest.mark.parametrize("word", ["tmrw", "2moro", "tmr", "tomoz", "2mrw", "tommorow", "tomorow"])
def test_informal_tomorrows(word: str) -> None:
    assert parse(f"send the quote {word}").deadline == local(2026, 11, 25)


@pytest.mark.parametrize(
    "text",
    [
        "remember to send the deck by Friday",  # "remember" is no December
        "match the quote by Friday",  # "match" is no March
        "send the offer by Friday, we may need a second call",
        "sat down with Ana, send the notes by Friday",
    ],
)
def test_everyday_words_near_day_names_are_not_misread(text: str) -> None:
    result = parse(text)
    assert result.problem is None, result
    assert result.deadline == local(2026, 11, 27)
