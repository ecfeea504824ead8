"""The table of candidate patterns: one row per kind of phrase, with what it makes.

A **day row** finds a day ("Friday", "Dec 3", "tomorrow") and makes a resolver that takes the
clock time written next to it, if any ("Friday 5pm", "5pm on Friday").  A **moment row** finds
a phrase that is a moment on its own ("EOD", "in 2 hours", "end of the quarter") and makes it.
``candidates.single_candidates`` runs every row over the text; adding a kind of phrase is adding
a row here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.language.deadlines.clock import Clock, bare_clock, clock_from, exact_clock
from bot.language.deadlines.context import Context
from bot.language.deadlines.model import DayResolver, Outcome
from bot.language.deadlines.named_days import NAMED_DAY, named_day
from bot.language.deadlines.periods import (
    end_of_period,
    iso_instant,
    part_of_week,
    span_deadline,
    weekend_deadline,
)
from bot.language.deadlines.resolvers import (
    date_resolver,
    impossible_date,
    month_day_resolver,
    numeric_resolver,
    ordinal_resolver,
    past_resolver,
    relday_resolver,
    weekday_index,
    weekday_resolver,
    weekday_week_resolver,
)
from bot.language.deadlines.vocabulary import (
    BARE_HOUR,
    DAY_MONTH,
    END_OF_PERIOD,
    EOD_WORDS,
    FIRST_THING,
    FULL_WEEKDAYS,
    ISO_DATE,
    ISO_DT,
    MONTH_DAY,
    MONTHS,
    NEXT_MONTH,
    NEXT_WEEK,
    NEXT_WORKING_DAY,
    NUMERIC_DATE,
    ORDINAL,
    PART_OF_WEEK,
    PAST_REF,
    RELDAY,
    SAME_TIME_NEXT_WEEK,
    SPAN,
    THIS_MONTH,
    THIS_WEEK,
    TIME_ONLY,
    WEEK_AFTER_NEXT,
    WEEKDAY,
    WEEKDAY_WEEK,
    WEEKEND,
    WITHIN_HOUR,
    count_of,
)
from bot.language.workdays import (
    last_working_day_of_month,
    last_working_day_of_week,
    next_working_day,
)

Match = re.Match[str]
DayMade = tuple[DayResolver, bool] | None  # the resolver, and whether it is weak


@dataclass(frozen=True)
class DayRow:
    pattern: re.Pattern[str]
    make: Callable[[Match, Context], DayMade]
    dated: bool = False  # a calendar date (a weekday next to it checks it)
    weekday: bool = False  # names a weekday (group "wd")


@dataclass(frozen=True)
class MomentRow:
    pattern: re.Pattern[str]
    make: Callable[[Match, Context], Outcome]
    span: Callable[[Match], bool] = lambda _m: False  # needs in/within/over or "from now"
    weak: Callable[[Match], bool] = lambda _m: False  # needs an intro word
    start_group: str | None = None  # the phrase starts at this group, not at the match


# ------------------------------------------------------------------------------ day makers


def _fixed_problem(outcome: Outcome) -> DayResolver:
    return lambda _clock: outcome


def iso_date(m: Match, ctx: Context) -> DayMade:
    year, month, day = int(m["y"]), int(m["m"]), int(m["d"])
    problem = impossible_date(month, day, year)
    if problem is not None:
        return _fixed_problem(problem), False
    return date_resolver(ctx, date(year, month, day)), False


def numeric_date(m: Match, ctx: Context) -> DayMade:
    resolver = numeric_resolver(ctx, m)
    return None if resolver is None else (resolver, False)


def month_day(m: Match, ctx: Context) -> DayMade:
    month = MONTHS[m["mon"][:3].lower()]
    year = int(m["year"]) if m["year"] else None
    weak = m["mon"].lower() in ("may", "mar") and year is None  # "these 3 may need..."
    return month_day_resolver(ctx, month, int(m["day"]), year), weak


def ordinal(m: Match, ctx: Context) -> DayMade:
    which = (m["which"] or "").lower()
    day = int(m["day"])
    if which == "next":
        today = ctx.today
        year, month = today.year + today.month // 12, today.month % 12 + 1
        problem = impossible_date(month, day, year)
        if problem is not None:
            return _fixed_problem(problem), False
        return date_resolver(ctx, date(year, month, day)), False
    return ordinal_resolver(ctx, day), not which


def weekday(m: Match, ctx: Context) -> DayMade:
    name = m["wd"].lower().rstrip(".")
    mod = (m["mod"] or "").lower()
    weak = name not in FULL_WEEKDAYS and not mod
    return weekday_resolver(ctx, weekday_index(name), mod == "next"), weak


def weekday_week(m: Match, ctx: Context) -> DayMade:
    return weekday_week_resolver(ctx, m), False


def relative_day(m: Match, ctx: Context) -> DayMade:
    return relday_resolver(ctx, m), False


def past_day(m: Match, ctx: Context) -> DayMade:
    return past_resolver(ctx, m), False


def same_day_next_week(_m: Match, ctx: Context) -> DayMade:
    return date_resolver(ctx, ctx.today + timedelta(days=7)), False


def next_working(_m: Match, ctx: Context) -> DayMade:
    return date_resolver(ctx, next_working_day(ctx.today, ctx.wd)), False


# --------------------------------------------------------------------------- moment makers


def week_end(ctx: Context, offset_days: int) -> datetime:
    return ctx.at(last_working_day_of_week(ctx.today + timedelta(days=offset_days), ctx.wd))


def this_week(_m: Match, ctx: Context) -> Outcome:
    result = week_end(ctx, 0)
    return result if result > ctx.now else week_end(ctx, 7)


def next_month(_m: Match, ctx: Context) -> Outcome:
    today = ctx.today
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return ctx.at(last_working_day_of_month(year, month, ctx.wd))


def this_month(m: Match, ctx: Context) -> Outcome:
    today = ctx.today
    result = ctx.at(last_working_day_of_month(today.year, today.month, ctx.wd))
    return result if result > ctx.now else next_month(m, ctx)


def first_thing(_m: Match, ctx: Context) -> Outcome:
    return ctx.next_working_at(exact_clock(ctx.wd.start))


def end_of_day(_m: Match, ctx: Context) -> Outcome:
    return ctx.end_of_or_next_working(ctx.today)


def within_the(m: Match, ctx: Context) -> Outcome:
    if m["wu"].lower() == "hour":
        return ctx.now + timedelta(hours=1)
    return ctx.end_of_or_next_working(ctx.today)


def span(m: Match, ctx: Context) -> Outcome:
    n = count_of(m["n1"] if m["next"] else m["n2"])
    return span_deadline(ctx, n, m["unit"])


def time_of_day(m: Match, ctx: Context) -> Outcome:
    clock = clock_from(m)
    if clock is None:
        return None
    return at_clock(ctx, clock)


def at_clock(ctx: Context, clock: Clock) -> datetime:
    """The next time the clock shows this time (a bare hour: inside the working day)."""
    if clock.bare:
        return ctx.next_working_at(clock)
    t = clock.options[0]
    result = ctx.at(ctx.today, t)
    return result if result > ctx.now else ctx.at(ctx.today + timedelta(days=1), t)


def bare_hour(m: Match, ctx: Context) -> Outcome:
    clock = bare_clock(int(m["bh"]), int(m["bm"] or 0))
    return None if clock is None else ctx.next_working_at(clock)


# In this order (on a tie between overlapping phrases, the earlier row wins).
ROWS: tuple[DayRow | MomentRow, ...] = (
    MomentRow(ISO_DT, lambda m, ctx: iso_instant(m, ctx)),
    DayRow(ISO_DATE, iso_date, dated=True),
    DayRow(NUMERIC_DATE, numeric_date, dated=True),
    DayRow(MONTH_DAY, month_day, dated=True),
    DayRow(DAY_MONTH, month_day, dated=True),
    DayRow(ORDINAL, ordinal, dated=True),
    DayRow(WEEKDAY, weekday, weekday=True),
    DayRow(WEEKDAY_WEEK, weekday_week),
    DayRow(RELDAY, relative_day),
    DayRow(PAST_REF, past_day),
    DayRow(SAME_TIME_NEXT_WEEK, same_day_next_week),
    DayRow(NEXT_WORKING_DAY, next_working),
    DayRow(NAMED_DAY, named_day),
    MomentRow(EOD_WORDS, end_of_day),
    MomentRow(THIS_WEEK, this_week),
    MomentRow(NEXT_WEEK, lambda _m, ctx: week_end(ctx, 7)),
    MomentRow(WEEK_AFTER_NEXT, lambda _m, ctx: week_end(ctx, 14)),
    MomentRow(THIS_MONTH, this_month),
    MomentRow(NEXT_MONTH, next_month),
    MomentRow(FIRST_THING, first_thing),
    MomentRow(PART_OF_WEEK, lambda m, ctx: part_of_week(ctx, m)),
    MomentRow(WEEKEND, lambda m, ctx: weekend_deadline(ctx, m["wkp"].lower())),
    MomentRow(END_OF_PERIOD, lambda m, ctx: end_of_period(ctx, m)),
    MomentRow(WITHIN_HOUR, within_the),
    MomentRow(SPAN, span, span=lambda m: not m["fromnow"]),
    MomentRow(
        TIME_ONLY,
        time_of_day,
        weak=lambda m: bool(m["word"]) or (m["hhmm"] is not None and not m["hrs"]),
    ),
    MomentRow(BARE_HOUR, bare_hour, start_group="bh"),
)
