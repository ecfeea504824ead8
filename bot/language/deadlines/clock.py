"""Times of day as written ("5pm", "half past three", a bare "4") and parts of the day."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time

from bot.language.deadlines.vocabulary import HOUR_WORDS, MINUTE_WORDS, MONTH_NAMES
from bot.language.workdays import (
    WorkingDay,
)


@dataclass(frozen=True)
class Clock:
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


def exact_clock(t: time) -> Clock:
    return Clock((t,))


def bare_clock(hour: int, minute: int = 0) -> Clock | None:
    """Hour 1..12 without am/pm: both readings."""
    if not 1 <= hour <= 12:
        return None
    am = time(hour % 12, minute)
    pm = time(hour % 12 + 12, minute)
    return Clock((am, pm))


def month_name(month: int) -> str:
    return MONTH_NAMES[month - 1]


def show_day(day: date) -> str:
    return f"{day.day} {month_name(day.month)} {day.year}"


def minutes_word(raw: str) -> int | None:
    raw = " ".join(raw.lower().replace("-", " ").split())
    raw = raw.removeprefix("a ").removesuffix(" minutes")
    if raw == "twenty five":
        return 25
    if raw.isdigit():
        value = int(raw)
        return value if 0 < value < 60 else None
    return MINUTE_WORDS.get(raw)


def hour_of(raw: str) -> int:
    return int(raw) if raw.isdigit() else HOUR_WORDS[raw.lower()]


def with_ampm(hour: int, minute: int, ap: str | None) -> Clock | None:
    if ap:
        if not 1 <= hour <= 12:
            return None
        return exact_clock(time(hour % 12 + (12 if ap.lower() == "p" else 0), minute))
    if hour == 0 or hour > 12:
        return exact_clock(time(hour, minute)) if hour <= 23 else None
    return bare_clock(hour, minute)


def clock_from(m: re.Match[str]) -> Clock | None:
    """Build a clock from the named groups of ``TIME_RE`` (or a bare "at 5" hour)."""
    gd = m.groupdict()
    if gd.get("word"):
        word = gd["word"].lower()
        return exact_clock(time(23, 59) if word == "midnight" else time(12, 0))
    if gd.get("h24") is not None and gd.get("mi24") is not None:
        raw, minute = gd["h24"], int(gd["mi24"])
        hour = int(raw)
        if (len(raw) == 2 and raw.startswith("0")) or hour == 0 or hour > 12:
            return exact_clock(time(hour, minute))
        return bare_clock(hour, minute)
    if gd.get("hhmm") is not None:
        raw = gd["hhmm"]
        if raw.startswith("20") and not gd.get("hrs"):
            return None  # "by 2030" is a year more often than 20:30
        return exact_clock(time(int(raw[:2]), int(raw[2:])))
    if gd.get("h") is not None and gd.get("ap"):
        return with_ampm(int(gd["h"]), int(gd["mi"] or 0), gd["ap"])
    if gd.get("rel") is not None and gd.get("rh") is not None:
        minutes = minutes_word(gd["rel"])
        if minutes is None:
            return None
        hour = hour_of(gd["rh"])
        if not 1 <= hour <= 12:
            return None
        if gd["dir"].lower() in ("to", "till"):
            hour, minutes = (hour - 1) or 12, 60 - minutes
        return with_ampm(hour, minutes, gd.get("rap"))
    if gd.get("half") is not None:  # British "half five" = 5:30
        return bare_clock(hour_of(gd["half"]), 30)
    if gd.get("oh") is not None:
        hour = hour_of(gd["oh"])
        return with_ampm(hour, 0, gd.get("oap")) if 1 <= hour <= 12 else None
    if gd.get("btw") is not None:  # "between 2 and 4": the end of the window
        return with_ampm(int(gd["btw"]), int(gd["btwm"] or 0), gd.get("btwap"))
    for group in ("bare", "lbare"):
        if gd.get(group) is not None:
            return bare_clock(int(gd[group]))
    return None


def part_of_day(part: str, wd: WorkingDay) -> time:
    part = " ".join(part.lower().split())
    if part == "morning" or part.startswith("first thing"):
        return wd.start
    if part in ("noon", "midday", "lunch", "lunchtime"):
        return time(12, 0)
    if part in ("evening", "night"):
        return time(21, 0)
    return wd.end  # afternoon, eod, cob


# --------------------------------------------------------------------------------------------
