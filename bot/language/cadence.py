"""Cadence promises (SPEC §2.4): finding a rhythm in a promise's text and planning check-ins.

"stay in touch with Sam over the next two weeks", "keep Acme posted every Friday until Dec 18",
"update the customer every 2 hours until the outage is fixed". Pure: no I/O, `now` passed in.

A check-in that falls on a day (every N working days, every Friday, weekly) is due at the end
of the owner's working day on that day, in their own time zone, so daylight-saving changes
never move it off 17:00 local; weekends and holidays move it to the next working day. A rhythm
in hours is plain elapsed time (an incident update every 2 hours); quiet hours are left to the
scheduler, which holds a DM until the recipient's working day starts.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.language.deadlines import HOUR_WORDS, WEEKDAY_RE, parse_deadline
from bot.language.workdays import (
    DEFAULT_WORKING_DAY,
    WorkingDay,
    end_of_working_day,
    is_working_day,
    zone,
)

__all__ = [
    "DEFAULT_RHYTHM",
    "CadenceProblem",
    "ParsedCadence",
    "Rhythm",
    "RhythmKind",
    "describe_rhythm",
    "find_cadence",
    "next_check_in",
    "parse_rhythm",
    "plan_check_ins",
]

MIN_HOURS = 1  # more often than hourly is a chat, not a promise
MAX_CHECK_INS = 500  # a bound on any plan, so a typo can't plan forever
# a series in hours ends within this: "until the outage is fixed" (or no end) stops here at
# the latest, and a stated end further away is refused (an incident, not a way of life)
HOURLY_LIMIT = timedelta(days=7)
# an end or a first check-in further away than this is refused (a typo'd year is likely)
MAX_AHEAD = timedelta(days=366)
NO_HOLIDAYS: frozenset[date] = frozenset()


class RhythmKind(StrEnum):
    WORKING_DAYS = "working_days"  # every N working days
    DAYS = "days"  # every N calendar days (moved off weekends and holidays)
    WEEKDAY = "weekday"  # every Monday..Sunday (`every` is the weekday, Monday = 0)
    HOURS = "hours"  # every N hours of elapsed time


@dataclass(frozen=True)
class Rhythm:
    kind: RhythmKind
    every: int

    def __post_init__(self) -> None:
        if self.kind is RhythmKind.WEEKDAY and not 0 <= self.every <= 6:
            raise ValueError("a weekday rhythm needs a weekday 0..6")
        if self.kind is not RhythmKind.WEEKDAY and self.every < 1:
            raise ValueError("a rhythm needs a positive interval")


# "stay in touch" without a stated rhythm (SPEC §2.4)
DEFAULT_RHYTHM = Rhythm(RhythmKind.WORKING_DAYS, 3)


class CadenceProblem(StrEnum):
    PAST_END = "past_end"  # "until last Monday"
    TOO_OFTEN = "too_often"  # "every 10 minutes", "every 30 seconds"
    UNCLEAR_RHYTHM = "unclear_rhythm"  # "every 0 weeks", "every 1.5 days", "every second Tuesday"
    UNCLEAR_END = "unclear_end"  # "until 2031", "until next year": a date Kept can't read
    TOO_FAR = "too_far"  # an end, or a first check-in, more than a year away
    HOURLY_TOO_LONG = "hourly_too_long"  # "every 2 hours until next month"


@dataclass(frozen=True)
class ParsedCadence:
    rhythm: Rhythm
    stated: bool  # False: the default rhythm, nothing in the text said how often
    ends_at: datetime | None  # the series ends after the last check-in before this (UTC)
    end_event: str | None  # "the outage is fixed": an open end, closed by hand
    description: str  # the text without the rhythm and end-date phrases
    problem: CadenceProblem | None = None
    capped: bool = False  # a series in hours with no date to end: ends HOURLY_LIMIT from now


# ------------------------------------------------------------------------------ vocabulary

_I = re.IGNORECASE
_WEEKDAYS = {
    "mon": 0,
    "tue": 1,
    "wed": 2,
    "thu": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
}
_WEEKDAY = rf"(?P<wd>{WEEKDAY_RE})s?"
_NUMBERS = {**HOUR_WORDS, "a": 1, "an": 1, "couple of": 2, "few": 3, "other": 2}
_NUM = r"(?P<n>\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|other|few)"
_UNIT = (
    r"(?P<unit>(?:working|business|work)\s+days?|days?|hours?|hrs?|h|weeks?|wks?|minutes?|mins?"
    r"|seconds?|secs?)"
)
# "every" and a number or an ordinal no rhythm above reads ("every 1.5 days", "every 0
# weeks", "every second Tuesday"): refused, never read as the default rhythm
_EVERY_ODD = re.compile(
    r"\bevery\s+(?:\d[\d.,/]*|second|third|fourth|fifth|other|few|several)\b", _I
)
# an end that looks like a date or a time, not an event ("until 2031", "until next year")
_DATEISH = re.compile(
    r"^(?:\d|(?:the\s+)?(?:end|middle|start|beginning)\s+of\b|next\s|this\s|mid"
    r"|(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?:\s|$)"
    r"|(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?(?:\s|$)"
    r"|tomorrow|today|tonight|eod|eow|q[1-4]\b)",
    _I,
)

_RHYTHMS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"\b(?:every|each)\s+{_WEEKDAY}(?:\s+(?:morning|afternoon))?\b", _I), "weekday"),
    (re.compile(rf"\bon\s+{_WEEKDAY[:-2]}s\b", _I), "weekday"),
    (re.compile(rf"\bevery\s+{_NUM}\s+{_UNIT}\b", _I), "interval"),
    (
        re.compile(
            r"\bevery\s+(?P<unit>(?:working|business|work)\s+day|day|hour|week|minute)\b", _I
        ),
        "one",
    ),
    (re.compile(r"\b(?P<word>daily|hourly|weekly|fortnightly|biweekly)\b", _I), "word"),
]
_SPAN_END = re.compile(
    r"\b(?:over|for|during|in)\s+the\s+(?:next|coming)\s+(?P<span>[\w\s]{0,30}?"
    r"(?:days?|weeks?|months?|years?|fortnight))\b",
    _I,
)
_UNTIL = re.compile(r"\b(?:until|till|til|up\s+to)\s+(?P<tail>[^.;!?\n]{1,120})", _I)
_TOUCH = re.compile(
    r"\b(?:stay|keep|be)\s+in\s+(?:touch|contact)\b"
    r"|\bkeep\s+(?:[\w.'’&-]+\s+){1,4}?(?:posted|updated|informed|in\s+the\s+loop)\b"
    r"|\bcheck\s+in\s+(?:with|on)\b",
    _I,
)
_UPDATE = re.compile(r"\b(?:send\s+)?updates?\b|\bfollow\s+up\b|\breport\s+back\b", _I)


def _weekday(word: str) -> int:
    return _WEEKDAYS[word[:3].lower()]


def _number(raw: str) -> int:
    raw = raw.lower()
    return int(raw) if raw.isdigit() else _NUMBERS.get(raw, 1)


def _from_unit(n: int, unit: str) -> Rhythm | CadenceProblem:
    unit = " ".join(unit.lower().split())
    if unit.startswith("s"):
        return CadenceProblem.TOO_OFTEN
    if n < 1:
        return CadenceProblem.UNCLEAR_RHYTHM
    if " " in unit:  # working / business days
        return Rhythm(RhythmKind.WORKING_DAYS, max(1, n))
    if unit.startswith("min"):
        return CadenceProblem.TOO_OFTEN
    if unit.startswith("h"):
        return Rhythm(RhythmKind.HOURS, n) if n >= MIN_HOURS else CadenceProblem.TOO_OFTEN
    if unit.startswith("w"):
        return Rhythm(RhythmKind.DAYS, 7 * n)
    return Rhythm(RhythmKind.DAYS, n) if n > 1 else Rhythm(RhythmKind.WORKING_DAYS, 1)


def parse_rhythm(text: str) -> tuple[Rhythm | CadenceProblem, tuple[int, int]] | None:
    """The first rhythm phrase in `text` and where it is, or None. "every" with a number or
    an ordinal that no rhythm reads is UNCLEAR_RHYTHM."""
    found = _read_rhythm(text)
    odd = _EVERY_ODD.search(text)
    if odd is not None and (found is None or found[1][0] != odd.start()):
        return CadenceProblem.UNCLEAR_RHYTHM, (odd.start(), odd.end())
    return found


def _read_rhythm(text: str) -> tuple[Rhythm | CadenceProblem, tuple[int, int]] | None:
    for pattern, kind in _RHYTHMS:
        m = pattern.search(text)
        if m is None:
            continue
        span = (m.start(), m.end())
        if kind == "weekday":
            return Rhythm(RhythmKind.WEEKDAY, _weekday(m.group("wd"))), span
        if kind == "interval":
            return _from_unit(_number(m.group("n")), m.group("unit")), span
        if kind == "one":
            return _from_unit(1, m.group("unit")), span
        word = m.group("word").lower()
        rhythm = {
            "daily": Rhythm(RhythmKind.WORKING_DAYS, 1),
            "hourly": Rhythm(RhythmKind.HOURS, 1),
            "weekly": Rhythm(RhythmKind.DAYS, 7),
        }.get(word, Rhythm(RhythmKind.DAYS, 14))
        return rhythm, span
    return None


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    text = re.sub(r"\s+", " ", text).strip(" ,;:-–—")
    return re.sub(r"\s+(?:by|before|until|till|and)$", "", text, flags=_I).strip(" ,;:-–—")


def find_cadence(
    text: str, *, now: datetime, tz: str | ZoneInfo, working_day: WorkingDay = DEFAULT_WORKING_DAY
) -> ParsedCadence | None:
    """The cadence in a promise's text, or None when it reads as a single deadline.

    A text is a cadence when it states a rhythm ("every Friday", "daily", "every 2 hours"),
    or promises contact along the way ("stay in touch", "keep Sam posted", "update the
    customer") over a span or until an end ("over the next two weeks", "until Dec 18",
    "until the outage is fixed"). "stay in touch" / "keep X posted" alone is a cadence with
    the default rhythm and an open end; "update the CRM by Friday" is a single deadline.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    spans: list[tuple[int, int]] = []
    problem: CadenceProblem | None = None
    found = parse_rhythm(text)
    rhythm: Rhythm | None = None
    if found is not None:
        value, span = found
        spans.append(span)
        if isinstance(value, CadenceProblem):
            problem = value
        else:
            rhythm = value
    ends_at: datetime | None = None
    end_event: str | None = None
    has_end = False
    span_end = _SPAN_END.search(text)
    until = _UNTIL.search(text)
    if span_end is not None:
        parsed = parse_deadline(span_end.group(0), now=now, tz=tz, working_day=working_day)
        if parsed.deadline is not None:
            ends_at, has_end = parsed.deadline, True
            spans.append((span_end.start(), span_end.end()))
        elif re.search(r"years?\b", span_end.group("span"), _I):
            problem, has_end = problem or CadenceProblem.TOO_FAR, True
        else:
            problem, has_end = problem or CadenceProblem.UNCLEAR_END, True
    if until is not None and not has_end:
        tail = until.group("tail").strip()
        parsed = parse_deadline(f"by {tail}", now=now, tz=tz, working_day=working_day)
        has_end = True
        if parsed.deadline is not None and len(parsed.description.strip()) <= 2:
            ends_at = parsed.deadline
            spans.append((until.start(), until.end()))
        elif _DATEISH.match(tail):  # a date Kept could not read is not an event
            problem = problem or CadenceProblem.UNCLEAR_END
        else:
            end_event = tail.rstrip(" ,;:")
    touch = _TOUCH.search(text) is not None
    update = _UPDATE.search(text) is not None
    if rhythm is None and problem is None and not (touch or (update and has_end)):
        return None
    if ends_at is not None and ends_at <= now:
        problem = problem or CadenceProblem.PAST_END
    if ends_at is not None and ends_at - now > MAX_AHEAD:
        problem = problem or CadenceProblem.TOO_FAR
    chosen = rhythm or DEFAULT_RHYTHM
    if next_check_in(chosen, now, tz, working_day) - now > MAX_AHEAD:
        problem = problem or CadenceProblem.TOO_FAR  # "every 999 working days"
    capped = False
    if chosen.kind is RhythmKind.HOURS:
        if ends_at is None:
            ends_at, capped = now + HOURLY_LIMIT, True
        elif ends_at - now > HOURLY_LIMIT:
            problem = problem or CadenceProblem.HOURLY_TOO_LONG
    description = _cut(text, spans)
    return ParsedCadence(
        rhythm=chosen,
        stated=rhythm is not None,
        ends_at=ends_at,
        end_event=end_event,
        description=description or text.strip(),
        problem=problem,
        capped=capped,
    )


# ------------------------------------------------------------------------------- planning


def _workday(day: date, wd: WorkingDay, holidays: Container[date]) -> bool:
    return is_working_day(day, wd) and day not in holidays


def _next_workday_on_or_after(day: date, wd: WorkingDay, holidays: Container[date]) -> date:
    for _ in range(400):
        if _workday(day, wd, holidays):
            return day
        day += timedelta(days=1)
    return day


def next_check_in(
    rhythm: Rhythm,
    after: datetime,
    tz: str | ZoneInfo,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
    holidays: Container[date] = NO_HOLIDAYS,
) -> datetime:
    """The first check-in strictly after `after` (aware; returned in UTC)."""
    z = zone(tz)
    if rhythm.kind is RhythmKind.HOURS:
        return after + timedelta(hours=rhythm.every)
    today = after.astimezone(z).date()
    if rhythm.kind is RhythmKind.WORKING_DAYS:
        day = today
        for _ in range(rhythm.every):
            day = _next_workday_on_or_after(day + timedelta(days=1), working_day, holidays)
        return end_of_working_day(day, z, working_day)
    if rhythm.kind is RhythmKind.DAYS:
        day = _next_workday_on_or_after(today + timedelta(days=rhythm.every), working_day, holidays)
        return end_of_working_day(day, z, working_day)
    # every <weekday>: the next such day whose end of working day is still ahead
    day = today + timedelta(days=(rhythm.every - today.weekday()) % 7)
    while True:
        moment = end_of_working_day(
            _next_workday_on_or_after(day, working_day, holidays), z, working_day
        )
        if moment > after:
            return moment
        day += timedelta(days=7)


def plan_check_ins(
    rhythm: Rhythm,
    start: datetime,
    ends_at: datetime | None,
    tz: str | ZoneInfo,
    *,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
    holidays: Container[date] = NO_HOLIDAYS,
    limit: int = MAX_CHECK_INS,
) -> list[datetime]:
    """Every check-in from `start` to `ends_at` if nobody logs an update early.

    With an end, a series that has no regular check-in before it has one at the end itself.
    With no end, the first `limit` check-ins.
    """
    moments: list[datetime] = []
    current = start
    for _ in range(min(limit, MAX_CHECK_INS)):
        current = next_check_in(rhythm, current, tz, working_day, holidays)
        if ends_at is not None and current > ends_at:
            break
        moments.append(current)
    if ends_at is not None and not moments and ends_at > start:
        moments.append(ends_at)
    return moments


def describe_rhythm(rhythm: Rhythm) -> str:
    """`every 3 working days`, `every Friday`, `every 2 hours`, `weekly`."""
    n = rhythm.every
    if rhythm.kind is RhythmKind.WEEKDAY:
        names = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
        return f"every {names[n]}"
    if rhythm.kind is RhythmKind.HOURS:
        return "every hour" if n == 1 else f"every {n} hours"
    if rhythm.kind is RhythmKind.WORKING_DAYS:
        return "every working day" if n == 1 else f"every {n} working days"
    if n % 7 == 0:
        weeks = n // 7
        return "weekly" if weeks == 1 else f"every {weeks} weeks"
    return f"every {n} days"
