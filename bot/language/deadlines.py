"""Finding and resolving the deadline inside a promise's text (SPEC §2.3).

``parse_deadline`` looks for a deadline phrase in free text, resolves it in the owner's time
zone (or the zone the phrase names) against an injected ``now``, and splits the text into the
deadline and the rest (the description).  Everything is regular expressions over a window at
the end of the text: no I/O, no guessing library.

Never silently wrong: an impossible date ("April 31"), a past reference ("last Monday"), a
numeric date the owner's locale does not settle ("4/11"), an ambiguous zone ("IST" for someone
in Berlin) or a deadline more than five years away comes back as a problem with a ``detail``
to show; date-, time- or zone-looking fragments that were not used are listed in ``ignored``.

The function never raises: any failure degrades to "no deadline found".
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from enum import StrEnum
from functools import partial
from zoneinfo import ZoneInfo

from bot.language.workdays import (
    DEFAULT_WORKING_DAY,
    WorkingDay,
    first_working_day_of_week,
    is_working_day,
    last_working_day_of_month,
    last_working_day_of_week,
    next_working_day,
    zone,
)
from bot.language.zones import (
    UNKNOWN_ZONE,
    NamedZone,
    ZoneMention,
    ambiguity,
    find_zones,
    tz_for_key,
)
from bot.language.zones import warm_up as _warm_zones

__all__ = [
    "FAR_AHEAD",
    "MAX_AHEAD",
    "DateOrder",
    "DeadlineProblem",
    "ParsedDeadline",
    "date_order",
    "format_as_written",
    "format_deadline",
    "parse_deadline",
    "warm_up",
]

log = logging.getLogger(__name__)

# Only the last WINDOW characters of a long text are searched for the deadline phrase.
WINDOW = 300
# A deadline further out than FAR_AHEAD needs the owner's confirmation; past MAX_AHEAD it is
# refused.
FAR_AHEAD = timedelta(days=366)
MAX_AHEAD = timedelta(days=5 * 365 + 2)


class DeadlineProblem(StrEnum):
    MISSING = "missing"  # no deadline phrase
    PAST = "past"  # "yesterday", "last Monday", a time already gone
    IMPOSSIBLE = "impossible"  # "April 31", month 13
    UNCLEAR = "unclear"  # needs the owner to say: "4/11" with no locale, "IST" from Berlin
    TOO_FAR = "too_far"  # more than MAX_AHEAD away


class DateOrder(StrEnum):
    MONTH_FIRST = "month_first"  # 4/11 = 11 April (en-US)
    DAY_FIRST = "day_first"  # 4/11 = 4 November (en-GB, en-AU, de-DE, ...)


@dataclass(frozen=True)
class ParsedDeadline:
    deadline: datetime | None  # aware, in UTC; None when there is no usable moment
    phrase: str | None  # exact substring of the input taken as the deadline
    description: str  # the input without the phrase, tidied
    problem: DeadlineProblem | None
    detail: str | None = None  # what is wrong, for the owner ("there's no 31 April")
    zone: NamedZone | None = None  # the zone the phrase named, when it named one
    ignored: tuple[str, ...] = ()  # date/time/zone-looking fragments that were not used
    far: bool = False  # more than FAR_AHEAD away: ask before recording


# --------------------------------------------------------------------------------------------
# Locale
# --------------------------------------------------------------------------------------------

_MONTH_FIRST_LOCALES = frozenset({"en-us", "es-us", "en-ph"})
_MONTH_FIRST_LANGUAGES = frozenset({"ja", "zh", "ko"})
_DAY_FIRST_ENGLISH = frozenset(
    {
        "en-gb",
        "en-au",
        "en-in",
        "en-nz",
        "en-ie",
        "en-za",
        "en-sg",
        "en-hk",
        "en-ng",
        "en-ke",
        "en-pk",
        "en-my",
    }
)
_DAY_FIRST_LANGUAGES = frozenset(
    {"de", "fr", "es", "it", "pt", "ru", "nl", "pl", "tr", "sv", "da", "nb", "nn", "no", "fi"}
    | {"cs", "sk", "uk", "el", "id", "vi", "he", "ar", "ro", "hu", "bg", "hr", "sr", "sl"}
    | {"lt", "lv", "et", "ca", "gl", "eu", "ms", "th"}
)
_UNSETTLED_LOCALES = frozenset({"en-ca", "fr-ca"})  # both orders are common there


def date_order(locale: str | None) -> DateOrder | None:
    """How the owner writes numeric dates, from their Slack locale; None when unknown."""
    if not locale or not isinstance(locale, str):
        return None
    loc = locale.strip().replace("_", "-").lower()
    if loc in _UNSETTLED_LOCALES:
        return None
    if loc in _MONTH_FIRST_LOCALES:
        return DateOrder.MONTH_FIRST
    if loc in _DAY_FIRST_ENGLISH:
        return DateOrder.DAY_FIRST
    language = loc.split("-")[0]
    if language in _MONTH_FIRST_LANGUAGES:
        return DateOrder.MONTH_FIRST
    if language in _DAY_FIRST_LANGUAGES:
        return DateOrder.DAY_FIRST
    return None


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
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MAX_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_RE = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
# any weekday, full or abbreviated (bot.language.cadence too)
WEEKDAY_RE = (
    r"mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?"
    r"|fri(?:day)?|sat(?:urday)?|sun(?:day)?"
)
_FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# one to twelve in words: clock hours, and counts of days or weeks (bot.language.cadence too)
HOUR_WORDS: dict[str, int] = {
    word: n
    for n, word in enumerate(
        (
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
        ),
        start=1,
    )
}
_NUMBER_WORDS: dict[str, float] = {**HOUR_WORDS, "a": 1, "an": 1, "few": 3, "couple": 2}
_HW = "|".join(HOUR_WORDS)
_MINUTE_WORDS = {"half": 30, "quarter": 15, "five": 5, "ten": 10, "twenty": 20}

# A clock time.  Group names are unique per pattern; _clock_from reads them.
_TIME_RE = (
    r"(?:(?P<h>\d{1,2})(?:[:.](?P<mi>[0-5]\d))?\s*(?P<ap>[ap])\.?m\.?(?!\w)"
    r"|(?P<h24>[01]?\d|2[0-3]):(?P<mi24>[0-5]\d)(?:\s*(?:hrs|h)(?!\w))?(?![\d:])"
    r"|(?P<hhmm>(?:[01]\d|2[0-3])[0-5]\d)(?:\s*(?P<hrs>hrs|hours|h)(?!\w))?(?![\w:]|[.,/-]\d)"
    r"|(?P<rel>half|(?:a\s+)?quarter|twenty[-\s]five|twenty|ten|five|\d{1,2}(?:\s+minutes)?)"
    rf"\s+(?P<dir>past|after|to|till)\s+(?P<rh>\d{{1,2}}|{_HW})(?!\w)"
    r"(?:\s*(?P<rap>[ap])\.?m\.?(?!\w))?"
    rf"|(?P<oh>\d{{1,2}}|{_HW})\s*o['’]?\s?clock(?!\w)(?:\s*(?P<oap>[ap])\.?m\.?(?!\w))?"
    rf"|half\s+(?P<half>{_HW}|\d{{1,2}})(?!\w|\s*(?:an?\s|hours?|days?|weeks?|months?|of\s))"
    r"|(?P<word>noon|midday|midnight|lunch\s*time|lunch))"
)
_EOD_RE = (
    r"eod|cob|eob|e\.o\.d\.?|c\.o\.b\.?"
    r"|end\s+of\s+(?:the\s+)?(?:business\s+|working\s+|work\s+)?day"
    r"|close\s+of\s+(?:business|play)|end\s+of\s+business|end\s+of\s+play"
)

_I = re.IGNORECASE

_TIME_ONLY = re.compile(rf"(?<![\w:./$£€#-]){_TIME_RE}", _I)
_TRAIL = re.compile(
    r"\s*,?\s*(?:between|from)\s+[\w:.]+(?:\s*[ap]\.?m\.?)?\s+(?:and|to|-)\s+"
    r"(?P<btw>\d{1,2})(?::(?P<btwm>[0-5]\d))?(?:\s*(?P<btwap>[ap])\.?m\.?)?(?!\w)"
    rf"|\s*,?\s*(?:(?:at|by|before|around|until|@)\s*)?{_TIME_RE}"
    r"|\s*,?\s*(?:at|@|by|before|until|around)\s*(?P<bare>\d{1,2})(?=\s*(?:[.,;:!?)\]]|\Z))"
    rf"|\s*,?\s*(?P<eod>{_EOD_RE})(?!\w)"
    r"|\s+(?:in\s+the\s+)?(?P<part>morning|afternoon|arvo|evening|night|lunchtime"
    r"|first\s+thing(?:\s+in\s+the\s+morning)?)(?!\w)",
    _I,
)
_LEAD = re.compile(
    rf"(?:(?<![\w:./-]){_TIME_RE}\s*,?\s*(?:on\s+)?"
    r"|(?<!\w)(?:by|at|before|@)\s*(?P<lbare>\d{1,2})\s*,?\s*(?:on\s+)?"
    r"|(?<!\w)(?P<first>first\s+thing(?:\s+in\s+the\s+morning)?)\s*,?\s*(?:on\s+)?"
    rf"|(?<!\w)(?:{_EOD_RE}|end\s+of(?:\s+the)?(?:\s+day)?)\s*,?\s*(?:on\s+)?)\Z",
    _I,
)
_STRONG_INTROS = (
    r"due\s+(?:by|on|before|until|in|within)|due|no\s+later\s+than|not\s+later\s+than"
    r"|latest\s+by|by|before|on|within|in|over|until|till|til"
)
_WEAK_INTROS = r"during|for|at|around|after"
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
_NUMERIC_DATE = re.compile(
    r"(?<![\w/.:$£€#-])(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})"
    r"(?:(?P=sep)(?P<y>\d{4}|\d{2}))?(?![\w/]|[.,]\d)",
    _I,
)
_MONTH_DAY = re.compile(
    rf"(?<!\w)(?P<mon>{_MONTH_RE})\.?\s+(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?!\w)"
    r"(?:,?\s+(?P<year>\d{4})(?![\w:]))?",
    _I,
)
_DAY_MONTH = re.compile(
    rf"(?<![\w/.:-])(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?(?P<mon>{_MONTH_RE})"
    r"(?!\w)\.?(?:,?\s+(?P<year>\d{4})(?![\w:]))?",
    _I,
)
_ORDINAL = re.compile(
    r"(?<!\w)the\s+(?P<day>\d{1,2})(?:st|nd|rd|th)(?!\w)"
    r"(?:\s+of\s+(?P<which>this|next|the\s+month)(?:\s+month)?(?!\w))?"
    # "on the 3rd floor" is not a date: reject when a noun-like word follows.
    r"(?!\s+(?!(?:at|by|before|until|and|or|then|to|please|latest|eod|cob|end|so|if|when|for"
    r"|in|with|about|re|morning|afternoon|evening|noon|first)(?!\w))[a-z])",
    _I,
)
_WEEKDAY = re.compile(
    rf"(?<!\w)(?:(?P<mod>this\s+coming|this|next|coming)\s+)?(?P<wd>{WEEKDAY_RE})(?!\w)", _I
)
_WEEKDAY_WEEK = re.compile(
    r"(?<!\w)(?:a\s+week\s+(?:on\s+|from\s+|after\s+|this\s+|next\s+)?"
    rf"(?P<wa>{WEEKDAY_RE}|today|tomorrow)"
    rf"|(?P<wb>{WEEKDAY_RE})\s+(?:week|after\s+next)"
    rf"|(?:the\s+)?(?P<wc>{WEEKDAY_RE})\s+(?:of\s+|in\s+)?next\s+week"
    rf"|next\s+week(?:\s+on|,)?\s+(?P<wn>{WEEKDAY_RE})"
    rf"|(?P<wt>{WEEKDAY_RE})\s+(?:of\s+)?this\s+week)(?!\w)",
    _I,
)
_RELDAY = re.compile(
    r"(?<!\w)(?:(?P<rel>(?:the\s+)?day\s+after\s+tomorrow|today|tonight|tomorrow|tomorow"
    r"|tmrw|tmr|tmrow|yesterday)(?:\s+(?P<part>morning|afternoon|evening|night|noon|midday"
    r"|lunchtime|lunch))?|this\s+(?P<this>morning|afternoon|evening))(?!\w)",
    _I,
)
_PAST_REF = re.compile(
    rf"(?<!\w)(?:(?:last|past|previous)\s+(?P<pwd>{WEEKDAY_RE})"
    r"|(?:the\s+)?(?:last|past|previous)\s+(?P<pper>week(?:end)?|month|year|night)"
    r"|(?:the\s+)?(?:last|past|previous)\s+(?P<pn2>\d{1,4}|two|three|four|five|six|seven"
    r"|few|couple\s+of)\s+(?P<pu2>minutes|hours|days|weeks|months|years)"
    r"|(?P<pn>\d{1,4}|an?|one|two|three|four|five|six|seven|eight|nine|ten|a\s+few"
    r"|a\s+couple\s+of)\s*(?P<pu>minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)"
    r"\s+ago|(?P<pdby>(?:the\s+)?day\s+before\s+yesterday)|(?P<pearly>earlier\s+today))(?!\w)",
    _I,
)
_EOD = re.compile(rf"(?<!\w)(?:{_EOD_RE})(?!\w)", _I)
_THIS_WEEK = re.compile(
    r"(?<!\w)(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?:work(?:ing)?\s+)?week"
    r"|eow|e\.o\.w\.?|this\s+week)(?!\w)",
    _I,
)
_NEXT_WEEK = re.compile(r"(?<!\w)(?:(?:the\s+)?end\s+of\s+)?next\s+week(?!\w)", _I)
_WEEK_AFTER_NEXT = re.compile(
    r"(?<!\w)(?:(?:the\s+)?end\s+of\s+)?(?:the\s+)?week\s+after\s+next(?!\w)", _I
)
_PART_OF_WEEK = re.compile(
    r"(?<!\w)(?P<pw>early|mid|(?:the\s+)?middle\s+of|late|later)\s*-?\s*"
    r"(?:(?:the\s+)?(?P<pwn>next|this|the)\s+)?week(?!\w)",
    _I,
)
_WEEKEND = re.compile(
    r"(?<!\w)(?P<wkp>by|before|over|during|at|on|this)\s+(?:the\s+)?weekend(?!\w)", _I
)
_THIS_MONTH = re.compile(
    r"(?<!\w)(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?month|eom|e\.o\.m\.?"
    r"|(?:the\s+)?month[-\s]end)(?!\w)",
    _I,
)
_NEXT_MONTH = re.compile(r"(?<!\w)(?:(?:the\s+)?end\s+of\s+)?next\s+month(?!\w)", _I)
_END_OF_PERIOD = re.compile(
    r"(?<!\w)(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?P<eper>quarter|year)"
    r"|(?P<eabbr>eoq|eoy)|(?:the\s+)?end\s+of\s+next\s+(?P<enext>quarter|year)"
    rf"|(?:the\s+)?end\s+of\s+(?P<emon>{_MONTH_RE}))(?!\w)",
    _I,
)
_FIRST_THING = re.compile(
    r"(?<!\w)(?:first\s+thing(?:\s+in\s+the\s+morning)?|(?:by|in)\s+the\s+morning"
    r"|by\s+morning)(?!\w)",
    _I,
)
_WITHIN_HOUR = re.compile(r"(?<!\w)within\s+the\s+(?:next\s+)?(?P<wu>hour|day)(?!\w)", _I)
_BARE_HOUR = re.compile(
    r"(?<!\w)(?:by|at|before|until|till|@)\s*(?P<bh>\d{1,2})(?::(?P<bm>[0-5]\d))?"
    r"(?=\s*(?:[.,;:!?)\]]|\Z|(?:and|then|please|pls|latest)(?!\w)))",
    _I,
)
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
    rf"(?P<unit>{_UNIT_RE})(?!\w)(?:['’]s?\s+time)?(?P<fromnow>\s+from\s+(?:now|today))?",
    _I,
)
_LOOSE_MONTH = re.compile(
    r"(?<!\w)(?:January|February|March|April|June|July|August|September|October|November"
    r"|December|jan(?:uary)?|feb(?:ruary)?|apr(?:il)?|june|july|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?!\w)"
)

_TRAILING_WORD = re.compile(r"(?<!\w)(?:by|before|due|until|till)\Z", _I)
_CONNECTOR_CHARS = " \t\r\n\v\f,;:-\u2013\u2014"
_ZONE_GAP = re.compile(r"[\s(,]{0,3}\Z")


# --------------------------------------------------------------------------------------------
# Resolution context
# --------------------------------------------------------------------------------------------


class _OutOfRange(Exception):
    """A day too far from today to be a deadline (or to compute without overflow)."""

    def __init__(self, day: date) -> None:
        super().__init__(day)
        self.day = day


@dataclass(frozen=True)
class _Issue:
    problem: DeadlineProblem
    detail: str
    moment: datetime | None = None


_Outcome = datetime | _Issue | None


@dataclass(frozen=True)
class _Clock:
    """A time of day as written: one reading, or the am and pm readings of a bare hour."""

    options: tuple[time, ...]

    @property
    def bare(self) -> bool:
        return len(self.options) > 1

    def on_day(self, wd: WorkingDay) -> time:
        """The reading for a given day: inside the working day if one is, else the nearest."""
        inside = [t for t in self.options if wd.start <= t <= wd.end]
        if inside:
            return inside[0]

        def distance(t: time) -> tuple[int, int]:
            minutes = t.hour * 60 + t.minute
            start = wd.start.hour * 60 + wd.start.minute
            end = wd.end.hour * 60 + wd.end.minute
            return (start - minutes if minutes < start else minutes - end), -minutes

        return min(self.options, key=distance)


def _exact(t: time) -> _Clock:
    return _Clock((t,))


def _bare(hour: int, minute: int = 0) -> _Clock | None:
    """Hour 1..12 without am/pm: both readings."""
    if not 1 <= hour <= 12:
        return None
    am = time(hour % 12, minute)
    pm = time(hour % 12 + 12, minute)
    return _Clock((am, pm))


@dataclass(frozen=True)
class _Ctx:
    now: datetime  # aware, UTC
    tz: tzinfo
    local: datetime  # now in tz
    wd: WorkingDay
    order: DateOrder | None

    @property
    def today(self) -> date:
        return self.local.date()

    def at(self, day: date, at: time | None = None) -> datetime:
        if not 2 <= day.year <= self.today.year + 6:
            raise _OutOfRange(day)
        t = at if at is not None else self.wd.end
        naive = datetime(day.year, day.month, day.day, t.hour, t.minute, t.second, t.microsecond)
        return naive.replace(tzinfo=self.tz).astimezone(UTC)

    def on(self, day: date, clock: _Clock | None) -> datetime:
        return self.at(day, clock.on_day(self.wd) if clock is not None else None)

    def end_of_or_next_working(self, day: date) -> datetime:
        """wd.end on ``day`` if it is a working day still ahead, else the next working day's."""
        if is_working_day(day, self.wd):
            end = self.at(day)
            if end > self.now:
                return end
        return self.at(next_working_day(day, self.wd))

    def next_working_at(self, clock: _Clock) -> datetime:
        """The next moment (working days, from today) showing this clock inside working hours;
        a clock with no reading inside them: its nearest reading, today or tomorrow."""
        inside = [t for t in clock.options if self.wd.start <= t <= self.wd.end]
        if inside:
            day = self.today
            for _ in range(40):
                if is_working_day(day, self.wd):
                    for t in inside:
                        moment = self.at(day, t)
                        if moment > self.now:
                            return moment
                day += timedelta(days=1)
        t = clock.on_day(self.wd)
        moment = self.at(self.today, t)
        return moment if moment > self.now else self.at(self.today + timedelta(days=1), t)


@dataclass(frozen=True)
class _Cand:
    start: int
    end: int
    deadline: datetime | None
    issue: _Issue | None = None
    weak: bool = False  # needs an intro word (or to be the whole text)
    span: bool = False  # relative span: needs in/within/over/..., "from now" or whole text
    zone: NamedZone | None = None
    weekday: int | None = None  # the weekday a "Friday" phrase names
    dated: bool = False  # a calendar date ("Dec 4", "12/4", "the 4th")


_DayResolver = Callable[[_Clock | None], _Outcome]


def _month_name(month: int) -> str:
    return _MONTH_NAMES[month - 1]


def _show_day(day: date) -> str:
    return f"{day.day} {_month_name(day.month)} {day.year}"


def _minutes_word(raw: str) -> int | None:
    raw = " ".join(raw.lower().replace("-", " ").split())
    raw = raw.removeprefix("a ").removesuffix(" minutes")
    if raw == "twenty five":
        return 25
    if raw.isdigit():
        value = int(raw)
        return value if 0 < value < 60 else None
    return _MINUTE_WORDS.get(raw)


def _hour_of(raw: str) -> int:
    return int(raw) if raw.isdigit() else HOUR_WORDS[raw.lower()]


def _with_ampm(hour: int, minute: int, ap: str | None) -> _Clock | None:
    if ap:
        if not 1 <= hour <= 12:
            return None
        return _exact(time(hour % 12 + (12 if ap.lower() == "p" else 0), minute))
    if hour == 0 or hour > 12:
        return _exact(time(hour, minute)) if hour <= 23 else None
    return _bare(hour, minute)


def _clock_from(m: re.Match[str]) -> _Clock | None:
    """Build a clock from the named groups of ``_TIME_RE`` (or a bare "at 5" hour)."""
    gd = m.groupdict()
    if gd.get("word"):
        word = gd["word"].lower()
        return _exact(time(23, 59) if word == "midnight" else time(12, 0))
    if gd.get("h24") is not None and gd.get("mi24") is not None:
        raw, minute = gd["h24"], int(gd["mi24"])
        hour = int(raw)
        if (len(raw) == 2 and raw.startswith("0")) or hour == 0 or hour > 12:
            return _exact(time(hour, minute))
        return _bare(hour, minute)
    if gd.get("hhmm") is not None:
        raw = gd["hhmm"]
        if raw.startswith("20") and not gd.get("hrs"):
            return None  # "by 2030" is a year more often than 20:30
        return _exact(time(int(raw[:2]), int(raw[2:])))
    if gd.get("h") is not None and gd.get("ap"):
        return _with_ampm(int(gd["h"]), int(gd["mi"] or 0), gd["ap"])
    if gd.get("rel") is not None and gd.get("rh") is not None:
        minutes = _minutes_word(gd["rel"])
        if minutes is None:
            return None
        hour = _hour_of(gd["rh"])
        if not 1 <= hour <= 12:
            return None
        if gd["dir"].lower() in ("to", "till"):
            hour, minutes = (hour - 1) or 12, 60 - minutes
        return _with_ampm(hour, minutes, gd.get("rap"))
    if gd.get("half") is not None:  # British "half five" = 5:30
        return _bare(_hour_of(gd["half"]), 30)
    if gd.get("oh") is not None:
        hour = _hour_of(gd["oh"])
        return _with_ampm(hour, 0, gd.get("oap")) if 1 <= hour <= 12 else None
    if gd.get("btw") is not None:  # "between 2 and 4": the end of the window
        return _with_ampm(int(gd["btw"]), int(gd["btwm"] or 0), gd.get("btwap"))
    for group in ("bare", "lbare"):
        if gd.get(group) is not None:
            return _bare(int(gd[group]))
    return None


def _part_of_day(part: str, wd: WorkingDay) -> time:
    part = " ".join(part.lower().split())
    if part == "morning" or part.startswith("first thing"):
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
    def resolve(clock: _Clock | None) -> _Outcome:
        delta = (weekday - ctx.today.weekday()) % 7
        if strictly_after_today and delta == 0:
            delta = 7
        result = ctx.on(ctx.today + timedelta(days=delta), clock)
        if result <= ctx.now:
            result = ctx.on(ctx.today + timedelta(days=delta + 7), clock)
        return result

    return resolve


def _valid_day(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _impossible(month: int, day: int, year: int | None = None) -> _Issue | None:
    if not 1 <= month <= 12:
        return _Issue(DeadlineProblem.IMPOSSIBLE, f"there's no month {month}")
    if not 1 <= day <= _MAX_DAYS[month - 1]:
        return _Issue(DeadlineProblem.IMPOSSIBLE, f"there's no {day} {_month_name(month)}")
    if year is not None and not _valid_day(year, month, day):
        return _Issue(
            DeadlineProblem.IMPOSSIBLE, f"there's no {day} {_month_name(month)} in {year}"
        )
    return None


def _month_day_resolver(ctx: _Ctx, month: int, day: int, year: int | None) -> _DayResolver:
    """A calendar date; without a year, the nearest one (a date just gone is in the past)."""
    problem = _impossible(month, day, year)

    def resolve(clock: _Clock | None) -> _Outcome:
        if problem is not None:
            return problem
        if year is not None:
            return ctx.on(date(year, month, day), clock)
        this_year = ctx.today.year
        options: list[datetime] = []
        for y in (this_year - 1, this_year, this_year + 1, this_year + 2):
            if _valid_day(y, month, day):
                try:
                    options.append(ctx.on(date(y, month, day), clock))
                except _OutOfRange:
                    continue
        if not options:
            return _Issue(DeadlineProblem.IMPOSSIBLE, f"there's no {day} {_month_name(month)}")
        future = [o for o in options if o > ctx.now]
        past = [o for o in options if o <= ctx.now]
        if not future:
            return past[-1]
        if past and ctx.now - past[-1] < future[0] - ctx.now:
            return past[-1]
        return future[0]

    return resolve


def _ordinal_resolver(ctx: _Ctx, day: int) -> _DayResolver:
    def resolve(clock: _Clock | None) -> _Outcome:
        if not 1 <= day <= 31:
            return _Issue(DeadlineProblem.IMPOSSIBLE, f"no month has a {day}th day")
        year, month = ctx.today.year, ctx.today.month
        for _ in range(13):
            if _valid_day(year, month, day):
                result = ctx.on(date(year, month, day), clock)
                if result > ctx.now:
                    return result
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return None

    return resolve


def _relday_resolver(ctx: _Ctx, m: re.Match[str]) -> _DayResolver:
    rel = " ".join((m.group("rel") or "").lower().split())
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

    def resolve(clock: _Clock | None) -> _Outcome:
        if plain_today and clock is None:
            end = ctx.at(ctx.today)
            return end if end > ctx.now else ctx.at(next_working_day(ctx.today, ctx.wd))
        day = ctx.today + timedelta(days=offset)
        if clock is not None:
            return ctx.on(day, clock)
        return ctx.at(day, default)

    return resolve


def _date_resolver(ctx: _Ctx, day: date) -> _DayResolver:
    def resolve(clock: _Clock | None) -> _Outcome:
        return ctx.on(day, clock)

    return resolve


def _numeric_resolver(ctx: _Ctx, m: re.Match[str]) -> _DayResolver | None:
    a, b = int(m["a"]), int(m["b"])
    raw_year = m["y"]
    if m["sep"] == "." and raw_year is None:
        return None  # "4.11" is a version or a number more often than a date
    year = None if raw_year is None else int(raw_year) + (2000 if len(raw_year) == 2 else 0)
    written = m.group(0)

    def valid(month: int, day: int) -> bool:
        return _impossible(month, day, year) is None

    order = ctx.order
    if order is None:
        month_first, day_first = valid(a, b), valid(b, a)
        if month_first and day_first and a != b:
            return lambda _clock: _Issue(
                DeadlineProblem.UNCLEAR,
                f"is {written} {b} {_month_name(a)} or {a} {_month_name(b)}? Your Slack "
                f"language setting doesn't say, so write the month as a word, e.g. "
                f"“{a} {_month_name(b)[:3]}” or “{_month_name(a)[:3]} {b}”",
            )
        if month_first:
            return _month_day_resolver(ctx, a, b, year)
        if day_first:
            return _month_day_resolver(ctx, b, a, year)
        return lambda _clock: _Issue(
            DeadlineProblem.IMPOSSIBLE, f"{written} isn't a date, whichever way round it's read"
        )
    month, day = (a, b) if order is DateOrder.MONTH_FIRST else (b, a)
    problem = _impossible(month, day, year)
    if problem is not None:
        how = "month/day" if order is DateOrder.MONTH_FIRST else "day/month"
        return lambda _clock: replace(
            problem,
            detail=f"{problem.detail} (your Slack language setting reads {written} as {how})",
        )
    return _month_day_resolver(ctx, month, day, year)


def _past_resolver(ctx: _Ctx, m: re.Match[str]) -> _DayResolver:
    """ "last Monday", "last week", "3 days ago": a moment in the past (the caller says so)."""

    def resolve(clock: _Clock | None) -> _Outcome:
        today = ctx.today
        if m["pwd"]:
            index = _weekday_index(m["pwd"])
            back = (today.weekday() - index) % 7 or 7
            return ctx.on(today - timedelta(days=back), clock)
        if m["pper"]:
            period = m["pper"].lower()
            if period == "week":
                return ctx.at(last_working_day_of_week(today - timedelta(days=7), ctx.wd))
            if period == "weekend":
                return ctx.at(today - timedelta(days=today.weekday() + 1))
            if period == "month":
                first = today.replace(day=1) - timedelta(days=1)
                return ctx.at(last_working_day_of_month(first.year, first.month, ctx.wd))
            if period == "night":
                return ctx.at(today - timedelta(days=1), time(21, 0))
            return ctx.at(date(today.year - 1, 12, 31))
        if m["pdby"]:
            return ctx.on(today - timedelta(days=2), clock)
        if m["pearly"]:
            return ctx.now
        n = min(_number(m["pn"] or m["pn2"]), 10000)
        unit = (m["pu"] or m["pu2"]).lower()
        if unit.startswith("y"):
            return _Issue(DeadlineProblem.PAST, f"“{m.group(0)}” is in the past")
        seconds = {"mi": 60, "h": 3600, "d": 86400, "w": 604800, "mo": 2629800}
        key = next(k for k in ("mi", "mo", "h", "d", "w") if unit.startswith(k))
        return ctx.now - timedelta(seconds=n * seconds[key])

    return resolve


def _weekday_index(name: str) -> int:
    return next(i for i, full in enumerate(_FULL_WEEKDAYS) if full.startswith(name[:3].lower()))


def _weekday_week_resolver(ctx: _Ctx, m: re.Match[str]) -> _DayResolver:
    """ "Thursday week", "a week on Thursday", "Thursday next week", "Monday this week"."""
    today = ctx.today
    monday = today - timedelta(days=today.weekday())
    if m["wa"] and m["wa"].lower() in ("today", "tomorrow"):
        day = today + timedelta(days=7 if m["wa"].lower() == "today" else 8)
    elif m["wa"] or m["wb"]:
        index = _weekday_index(m["wa"] or m["wb"])
        day = today + timedelta(days=(index - today.weekday()) % 7 + 7)
    elif m["wc"] or m["wn"]:
        day = monday + timedelta(days=7 + _weekday_index(m["wc"] or m["wn"]))
    else:
        day = monday + timedelta(days=_weekday_index(m["wt"]))
    return _date_resolver(ctx, day)


# --------------------------------------------------------------------------------------------
# Candidate extraction
# --------------------------------------------------------------------------------------------


def _range_issue(ctx: _Ctx, day: date) -> _Issue:
    if day < ctx.today:
        return _Issue(DeadlineProblem.PAST, f"{_show_day(day)} is long gone")
    return _Issue(
        DeadlineProblem.TOO_FAR,
        f"{_show_day(day)} is more than 5 years away; I only track promises up to 5 years ahead",
    )


def _outcome_cand(
    start: int, end: int, outcome: _Outcome, *, weak: bool = False, span: bool = False
) -> _Cand | None:
    if outcome is None:
        return None
    if isinstance(outcome, _Issue):
        return _Cand(start, end, outcome.moment, issue=outcome, weak=weak, span=span)
    return _Cand(start, end, outcome, weak=weak, span=span)


def _extend_day(
    window: str, start: int, end: int, resolver: _DayResolver, weak: bool, ctx: _Ctx
) -> _Cand | None:
    """Attach an adjacent clock time ("Friday 5pm", "5pm on Friday", "EOD Friday")."""
    clock: _Clock | None = None
    trail = _TRAIL.match(window, end)
    if trail is not None:
        if trail.group("eod"):
            end = trail.end()
        elif trail.group("part"):
            clock = _exact(_part_of_day(trail.group("part"), ctx.wd))
            end = trail.end()
        else:
            clock = _clock_from(trail)
            if clock is not None:
                end = trail.end()
    if clock is None:
        prefix_start = max(0, start - 40)
        lead = _LEAD.search(window, prefix_start, start)
        if lead is not None:
            if lead["first"]:
                clock = _exact(ctx.wd.start)
                start = lead.start()
            else:
                has_clock = any(
                    lead[g] is not None
                    for g in ("h", "h24", "hhmm", "rel", "oh", "half", "word", "lbare")
                )
                lead_clock = _clock_from(lead) if has_clock else None
                if lead_clock is not None or not has_clock:
                    clock = lead_clock
                    start = lead.start()
    try:
        outcome = resolver(clock)
    except _OutOfRange as out:
        outcome = _range_issue(ctx, out.day)
    except (ValueError, OverflowError):
        return None
    return _outcome_cand(start, end, outcome, weak=weak and clock is None)


def _add_months(ctx: _Ctx, months: int) -> datetime:
    local = ctx.local
    total = local.month - 1 + months
    year, month = local.year + total // 12, total % 12 + 1
    day = min(local.day, _days_in_month(year, month))
    naive = datetime(year, month, day, local.hour, local.minute, local.second, local.microsecond)
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


_TOO_FAR = _Issue(
    DeadlineProblem.TOO_FAR, "that's more than 5 years away; I only track promises up to 5 years"
)


def _span_deadline(ctx: _Ctx, n: float, unit: str) -> _Outcome:
    unit = " ".join(unit.lower().split())
    if unit.endswith(("day", "days")) and " " in unit:  # working/business days
        count = int(n)
        if count > 5 * 262:
            return _TOO_FAR
        day = ctx.today
        for _ in range(count):
            day = next_working_day(day, ctx.wd)
        return ctx.at(day)
    if unit.startswith("mo"):
        months = n
    elif unit.startswith("y"):
        months = n * 12
    else:
        months = 0
    if months:
        if months > 61:
            return _TOO_FAR
        if months == int(months):
            return _add_months(ctx, int(months))
        return ctx.now + timedelta(days=30 * months)
    if unit.startswith("min"):
        seconds = 60 * n
    elif unit.startswith("h"):
        seconds = 3600 * n
    elif unit.startswith("d"):
        seconds = 86400 * n
    elif unit.startswith("f"):
        seconds = 14 * 86400 * n
    else:  # weeks
        seconds = 7 * 86400 * n
    if seconds > MAX_AHEAD.total_seconds() + 86400:
        return _TOO_FAR
    return ctx.now + timedelta(seconds=seconds)


_WEEKDAY_DATE_GAP = re.compile(r"[\s,]{1,3}(?:the\s+)?")
_OR_GAP = re.compile(r"\s*,?\s*or\s+(?:(?:by|on|before|at)\s+)?")


def _regex_candidates(window: str, ctx: _Ctx) -> list[_Cand]:
    """Every candidate, plus merged ones: "Friday 12/4" (the weekday checks the date) and
    "Monday or Tuesday" (the later one)."""
    cands = list(_single_candidates(window, ctx))
    merged: list[_Cand] = []
    weekdays = [c for c in cands if c.weekday is not None]
    dates = [c for c in cands if c.dated]
    for a in weekdays:
        for b in dates:
            if a.end <= b.start and _WEEKDAY_DATE_GAP.fullmatch(window, a.end, b.start):
                merged.append(_weekday_and_date(ctx, a, b))
    for a in cands:
        for b in cands:
            if (
                a.end <= b.start
                and not a.span
                and not b.span
                and _OR_GAP.fullmatch(window, a.end, b.start)
            ):
                merged.append(_either(ctx, a, b))
    return cands + merged


def _weekday_and_date(ctx: _Ctx, a: _Cand, b: _Cand) -> _Cand:
    if b.issue is not None or b.deadline is None or a.weekday is None:
        return replace(b, start=a.start, weekday=None, dated=False)
    local = b.deadline.astimezone(ctx.tz).date()
    if local.weekday() == a.weekday:
        return replace(b, start=a.start, weekday=None, dated=False)
    named = _FULL_WEEKDAYS[a.weekday].capitalize()
    actual = _FULL_WEEKDAYS[local.weekday()].capitalize()
    question = (
        f"{local.day} {_month_name(local.month)} is a {actual}, not a {named}: "
        "which day did you mean?"
    )
    return _Cand(a.start, b.end, None, issue=_Issue(DeadlineProblem.UNCLEAR, question))


def _either(ctx: _Ctx, a: _Cand, b: _Cand) -> _Cand:
    """ "Friday or Monday": the later of the two is the deadline ("Monday or Tuesday" said on a
    Tuesday means the Tuesday after that Monday)."""
    for cand in (a, b):
        if cand.issue is not None:
            return replace(cand, start=a.start, end=b.end, weekday=None, dated=False)
    first, second = a.deadline, b.deadline
    assert first is not None and second is not None
    if a.weekday is not None and b.weekday is not None and second < first:
        local = second.astimezone(ctx.tz)
        try:
            second = ctx.at(local.date() + timedelta(days=7), local.time())
        except _OutOfRange:
            return _Cand(a.start, b.end, None, issue=_range_issue(ctx, local.date()))
        b = replace(b, deadline=second)
    later = a if first >= second else b
    return replace(later, start=a.start, end=b.end, weekday=None, dated=False, weak=False)


def _single_candidates(window: str, ctx: _Ctx) -> Iterator[_Cand]:
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
            cand = _extend_day(window, m.start(), m.end(), resolver, weak, ctx)
            if cand is not None:
                yield cand

    def fixed(m: re.Match[str], fn: Callable[[], _Outcome], **flags: bool) -> _Cand | None:
        try:
            outcome = fn()
        except _OutOfRange as out:
            outcome = _range_issue(ctx, out.day)
        except (ValueError, OverflowError):
            return None
        return _outcome_cand(m.start(), m.end(), outcome, **flags)

    # ISO 8601 date-times: exact instants when zoned, local wall time otherwise.
    for m in _ISO_DT.finditer(window):
        cand = fixed(m, partial(_iso_instant, m, ctx))
        if cand is not None:
            yield cand

    def iso_date(m: re.Match[str]) -> tuple[_DayResolver, bool]:
        year, month, day = int(m["y"]), int(m["m"]), int(m["d"])
        problem = _impossible(month, day, year)
        if problem is not None:
            return (lambda _clock: problem), False
        return _date_resolver(ctx, date(year, month, day)), False

    for cand in day_cands(_ISO_DATE, iso_date):
        yield replace(cand, dated=True)

    def numeric(m: re.Match[str]) -> tuple[_DayResolver, bool] | None:
        resolver = _numeric_resolver(ctx, m)
        return None if resolver is None else (resolver, False)

    for cand in day_cands(_NUMERIC_DATE, numeric):
        yield replace(cand, dated=True)

    def month_day(m: re.Match[str]) -> tuple[_DayResolver, bool]:
        month = _MONTHS[m["mon"][:3].lower()]
        year = int(m["year"]) if m["year"] else None
        weak = m["mon"].lower() in ("may", "mar") and year is None  # "these 3 may need..."
        return _month_day_resolver(ctx, month, int(m["day"]), year), weak

    for pattern in (_MONTH_DAY, _DAY_MONTH):
        for cand in day_cands(pattern, month_day):
            yield replace(cand, dated=True)

    def ordinal(m: re.Match[str]) -> tuple[_DayResolver, bool]:
        which = (m["which"] or "").lower()
        day = int(m["day"])
        if which == "next":
            today = ctx.today
            year, month = today.year + today.month // 12, today.month % 12 + 1
            problem = _impossible(month, day, year)
            if problem is not None:
                return (lambda _clock: problem), False
            return _date_resolver(ctx, date(year, month, day)), False
        return _ordinal_resolver(ctx, day), not which

    for cand in day_cands(_ORDINAL, ordinal):
        yield replace(cand, dated=True)

    def weekday(m: re.Match[str]) -> tuple[_DayResolver, bool]:
        name = m["wd"].lower()
        mod = (m["mod"] or "").lower()
        weak = name not in _FULL_WEEKDAYS and not mod
        return _weekday_resolver(ctx, _weekday_index(name), mod == "next"), weak

    for m in _WEEKDAY.finditer(window):
        resolver, weak = weekday(m)
        cand = _extend_day(window, m.start(), m.end(), resolver, weak, ctx)
        if cand is not None:
            yield replace(cand, weekday=_weekday_index(m["wd"]))
    yield from day_cands(_WEEKDAY_WEEK, lambda m: (_weekday_week_resolver(ctx, m), False))
    yield from day_cands(_RELDAY, lambda m: (_relday_resolver(ctx, m), False))
    yield from day_cands(_PAST_REF, lambda m: (_past_resolver(ctx, m), False))

    for m in _EOD.finditer(window):
        cand = fixed(m, lambda: ctx.end_of_or_next_working(ctx.today))
        if cand is not None:
            yield cand

    def week_end(offset_days: int) -> datetime:
        return ctx.at(last_working_day_of_week(ctx.today + timedelta(days=offset_days), ctx.wd))

    def this_week() -> datetime:
        result = week_end(0)
        return result if result > ctx.now else week_end(7)

    def this_month() -> datetime:
        today = ctx.today
        result = ctx.at(last_working_day_of_month(today.year, today.month, ctx.wd))
        return result if result > ctx.now else next_month()

    def next_month() -> datetime:
        today = ctx.today
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        return ctx.at(last_working_day_of_month(year, month, ctx.wd))

    def first_thing() -> datetime:
        return ctx.next_working_at(_exact(ctx.wd.start))

    simple: list[tuple[re.Pattern[str], Callable[[], _Outcome]]] = [
        (_THIS_WEEK, this_week),
        (_NEXT_WEEK, lambda: week_end(7)),
        (_WEEK_AFTER_NEXT, lambda: week_end(14)),
        (_THIS_MONTH, this_month),
        (_NEXT_MONTH, next_month),
        (_FIRST_THING, first_thing),
    ]
    for pattern, fn in simple:
        for m in pattern.finditer(window):
            cand = fixed(m, fn)
            if cand is not None:
                yield cand

    for m in _PART_OF_WEEK.finditer(window):
        cand = fixed(m, partial(_part_of_week, ctx, m))
        if cand is not None:
            yield cand

    for m in _WEEKEND.finditer(window):
        cand = fixed(m, partial(_weekend, ctx, m["wkp"].lower()))
        if cand is not None:
            yield cand

    for m in _END_OF_PERIOD.finditer(window):
        cand = fixed(m, partial(_end_of_period, ctx, m))
        if cand is not None:
            yield cand

    for m in _WITHIN_HOUR.finditer(window):
        if m["wu"].lower() == "hour":
            cand = fixed(m, lambda: ctx.now + timedelta(hours=1))
        else:
            cand = fixed(m, lambda: ctx.end_of_or_next_working(ctx.today))
        if cand is not None:
            yield cand

    for m in _SPAN.finditer(window):
        n = _number(m["n1"] if m["next"] else m["n2"])
        cand = fixed(m, partial(_span_deadline, ctx, n, m["unit"]), span=not m["fromnow"])
        if cand is not None:
            yield cand

    for m in _TIME_ONLY.finditer(window):
        clock = _clock_from(m)
        if clock is None:
            continue

        def at_time(clock: _Clock = clock) -> datetime:
            if clock.bare:
                return ctx.next_working_at(clock)
            t = clock.options[0]
            result = ctx.at(ctx.today, t)
            return result if result > ctx.now else ctx.at(ctx.today + timedelta(days=1), t)

        weak = bool(m["word"]) or (m["hhmm"] is not None and not m["hrs"])
        cand = fixed(m, at_time, weak=weak)
        if cand is not None:
            yield cand

    for m in _BARE_HOUR.finditer(window):
        bare = _bare(int(m["bh"]), int(m["bm"] or 0))
        if bare is None:
            continue
        cand = fixed(m, partial(ctx.next_working_at, bare))
        if cand is not None:
            yield replace(cand, start=m.start("bh"))


def _part_of_week(ctx: _Ctx, m: re.Match[str]) -> datetime:
    which = (m["pwn"] or "this").lower()
    base = ctx.today + timedelta(days=7 if which == "next" else 0)
    part = m["pw"].lower()
    if part == "early":
        day = first_working_day_of_week(base, ctx.wd)
    elif part.startswith(("late", "later")):
        day = last_working_day_of_week(base, ctx.wd)
    else:
        day = base - timedelta(days=base.weekday()) + timedelta(days=2)
    result = ctx.at(day)
    if result <= ctx.now and which != "next":
        return ctx.end_of_or_next_working(ctx.today)
    return result


def _weekend(ctx: _Ctx, prep: str) -> datetime:
    if prep in ("by", "before"):
        result = ctx.at(last_working_day_of_week(ctx.today, ctx.wd))
        if result > ctx.now:
            return result
        return ctx.at(last_working_day_of_week(ctx.today + timedelta(days=7), ctx.wd))
    # over / during / this weekend: done by the start of the next working week
    monday = ctx.today - timedelta(days=ctx.today.weekday()) + timedelta(days=7)
    day = monday if is_working_day(monday, ctx.wd) else next_working_day(monday, ctx.wd)
    return ctx.at(day, ctx.wd.start)


def _end_of_period(ctx: _Ctx, m: re.Match[str]) -> _Outcome:
    today = ctx.today
    if m["emon"]:
        month = _MONTHS[m["emon"][:3].lower()]
        for year in (today.year, today.year + 1):
            result = ctx.at(last_working_day_of_month(year, month, ctx.wd))
            if result > ctx.now:
                return result
        return None
    what = (m["eper"] or m["enext"] or m["eabbr"][-1]).lower()
    upcoming = not m["enext"]
    if what.startswith("q"):
        month = ((today.month - 1) // 3 + 1) * 3
        year = today.year
        ends = []
        for _ in range(3):
            ends.append(ctx.at(last_working_day_of_month(year, month, ctx.wd)))
            year, month = (year + 1, 3) if month == 12 else (year, month + 3)
    else:
        ends = [
            ctx.at(last_working_day_of_month(y, 12, ctx.wd))
            for y in (today.year, today.year + 1, today.year + 2)
        ]
    future = [e for e in ends if e > ctx.now]
    if upcoming:
        return future[0]
    # "end of next quarter/year": the period after the current one
    return ends[1] if ends[0] > ctx.now else future[1]


def _iso_instant(m: re.Match[str], ctx: _Ctx) -> _Outcome:
    year, month, day = int(m["y"]), int(m["m"]), int(m["d"])
    problem = _impossible(month, day, year)
    if problem is not None:
        return problem
    hour, minute, second = int(m["H"]), int(m["M"]), int(m["S"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        return _Issue(DeadlineProblem.IMPOSSIBLE, f"there's no {m['H']}:{m['M']} on a clock")
    if not 2 <= year <= ctx.today.year + 6:
        raise _OutOfRange(date(year, month, day))
    frac = m["F"] or ""
    naive = datetime(year, month, day, hour, minute, second, int(frac.ljust(6, "0")) if frac else 0)
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
# Named zones
# --------------------------------------------------------------------------------------------


def _touches(window: str, cand: _Cand, mention: ZoneMention) -> bool:
    if cand.start <= mention.start < cand.end:
        return True
    return cand.end <= mention.start and bool(_ZONE_GAP.match(window, cand.end, mention.start))


def _zoned_candidates(
    window: str, ctx: _Ctx, owner_key: str
) -> tuple[list[_Cand], list[ZoneMention]]:
    """All candidates; those next to a named zone are resolved in that zone.

    Returns the candidates and the zone mentions no candidate used.
    """
    mentions = find_zones(window, owner_key)
    if not mentions:
        return list(_regex_candidates(window, ctx)), []
    chars = list(window)
    for mention in mentions:
        start, end = mention.start, mention.end
        if window[start - 1 : start] == "(" and window[end : end + 1] == ")":
            start, end = start - 1, end + 1  # "5pm (ET) Friday"
        chars[start:end] = " " * (end - start)
    masked = "".join(chars)
    base = list(_regex_candidates(masked, ctx))
    zoned: list[_Cand] = []
    used: set[int] = set()
    by_zone: dict[str, list[_Cand]] = {}
    for index, mention in enumerate(mentions):
        end = mention.end
        if window[end : end + 1] == ")":
            end += 1
        if mention.zone is not None:
            key = mention.zone.key
            if key not in by_zone:
                tz = tz_for_key(key)
                zctx = replace(ctx, tz=tz, local=ctx.now.astimezone(tz))
                by_zone[key] = list(_regex_candidates(masked, zctx))
            for cand in by_zone[key]:
                if _touches(window, cand, mention):
                    zoned.append(replace(cand, end=max(cand.end, end), zone=mention.zone))
                    used.add(index)
        else:
            for cand in base:
                if _touches(window, cand, mention) and not cand.span:
                    if mention.ambiguous == UNKNOWN_ZONE:
                        question = (
                            f"which time zone is “{mention.label}”? Write it, e.g. “9am ET”, "
                            "“9am Europe/London” or “9am UTC+1”"
                        )
                    else:
                        question = (
                            f"{mention.label} could mean {ambiguity(mention.ambiguous or '')} "
                            "time; write the zone another way, e.g. “3pm Asia/Kolkata” or "
                            "“3pm UTC+5:30”"
                        )
                    issue = _Issue(DeadlineProblem.UNCLEAR, question)
                    zoned.append(_Cand(cand.start, max(cand.end, end), None, issue=issue))
                    used.add(index)
    touched = [m for i, m in enumerate(mentions) if i in used]
    kept = [c for c in base if not any(_touches(window, c, m) for m in touched)]
    unused = [m for i, m in enumerate(mentions) if i not in used and m.strong]
    return kept + zoned, unused


# --------------------------------------------------------------------------------------------
# Choosing, tidying, public API
# --------------------------------------------------------------------------------------------

_Scored = tuple[int, _Cand, int]


def _choose(window: str, cands: list[_Cand]) -> tuple[_Cand, int, list[_Scored]] | None:
    """Pick the best candidate and the start of its phrase (including any intro word); also
    the other candidates it beat (non-overlapping), to mention them."""
    first = len(window) - len(window.lstrip())
    last = len(window.rstrip(" \t\r\n.!?"))
    scored: list[_Scored] = []
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
    scored.sort(key=lambda s: (-(s[1].end - s[2]), s[1].span, s[1].zone is None, -s[1].end))
    kept: list[_Scored] = []
    for item in scored:
        _, cand, start = item
        if all(cand.end <= k_start or start >= k.end for _, k, k_start in kept):
            kept.append(item)
    best = max(kept, key=lambda s: (s[0], s[1].end))
    others = [item for item in kept if item is not best]
    return best[1], best[2], others


def _fragment(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:39] + "…"


def _ignored(
    window: str,
    others: list[_Scored],
    unused_zones: list[ZoneMention],
    used: tuple[int, int] | None,
) -> tuple[str, ...]:
    spans: list[tuple[int, int]] = []
    for strength, cand, start in others:
        if cand.span and strength < 2:
            continue
        if cand.weak and strength < 2:
            continue
        spans.append((start, cand.end))
    covered = [*spans, *([used] if used else [])]
    for mention in unused_zones:
        if not any(s <= mention.start < e for s, e in covered):
            spans.append((mention.start, mention.end))
    for m in _LOOSE_MONTH.finditer(window):
        if not any(s <= m.start() < e for s, e in [*covered, *spans]):
            spans.append((m.start(), m.end()))
    spans.sort()
    out: list[str] = []
    for start, end in spans:
        fragment = _fragment(window[start:end])
        if fragment and fragment not in out:
            out.append(fragment)
    return tuple(out[:3])


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


def _missing(text: str, ignored: tuple[str, ...] = ()) -> ParsedDeadline:
    try:
        description = _tidy(text)
    except Exception:
        description = ""
    return ParsedDeadline(None, None, description, DeadlineProblem.MISSING, ignored=ignored)


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
    locale: str | None = None,
) -> ParsedDeadline:
    """Find the deadline in ``text`` relative to ``now`` in time zone ``tz``.

    ``locale`` is the owner's Slack locale ("en-US", "en-GB", ...): it decides how numeric
    dates like 4/11 read; without it such a date is a question.  Never raises.
    """
    if not isinstance(text, str):
        text = ""
    try:
        return _parse(text, now, tz, working_day, date_order(locale))
    except Exception:
        log.exception("parse_deadline failed; treating the deadline as missing")
        return _missing(text)


def _parse(
    text: str, now: datetime, tz: str | ZoneInfo, wd: WorkingDay, order: DateOrder | None
) -> ParsedDeadline:
    z = zone(tz)
    now_utc = _aware_utc(now)
    ctx = _Ctx(now=now_utc, tz=z, local=now_utc.astimezone(z), wd=wd, order=order)
    offset = max(0, len(text) - WINDOW)
    window = text[offset:]

    cands, unused_zones = _zoned_candidates(window, ctx, z.key)
    chosen = _choose(window, cands)
    if chosen is None:
        return _missing(text, _ignored(window, [], unused_zones, None))
    cand, phrase_start, others = chosen
    ignored = _ignored(window, others, unused_zones, (phrase_start, cand.end))
    start, end = offset + phrase_start, offset + cand.end
    phrase = text[start:end]
    description = _remove_phrase(text, start, end)

    def result(
        deadline: datetime | None, problem: DeadlineProblem | None, detail: str | None = None
    ) -> ParsedDeadline:
        far = deadline is not None and problem is None and deadline - now_utc > FAR_AHEAD
        return ParsedDeadline(
            deadline, phrase, description, problem, detail, cand.zone, ignored, far
        )

    if cand.issue is not None:
        moment = cand.issue.moment if cand.issue.problem is DeadlineProblem.PAST else None
        return result(moment, cand.issue.problem, cand.issue.detail)
    deadline = cand.deadline
    if deadline is None:
        return _missing(text, ignored)
    deadline = deadline.astimezone(UTC)
    if deadline <= now_utc:
        return result(deadline, DeadlineProblem.PAST, f"“{_fragment(phrase)}” is in the past")
    if deadline - now_utc > MAX_AHEAD:
        detail = (
            f"{_show_day(deadline.date())} is more than 5 years away; "
            "I only track promises up to 5 years ahead"
        )
        return result(None, DeadlineProblem.TOO_FAR, detail)
    return result(deadline, None)


def warm_up(working_day: WorkingDay = DEFAULT_WORKING_DAY) -> None:
    """Build the zone tables and compile the patterns so the first real call is fast."""
    _warm_zones()
    now = datetime.now(UTC)
    for phrase in (
        "call Jane Doe back about the supervisor role by Friday 5pm",
        "send the quote by the 15th of next month",
        "stay in touch over the next two weeks",
        "refund order 1182 by EOD",
        "by 2pm ET on 4/11",
        "half past three Thursday week, 1600 in 5 business days",
        "last Monday first thing within the hour end of next quarter",
    ):
        parse_deadline(phrase, now=now, tz="UTC", working_day=working_day, locale="en-US")


_WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _display_zone(tz: str | tzinfo) -> tzinfo:
    if isinstance(tz, str) and tz.startswith("UTC") and len(tz) > 3:
        try:
            return tz_for_key(tz)
        except (ValueError, KeyError):
            return zone("UTC")
    if isinstance(tz, tzinfo) and not isinstance(tz, ZoneInfo):
        return tz
    return zone(tz if isinstance(tz, str | ZoneInfo) else None)


def _local(deadline: datetime, tz: str | tzinfo) -> datetime:
    """``deadline`` in ``tz``; at the very ends of the calendar, where that would overflow,
    in UTC (a deadline near year 9999 still renders)."""
    moment = _aware_utc(deadline)
    try:
        return moment.astimezone(_display_zone(tz))
    except (OverflowError, ValueError):
        return moment


def format_deadline(deadline: datetime, tz: str | tzinfo, *, now: datetime | None = None) -> str:
    """Human form in the viewer's zone, e.g. "Fri 27 Nov, 17:00 PST" (locale-independent);
    the year is added when it is not the current one ("Mon 3 Jan 2028, 17:00 PST")."""
    local = _local(deadline, tz)
    current = _local(now if now is not None else datetime.now(UTC), tz).year
    year = f" {local.year}" if local.year != current else ""
    abbr = local.tzname() or ""
    if abbr.startswith(("+", "-")):
        abbr = f"UTC{abbr}"
    text = (
        f"{_WEEKDAY_ABBR[local.weekday()]} {local.day} {_MONTH_ABBR[local.month - 1]}{year}, "
        f"{local.hour:02d}:{local.minute:02d}"
    )
    return f"{text} {abbr}" if abbr else text


def format_as_written(
    deadline: datetime, named: NamedZone, owner_tz: str | tzinfo, *, now: datetime | None = None
) -> str:
    """The deadline in the zone the owner named, labelled as they wrote it: "14:00 ET", with
    the day when it differs from the owner's ("Thu 26 Nov, 01:00 JST")."""
    there = _local(deadline, named.key)
    here = _local(deadline, owner_tz)
    clock = f"{there.hour:02d}:{there.minute:02d} {named.label}"
    if there.date() == here.date():
        return clock
    shown = format_deadline(deadline, named.key, now=now)
    return shown.rsplit(",", 1)[0] + ", " + clock
