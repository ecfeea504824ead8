"""Finding and resolving the deadline inside a promise's text (SPEC §2.3).

``parse_deadline`` looks for a deadline phrase in free text, resolves it in the owner's time
zone against an injected ``now``, and splits the text into the deadline and the rest (the
description).  Business idioms (EOD, COB, end of week, "in 2 hours", weekday names, month
names, ISO 8601...) are handled by the regular expressions in this module; ``dateparser`` is
only consulted for leftover candidate phrases that look like dates.

The function never raises: any failure degrades to "no deadline found".
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot.language.workdays import (
    DEFAULT_WORKING_DAY,
    WorkingDay,
    is_working_day,
    last_working_day_of_month,
    last_working_day_of_week,
    local_moment,
    next_working_day,
    zone,
)

__all__ = [
    "DeadlineProblem",
    "ParsedDeadline",
    "format_deadline",
    "parse_deadline",
    "warm_up",
]

log = logging.getLogger(__name__)

# Only the last WINDOW characters of a long text are searched for the deadline phrase.
WINDOW = 300
# Upper bound on dateparser calls for one parse_deadline call.
_MAX_DATEPARSER_CALLS = 8


class DeadlineProblem(StrEnum):
    MISSING = "missing"
    PAST = "past"


@dataclass(frozen=True)
class ParsedDeadline:
    deadline: datetime | None  # aware, in UTC; None when MISSING
    phrase: str | None  # exact substring of the input taken as the deadline
    description: str  # the input without the phrase, tidied
    problem: DeadlineProblem | None


# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH_RE = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_WEEKDAY_RE = (
    r"mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?"
    r"|fri(?:day)?|sat(?:urday)?|sun(?:day)?"
)
_FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_NUMBER_WORDS: dict[str, float] = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a": 1,
    "an": 1,
    "few": 3,
    "couple": 2,
}

# A clock time: "5pm", "5:30 p.m.", "14:00", "noon".  Group names are unique per pattern.
_TIME_RE = (
    r"(?:(?P<h>\d{1,2})(?::(?P<mi>[0-5]\d))?\s*(?P<ap>[ap])\.?m\.?(?!\w)"
    r"|(?P<h24>[01]?\d|2[0-3]):(?P<mi24>[0-5]\d)(?![\d:])"
    r"|(?P<word>noon|midday|midnight))"
)
_EOD_RE = (
    r"eod|cob|eob|e\.o\.d\.?|c\.o\.b\.?"
    r"|end\s+of\s+(?:the\s+)?(?:business\s+|working\s+|work\s+)?day"
    r"|close\s+of\s+(?:business|play)|end\s+of\s+business"
)

_I = re.IGNORECASE

_TIME_ONLY = re.compile(rf"(?<![\w:./-]){_TIME_RE}", _I)
_TRAIL = re.compile(
    rf"\s*,?\s*(?:(?:at|by|before|around|until|@)\s*)?{_TIME_RE}"
    r"|\s*,?\s*(?:at|@)\s*(?P<bare>\d{1,2})(?=\s*(?:o['’]?clock(?!\w)|[.,;:!?)\]]|\Z))"
    r"(?:\s*o['’]?clock)?"
    rf"|\s*,?\s*(?P<eod>{_EOD_RE})(?!\w)"
    r"|\s+(?:in\s+the\s+)?(?P<part>morning|afternoon|evening|night|lunchtime)(?!\w)",
    _I,
)
_LEAD = re.compile(
    rf"(?:(?<![\w:./-]){_TIME_RE}\s*,?\s*(?:on\s+)?"
    rf"|(?<!\w)(?:{_EOD_RE}|end\s+of(?:\s+the)?(?:\s+day)?)\s*,?\s*(?:on\s+)?)\Z",
    _I,
)
_STRONG_INTROS = (
    r"due\s+(?:by|on|before|until|in|within)|due|no\s+later\s+than|not\s+later\s+than"
    r"|latest\s+by|by|before|on|within|in|over|until|till|til"
)
_WEAK_INTROS = r"during|for|at"
_INTRO = re.compile(
    rf"(?:(?<!\w)(?P<strong>{_STRONG_INTROS})|(?<!\w)(?P<weak>{_WEAK_INTROS}))\s+\Z|(?P<at>@)\s*\Z",
    _I,
)
_SPAN_INTRO_WORDS = frozenset({"in", "within", "over", "during", "for"})

_ISO_DT = re.compile(
    r"(?<![\w:.-])(?P<y>\d{4})(?P<sep>[-/])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    r"(?:T|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<F>\d{1,6})\d*)?)?"
    r"(?:\s*(?P<z>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)(?!\w))?(?![\w:])",
    _I,
)
_ISO_DATE = re.compile(
    r"(?<![\w:.-])(?P<y>\d{4})(?P<sep>[-/])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\w/-])",
    _I,
)
_MONTH_DAY = re.compile(
    rf"(?<!\w)(?P<mon>{_MONTH_RE})\.?\s+(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?!\w)"
    r"(?:,?\s+(?P<year>(?:19|20)\d{2})(?![\w:]))?",
    _I,
)
_DAY_MONTH = re.compile(
    rf"(?<![\w/.:-])(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?(?P<mon>{_MONTH_RE})"
    r"(?!\w)\.?(?:,?\s+(?P<year>(?:19|20)\d{2})(?![\w:]))?",
    _I,
)
_ORDINAL = re.compile(
    r"(?<!\w)the\s+(?P<day>\d{1,2})(?:st|nd|rd|th)(?!\w)"
    r"(?:\s+of\s+(?P<which>this|next|the\s+month)(?:\s+month)?(?!\w))?"
    # "on the 3rd floor" is not a date: reject when a noun-like word follows.
    r"(?!\s+(?!(?:at|by|before|until|and|or|then|to|please|latest|eod|cob|end|so|if|when|for"
    r"|in|with|about|re|morning|afternoon|evening|noon)(?!\w))[a-z])",
    _I,
)
_WEEKDAY = re.compile(
    rf"(?<!\w)(?:(?P<mod>this\s+coming|this|next|coming)\s+)?(?P<wd>{_WEEKDAY_RE})(?!\w)", _I
)
_RELDAY = re.compile(
    r"(?<!\w)(?:(?P<rel>(?:the\s+)?day\s+after\s+tomorrow|today|tonight|tomorrow|tomorow"
    r"|tmrw|tmr|yesterday)(?:\s+(?P<part>morning|afternoon|evening|night|noon|midday"
    r"|lunchtime|lunch))?|this\s+(?P<this>morning|afternoon|evening))(?!\w)",
    _I,
)
_EOD = re.compile(rf"(?<!\w)(?:{_EOD_RE})(?!\w)", _I)
_THIS_WEEK = re.compile(
    r"(?<!\w)(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?:work(?:ing)?\s+)?week"
    r"|eow|e\.o\.w\.?|this\s+week)(?!\w)",
    _I,
)
_NEXT_WEEK = re.compile(r"(?<!\w)(?:(?:the\s+)?end\s+of\s+)?next\s+week(?!\w)", _I)
_THIS_MONTH = re.compile(
    r"(?<!\w)(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?month|eom|e\.o\.m\.?)(?!\w)", _I
)
_NEXT_MONTH = re.compile(r"(?<!\w)(?:(?:the\s+)?end\s+of\s+)?next\s+month(?!\w)", _I)
_NUM_RE = (
    r"\d{1,4}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|a\s+couple\s+of|couple\s+of|a\s+couple|a\s+few|few|half\s+an?|an?"
)
_UNIT_RE = (
    r"(?:working|business|work)\s+days?|minutes?|mins?|hours?|hrs?|h|days?|weeks?|wks?"
    r"|fortnights?|months?|years?|yrs?"
)
_SPAN = re.compile(
    rf"(?<![\w.])(?:(?P<next>(?:the\s+)?next)\s+(?:(?P<n1>{_NUM_RE})\s*)?|(?P<n2>{_NUM_RE})\s*)"
    rf"(?P<unit>{_UNIT_RE})(?!\w)(?:['’]s?\s+time)?(?P<fromnow>\s+from\s+now)?",
    _I,
)

# Fallback (dateparser) helpers.
_DP_CHUNK = re.compile(
    r"(?<!\w)(?:by|before|on|until|till|due|in|within|at|for)\s+(?P<c>[^.,;!?()\[\]{}\n]{1,80})",
    _I,
)
_SLASH_DATE = re.compile(r"(?<![\w/.])\d{1,2}/\d{1,2}(?:/\d{2,4})?(?![\w/])")
_DATEY_WORDS = re.compile(
    r"(?<!\w)(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|today|tonight|tomorrow|yesterday"
    r"|next|last|ago|from\s+now|fortnights?|weeks?|months?|years?|days?|hours?|minutes?"
    r"|noon|midnight|weekend|morning|afternoon|evening|quarter)(?!\w)"
    r"|\d{1,4}[/.-]\d{1,2}",
    _I,
)
_MONTH_WORD = re.compile(rf"(?<!\w)(?:{_MONTH_RE})(?!\w)", _I)
_HAS_CLOCK_WORDS = re.compile(r"(?<!\w)(?:hours?|hrs?|minutes?|mins?|now)(?!\w)", _I)

_TRAILING_WORD = re.compile(r"(?<!\w)(?:by|before|due|until|till)\Z", _I)
_CONNECTOR_CHARS = " \t\r\n\v\f,;:-\u2013\u2014"


# --------------------------------------------------------------------------------------------
# Resolution context
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ctx:
    now: datetime  # aware, UTC
    tz: ZoneInfo
    local: datetime  # now in tz
    wd: WorkingDay

    @property
    def today(self) -> date:
        return self.local.date()

    def at(self, day: date, at: time | None = None) -> datetime:
        return local_moment(day, at if at is not None else self.wd.end, self.tz)

    def end_of_or_next_working(self, day: date) -> datetime:
        """wd.end on ``day`` if it is a working day still ahead, else the next working day's."""
        if is_working_day(day, self.wd):
            end = self.at(day)
            if end > self.now:
                return end
        return self.at(next_working_day(day, self.wd))


@dataclass(frozen=True)
class _Cand:
    start: int
    end: int
    deadline: datetime
    weak: bool = False  # needs an intro word (or to be the whole text)
    span: bool = False  # relative span: needs in/within/over/..., "from now" or whole text


_DayResolver = Callable[[time | None], datetime | None]


def _time_from(m: re.Match[str]) -> time | None:
    """Build a time from the named groups of ``_TIME_RE`` (or a bare "at 5" hour)."""
    gd = m.groupdict()
    if gd.get("word"):
        word = gd["word"].lower()
        return time(23, 59) if word == "midnight" else time(12, 0)
    if gd.get("h24") is not None and gd.get("mi24") is not None:
        return time(int(gd["h24"]), int(gd["mi24"]))
    if gd.get("h") is not None and gd.get("ap"):
        hour = int(gd["h"])
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if gd["ap"].lower() == "p" else 0)
        return time(hour, int(gd["mi"] or 0))
    if gd.get("bare") is not None:
        hour = int(gd["bare"])
        if not 1 <= hour <= 12:
            return None
        # "at 5" in a work context: 1..7 mean the afternoon, 8..11 the morning.
        return time(hour + 12 if hour < 8 else hour, 0)
    return None


def _part_of_day(part: str, wd: WorkingDay) -> time:
    part = part.lower()
    if part == "morning":
        return wd.start
    if part in ("noon", "midday", "lunch", "lunchtime"):
        return time(12, 0)
    if part in ("evening", "night"):
        return time(21, 0)
    return wd.end  # afternoon, eod, cob


# --------------------------------------------------------------------------------------------
# Day resolvers
# --------------------------------------------------------------------------------------------


def _weekday_resolver(ctx: _Ctx, weekday: int, strictly_after_today: bool) -> _DayResolver:
    def resolve(t: time | None) -> datetime | None:
        delta = (weekday - ctx.today.weekday()) % 7
        if strictly_after_today and delta == 0:
            delta = 7
        result = ctx.at(ctx.today + timedelta(days=delta), t)
        if result <= ctx.now:
            result = ctx.at(ctx.today + timedelta(days=delta + 7), t)
        return result

    return resolve


def _month_day_resolver(ctx: _Ctx, month: int, day: int, year: int | None) -> _DayResolver:
    def resolve(t: time | None) -> datetime | None:
        if year is not None:
            try:
                return ctx.at(date(year, month, day), t)
            except ValueError:
                return None
        for y in range(ctx.today.year, ctx.today.year + 9):
            try:
                result = ctx.at(date(y, month, day), t)
            except ValueError:
                continue
            if result > ctx.now:
                return result
        return None

    return resolve


def _ordinal_resolver(ctx: _Ctx, day: int) -> _DayResolver:
    def resolve(t: time | None) -> datetime | None:
        year, month = ctx.today.year, ctx.today.month
        for _ in range(13):
            try:
                result = ctx.at(date(year, month, day), t)
            except ValueError:
                result = None
            if result is not None and result > ctx.now:
                return result
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return None

    return resolve


def _relday_resolver(ctx: _Ctx, m: re.Match[str]) -> _DayResolver:
    rel = (m.group("rel") or "").lower()
    part = m.group("part") or m.group("this")
    if m.group("this"):
        offset = 0
    elif "after" in rel:
        offset = 2
    elif rel.startswith("tom") or rel.startswith("tm"):
        offset = 1
    elif rel == "yesterday":
        offset = -1
    else:  # today, tonight
        offset = 0
    if rel == "tonight" and part is None:
        part = "night"
    default = _part_of_day(part, ctx.wd) if part else None
    plain_today = rel == "today" and part is None

    def resolve(t: time | None) -> datetime | None:
        if plain_today and t is None:
            end = ctx.at(ctx.today)
            return end if end > ctx.now else ctx.at(next_working_day(ctx.today, ctx.wd))
        return ctx.at(ctx.today + timedelta(days=offset), t if t is not None else default)

    return resolve


def _date_resolver(ctx: _Ctx, day: date) -> _DayResolver:
    def resolve(t: time | None) -> datetime | None:
        return ctx.at(day, t)

    return resolve


# --------------------------------------------------------------------------------------------
# Candidate extraction
# --------------------------------------------------------------------------------------------


def _extend_day(
    window: str, start: int, end: int, resolver: _DayResolver, weak: bool, wd: WorkingDay
) -> _Cand | None:
    """Attach an adjacent clock time ("Friday 5pm", "5pm on Friday", "EOD Friday")."""
    t: time | None = None
    trail = _TRAIL.match(window, end)
    if trail is not None:
        if trail.group("eod"):
            end = trail.end()
        elif trail.group("part"):
            t = _part_of_day(trail.group("part"), wd)
            end = trail.end()
        else:
            t = _time_from(trail)
            if t is not None:
                end = trail.end()
    if t is None:
        prefix_start = max(0, start - 40)
        lead = _LEAD.search(window[prefix_start:start])
        if lead is not None:
            lead_time = _time_from(lead)
            has_clock = bool(lead["h"] or lead["h24"] or lead["word"])
            if lead_time is not None or not has_clock:
                t = lead_time
                start = prefix_start + lead.start()
    try:
        deadline = resolver(t)
    except (ValueError, OverflowError):
        return None
    if deadline is None:
        return None
    return _Cand(start, end, deadline, weak=weak and t is None)


def _add_months(ctx: _Ctx, months: int) -> datetime:
    local = ctx.local
    total = local.month - 1 + months
    year, month = local.year + total // 12, total % 12 + 1
    day = min(local.day, _days_in_month(year, month))
    naive = local.replace(tzinfo=None, year=year, month=month, day=day)
    return naive.replace(tzinfo=ctx.tz).astimezone(UTC)


def _days_in_month(year: int, month: int) -> int:
    first_next = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (first_next - timedelta(days=1)).day


def _number(raw: str | None) -> float:
    if raw is None:
        return 1
    raw = " ".join(raw.lower().split())
    if raw.isdigit():
        return int(raw)
    if raw.startswith("half"):
        return 0.5
    for word in ("couple", "few"):
        if word in raw:
            return _NUMBER_WORDS[word]
    return _NUMBER_WORDS.get(raw, 1)


def _span_deadline(ctx: _Ctx, n: float, unit: str) -> datetime | None:
    unit = " ".join(unit.lower().split())
    if unit.endswith(("day", "days")) and " " in unit:  # working/business days
        count = int(n)
        day = ctx.today
        for _ in range(min(count, 5000)):
            day = next_working_day(day, ctx.wd)
        return ctx.at(day)
    if unit.startswith("mo"):
        months = n
    elif unit.startswith("y"):
        months = n * 12
    else:
        months = 0
    if months:
        if months == int(months):
            return _add_months(ctx, int(months))
        return ctx.now + timedelta(days=30 * months)
    if unit.startswith("min"):
        delta = timedelta(minutes=n)
    elif unit.startswith("h"):
        delta = timedelta(hours=n)
    elif unit.startswith("d"):
        delta = timedelta(days=n)
    elif unit.startswith("f"):
        delta = timedelta(days=14 * n)
    else:  # weeks
        delta = timedelta(weeks=n)
    return ctx.now + delta


def _regex_candidates(window: str, ctx: _Ctx) -> Iterator[_Cand]:
    def day_cands(
        pattern: re.Pattern[str], make: Callable[[re.Match[str]], tuple[_DayResolver, bool] | None]
    ) -> Iterator[_Cand]:
        for m in pattern.finditer(window):
            try:
                made = make(m)
            except (ValueError, OverflowError):
                continue
            if made is None:
                continue
            resolver, weak = made
            cand = _extend_day(window, m.start(), m.end(), resolver, weak, ctx.wd)
            if cand is not None:
                yield cand

    def fixed(m: re.Match[str], fn: Callable[[], datetime | None], **flags: bool) -> _Cand | None:
        try:
            deadline = fn()
        except (ValueError, OverflowError):
            return None
        return None if deadline is None else _Cand(m.start(), m.end(), deadline, **flags)

    # ISO 8601 date-times: exact instants when zoned, local wall time otherwise.
    for m in _ISO_DT.finditer(window):
        cand = fixed(m, lambda m=m: _iso_instant(m, ctx))
        if cand is not None:
            yield cand

    def iso_date(m: re.Match[str]) -> tuple[_DayResolver, bool]:
        return _date_resolver(ctx, date(int(m["y"]), int(m["m"]), int(m["d"]))), False

    yield from day_cands(_ISO_DATE, iso_date)

    def month_day(m: re.Match[str]) -> tuple[_DayResolver, bool]:
        month = _MONTHS[m["mon"][:3].lower()]
        year = int(m["year"]) if m["year"] else None
        weak = m["mon"].lower() == "may" and year is None  # "these 3 may need..."
        return _month_day_resolver(ctx, month, int(m["day"]), year), weak

    yield from day_cands(_MONTH_DAY, month_day)
    yield from day_cands(_DAY_MONTH, month_day)

    def ordinal(m: re.Match[str]) -> tuple[_DayResolver, bool]:
        which = (m["which"] or "").lower()
        day = int(m["day"])
        if which == "next":
            today = ctx.today
            year, month = today.year + today.month // 12, today.month % 12 + 1
            return _date_resolver(ctx, date(year, month, day)), False
        return _ordinal_resolver(ctx, day), not which

    yield from day_cands(_ORDINAL, ordinal)

    def weekday(m: re.Match[str]) -> tuple[_DayResolver, bool]:
        name = m["wd"].lower()
        index = next(i for i, full in enumerate(_FULL_WEEKDAYS) if full.startswith(name[:3]))
        mod = (m["mod"] or "").lower()
        weak = name not in _FULL_WEEKDAYS and not mod
        return _weekday_resolver(ctx, index, mod == "next"), weak

    yield from day_cands(_WEEKDAY, weekday)
    yield from day_cands(_RELDAY, lambda m: (_relday_resolver(ctx, m), False))

    for m in _EOD.finditer(window):
        cand = fixed(m, lambda: ctx.end_of_or_next_working(ctx.today))
        if cand is not None:
            yield cand

    def this_week() -> datetime:
        result = ctx.at(last_working_day_of_week(ctx.today, ctx.wd))
        if result <= ctx.now:
            result = ctx.at(last_working_day_of_week(ctx.today + timedelta(days=7), ctx.wd))
        return result

    def this_month() -> datetime:
        today = ctx.today
        result = ctx.at(last_working_day_of_month(today.year, today.month, ctx.wd))
        if result <= ctx.now:
            result = next_month()
        return result

    def next_month() -> datetime:
        today = ctx.today
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        return ctx.at(last_working_day_of_month(year, month, ctx.wd))

    simple: list[tuple[re.Pattern[str], Callable[[], datetime | None]]] = [
        (_THIS_WEEK, this_week),
        (
            _NEXT_WEEK,
            lambda: ctx.at(last_working_day_of_week(ctx.today + timedelta(days=7), ctx.wd)),
        ),
        (_THIS_MONTH, this_month),
        (_NEXT_MONTH, next_month),
    ]
    for pattern, fn in simple:
        for m in pattern.finditer(window):
            cand = fixed(m, fn)
            if cand is not None:
                yield cand

    for m in _SPAN.finditer(window):
        n = _number(m["n1"] if m["next"] else m["n2"])
        cand = fixed(m, lambda m=m, n=n: _span_deadline(ctx, n, m["unit"]), span=not m["fromnow"])
        if cand is not None:
            yield cand

    for m in _TIME_ONLY.finditer(window):
        t = _time_from(m)
        if t is None:
            continue

        def at_time(t: time = t) -> datetime:
            result = ctx.at(ctx.today, t)
            return result if result > ctx.now else ctx.at(ctx.today + timedelta(days=1), t)

        cand = fixed(m, at_time, weak=bool(m["word"]))
        if cand is not None:
            yield cand


def _iso_instant(m: re.Match[str], ctx: _Ctx) -> datetime | None:
    frac = m["F"] or ""
    naive = datetime(
        int(m["y"]),
        int(m["m"]),
        int(m["d"]),
        int(m["H"]),
        int(m["M"]),
        int(m["S"] or 0),
        int(frac.ljust(6, "0")) if frac else 0,
    )
    z = (m["z"] or "").upper()
    if not z:
        return naive.replace(tzinfo=ctx.tz).astimezone(UTC)
    if z in ("Z", "UTC", "GMT"):
        return naive.replace(tzinfo=UTC)
    sign = -1 if z[0] == "-" else 1
    digits = z[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        return None
    offset = timezone(sign * timedelta(hours=hours, minutes=minutes))
    return naive.replace(tzinfo=offset).astimezone(UTC)


# --------------------------------------------------------------------------------------------
# dateparser fallback
# --------------------------------------------------------------------------------------------


def _looks_datey(chunk: str) -> bool:
    if _TIME_ONLY.search(chunk) or _DATEY_WORDS.search(chunk):
        return True
    return bool(_MONTH_WORD.search(chunk) and any(c.isdigit() for c in chunk))


def _dateparser_parse(chunk: str, ctx: _Ctx) -> datetime | None:
    try:
        import dateparser

        settings: dict[str, Any] = {
            "PREFER_DATES_FROM": "future",
            "RETURN_AS_TIMEZONE_AWARE": True,
            "TIMEZONE": ctx.tz.key,
            "RELATIVE_BASE": ctx.local.replace(tzinfo=None),
            "PARSERS": ["relative-time", "custom-formats", "absolute-time"],
        }
        result = dateparser.parse(chunk, languages=["en"], settings=settings)
    except Exception:  # dateparser can raise on odd input; treat as "not a date"
        return None
    if not isinstance(result, datetime):
        return None
    try:
        if result.tzinfo is None or result.utcoffset() is None:
            local = result.replace(tzinfo=ctx.tz)
        else:
            local = result.astimezone(ctx.tz)
        if abs(local.year - ctx.today.year) > 10:
            return None
        if _TIME_ONLY.search(chunk) is None and _HAS_CLOCK_WORDS.search(chunk) is None:
            return ctx.at(local.date())
        return local.replace(tzinfo=None).replace(tzinfo=ctx.tz).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _dateparser_candidate(window: str, ctx: _Ctx) -> _Cand | None:
    # (start, end) spans of chunks to try, most preferred first.
    attempts: list[tuple[int, int]] = []
    for m in reversed(list(_DP_CHUNK.finditer(window))[-3:]):
        words = list(re.finditer(r"\S+", m["c"]))[:6]
        base = m.start("c")
        for k in range(len(words), 0, -1):
            attempts.append((base, base + words[k - 1].end()))
    for m in reversed(list(_SLASH_DATE.finditer(window))[-2:]):
        end = m.end()
        trail = _TRAIL.match(window, end)
        if trail is not None and _time_from(trail) is not None:
            attempts.append((m.start(), trail.end()))
        attempts.append((m.start(), end))
    stripped = window.strip()
    if 0 < len(stripped) <= 60:
        first = len(window) - len(window.lstrip())
        attempts.append((first, first + len(stripped)))

    calls = 0
    seen: set[tuple[int, int]] = set()
    for start, end in attempts:
        if (start, end) in seen:
            continue
        seen.add((start, end))
        chunk = window[start:end]
        if not _looks_datey(chunk):
            continue
        if calls >= _MAX_DATEPARSER_CALLS:
            break
        calls += 1
        deadline = _dateparser_parse(chunk, ctx)
        if deadline is not None:
            return _Cand(start, end, deadline)
    return None


# --------------------------------------------------------------------------------------------
# Choosing, tidying, public API
# --------------------------------------------------------------------------------------------


def _choose(window: str, cands: list[_Cand]) -> tuple[_Cand, int] | None:
    """Pick the best candidate and the start of its phrase (including any intro word)."""
    first = len(window) - len(window.lstrip())
    last = len(window.rstrip(" \t\r\n.!?"))
    scored: list[tuple[int, _Cand, int]] = []
    for cand in cands:
        intro = _INTRO.search(window, max(0, cand.start - 30), cand.start)
        strength, phrase_start, word = 0, cand.start, ""
        if intro is not None:
            strength = 2 if intro["strong"] else 1
            phrase_start = intro.start()
            # "@ 5pm" reads as "at 5pm"
            word = (intro["strong"] or intro["weak"] or "at").lower().split()[-1]
        whole = cand.start <= first and cand.end >= last
        if cand.span:
            ok = word in _SPAN_INTRO_WORDS or whole
        elif cand.weak:
            ok = strength > 0 or whole
        else:
            ok = True
        if ok:
            scored.append((strength, cand, phrase_start))
    if not scored:
        return None
    # Resolve overlaps: longer phrases win; on ties prefer fixed dates over spans.
    scored.sort(key=lambda s: (-(s[1].end - s[2]), s[1].span, -s[1].end))
    kept: list[tuple[int, _Cand, int]] = []
    for item in scored:
        _, cand, start = item
        if all(cand.end <= k_start or start >= k.end for _, k, k_start in kept):
            kept.append(item)
    strength, best, start = max(kept, key=lambda s: (s[0], s[1].end))
    return best, start


def _strip_trailing_connectors(text: str) -> str:
    while True:
        stripped = text.rstrip(_CONNECTOR_CHARS)
        m = _TRAILING_WORD.search(stripped[-12:])
        if m is not None:
            stripped = stripped[: len(stripped) - len(m.group())]
        if stripped == text:
            return text
        text = stripped


def _tidy(text: str) -> str:
    return " ".join(text.split())


def _tidy_rest(text: str) -> str:
    """Tidy what is left after removing the phrase; punctuation alone ("." ) becomes ""."""
    tidy = _tidy(text)
    if all(unicodedata.category(c).startswith("P") or c == " " for c in tidy):
        return ""
    return tidy


def _remove_phrase(text: str, start: int, end: int) -> str:
    left = _strip_trailing_connectors(text[:start])
    right = text[end:].lstrip()
    if not left.strip():
        right = right.lstrip(_CONNECTOR_CHARS)
        return _tidy_rest(_strip_trailing_connectors(right))
    if right and right[0] in ",.;:!?)]}":
        # "call Jane by Friday, then email" -> "call Jane, then email"
        return _tidy_rest(_strip_trailing_connectors(left + right))
    return _tidy_rest(_strip_trailing_connectors(f"{left} {right}" if right else left))


def _missing(text: str) -> ParsedDeadline:
    try:
        description = _tidy(text)
    except Exception:
        description = ""
    return ParsedDeadline(None, None, description, DeadlineProblem.MISSING)


def _aware_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_deadline(
    text: str,
    *,
    now: datetime,
    tz: str | ZoneInfo,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> ParsedDeadline:
    """Find the deadline in ``text`` relative to ``now`` in time zone ``tz``. Never raises."""
    if not isinstance(text, str):
        text = ""
    try:
        return _parse(text, now, tz, working_day)
    except Exception:
        log.exception("parse_deadline failed; treating the deadline as missing")
        return _missing(text)


def _parse(text: str, now: datetime, tz: str | ZoneInfo, wd: WorkingDay) -> ParsedDeadline:
    z = zone(tz)
    now_utc = _aware_utc(now)
    ctx = _Ctx(now=now_utc, tz=z, local=now_utc.astimezone(z), wd=wd)
    offset = max(0, len(text) - WINDOW)
    window = text[offset:]

    chosen = _choose(window, list(_regex_candidates(window, ctx)))
    if chosen is None:
        fallback = _dateparser_candidate(window, ctx)
        chosen = _choose(window, [fallback]) if fallback is not None else None
    if chosen is None:
        return _missing(text)
    cand, phrase_start = chosen
    start, end = offset + phrase_start, offset + cand.end
    deadline = cand.deadline.astimezone(UTC)
    problem = DeadlineProblem.PAST if deadline <= now_utc else None
    return ParsedDeadline(deadline, text[start:end], _remove_phrase(text, start, end), problem)


def warm_up() -> None:
    """Import dateparser and parse a few phrases so the first real call is fast."""
    now = datetime.now(UTC)
    try:
        berlin = zone("Europe/Berlin")
        ctx = _Ctx(now=now, tz=berlin, local=now.astimezone(berlin), wd=DEFAULT_WORKING_DAY)
        for phrase in (
            "next tuesday at noon",
            "the 15th of next month",
            "12/03",
            "12/03/2026 14:00",
            "3 december 2026",
            "in a fortnight",
        ):
            _dateparser_parse(phrase, ctx)
    except Exception:  # warm-up is best effort
        log.debug("dateparser warm-up failed", exc_info=True)
    for phrase in (
        "call Jane Doe back about the supervisor role by Friday 5pm",
        "send the quote by the 15th of next month",
        "stay in touch over the next two weeks",
        "refund order 1182 by EOD",
    ):
        parse_deadline(phrase, now=now, tz="UTC")


_WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_deadline(deadline: datetime, tz: str | ZoneInfo) -> str:
    """Human form in the owner's zone, e.g. "Fri 27 Nov, 17:00 PST" (locale-independent)."""
    local = _aware_utc(deadline).astimezone(zone(tz))
    abbr = local.tzname() or ""
    text = (
        f"{_WEEKDAY_ABBR[local.weekday()]} {local.day} {_MONTH_ABBR[local.month - 1]}, "
        f"{local.hour:02d}:{local.minute:02d}"
    )
    return f"{text} {abbr}" if abbr else text
