from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.language.workdays import (
    DEFAULT_WORKING_DAY,
    WorkingDay,
    end_of_working_day,
    is_working_time,
    last_working_day_of_month,
    last_working_day_of_week,
    next_working_day,
    next_working_start,
    zone,
)

LA = ZoneInfo("America/Los_Angeles")
BERLIN = ZoneInfo("Europe/Berlin")
KOLKATA = ZoneInfo("Asia/Kolkata")


def local(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz)


@pytest.mark.parametrize(
    "name", [None, "", "   ", "Not/AZone", "../../etc/passwd", "UTC\x00", "\ud800", "x" * 5000]
)
def test_zone_falls_back_to_utc(name: str | None) -> None:
    assert zone(name) == ZoneInfo("UTC")


def test_zone_known_names_and_passthrough() -> None:
    assert zone("Europe/Berlin") == BERLIN
    assert zone(" Asia/Kolkata ") == KOLKATA
    assert zone(LA) is LA


def test_default_working_day() -> None:
    assert DEFAULT_WORKING_DAY.start == time(9, 0)
    assert DEFAULT_WORKING_DAY.end == time(17, 0)
    assert DEFAULT_WORKING_DAY.weekdays == frozenset({0, 1, 2, 3, 4})


@pytest.mark.parametrize("tz", [LA, BERLIN, KOLKATA])
@pytest.mark.parametrize(
    ("wall", "expected"),
    [
        ((2026, 11, 24, 8, 59), False),
        ((2026, 11, 24, 9, 0), True),
        ((2026, 11, 24, 16, 59), True),
        ((2026, 11, 24, 17, 0), False),
        ((2026, 11, 28, 12, 0), False),  # Saturday
        ((2026, 11, 29, 12, 0), False),  # Sunday
    ],
)
def test_is_working_time(tz: ZoneInfo, wall: tuple[int, ...], expected: bool) -> None:
    moment = local(tz, *wall).astimezone(UTC)
    assert is_working_time(moment, tz) is expected
    assert is_working_time(moment, tz.key) is expected


def test_next_working_start_inside_hours_is_same_instant() -> None:
    moment = local(BERLIN, 2026, 11, 24, 10, 30)
    result = next_working_start(moment, BERLIN)
    assert result == moment
    assert result.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("wall", "expected_wall"),
    [
        ((2026, 11, 24, 7, 0), (2026, 11, 24, 9, 0)),  # before start, same day
        ((2026, 11, 24, 17, 0), (2026, 11, 25, 9, 0)),  # at end -> tomorrow
        ((2026, 11, 27, 18, 0), (2026, 11, 30, 9, 0)),  # Friday evening -> Monday
        ((2026, 11, 28, 12, 0), (2026, 11, 30, 9, 0)),  # Saturday -> Monday
    ],
)
@pytest.mark.parametrize("tz", [LA, BERLIN, KOLKATA])
def test_next_working_start(
    tz: ZoneInfo, wall: tuple[int, ...], expected_wall: tuple[int, ...]
) -> None:
    result = next_working_start(local(tz, *wall), tz.key)
    assert result.tzinfo is not None and result.utcoffset() == timedelta(0)
    assert result == local(tz, *expected_wall)


def test_next_working_start_across_us_dst_end() -> None:
    # Friday 2026-10-30 18:00 PDT -> Monday 2026-11-02 09:00 PST
    result = next_working_start(local(LA, 2026, 10, 30, 18, 0), LA)
    assert result == datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
    assert result.astimezone(LA).utcoffset() == timedelta(hours=-8)


def test_next_working_start_across_eu_dst_end() -> None:
    # Friday 2026-10-23 18:00 CEST -> Monday 2026-10-26 09:00 CET
    result = next_working_start(local(BERLIN, 2026, 10, 23, 18, 0), BERLIN)
    assert result == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def test_end_of_working_day_dst() -> None:
    assert end_of_working_day(date(2026, 10, 31), LA) == datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
    assert end_of_working_day(date(2026, 11, 2), LA) == datetime(2026, 11, 3, 1, 0, tzinfo=UTC)
    assert end_of_working_day(date(2026, 3, 9), "America/Los_Angeles") == datetime(
        2026, 3, 10, 0, 0, tzinfo=UTC
    )
    assert end_of_working_day(date(2026, 11, 24), KOLKATA) == datetime(
        2026, 11, 24, 11, 30, tzinfo=UTC
    )


def test_end_of_working_day_unknown_zone_is_utc() -> None:
    assert end_of_working_day(date(2026, 11, 24), "Nowhere/Land") == datetime(
        2026, 11, 24, 17, 0, tzinfo=UTC
    )


def test_custom_working_day_sunday_to_thursday() -> None:
    wd = WorkingDay(start=time(8, 0), end=time(16, 0), weekdays=frozenset({6, 0, 1, 2, 3}))
    dubai = ZoneInfo("Asia/Dubai")
    # Thursday 2026-11-26 17:00 -> Sunday 2026-11-29 08:00
    result = next_working_start(local(dubai, 2026, 11, 26, 17, 0), dubai, wd)
    assert result == local(dubai, 2026, 11, 29, 8, 0)
    assert next_working_day(date(2026, 11, 26), wd) == date(2026, 11, 29)
    assert last_working_day_of_week(date(2026, 11, 24), wd) == date(2026, 11, 29)


def test_empty_weekdays_does_not_hang() -> None:
    wd = WorkingDay(weekdays=frozenset())
    result = next_working_start(local(LA, 2026, 11, 28, 12, 0), LA, wd)
    assert result > local(LA, 2026, 11, 28, 12, 0)


def test_naive_moment_is_treated_as_utc() -> None:
    assert is_working_time(datetime(2026, 11, 24, 10, 0), "UTC")


def test_last_working_day_helpers() -> None:
    assert last_working_day_of_week(date(2026, 11, 24)) == date(2026, 11, 27)
    assert last_working_day_of_week(date(2026, 11, 29)) == date(2026, 11, 27)
    assert last_working_day_of_month(2026, 10) == date(2026, 10, 30)  # 31st is a Saturday
    assert last_working_day_of_month(2026, 12) == date(2026, 12, 31)


@settings(max_examples=200, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    tz=st.sampled_from(["America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata", "bogus", ""]),
)
def test_next_working_start_properties(moment: datetime, tz: str) -> None:
    result = next_working_start(moment, tz)
    assert result.utcoffset() == timedelta(0)
    assert result >= moment
    assert result - moment < timedelta(days=4)
    assert is_working_time(result, tz)


# ---------------------------------------------------------------------------- holidays


def test_holidays_shape_working_days_and_quiet_hours() -> None:
    from bot.language.holidays import Holidays

    us = WorkingDay(holidays=Holidays(("US",)))
    thanksgiving = date(2026, 11, 26)
    assert next_working_day(date(2026, 11, 25), us) == date(2026, 11, 27)
    assert next_working_day(date(2026, 11, 25)) == thanksgiving
    morning = local(LA, 2026, 11, 26, 10, 0)
    assert not is_working_time(morning, LA, us)
    assert is_working_time(morning, LA)
    assert next_working_start(morning, LA, us) == local(LA, 2026, 11, 27, 9, 0)


def test_last_working_day_before_a_friday_holiday() -> None:
    from bot.language.holidays import Holidays

    gb = WorkingDay(holidays=Holidays(("GB",)))
    assert last_working_day_of_week(date(2026, 12, 21), gb) == date(2026, 12, 24)
    assert last_working_day_of_month(2026, 12, gb) == date(2026, 12, 31)


def test_holiday_codes_are_checked() -> None:
    from bot.language.holidays import HolidaysError, parse_holiday_codes

    assert parse_holiday_codes("us, GB-ENG;de-by") == ("US", "GB-ENG", "DE-BY")
    assert parse_holiday_codes("") == ()
    for bad in ("XX", "US-ZZ"):
        with pytest.raises(HolidaysError):
            parse_holiday_codes(bad)


def test_quiet_hours_wait_over_a_holiday() -> None:
    from bot.language.holidays import Holidays
    from scheduler.plan import Target, decide

    target = Target(channel="U1", tz="America/Los_Angeles")
    now = local(LA, 2026, 11, 26, 10, 0).astimezone(UTC)  # Thanksgiving, 10:00
    plain = decide(target, now=now, respect_working_hours=True)
    assert plain.action == "send"
    us = WorkingDay(holidays=Holidays(("US",)))
    held = decide(target, now=now, respect_working_hours=True, working_day=us)
    assert held.action == "defer"
    assert held.until == local(LA, 2026, 11, 27, 9, 0)
