"""Cadence promises, the pure part (SPEC §2.4): rhythms found in text, check-ins planned."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.language.cadence import (
    DEFAULT_RHYTHM,
    CadenceProblem,
    Rhythm,
    RhythmKind,
    describe_rhythm,
    find_cadence,
    next_check_in,
    plan_check_ins,
)

LA = "America/Los_Angeles"
# Wednesday 25 Nov 2026, 10:00 in Los Angeles
NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)


def local(moment: datetime, tz: str = LA) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%a %d %b %H:%M %Z")


RECOGNISED = [
    # text, rhythm, ends (local, or None), end event, description
    (
        "stay in touch with Sam (candidate) over the next two weeks",
        "every 3 working days",
        "Wed 09 Dec 10:00 PST",
        None,
        "stay in touch with Sam (candidate)",
    ),
    (
        "keep Acme posted every Friday until Dec 18",
        "every Friday",
        "Fri 18 Dec 17:00 PST",
        None,
        "keep Acme posted",
    ),
    (  # a series in hours ends within 7 days at the latest (HOURLY_LIMIT)
        "update the customer every 2 hours until the outage is fixed",
        "every 2 hours",
        "Wed 02 Dec 10:00 PST",
        "the outage is fixed",
        "update the customer until the outage is fixed",
    ),
    ("stay in touch with Sam", "every 3 working days", None, None, "stay in touch with Sam"),
    (
        "keep Jane Doe in the loop daily",
        "every working day",
        None,
        None,
        "keep Jane Doe in the loop",
    ),
    ("send Bob the pipeline report weekly", "weekly", None, None, "send Bob the pipeline report"),
    ("check in with Sam every other day", "every 2 days", None, None, "check in with Sam"),
    ("update Acme every 3 working days", "every 3 working days", None, None, "update Acme"),
    ("keep Lee updated on Tuesdays", "every Tuesday", None, None, "keep Lee updated"),
    (
        "update the customer every hour",
        "every hour",
        "Wed 02 Dec 10:00 PST",
        None,
        "update the customer",
    ),
    ("keep Sam posted every few days", "every 3 days", None, None, "keep Sam posted"),
    (
        "keep Jane posted weekly until Jane Doe signs the contract",
        "weekly",
        None,
        "Jane Doe signs the contract",
        "keep Jane posted until Jane Doe signs the contract",
    ),
    (
        "update the customer over the next month",
        "every 3 working days",
        "Fri 25 Dec 10:00 PST",
        None,
        "update the customer",
    ),
    ("keep Sam posted every 2 weeks", "every 2 weeks", None, None, "keep Sam posted"),
]


@pytest.mark.parametrize(("text", "rhythm", "ends", "event", "description"), RECOGNISED)
def test_cadences_are_recognised(
    text: str, rhythm: str, ends: str | None, event: str | None, description: str
) -> None:
    found = find_cadence(text, now=NOW, tz=LA)
    assert found is not None, text
    assert describe_rhythm(found.rhythm) == rhythm
    assert (local(found.ends_at) if found.ends_at else None) == ends
    assert found.end_event == event
    assert found.description == description
    assert found.problem is None


@pytest.mark.parametrize(
    "text",
    [
        "call Jane Doe back about the supervisor role by Friday 5pm",
        "update the CRM by Friday",
        "send Acme the revised quote by tomorrow",
        "refund order 1182 for Mrs. Lee by EOD",
        "",
    ],
)
def test_single_deadlines_are_not_cadences(text: str) -> None:
    assert find_cadence(text, now=NOW, tz=LA) is None


def test_default_rhythm_is_only_for_unstated_ones() -> None:
    unstated = find_cadence("stay in touch with Sam", now=NOW, tz=LA)
    stated = find_cadence("stay in touch with Sam every Monday", now=NOW, tz=LA)
    assert unstated is not None and stated is not None
    assert unstated.rhythm == DEFAULT_RHYTHM and not unstated.stated
    assert stated.rhythm == Rhythm(RhythmKind.WEEKDAY, 0) and stated.stated


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("update Acme every 10 minutes", CadenceProblem.TOO_OFTEN),
        ("keep Sam posted daily until Dec 1 2025", CadenceProblem.PAST_END),
        ("keep Acme posted every 0 weeks", CadenceProblem.UNCLEAR_RHYTHM),
        ("update the customer every 30 seconds", CadenceProblem.TOO_OFTEN),
        ("keep Sam posted every 1.5 days", CadenceProblem.UNCLEAR_RHYTHM),
        ("keep Sam posted every second Tuesday", CadenceProblem.UNCLEAR_RHYTHM),
        ("keep Sam posted every other Tuesday", CadenceProblem.UNCLEAR_RHYTHM),
        ("keep Sam posted every Friday until 2031", CadenceProblem.UNCLEAR_END),
        ("keep Sam posted every Friday until next year", CadenceProblem.UNCLEAR_END),
        ("stay in touch with Sam for the next 5 years", CadenceProblem.TOO_FAR),
        ("keep Sam posted until the end of next year", CadenceProblem.TOO_FAR),
        ("keep Sam posted every 999 working days", CadenceProblem.TOO_FAR),
        ("update them every 2 hours until next month", CadenceProblem.HOURLY_TOO_LONG),
    ],
)
def test_problems_are_reported_not_guessed(text: str, problem: CadenceProblem) -> None:
    found = find_cadence(text, now=NOW, tz=LA)
    assert found is not None and found.problem is problem


def test_two_weeks_every_three_working_days_skips_the_weekend() -> None:
    found = find_cadence("stay in touch with Sam over the next two weeks", now=NOW, tz=LA)
    assert found is not None
    plan = plan_check_ins(found.rhythm, NOW, found.ends_at, LA)
    assert [local(m) for m in plan] == [
        "Mon 30 Nov 17:00 PST",  # Thu, Fri, (weekend), Mon
        "Thu 03 Dec 17:00 PST",
        "Tue 08 Dec 17:00 PST",
    ]


def test_check_ins_stay_at_local_end_of_day_across_dst() -> None:
    # Wed 28 Oct 2026 in Los Angeles; summer time ends Sun 1 Nov
    start = datetime(2026, 10, 28, 17, 0, tzinfo=UTC)
    plan = plan_check_ins(
        Rhythm(RhythmKind.WORKING_DAYS, 2), start, datetime(2026, 11, 11, tzinfo=UTC), LA
    )
    assert [local(m) for m in plan] == [
        "Fri 30 Oct 17:00 PDT",
        "Tue 03 Nov 17:00 PST",
        "Thu 05 Nov 17:00 PST",
        "Mon 09 Nov 17:00 PST",
    ]
    # the same wall-clock time is a different UTC hour on each side of the change
    assert plan[0].hour == 0 and plan[1].hour == 1


def test_holidays_move_a_check_in_to_the_next_working_day() -> None:
    thanksgiving = {date(2026, 11, 26), date(2026, 11, 27)}
    first = next_check_in(Rhythm(RhythmKind.WORKING_DAYS, 1), NOW, LA, holidays=thanksgiving)
    assert local(first) == "Mon 30 Nov 17:00 PST"
    friday = next_check_in(Rhythm(RhythmKind.WEEKDAY, 4), NOW, LA, holidays=thanksgiving)
    assert local(friday) == "Mon 30 Nov 17:00 PST"


@pytest.mark.parametrize(
    ("rhythm", "after_local", "expected"),
    [
        # every Friday, asked on Friday morning: that afternoon; asked on Friday evening: next week
        (Rhythm(RhythmKind.WEEKDAY, 4), datetime(2026, 11, 27, 9), "Fri 27 Nov 17:00 PST"),
        (Rhythm(RhythmKind.WEEKDAY, 4), datetime(2026, 11, 27, 18), "Fri 04 Dec 17:00 PST"),
        # every 7 days from a Wednesday: the next Wednesday
        (Rhythm(RhythmKind.DAYS, 7), datetime(2026, 11, 25, 10), "Wed 02 Dec 17:00 PST"),
        # every 2 days from a Friday: Sunday is not a working day, so Monday
        (Rhythm(RhythmKind.DAYS, 2), datetime(2026, 11, 27, 10), "Mon 30 Nov 17:00 PST"),
        # hours are elapsed time, whatever the day
        (Rhythm(RhythmKind.HOURS, 2), datetime(2026, 11, 27, 16, 30), "Fri 27 Nov 18:30 PST"),
    ],
)
def test_next_check_in(rhythm: Rhythm, after_local: datetime, expected: str) -> None:
    after = after_local.replace(tzinfo=ZoneInfo(LA))
    assert local(next_check_in(rhythm, after, LA)) == expected


def test_a_span_shorter_than_the_rhythm_has_one_check_in_at_its_end() -> None:
    found = find_cadence("stay in touch with Sam over the next two days", now=NOW, tz=LA)
    assert found is not None and found.ends_at is not None
    plan = plan_check_ins(found.rhythm, NOW, found.ends_at, LA)
    assert plan == [found.ends_at]


def test_an_open_end_is_bounded() -> None:
    plan = plan_check_ins(Rhythm(RhythmKind.HOURS, 1), NOW, None, LA, limit=10_000)
    assert len(plan) == 500
