from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.language.deadlines import (
    FAR_AHEAD,
    MAX_AHEAD,
    DeadlineProblem,
    ParsedDeadline,
    format_as_written,
    format_deadline,
    parse_deadline,
    warm_up,
)

TZS = ["America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata"]


def wall(tz: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Aware UTC instant of a local wall time."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def now_in(tz: str) -> datetime:
    """Tuesday 2026-11-24 10:00 local time."""
    return wall(tz, 2026, 11, 24, 10, 0)


def parse(text: str, tz: str, now: datetime | None = None) -> ParsedDeadline:
    return parse_deadline(text, now=now if now is not None else now_in(tz), tz=tz)


def assert_utc(result: ParsedDeadline) -> datetime:
    assert result.deadline is not None, result
    assert result.deadline.tzinfo is not None
    assert result.deadline.utcoffset() == timedelta(0)
    return result.deadline


# (phrase, expected local wall time as (month, day, hour, minute)) with now = Tue 24 Nov 10:00
ABSOLUTE_CASES = [
    ("Friday 5pm", (11, 27, 17, 0)),
    ("2026-12-03 14:00", (12, 3, 14, 0)),
    ("Dec 3 at 2pm", (12, 3, 14, 0)),
    ("by Friday", (11, 27, 17, 0)),
    ("Dec 3", (12, 3, 17, 0)),
    ("on the 3rd", (12, 3, 17, 0)),
    ("EOD", (11, 24, 17, 0)),
    ("COB", (11, 24, 17, 0)),
    ("end of day", (11, 24, 17, 0)),
    ("today", (11, 24, 17, 0)),
    ("tomorrow", (11, 25, 17, 0)),
    ("tomorrow morning", (11, 25, 9, 0)),
    ("end of week", (11, 27, 17, 0)),
    ("this week", (11, 27, 17, 0)),
    ("EOW", (11, 27, 17, 0)),
    ("end of the week", (11, 27, 17, 0)),
    ("by the end of the week", (11, 27, 17, 0)),
    ("next week", (12, 4, 17, 0)),
    ("Tuesday", (11, 24, 17, 0)),  # today, still ahead
    ("Tuesday 9am", (12, 1, 9, 0)),  # today's 9am has passed -> next week
    ("5pm on Friday", (11, 27, 17, 0)),
    ("Friday at 5", (11, 27, 17, 0)),
    ("EOD Friday", (11, 27, 17, 0)),
    ("December 3rd", (12, 3, 17, 0)),
    ("3 December", (12, 3, 17, 0)),
    ("the 3rd of December at 14:00", (12, 3, 14, 0)),
    ("tomorrow 9am", (11, 25, 9, 0)),
    ("tomorrow at 3:30 pm", (11, 25, 15, 30)),
    ("by noon", (11, 24, 12, 0)),
    ("by 9am", (11, 25, 9, 0)),  # passed today -> tomorrow
    ("in 3 working days", (11, 27, 17, 0)),
    ("by the end of the month", (11, 30, 17, 0)),
    ("the 15th of next month", (12, 15, 17, 0)),
    ("by Monday morning", (11, 30, 9, 0)),
    ("by end of day Friday", (11, 27, 17, 0)),
    ("by Friday EOD", (11, 27, 17, 0)),
    ("Wednesday noon", (11, 25, 12, 0)),
    ("due next Monday", (11, 30, 17, 0)),
]


@pytest.mark.parametrize("tz", TZS)
@pytest.mark.parametrize(("text", "expected"), ABSOLUTE_CASES)
def test_table_absolute(tz: str, text: str, expected: tuple[int, int, int, int]) -> None:
    result = parse(text, tz)
    deadline = assert_utc(result)
    assert deadline == wall(tz, 2026, *expected), format_deadline(deadline, tz, now=deadline)
    assert result.problem is None
    assert result.phrase == text
    assert result.description == ""


SPAN_CASES = [
    ("in 2 hours", timedelta(hours=2)),
    ("within 48 hours", timedelta(hours=48)),
    ("in 3 days", timedelta(days=3)),
    ("over the next two weeks", timedelta(weeks=2)),
    ("within a week", timedelta(weeks=1)),
    ("in 30 minutes", timedelta(minutes=30)),
    ("in an hour", timedelta(hours=1)),
    ("within twelve days", timedelta(days=12)),
    ("in a couple of days", timedelta(days=2)),
    ("in 2 hours' time", timedelta(hours=2)),
    ("3 days from now", timedelta(days=3)),
    ("within the next 48h", timedelta(hours=48)),
    ("in half an hour", timedelta(minutes=30)),
]


@pytest.mark.parametrize("tz", TZS)
@pytest.mark.parametrize(("text", "delta"), SPAN_CASES)
def test_table_spans(tz: str, text: str, delta: timedelta) -> None:
    now = now_in(tz)
    result = parse(text, tz, now)
    assert assert_utc(result) == now + delta
    assert result.phrase == text
    assert result.problem is None


@pytest.mark.parametrize("tz", TZS)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-24T15:00:05Z", datetime(2026, 11, 24, 15, 0, 5, tzinfo=UTC)),
        ("2026-12-24T15:00:05+02:00", datetime(2026, 12, 24, 13, 0, 5, tzinfo=UTC)),
        ("2026-12-24T15:00:05.250-05:30", datetime(2026, 12, 24, 20, 30, 5, 250000, tzinfo=UTC)),
        ("by 2026-12-24 15:00 UTC", datetime(2026, 12, 24, 15, 0, tzinfo=UTC)),
    ],
)
def test_iso_instants_keep_seconds_and_ignore_owner_zone(
    tz: str, text: str, expected: datetime
) -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    result = parse(text, tz, now)
    assert assert_utc(result) == expected
    assert result.problem is (DeadlineProblem.PAST if expected <= now else None)


def test_iso_in_the_past_is_past() -> None:
    result = parse("2026-11-24T15:00:05Z", "UTC", datetime(2026, 11, 25, tzinfo=UTC))
    assert result.problem is DeadlineProblem.PAST
    assert result.deadline == datetime(2026, 11, 24, 15, 0, 5, tzinfo=UTC)


# ---------------------------------------------------------------------------- examples


@pytest.mark.parametrize("tz", TZS)
def test_example_friday_5pm(tz: str) -> None:
    text = "call Jane Doe back about the supervisor role by Friday 5pm"
    result = parse(text, tz)
    assert result.description == "call Jane Doe back about the supervisor role"
    assert result.phrase == "by Friday 5pm"
    assert assert_utc(result) == wall(tz, 2026, 11, 27, 17, 0)
    assert result.problem is None


@pytest.mark.parametrize("tz", TZS)
def test_example_tomorrow(tz: str) -> None:
    result = parse("send Acme the revised quote by tomorrow", tz)
    assert result.description == "send Acme the revised quote"
    assert result.phrase == "by tomorrow"
    assert assert_utc(result) == wall(tz, 2026, 11, 25, 17, 0)


@pytest.mark.parametrize("tz", TZS)
def test_example_two_weeks(tz: str) -> None:
    now = now_in(tz)
    result = parse("stay in touch with Sam (candidate) over the next two weeks", tz, now)
    assert result.description == "stay in touch with Sam (candidate)"
    assert result.phrase == "over the next two weeks"
    assert assert_utc(result) == now + timedelta(days=14)


@pytest.mark.parametrize("tz", TZS)
def test_example_eod_number_is_not_a_date(tz: str) -> None:
    result = parse("refund order 1182 for Mrs. Lee by EOD", tz)
    assert result.description == "refund order 1182 for Mrs. Lee"
    assert result.phrase == "by EOD"
    assert assert_utc(result) == wall(tz, 2026, 11, 24, 17, 0)


# ---------------------------------------------------------------------------- EOD rollover


@pytest.mark.parametrize("tz", TZS)
@pytest.mark.parametrize("text", ["EOD", "by COB", "end of day", "today"])
def test_eod_already_past_rolls_to_next_working_day(tz: str, text: str) -> None:
    tuesday_evening = wall(tz, 2026, 11, 24, 18, 0)
    result = parse(text, tz, tuesday_evening)
    assert assert_utc(result) == wall(tz, 2026, 11, 25, 17, 0)
    assert result.problem is None


@pytest.mark.parametrize("tz", TZS)
@pytest.mark.parametrize("text", ["EOD", "by COB", "end of day", "today"])
def test_eod_friday_evening_rolls_to_monday(tz: str, text: str) -> None:
    friday_evening = wall(tz, 2026, 11, 27, 18, 30)
    result = parse(text, tz, friday_evening)
    assert assert_utc(result) == wall(tz, 2026, 11, 30, 17, 0)


@pytest.mark.parametrize("tz", TZS)
def test_eod_on_weekend_is_monday(tz: str) -> None:
    saturday = wall(tz, 2026, 11, 28, 11, 0)
    assert parse("by EOD", tz, saturday).deadline == wall(tz, 2026, 11, 30, 17, 0)


@pytest.mark.parametrize("tz", TZS)
def test_end_of_week_on_weekend_rolls_forward(tz: str) -> None:
    saturday = wall(tz, 2026, 11, 28, 11, 0)
    assert parse("by end of week", tz, saturday).deadline == wall(tz, 2026, 12, 4, 17, 0)


@pytest.mark.parametrize("tz", TZS)
def test_weekday_on_same_day_after_the_moment_is_next_week(tz: str) -> None:
    friday_evening = wall(tz, 2026, 11, 27, 18, 0)
    assert parse("by Friday", tz, friday_evening).deadline == wall(tz, 2026, 12, 4, 17, 0)


# ---------------------------------------------------------------------------- DST


def test_tomorrow_9am_across_us_dst_end() -> None:
    tz = "America/Los_Angeles"
    now = wall(tz, 2026, 10, 31, 12, 0)  # Saturday, PDT
    assert now.astimezone(ZoneInfo(tz)).utcoffset() == timedelta(hours=-7)
    deadline = assert_utc(parse("tomorrow 9am", tz, now))
    assert deadline == datetime(2026, 11, 1, 17, 0, tzinfo=UTC)
    assert deadline.astimezone(ZoneInfo(tz)).utcoffset() == timedelta(hours=-8)


def test_tomorrow_9am_across_eu_dst_end() -> None:
    tz = "Europe/Berlin"
    now = wall(tz, 2026, 10, 24, 12, 0)  # Saturday, CEST
    assert now.astimezone(ZoneInfo(tz)).utcoffset() == timedelta(hours=2)
    deadline = assert_utc(parse("tomorrow 9am", tz, now))
    assert deadline == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)
    assert deadline.astimezone(ZoneInfo(tz)).utcoffset() == timedelta(hours=1)


def test_tomorrow_9am_across_us_dst_start() -> None:
    tz = "America/Los_Angeles"
    now = wall(tz, 2026, 3, 7, 12, 0)  # Saturday, PST
    deadline = assert_utc(parse("tomorrow 9am", tz, now))
    assert deadline == datetime(2026, 3, 8, 16, 0, tzinfo=UTC)
    assert deadline.astimezone(ZoneInfo(tz)).utcoffset() == timedelta(hours=-7)


def test_eod_friday_before_dst_end_to_monday_after() -> None:
    tz = "Europe/Berlin"
    friday_evening = wall(tz, 2026, 10, 23, 18, 0)  # CEST
    deadline = assert_utc(parse("EOD", tz, friday_evening))
    assert deadline == datetime(2026, 10, 26, 16, 0, tzinfo=UTC)  # 17:00 CET


def test_hours_span_over_dst_is_absolute() -> None:
    tz = "America/Los_Angeles"
    now = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)  # 01:30 PDT, an hour before the change
    assert assert_utc(parse("in 2 hours", tz, now)) == now + timedelta(hours=2)


# ---------------------------------------------------------------------------- past / missing


@pytest.mark.parametrize("tz", TZS)
def test_by_yesterday_is_past(tz: str) -> None:
    result = parse("send the offer letter by yesterday", tz)
    assert result.problem is DeadlineProblem.PAST
    assert assert_utc(result) == wall(tz, 2026, 11, 23, 17, 0)
    assert result.description == "send the offer letter"


@pytest.mark.parametrize("tz", TZS)
def test_old_date_is_past(tz: str) -> None:
    result = parse("ship it 2020-01-01 10:00", tz)
    assert result.problem is DeadlineProblem.PAST
    assert assert_utc(result) == wall(tz, 2020, 1, 1, 10, 0)
    assert result.description == "ship it"


@pytest.mark.parametrize("tz", TZS)
def test_today_with_past_time_is_past(tz: str) -> None:
    result = parse("today 9am", tz)
    assert result.problem is DeadlineProblem.PAST
    assert result.deadline == wall(tz, 2026, 11, 24, 9, 0)


def test_deadline_exactly_now_is_past() -> None:
    now = wall("UTC", 2026, 11, 24, 17, 0)
    result = parse("2026-11-24T17:00:00Z", "UTC", now)
    assert result.problem is DeadlineProblem.PAST


@pytest.mark.parametrize(
    "text",
    [
        "do the thing",
        "refund order 1182 for Mrs. Lee",
        "these 3 may need a second look",
        "I sat down with the sun in my eyes",
        "march the candidates to the office",
        "call a customer back",
        "stay in touch with Sam",
        "order 2026 widgets",
        "meet on the 3rd floor",
        "twice a week",
    ],
)
def test_missing(text: str) -> None:
    result = parse(text, "Europe/Berlin")
    assert result.problem is DeadlineProblem.MISSING
    assert result.deadline is None
    assert result.phrase is None
    assert result.description == text


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_missing_blank(text: str) -> None:
    result = parse(text, "UTC")
    assert result == ParsedDeadline(None, None, "", DeadlineProblem.MISSING)


def test_missing_description_is_trimmed() -> None:
    assert parse("  do   the\nthing  ", "UTC").description == "do the thing"


# ---------------------------------------------------------------------------- phrase choice


def test_prefers_introduced_phrase_over_bare_one() -> None:
    tz = "Europe/Berlin"
    result = parse("send notes by Friday, meeting at 3pm", tz)
    assert result.phrase == "by Friday"
    assert result.description == "send notes, meeting at 3pm"


def test_prefers_last_introduced_phrase() -> None:
    tz = "Europe/Berlin"
    result = parse("review the Dec 3 notes by Friday", tz)
    assert result.phrase == "by Friday"
    assert result.description == "review the Dec 3 notes"


def test_phrase_at_start_and_dangling_connectors() -> None:
    tz = "Asia/Kolkata"
    assert parse("by Friday, call Jane", tz).description == "call Jane"
    assert parse("call Jane - by Friday", tz).description == "call Jane"
    assert parse("call Jane, by Friday.", tz).description == "call Jane."
    assert parse("call Jane by Friday about the role", tz).description == (
        "call Jane about the role"
    )
    assert parse("report due Friday", tz).description == "report"


def test_phrase_only_gives_empty_description() -> None:
    result = parse("Friday 5pm", "America/Los_Angeles")
    assert result.description == ""
    assert result.deadline == wall("America/Los_Angeles", 2026, 11, 27, 17, 0)


def test_weak_abbreviations_need_an_intro() -> None:
    tz = "Europe/Berlin"
    assert parse("by sat", tz).deadline == wall(tz, 2026, 11, 28, 17, 0)
    assert parse("sat with the team", tz).problem is DeadlineProblem.MISSING


def test_numeric_date_reads_by_locale() -> None:
    tz = "America/Los_Angeles"
    now = now_in(tz)
    us = parse_deadline("send it by 12/03", now=now, tz=tz, locale="en-US")
    assert us.phrase == "by 12/03"
    assert us.description == "send it"
    assert us.deadline == wall(tz, 2026, 12, 3, 17, 0)
    gb = parse_deadline("send it by 12/03", now=now, tz=tz, locale="en-GB")
    assert gb.deadline == wall(tz, 2027, 3, 12, 17, 0)
    unknown = parse_deadline("send it by 12/03", now=now, tz=tz)
    assert unknown.problem is DeadlineProblem.UNCLEAR
    assert unknown.deadline is None
    assert unknown.detail is not None and "12 Mar" in unknown.detail


def test_working_day_end_is_configurable() -> None:
    from datetime import time

    from bot.language.workdays import WorkingDay

    wd = WorkingDay(start=time(8, 0), end=time(18, 30))
    tz = "Europe/Berlin"
    result = parse_deadline("by Friday", now=now_in(tz), tz=tz, working_day=wd)
    assert result.deadline == wall(tz, 2026, 11, 27, 18, 30)
    morning = parse_deadline("tomorrow morning", now=now_in(tz), tz=tz, working_day=wd)
    assert morning.deadline == wall(tz, 2026, 11, 25, 8, 0)


def test_unknown_zone_falls_back_to_utc() -> None:
    now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    result = parse_deadline("by EOD", now=now, tz="Mars/Olympus")
    assert result.deadline == datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


def test_accepts_zoneinfo_and_non_utc_now() -> None:
    tz = ZoneInfo("Asia/Kolkata")
    now = datetime(2026, 11, 24, 10, 0, tzinfo=tz)
    result = parse_deadline("by EOD", now=now, tz=tz)
    assert result.deadline == datetime(2026, 11, 24, 11, 30, tzinfo=UTC)


# ---------------------------------------------------------------------------- robustness


def test_long_text_keeps_full_description() -> None:
    tz = "Europe/Berlin"
    body = "word " * 2000
    text = body + "by Friday"
    result = parse(text, tz)
    assert result.deadline == wall(tz, 2026, 11, 27, 17, 0)
    assert result.description == body.strip()


def test_long_text_only_searches_the_tail() -> None:
    result = parse("by Friday " + "word " * 2000, "UTC")
    assert result.problem is DeadlineProblem.MISSING
    assert len(result.description) > 9000


@pytest.mark.parametrize(
    "text",
    [
        "\x00by Friday\x00",
        "🎉 ship it by Friday 🎉",
        "اتصل بجين by Friday",
        "\ud800 by Friday \udfff",
        "by Friday\u202e",
        "in 9999 months",
        "in 9999 years",
        "2026-13-45 25:61",
        "Feb 30",
        "the 31st",
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00+14:00",
        "by 99/99/9999",
        "at 13pm",
        "(" * 500 + "by Friday" + ")" * 500,
        "by " * 3000,
        "in in in in 2 2 2 hours",
    ],
)
def test_odd_inputs_do_not_raise(text: str) -> None:
    tz = "America/Los_Angeles"
    check_result(text, now_in(tz), parse(text, tz))


def test_emoji_and_control_characters_with_deadline() -> None:
    tz = "America/Los_Angeles"
    result = parse("🎉 ship it by Friday 🎉", tz)
    assert result.deadline == wall(tz, 2026, 11, 27, 17, 0)
    assert result.description == "🎉 ship it 🎉"
    assert parse("\x00by Friday\x00", tz).deadline == wall(tz, 2026, 11, 27, 17, 0)


def test_non_str_input_does_not_raise() -> None:
    result = parse_deadline(None, now=datetime.now(UTC), tz="UTC")  # type: ignore[arg-type]
    assert result.problem is DeadlineProblem.MISSING


def test_warm_up_runs() -> None:
    warm_up()


# ---------------------------------------------------------------------------- format


@pytest.mark.parametrize(
    ("deadline", "tz", "expected"),
    [
        (datetime(2026, 11, 28, 1, 0, tzinfo=UTC), "America/Los_Angeles", "Fri 27 Nov, 17:00 PST"),
        (datetime(2026, 7, 3, 0, 0, tzinfo=UTC), "America/Los_Angeles", "Thu 2 Jul, 17:00 PDT"),
        (datetime(2026, 11, 27, 16, 0, tzinfo=UTC), "Europe/Berlin", "Fri 27 Nov, 17:00 CET"),
        (datetime(2026, 11, 27, 11, 30, tzinfo=UTC), "Asia/Kolkata", "Fri 27 Nov, 17:00 IST"),
        (datetime(2026, 11, 27, 9, 5, tzinfo=UTC), "UTC", "Fri 27 Nov, 09:05 UTC"),
        (datetime(2026, 11, 27, 9, 5, tzinfo=UTC), "bogus", "Fri 27 Nov, 09:05 UTC"),
    ],
)
def test_format_deadline(deadline: datetime, tz: str, expected: str) -> None:
    now = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)  # the year shown is the clock's, not 2027's
    assert format_deadline(deadline, tz, now=now) == expected


# ---------------------------------------------------------------------------- properties

ZONES = st.sampled_from(TZS + ["UTC", "Pacific/Chatham", "Australia/Lord_Howe", "bogus", ""])
NOWS = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)
PHRASES = st.sampled_from(
    [text for text, _ in ABSOLUTE_CASES] + [text for text, _ in SPAN_CASES] + ["by yesterday", ""]
)


def check_result(text: str, now: datetime, result: ParsedDeadline) -> None:
    """A parse never returns a past deadline, or one beyond the bound, without saying so."""
    assert isinstance(result.description, str)
    if result.problem is None:
        assert result.deadline is not None
        assert result.deadline > now and result.deadline - now <= MAX_AHEAD
        assert result.far == (result.deadline - now > FAR_AHEAD)
    if result.problem is DeadlineProblem.MISSING:
        assert result.deadline is None and result.phrase is None
    elif result.problem is not None:
        assert result.detail
    if result.problem in (DeadlineProblem.UNCLEAR, DeadlineProblem.IMPOSSIBLE):
        assert result.deadline is None
    if result.problem is DeadlineProblem.TOO_FAR:
        assert result.deadline is None
    if result.deadline is not None:
        assert result.deadline.tzinfo is not None
        assert result.deadline.utcoffset() == timedelta(0)
        assert result.phrase is not None and result.phrase in text
        if result.problem is DeadlineProblem.PAST:
            assert result.deadline <= now


@settings(max_examples=200, deadline=None)
@given(text=st.text(), now=NOWS, tz=ZONES)
def test_property_any_text(text: str, now: datetime, tz: str) -> None:
    check_result(text, now, parse_deadline(text, now=now, tz=tz))


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    phrase=PHRASES,
    suffix=st.text(max_size=20),
    now=NOWS,
    tz=ZONES,
)
def test_property_text_with_phrase(
    prefix: str, phrase: str, suffix: str, now: datetime, tz: str
) -> None:
    text = f"{prefix} {phrase} {suffix}"
    check_result(text, now, parse_deadline(text, now=now, tz=tz))


@settings(max_examples=50, deadline=None)
@given(
    chunk=st.text(min_size=1, max_size=50),
    repeat=st.integers(min_value=20, max_value=300),
    phrase=PHRASES,
    now=NOWS,
)
def test_property_long_text(chunk: str, repeat: int, phrase: str, now: datetime) -> None:
    text = chunk * repeat + " " + phrase
    result = parse_deadline(text, now=now, tz="Europe/Berlin")
    check_result(text, now, result)
    if phrase:
        assert result.problem is not DeadlineProblem.MISSING


def test_an_at_sign_before_the_phrase_does_not_hide_it() -> None:
    """Found by hypothesis: "@" right before a deadline phrase made the parser give up."""
    now = datetime(2001, 1, 1, tzinfo=UTC)
    for text in ("@@@@ Friday 5pm", "@ Friday 5pm", "call Bob @ 5pm"):
        assert parse_deadline(text, now=now, tz="UTC").deadline is not None, text


# ---------------------------------------------------------------------------- issue 10: kinds

ZONES_4 = TZS + ["Australia/Sydney"]

# now = Tue 24 Nov 2026, 10:00 local
WORDS_CASES = [
    ("by half past three", (11, 24, 15, 30)),
    ("quarter to six", (11, 24, 17, 45)),
    ("by ten past four", (11, 24, 16, 10)),
    ("by 3 o'clock", (11, 24, 15, 0)),
    ("by 1600", (11, 24, 16, 0)),
    ("by 1600 hrs", (11, 24, 16, 0)),
    ("by 16:00", (11, 24, 16, 0)),
    ("by 4", (11, 24, 16, 0)),
    ("by 4:30", (11, 24, 16, 30)),
    ("before 9", (11, 25, 9, 0)),  # 9:00 today has passed: the next working day's
    ("by lunchtime", (11, 24, 12, 0)),
    ("midday Friday", (11, 27, 12, 0)),
    ("first thing", (11, 25, 9, 0)),
    ("first thing Tuesday", (12, 1, 9, 0)),
    ("first thing tomorrow", (11, 25, 9, 0)),
    ("Thursday morning", (11, 26, 9, 0)),
    ("Thursday week", (12, 3, 17, 0)),
    ("a week on Thursday", (12, 3, 17, 0)),
    ("a week from Monday", (12, 7, 17, 0)),
    ("Thursday next week", (12, 3, 17, 0)),
    ("a week today", (12, 1, 17, 0)),
    ("by end of next month", (12, 31, 17, 0)),
    ("by month end", (11, 30, 17, 0)),
    ("end of the quarter", (12, 31, 17, 0)),
    ("in 5 working days", (12, 1, 17, 0)),
    ("within 4 business days", (11, 30, 17, 0)),
    ("early next week", (11, 30, 17, 0)),
    ("mid next week", (12, 2, 17, 0)),
    ("by the weekend", (11, 27, 17, 0)),
    ("Friday 12/4", (12, 4, 17, 0)),
    ("Monday or Tuesday", (12, 1, 17, 0)),
    ("tomorrow between 2 and 4", (11, 25, 16, 0)),
]


@pytest.mark.parametrize("tz", ZONES_4)
@pytest.mark.parametrize(("text", "expected"), WORDS_CASES)
def test_table_words_and_weeks(tz: str, text: str, expected: tuple[int, int, int, int]) -> None:
    result = parse_deadline(text, now=now_in(tz), tz=tz, locale="en-US")
    assert result.problem is None, result
    assert result.deadline == wall(tz, 2026, *expected), format_deadline(
        result.deadline, tz, now=result.deadline
    )
    assert result.phrase == text


@pytest.mark.parametrize("tz", ZONES_4)
@pytest.mark.parametrize(
    ("text", "delta"),
    [("within the hour", timedelta(hours=1)), ("in a couple of days", timedelta(days=2))],
)
def test_table_more_spans(tz: str, text: str, delta: timedelta) -> None:
    now = now_in(tz)
    assert parse(text, tz, now).deadline == now + delta


@pytest.mark.parametrize("tz", ZONES_4)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("by 2pm ET", datetime(2026, 11, 24, 19, 0, tzinfo=UTC)),
        ("EOD CET Friday", datetime(2026, 11, 27, 16, 0, tzinfo=UTC)),
        ("Friday 10am PST", datetime(2026, 11, 27, 18, 0, tzinfo=UTC)),
        ("Friday 18:00 UTC", datetime(2026, 11, 27, 18, 0, tzinfo=UTC)),
        ("Friday 3pm GMT+1", datetime(2026, 11, 27, 14, 0, tzinfo=UTC)),
        ("Friday 3pm UTC-5:30", datetime(2026, 11, 27, 20, 30, tzinfo=UTC)),
        ("2pm Europe/Paris on Friday", datetime(2026, 11, 27, 13, 0, tzinfo=UTC)),
        ("Friday 9am AEDT", datetime(2026, 11, 26, 22, 0, tzinfo=UTC)),
        ("Friday noon Tokyo time", datetime(2026, 11, 27, 3, 0, tzinfo=UTC)),
        ("by 5pm (ET) Friday", datetime(2026, 11, 27, 22, 0, tzinfo=UTC)),
    ],
)
def test_table_named_zones(tz: str, text: str, expected: datetime) -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    result = parse(text, tz, now)
    assert result.problem is None, result
    assert result.deadline == expected
    assert result.zone is not None


def test_ist_is_read_only_when_the_owners_zone_settles_it() -> None:
    now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 07:30 in Kolkata
    india = parse("by 3pm IST", "Asia/Kolkata", now)
    assert india.deadline == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    dublin = parse("by 3pm IST", "Europe/Dublin", now)
    assert dublin.deadline == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Irish winter: UTC+0
    for owner in ("America/Los_Angeles", "Europe/Berlin"):
        unclear = parse("by 3pm IST", owner, now)
        assert unclear.problem is DeadlineProblem.UNCLEAR and unclear.deadline is None
        assert unclear.detail is not None and "India, Irish or Israel" in unclear.detail


def test_format_as_written_shows_the_day_when_it_differs() -> None:
    from bot.language.zones import NamedZone

    deadline = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)  # Thu 08:00 PST, Fri 01:00 JST
    now = datetime(2026, 11, 24, tzinfo=UTC)
    assert (
        format_as_written(deadline, NamedZone("Asia/Tokyo", "JST"), "America/Los_Angeles", now=now)
        == "Fri 27 Nov, 01:00 JST"
    )
    assert (
        format_as_written(
            deadline, NamedZone("America/New_York", "ET"), "America/Los_Angeles", now=now
        )
        == "11:00 ET"
    )


# ---------------------------------------------------------------------------- DST switches


def test_us_dst_end_named_zone_and_first_thing() -> None:
    tz = "America/Los_Angeles"
    now = wall(tz, 2026, 10, 30, 10, 0)  # Friday, PDT; clocks go back Sun 1 Nov
    first = parse("first thing Monday", tz, now)
    assert first.deadline == datetime(2026, 11, 2, 17, 0, tzinfo=UTC)  # 09:00 PST
    eastern = parse("Monday 2pm ET", tz, now)
    assert eastern.deadline == datetime(2026, 11, 2, 19, 0, tzinfo=UTC)  # 14:00 EST


def test_us_dst_start_business_days() -> None:
    tz = "America/Los_Angeles"
    now = wall(tz, 2026, 3, 6, 10, 0)  # Friday, PST; clocks go forward Sun 8 Mar
    result = parse("in 2 business days", tz, now)
    assert result.deadline == datetime(2026, 3, 11, 0, 0, tzinfo=UTC)  # Tue 17:00 PDT


def test_eu_dst_end_thursday_week_and_a_zone_named_between_the_switches() -> None:
    tz = "Europe/Berlin"
    now = wall(tz, 2026, 10, 23, 10, 0)  # Friday, CEST; clocks go back Sun 25 Oct
    assert parse("Thursday week", tz, now).deadline == datetime(2026, 11, 5, 16, 0, tzinfo=UTC)
    assert parse("first thing Monday", tz, now).deadline == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    # 27 Oct: Europe has switched, the US not yet: New York is 5 hours behind Berlin
    between = datetime(2026, 10, 27, 12, 0, tzinfo=UTC)
    result = parse("by 2pm ET", tz, between)
    assert result.deadline == datetime(2026, 10, 27, 18, 0, tzinfo=UTC)
    assert format_deadline(result.deadline, tz, now=between) == "Tue 27 Oct, 19:00 CET"


def test_southern_hemisphere_dst_start_and_a_state_holiday() -> None:
    from bot.language.holidays import Holidays
    from bot.language.workdays import WorkingDay

    tz = "Australia/Sydney"
    now = wall(tz, 2026, 10, 2, 10, 0)  # Friday, AEST; clocks go forward Sun 4 Oct
    first = parse("first thing Monday", tz, now)
    assert first.deadline == datetime(2026, 10, 4, 22, 0, tzinfo=UTC)  # Mon 09:00 AEDT
    nsw = WorkingDay(holidays=Holidays(("AU-NSW",)))  # Mon 5 Oct: Labour Day in NSW
    result = parse_deadline("in 2 business days", now=now, tz=tz, working_day=nsw)
    assert result.deadline == datetime(2026, 10, 7, 6, 0, tzinfo=UTC)  # Wed 17:00 AEDT


def test_end_of_week_skips_a_friday_holiday() -> None:
    from bot.language.holidays import Holidays
    from bot.language.workdays import WorkingDay

    tz = "Europe/London"
    gb = WorkingDay(holidays=Holidays(("GB",)))
    monday = wall(tz, 2026, 12, 21, 10, 0)
    week = parse_deadline("by end of week", now=monday, tz=tz, working_day=gb)
    assert week.deadline == wall(tz, 2026, 12, 24, 17, 0)  # Christmas is on the Friday
    thursday_evening = wall(tz, 2026, 12, 24, 18, 0)
    eod = parse_deadline("EOD", now=thursday_evening, tz=tz, working_day=gb)
    assert eod.deadline == wall(tz, 2026, 12, 29, 17, 0)  # after Christmas and Boxing Day


# ---------------------------------------------------------------------------- never silently wrong


@pytest.mark.parametrize(
    ("text", "problem", "detail"),
    [
        ("April 31 at 2pm", DeadlineProblem.IMPOSSIBLE, "there's no 31 April"),
        ("31 April", DeadlineProblem.IMPOSSIBLE, "there's no 31 April"),
        ("by 2027-13-01", DeadlineProblem.IMPOSSIBLE, "there's no month 13"),
        ("by 2027-02-29", DeadlineProblem.IMPOSSIBLE, "there's no 29 February in 2027"),
        ("last Monday", DeadlineProblem.PAST, "in the past"),
        ("yesterday", DeadlineProblem.PAST, "in the past"),
        ("two days ago", DeadlineProblem.PAST, "in the past"),
        ("by Nov 20", DeadlineProblem.PAST, "in the past"),
        ("in 100 years", DeadlineProblem.TOO_FAR, "5 years"),
        ("9999-12-31T23:59:59Z", DeadlineProblem.TOO_FAR, "5 years"),
        ("0001-01-01T00:00:00Z", DeadlineProblem.PAST, "long gone"),
        ("by 4/11", DeadlineProblem.UNCLEAR, "4 Nov"),
        ("by 9am their time", DeadlineProblem.UNCLEAR, "which time zone"),
        ("Saturday 12/4", DeadlineProblem.UNCLEAR, "not a Saturday"),
    ],
)
@pytest.mark.parametrize("tz", ZONES_4)
def test_problems_are_named(tz: str, text: str, problem: DeadlineProblem, detail: str) -> None:
    locale = None if "4/11" in text else "en-US"
    result = parse_deadline(text, now=now_in(tz), tz=tz, locale=locale)
    assert result.problem is problem, result
    assert result.detail is not None and detail in result.detail, result.detail
    if problem is not DeadlineProblem.PAST:
        assert result.deadline is None


def test_far_deadlines_are_flagged_and_show_their_year() -> None:
    tz = "America/Los_Angeles"
    now = now_in(tz)
    near = parse("by Jan 15", tz, now)
    assert not near.far
    assert format_deadline(near.deadline, tz, now=now) == "Fri 15 Jan 2027, 17:00 PST"  # type: ignore[arg-type]
    far = parse("by Dec 3 2028", tz, now)
    assert far.far and far.problem is None


@pytest.mark.parametrize("tz", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Tokyo", "UTC"])
@pytest.mark.parametrize(
    "moment",
    [datetime(9999, 12, 31, 23, 59, tzinfo=UTC), datetime(1, 1, 1, 0, 0, tzinfo=UTC)],
)
def test_format_never_overflows(tz: str, moment: datetime) -> None:
    assert str(moment.year) in format_deadline(moment, tz, now=datetime(2026, 11, 24, tzinfo=UTC))


def test_fragments_not_used_are_reported() -> None:
    tz = "Europe/Berlin"
    result = parse("send notes by Friday, meeting at 3pm CET with the Dec 3 deck", tz)
    assert result.phrase == "by Friday"
    assert result.ignored == ("at 3pm CET", "Dec 3")
    assert parse("send the deck by December", tz).ignored == ("December",)


def test_locale_reading() -> None:
    from bot.language.deadlines import DateOrder, date_order

    assert date_order("en-US") is DateOrder.MONTH_FIRST
    assert date_order("ja-JP") is DateOrder.MONTH_FIRST
    for day_first in ("en-GB", "en-AU", "en-IN", "de-DE", "es-LA", "pt_BR", "fr-FR"):
        assert date_order(day_first) is DateOrder.DAY_FIRST, day_first
    for unknown in (None, "", "en-CA", "xx-YY", "en"):
        assert date_order(unknown) is None, unknown


# ---------------------------------------------------------------------------- properties

NEW_PHRASES = st.sampled_from(
    [text for text, _ in WORDS_CASES]
    + [
        "by 2pm ET",
        "EOD CET",
        "by 3pm IST",
        "in 100 years",
        "last Monday",
        "April 31",
        "by 4/11",
        "by 13/13",
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00+14:00",
        "by Dec 3 2030",
        "in 59 months",
        "in 1300 business days",
        "by 9am their time",
    ]
)
LOCALES = st.sampled_from([None, "en-US", "en-GB", "de-DE", "en-CA"])
ALL_NOWS = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(
    prefix=st.text(max_size=30),
    phrase=NEW_PHRASES,
    suffix=st.text(max_size=20),
    now=st.one_of(NOWS, ALL_NOWS),
    tz=ZONES,
    locale=LOCALES,
)
def test_property_new_phrases_never_past_or_beyond_the_bound(
    prefix: str, phrase: str, suffix: str, now: datetime, tz: str, locale: str | None
) -> None:
    text = f"{prefix} {phrase} {suffix}"
    check_result(text, now, parse_deadline(text, now=now, tz=tz, locale=locale))


ZONED = st.sampled_from(
    [
        "by 2pm ET",
        "EOD CET",
        "Friday 10am PST",
        "by 18:00 UTC",
        "3pm GMT+1",
        "2pm Europe/Paris on Friday",
        "tomorrow 9am AEDT",
        "first thing Monday JST",
        "by half past three New York time",
        "by 4 ET",
        "Thursday week 11am UTC-3",
        "end of next week BST",
        "2026-12-24 15:00 UTC",
    ]
)
OWNERS = st.sampled_from(
    [
        "America/Los_Angeles",
        "Europe/Berlin",
        "Asia/Kolkata",
        "Australia/Sydney",
        "UTC",
        "Pacific/Chatham",
        "America/St_Johns",
    ]
)


@settings(max_examples=300, deadline=None)
@given(phrase=ZONED, now=NOWS, first=OWNERS, second=OWNERS)
def test_property_a_named_zone_gives_the_same_instant_for_every_owner(
    phrase: str, now: datetime, first: str, second: str
) -> None:
    a = parse_deadline(phrase, now=now, tz=first)
    b = parse_deadline(phrase, now=now, tz=second)
    assert a.problem is b.problem
    assert a.deadline == b.deadline
    assert a.zone is not None
